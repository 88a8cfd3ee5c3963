from django.apps import AppConfig


class CockpitConfig(AppConfig):
    name = "luoshi.cockpit"
    label = "cockpit"

    def ready(self) -> None:
        # The cockpit's rollups follow every move of a matter's standing (after each
        # service's change and each warning scan).
        from luoshi.matters import listeners

        from . import rollups

        listeners.on_standings_moved(
            rollups.standings_moved, table=rollups.standings_moved_in_table
        )
