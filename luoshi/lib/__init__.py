"""Pure helpers with no models: working-day calendar, formatting."""
