"""Who may do what in the evaluation: each rule written once. Services enforce them; pages
and the API ask the same predicates to decide what to show and offer.

- Every signed-in user reads the published schemes (a unit is judged by published rules).
- Leaders and the office read every ranking and scorecard; a unit reads its own scorecard
  and those of the units below the ones it heads.
- The office (supervisors, administrators) publishes schemes, opens, computes, reviews
  and closes periods, and adds or withdraws bonus and penalty items.
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from luoshi.lib.errors import NotAllowed
from luoshi.org.access import Access

# The office's verbs, each with the words of its refusal.
OFFICE_VERBS = {
    "publish_scheme": gettext_lazy("Only supervisors publish evaluation schemes."),
    "open_period": gettext_lazy("Only supervisors open evaluation periods."),
    "compute": gettext_lazy("Only supervisors recompute a period's results."),
    "review": gettext_lazy("Only supervisors review a period's results."),
    "close": gettext_lazy("Only supervisors close an evaluation period."),
    "adjust": gettext_lazy("Only supervisors add or withdraw bonus and penalty items."),
}


def may(verb: str, access: Access) -> bool:
    """May the user do one of the office's verbs (OFFICE_VERBS)?"""
    return verb in OFFICE_VERBS and access.is_office


def check(verb: str, access: Access) -> None:
    if not may(verb, access):
        raise NotAllowed(str(OFFICE_VERBS.get(verb, _("Not allowed."))))


def office_verbs(access: Access) -> set[str]:
    """The office verbs the user may do (for the pages to offer)."""
    return {verb for verb in OFFICE_VERBS if may(verb, access)}


def may_read_schemes(access: Access) -> bool:
    return access.user_id is not None


def may_read_rankings(access: Access) -> bool:
    """Rankings of all units: leaders, supervisors and administrators."""
    return access.sees_everything


def may_read_scorecard(access: Access, unit_id: int) -> bool:
    """The one rule for reading a unit's scorecard."""
    return may_read_rankings(access) or unit_id in access.visible_units


def require_rankings(access: Access) -> None:
    if not may_read_rankings(access):
        raise NotAllowed(_("Rankings are for leaders and supervisors."))


def require_scorecard(access: Access, unit_id: int) -> None:
    if not may_read_scorecard(access, unit_id):
        raise NotAllowed(_("A unit sees only its own scorecard."))


def require_schemes(access: Access) -> None:
    if not may_read_schemes(access):
        raise NotAllowed(_("Sign in to read the evaluation schemes."))
