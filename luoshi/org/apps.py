from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrgConfig(AppConfig):
    name = "luoshi.org"
    label = "org"
    verbose_name = _("Units and roles")

    def ready(self) -> None:
        # At sign-in the session learns when it began and whether a second factor is
        # due (org.auth.session_begins), so requests after it write and look up nothing.
        from django.contrib.auth.signals import user_logged_in

        from .auth import session_begins

        user_logged_in.connect(session_begins, dispatch_uid="luoshi.org.session_begins")
