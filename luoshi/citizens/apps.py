from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CitizensConfig(AppConfig):
    name = "luoshi.citizens"
    label = "citizens"
    verbose_name = _("Citizen requests")

    def ready(self) -> None:
        # Replies follow the matter's state; time limits and default ratings follow the
        # nightly warning scan (matters never imports citizens).
        from luoshi.matters import listeners
        from luoshi.matters.models import MatterKind

        from . import timelimits
        from .services import replies

        listeners.on_matters_changed(
            replies.matter_changed, replies.matters_changed, kinds=[MatterKind.CITIZEN]
        )
        listeners.on_matters_scanned(timelimits.after_scan)
