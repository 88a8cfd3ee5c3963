from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HazardsConfig(AppConfig):
    name = "luoshi.hazards"
    label = "hazards"
    verbose_name = _("Hazard register")

    def ready(self) -> None:
        # The hazard scan (re-inspection warnings, overdue alerts to the leader in charge)
        # runs with every warning scan of matters (`luoshi scan`); a rectification that
        # asks for verification is announced to its checkers.
        from luoshi.matters import listeners
        from luoshi.matters.models import MatterKind

        from . import followers, warnings

        listeners.on_matters_scanned(warnings.after_matters_scanned)
        listeners.on_matters_changed(
            followers.matter_changed, followers.matters_changed, kinds=[MatterKind.HAZARD]
        )
