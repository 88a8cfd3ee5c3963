"""Who may do what with documents: each rule written once.

Services refuse with `require(...)` (NotAllowed, 403); queries filter with the same
predicates; pages and the API ask them to decide what to offer.
"""

from __future__ import annotations

from collections.abc import Callable

from django.contrib.auth.models import AnonymousUser, User
from django.utils.translation import gettext as _

from luoshi.lib.errors import NotAllowed
from luoshi.org.access import Access, access_for


def may_act(access: Access) -> bool:
    """Imports (matters registered in bulk) and bulletins (drafted, edited, issued) are
    the office's work."""
    return access.is_office


def may_read_bulletins(access: Access) -> bool:
    """Issued bulletins are internal: staff holding any role read them."""
    return access.user_id is not None and (access.sees_everything or bool(access.own_units))


def may_read_drafts(access: Access) -> bool:
    return may_act(access)


def may_read_imports(access: Access) -> bool:
    return may_act(access)


def require(rule: Callable[[Access], bool], user: User | AnonymousUser, action: str) -> Access:
    """The user's Access if `rule` grants it; NotAllowed naming the action otherwise."""
    access = access_for(user)
    if not rule(access):
        raise NotAllowed(_("Only the office's supervisors may %(action)s.") % {"action": action})
    return access
