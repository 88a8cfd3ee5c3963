from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MattersConfig(AppConfig):
    name = "luoshi.matters"
    label = "matters"
    verbose_name = _("Matters under supervision")

    def ready(self) -> None:
        # A unit's page shows the unit's open matters (org does not import matters).
        from luoshi.org import panels

        from .views.units import unit_panel

        panels.on_unit_page(unit_panel)
