"""Who may do what to a hazard, and when: each rule written once.

Services call `check(verb, access, hazard)` before changing anything; pages and the API
call `available_actions` to offer only what the user may do now. A role failure raises
NotAllowed (403); a status failure raises IllegalTransition (409).

The rule that matters most: the unit that rectifies a hazard never checks its own work.
Verifications and re-inspections are made by the unit that found it, the verifying unit
named at assignment, or the office — and refused to anyone acting for the responsible
unit, whatever else they are (matters.services.verification refuses them too).
"""

from __future__ import annotations

from collections.abc import Callable

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from luoshi.lib.errors import DomainError, IllegalTransition, NotAllowed
from luoshi.org.access import Access

from .models import OPEN_STATUSES, Hazard, HazardStatus

ACTION_LABELS = {
    "update": gettext_lazy("edit the hazard"),
    "assign": gettext_lazy("assign the rectification"),
    "verify": gettext_lazy("verify on site"),
    "reinspect": gettext_lazy("record a re-inspection"),
    "withdraw": gettext_lazy("withdraw the hazard"),
}


def _label(verb: str) -> str:
    return str(ACTION_LABELS[verb])


def _require_office(access: Access, verb: str) -> None:
    if not access.is_office:
        raise NotAllowed(
            _("Only the office's supervisors may %(action)s.") % {"action": _label(verb)}
        )


def _require_status(hazard: Hazard, statuses, verb: str) -> None:
    if hazard.status not in statuses:
        raise IllegalTransition(
            _("Cannot %(action)s: the hazard is %(status)s.")
            % {"action": _label(verb), "status": hazard.status.label}
        )


def check_register(access: Access, found_by_unit_id: int) -> None:
    """The office registers any hazard; a unit registers what it found itself."""
    if access.is_office or access.acts_for(found_by_unit_id):
        return
    raise NotAllowed(_("A unit registers only the hazards it found itself."))


def inspecting_units(hazard: Hazard) -> set[int]:
    """Units that may check the hazard on site: the finder and the verifying unit."""
    units = {u for u in (hazard.found_by_unit_id, hazard.verifying_unit_id) if u is not None}
    return units - {hazard.responsible_unit_id}


def require_inspector(access: Access, hazard: Hazard, verb: str) -> None:
    """The office or an inspecting unit, and never anyone acting for the rectifying unit."""
    if access.acts_for(hazard.responsible_unit_id):
        raise NotAllowed(_("The unit that rectifies a hazard cannot check its own work."))
    if access.is_office or any(access.acts_for(u) for u in inspecting_units(hazard)):
        return
    raise NotAllowed(
        _("Only the unit that found the hazard, its verifying unit or the office may %(action)s.")
        % {"action": _label(verb)}
    )


def check_update(access: Access, hazard: Hazard) -> None:
    _require_office(access, "update")
    _require_status(hazard, OPEN_STATUSES, "update")


def check_assign(access: Access, hazard: Hazard) -> None:
    _require_office(access, "assign")
    _require_status(hazard, {HazardStatus.REGISTERED}, "assign")


def check_withdraw(access: Access, hazard: Hazard) -> None:
    _require_office(access, "withdraw")
    _require_status(hazard, OPEN_STATUSES, "withdraw")


def check_verify(access: Access, hazard: Hazard) -> None:
    require_inspector(access, hazard, "verify")
    _require_status(hazard, {HazardStatus.AWAITING_VERIFICATION}, "verify")


def check_reinspect(access: Access, hazard: Hazard) -> None:
    """Periodic checks of an open major hazard; the one follow-up after closing."""
    require_inspector(access, hazard, "reinspect")
    status = hazard.status
    periodic = hazard.is_major and status in (
        HazardStatus.RECTIFYING,
        HazardStatus.AWAITING_VERIFICATION,
    )
    follow_up = status == HazardStatus.CLOSED and hazard.reinspection_due is not None
    if not (periodic or follow_up):
        raise IllegalTransition(
            _(
                "No re-inspection is due: open major hazards are re-inspected on a cadence, "
                "closed hazards once after closing."
            )
        )


CHECKS: dict[str, Callable[[Access, Hazard], None]] = {
    verb: globals()[f"check_{verb}"] for verb in ACTION_LABELS
}


def check(verb: str, access: Access, hazard: Hazard) -> None:
    CHECKS[verb](access, hazard)


def available_actions(access: Access, hazard: Hazard) -> list[str]:
    """The verbs this user may perform on the hazard right now."""
    allowed = []
    for verb, rule in CHECKS.items():
        try:
            rule(access, hazard)
        except DomainError:
            continue
        allowed.append(verb)
    return allowed
