from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "luoshi.notifications"
    label = "notifications"
    verbose_name = _("Notifications")

    def ready(self) -> None:
        # The nightly scan also retries failed deliveries and sends the daily digests.
        from luoshi.matters import listeners

        from . import scanning

        listeners.on_matters_scanned(scanning.after_scan)
