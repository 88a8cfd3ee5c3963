from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrgConfig(AppConfig):
    name = "luoshi.org"
    label = "org"
    verbose_name = _("Units and roles")
