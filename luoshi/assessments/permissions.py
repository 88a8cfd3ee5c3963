"""Who may do what in the ratings, and when: each rule written once.

- A unit assesses itself (its handlers and head), only while its assessment is a draft.
- Its reviewing unit (the street above a village, by default) or the office reviews,
  returns and rules on incident records — never the unit itself.
- The office opens and publishes cycles and voids incident records.
- A branch records its own activities; an incident is recorded by the office or within
  the recorder's territory (their unit or one below a unit they head).

A role failure raises NotAllowed (403); a state failure IllegalTransition (409).
"""

from __future__ import annotations

from collections.abc import Callable

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from luoshi.lib.errors import DomainError, IllegalTransition, NotAllowed
from luoshi.org.access import Access

from .models import Assessment, AssessmentCycle, AssessmentState, CycleState

ACTION_LABELS = {
    "self_assess": gettext_lazy("assess the unit"),
    "review": gettext_lazy("review the assessment"),
    "return": gettext_lazy("return the assessment"),
    "rule_finding": gettext_lazy("rule on an incident record"),
}


def _label(verb: str) -> str:
    return str(ACTION_LABELS[verb])


def require_office(access: Access, what: str) -> None:
    if not access.is_office:
        raise NotAllowed(_("Only the office's supervisors may %(action)s.") % {"action": what})


def _require_state(assessment: Assessment, states, verb: str) -> None:
    if assessment.cycle.state != CycleState.OPEN:
        raise IllegalTransition(_("The cycle is published: its assessments are final."))
    if assessment.state not in states:
        raise IllegalTransition(
            _("Cannot %(action)s: the assessment is %(state)s.")
            % {"action": _label(verb), "state": assessment.get_state_display()}
        )


def _require_reviewer(access: Access, assessment: Assessment, verb: str) -> None:
    if access.acts_for(assessment.unit_id):
        raise NotAllowed(_("A unit cannot review its own assessment."))
    if not (access.is_office or access.acts_for(assessment.reviewing_unit_id)):
        raise NotAllowed(
            _("Only the reviewing unit or the office may %(action)s.") % {"action": _label(verb)}
        )


def check_self_assess(access: Access, assessment: Assessment) -> None:
    if not access.acts_for(assessment.unit_id):
        raise NotAllowed(_("Only the unit itself assesses itself."))
    _require_state(assessment, {AssessmentState.DRAFT}, "self_assess")


def check_review(access: Access, assessment: Assessment) -> None:
    _require_reviewer(access, assessment, "review")
    _require_state(assessment, {AssessmentState.SUBMITTED}, "review")


def check_return(access: Access, assessment: Assessment) -> None:
    _require_reviewer(access, assessment, "return")
    _require_state(assessment, {AssessmentState.SUBMITTED}, "return")


def check_rule_finding(access: Access, assessment: Assessment) -> None:
    _require_reviewer(access, assessment, "rule_finding")
    _require_state(
        assessment, {AssessmentState.SUBMITTED, AssessmentState.REVIEWED}, "rule_finding"
    )


CHECKS: dict[str, Callable[[Access, Assessment], None]] = {
    verb: globals()[f"check_{verb}"] for verb in ACTION_LABELS
}


def check(verb: str, access: Access, assessment: Assessment) -> None:
    CHECKS[verb](access, assessment)


def available_actions(access: Access, assessment: Assessment) -> list[str]:
    allowed = []
    for verb, rule in CHECKS.items():
        try:
            rule(access, assessment)
        except DomainError:
            continue
        allowed.append(verb)
    return allowed


def check_publish(access: Access, cycle: AssessmentCycle) -> None:
    require_office(access, _("publish a cycle"))
    if cycle.state != CycleState.OPEN:
        raise IllegalTransition(_("This cycle is already published."))


def check_record_activity(access: Access, unit_id: int) -> None:
    if access.is_office or access.acts_for(unit_id):
        return
    raise NotAllowed(_("A branch records its own activities."))


def check_record_incident(access: Access, unit_id: int) -> None:
    if access.is_office or unit_id in access.visible_units:
        return
    raise NotAllowed(_("Record incidents of your own territory only."))
