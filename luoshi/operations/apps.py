from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OperationsConfig(AppConfig):
    """Running an instance: `luoshi backup` and `luoshi restore` (docs/operations.md)."""

    name = "luoshi.operations"
    label = "operations"
    verbose_name = _("Operations")
