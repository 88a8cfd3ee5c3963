from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class MattersConfig(AppConfig):
    name = "luoshi.matters"
    label = "matters"
    verbose_name = _("Matters under supervision")

    def ready(self) -> None:
        # A unit's page shows the unit's open matters (org does not import matters).
        from luoshi.org import panels, signals

        from .areacounts import unit_moved
        from .views.units import unit_panel

        panels.on_unit_page(unit_panel)
        signals.unit_moved.connect(unit_moved, dispatch_uid="luoshi.matters.unit_moved")
        post_migrate.connect(_keep_text_search, sender=self)


def _keep_text_search(sender, using: str, **kwargs) -> None:
    # A later migration that alters matters_matter on SQLite rebuilds the table and drops
    # the search index's triggers with it; put them back (matters/textsearch.py).
    from django.db import connections

    from . import textsearch

    textsearch.repair(connections[using])
