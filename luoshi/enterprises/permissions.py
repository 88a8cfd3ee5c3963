"""Who may do what in enterprise service: each rule written once.

Services call the `require_…` functions before changing anything (NotAllowed → 403);
pages and the API ask the predicates to offer only what the user may do. Who may
*read* an enterprise or a problem is queries.visible_enterprises / visible_problems;
the enterprise itself acts through its tokened link, which the views check.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from luoshi.lib.errors import NotAllowed
from luoshi.org.access import Access

from .models import Enterprise, ServiceDay


def may_manage(access: Access) -> bool:
    """Register enterprises, issue links, assign liaisons, transfer and revisit: the office."""
    return access.is_office


def may_approve_whitelist(access: Access) -> bool:
    """Add, renew and revoke whitelist entries: the office or a city leader."""
    return access.is_office or access.is_leader


def serves(access: Access, enterprise: Enterprise) -> bool:
    """The user is one of the enterprise's active liaison cadres (包联干部)."""
    if access.user_id is None:
        return False
    active = enterprise.liaisons.filter(cadre_id=access.user_id, ended_at__isnull=True)
    return active.exists()


def may_send_in(access: Access, enterprise: Enterprise) -> bool:
    """Send in a problem for the enterprise, and see its link: its liaison or the office."""
    return access.is_office or serves(access, enterprise)


def may_schedule(access: Access, unit_id: int) -> bool:
    """Schedule a unit's service day: the office or the unit's head."""
    return access.is_office or access.heads(unit_id)


def may_take(access: Access, day: ServiceDay) -> bool:
    """Take problems on a service day: the office or the receiving unit."""
    return access.is_office or access.acts_for(day.unit_id)


def require_manage(access: Access) -> None:
    if not may_manage(access):
        raise NotAllowed(_("Only the office's supervisors may do this."))


def require_approve_whitelist(access: Access) -> None:
    if not may_approve_whitelist(access):
        raise NotAllowed(_("Only the office or a city leader may approve the whitelist."))


def require_send_in(access: Access, enterprise: Enterprise) -> None:
    if not may_send_in(access, enterprise):
        raise NotAllowed(_("Only the enterprise's liaison cadre may send in its problems."))


def require_schedule(access: Access, unit_id: int) -> None:
    if not may_schedule(access, unit_id):
        raise NotAllowed(_("Only the office or the unit's head may schedule its service days."))


def require_take(access: Access, day: ServiceDay) -> None:
    if not may_take(access, day):
        raise NotAllowed(_("Only the office or the receiving unit takes service day problems."))
