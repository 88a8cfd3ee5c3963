"""Who may do what with a citizen request: each rule written once, asked by views and API.

The matter's own steps (accept, report, dispute…) are matters.permissions'. Here:
the office receives, dispatches, merges, calls back and edits replies; the contact
(the phone above all) is shown only to those handling the request.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from luoshi.lib.errors import NotAllowed
from luoshi.org.access import Access

from .models import CitizenRequest


def require_office(access: Access, what: str = "") -> None:
    if not access.is_office:
        raise NotAllowed(
            _("Only the office (the hotline) may %(action)s.") % {"action": what}
            if what
            else _("Only the office (the hotline) may do this.")
        )


def handling_units(request: CitizenRequest) -> set[int]:
    """The units holding the request's matter now (its active parts)."""
    matter = request.matter
    if matter is None:
        return set()
    parts = getattr(matter, "active_parts", None)
    if parts is None:
        parts = matter.parts.filter(active=True)
    return {p.unit_id for p in parts}


def may_see_contact(access: Access, request: CitizenRequest) -> bool:
    """The office and the units handling it; leaders and everyone else see it masked."""
    if access.is_office:
        return True
    return bool(handling_units(request) & access.own_units)
