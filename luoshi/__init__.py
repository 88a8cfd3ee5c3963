"""Luoshi (落实): turns a city's plans into supervised delivery."""
