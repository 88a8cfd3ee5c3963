"""Who may read the cockpit: written once, asked by its pages and its API."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser, User
from django.utils.translation import gettext as _

from luoshi.lib.errors import NotAllowed
from luoshi.org.access import Access, access_for


def may_read_cockpit(access: Access) -> bool:
    """The cockpit is the city's whole picture: leaders, supervisors and admins."""
    return access.sees_everything


def require_cockpit(user: User | AnonymousUser) -> None:
    if not may_read_cockpit(access_for(user)):
        raise NotAllowed(_("The cockpit is for leaders and supervisors."))
