"""Who may do what with targets: each rule written once. Services enforce them; pages and
the API ask the same predicates to decide what to offer."""

from __future__ import annotations

from django.utils.translation import gettext as _

from luoshi.lib.errors import NotAllowed
from luoshi.org.access import Access

from .models import Target


def sees_all_targets(access: Access) -> bool:
    """Leaders and the office read every unit's targets."""
    return access.sees_everything


def may_read(access: Access, target: Target) -> bool:
    """A unit reads its own targets and those of the units below the ones it heads."""
    return sees_all_targets(access) or target.unit_id in access.visible_units


def may_plan(access: Access) -> bool:
    """The office sets targets, re-plans them, closes months and opens catch-up matters."""
    return access.is_office


def may_report(access: Access, target: Target) -> bool:
    """The responsible unit reports its actuals (an administrator may correct for it)."""
    return access.acts_for(target.unit_id) or access.is_admin


def require_plan(access: Access) -> None:
    if not may_plan(access):
        raise NotAllowed(_("Only supervisors set targets and their trajectories."))


def require_report(access: Access, target: Target) -> None:
    if not may_report(access, target):
        raise NotAllowed(_("Only %(unit)s reports this target.") % {"unit": target.unit})
