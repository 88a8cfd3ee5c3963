from django.apps import AppConfig


class CockpitConfig(AppConfig):
    name = "luoshi.cockpit"
    label = "cockpit"

    def ready(self) -> None:
        # The cockpit's rollups follow every matter change and every warning scan.
        from luoshi.matters import listeners

        from . import rollups

        listeners.on_matter_changed(rollups.matter_changed)
        listeners.on_matters_changed(rollups.matter_changed, rollups.sync)
        listeners.on_matters_scanned(rollups.after_scan)
