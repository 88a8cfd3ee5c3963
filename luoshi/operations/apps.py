from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OperationsConfig(AppConfig):
    """Running an instance: `luoshi backup`, `luoshi restore`, `luoshi verify-log`
    (docs/operations.md), the event log's guards in the database, and the check that
    PostgreSQL's planner statistics cannot go stale (lib.planner)."""

    name = "luoshi.operations"
    label = "operations"
    verbose_name = _("Operations")

    def ready(self) -> None:
        from django.core import checks
        from django.db.models.signals import post_migrate

        from luoshi.lib import eventtriggers, planner

        checks.register(eventtriggers.check_declared, checks.Tags.models)
        checks.register(planner.check_planner_statistics, checks.Tags.database)
        post_migrate.connect(_reinstall_triggers, dispatch_uid="luoshi.eventtriggers")


def _reinstall_triggers(sender: AppConfig, using: str = "default", **kwargs: object) -> None:
    # post_migrate is sent once per app with models; the triggers are put in place once,
    # after the last one (every table exists by then).
    from django.apps import apps

    from luoshi.lib import eventtriggers

    last = [a for a in apps.get_app_configs() if a.models_module is not None][-1]
    if sender.label == last.label:
        eventtriggers.reinstall(using)
