"""Who may do what to a matter, and in which state: each rule written once.

Services call `check(verb, ...)` before changing anything; pages and the API call
`available_actions` to offer only what the user may do now. A role failure raises
NotAllowed (403); a state or time-limit failure raises IllegalTransition (409).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from luoshi.lib.errors import DomainError, IllegalTransition, NotAllowed
from luoshi.lib.workdays import WorkCalendar
from luoshi.org.access import Access

from .models import (
    OPEN_STATES,
    RUNNING_STATES,
    TERMINAL_STATES,
    Matter,
    MatterKind,
    MatterUnit,
    PartRole,
    PartState,
    Policy,
    State,
)

ACTION_LABELS = {
    "update": gettext_lazy("edit the matter"),
    "submit": gettext_lazy("submit for leader approval"),
    "approve_dispatch": gettext_lazy("approve or send back before dispatch"),
    "assign": gettext_lazy("assign"),
    "decompose": gettext_lazy("decompose"),
    "withdraw": gettext_lazy("withdraw"),
    "accept": gettext_lazy("accept"),
    "dispute": gettext_lazy("dispute (return)"),
    "rule_dispute": gettext_lazy("rule on a dispute"),
    "report": gettext_lazy("report progress"),
    "complete_part": gettext_lazy("complete its part"),
    "milestone": gettext_lazy("mark a milestone reached"),
    "request_extension": gettext_lazy("ask for an extension"),
    "rule_extension": gettext_lazy("rule on an extension"),
    "suspend": gettext_lazy("suspend the clock"),
    "resume": gettext_lazy("resume the clock"),
    "request_completion": gettext_lazy("request completion"),
    "review": gettext_lazy("review the completion"),
    "close": gettext_lazy("close"),
    "hasten": gettext_lazy("hasten"),
    "comment": gettext_lazy("comment"),
}


class Context:
    """What a check needs besides the user and the matter, loaded once per request."""

    def __init__(
        self,
        matter: Matter,
        parts: Sequence[MatterUnit],
        today: dt.date,
        calendar: WorkCalendar,
        policy: Policy,
        requires_approval: bool = False,
    ):
        self.matter = matter
        self.parts = [p for p in parts if p.active]
        self.today = today
        self.calendar = calendar
        self.policy = policy
        self.requires_approval = requires_approval

    def part_of(self, access: Access, unit_id: int | None = None) -> MatterUnit | None:
        """The active part the user acts for (the lead part first), or the given unit's."""
        mine = [p for p in self.parts if access.acts_for(p.unit_id)]
        if unit_id is not None:
            mine = [p for p in mine if p.unit_id == unit_id]
        mine.sort(key=lambda p: p.role != PartRole.LEAD)
        return mine[0] if mine else None


# ---- Role rules that are not about one matter --------------------------------------------


def may_register(access: Access) -> bool:
    """Registering matters (one, an import, a decomposition) is the office's work."""
    return access.is_office


def may_hasten(access: Access) -> bool:
    """Hastening (催办), also several matters at once from the list, is the office's."""
    return access.is_office


def may_revisit(access: Access) -> bool:
    """Reopening or settling a matter the requester rated unsatisfied (回访) is the office's."""
    return access.is_office


def require_registrar(access: Access) -> None:
    if not may_register(access):
        raise NotAllowed(_("Only the office's supervisors may register matters."))


# ---- Rules about one matter, by verb -------------------------------------------------------


def _label(verb: str) -> str:
    return str(ACTION_LABELS[verb])


def _require_supervisor(access: Access, verb: str) -> None:
    if not access.is_office:
        raise NotAllowed(
            _("Only the office's supervisors may %(action)s.") % {"action": _label(verb)}
        )


def _require_state(matter: Matter, states, verb: str) -> None:
    if matter.state not in states:
        raise IllegalTransition(
            _("Cannot %(action)s: the matter is %(state)s.")
            % {"action": _label(verb), "state": matter.get_state_display()}
        )


def _require_part(
    access: Access, ctx: Context, verb: str, *, lead: bool = False, unit_id: int | None = None
) -> MatterUnit:
    part = ctx.part_of(access, unit_id)
    if part is None or (lead and part.role != PartRole.LEAD):
        who = _("the lead unit") if lead else _("a unit holding this matter")
        raise NotAllowed(_("Only %(who)s may %(action)s.") % {"who": who, "action": _label(verb)})
    return part


def _require_not_suspended(matter: Matter, verb: str) -> None:
    if matter.suspended_at is not None:
        raise IllegalTransition(
            _("Cannot %(action)s while the clock is suspended.") % {"action": _label(verb)}
        )


def check_update(access: Access, ctx: Context, **_kw) -> None:
    _require_supervisor(access, "update")
    _require_state(ctx.matter, set(State) - TERMINAL_STATES, "update")


def check_submit(access: Access, ctx: Context, **_kw) -> None:
    _require_supervisor(access, "submit")
    _require_state(ctx.matter, {State.DRAFT}, "submit")
    if not ctx.requires_approval:
        raise IllegalTransition(_("Matters from this source need no leader approval."))


def check_approve_dispatch(access: Access, ctx: Context, **_kw) -> None:
    leader_id = ctx.matter.responsible_leader_id
    if not access.is_leader or leader_id not in (None, access.user_id):
        raise NotAllowed(
            _("Only the responsible leader may %(action)s.")
            % {"action": _label("approve_dispatch")}
        )
    _require_state(ctx.matter, {State.PENDING_APPROVAL}, "approve_dispatch")


def check_assign(access: Access, ctx: Context, **_kw) -> None:
    _require_supervisor(access, "assign")
    if ctx.matter.state == State.DRAFT and ctx.requires_approval:
        raise IllegalTransition(_("A leader must approve this matter before it is assigned."))
    _require_state(ctx.matter, {State.DRAFT, State.APPROVED}, "assign")


def check_decompose(access: Access, ctx: Context, **_kw) -> None:
    _require_supervisor(access, "decompose")
    _require_state(ctx.matter, set(State) - TERMINAL_STATES, "decompose")


def check_withdraw(access: Access, ctx: Context, **_kw) -> None:
    _require_supervisor(access, "withdraw")
    _require_state(ctx.matter, set(State) - TERMINAL_STATES, "withdraw")


def check_accept(access: Access, ctx: Context, unit_id: int | None = None, **_kw) -> None:
    part = _require_part(access, ctx, "accept", unit_id=unit_id)
    _require_state(ctx.matter, RUNNING_STATES, "accept")
    if part.state != PartState.ASSIGNED:
        raise IllegalTransition(
            _("Your unit's part is %(state)s, not waiting to be accepted.")
            % {"state": part.get_state_display()}
        )


def check_dispute(access: Access, ctx: Context, unit_id: int | None = None, **_kw) -> None:
    part = _require_part(access, ctx, "dispute", unit_id=unit_id)
    _require_state(ctx.matter, RUNNING_STATES, "dispute")
    if part.dispute_ruled:
        raise IllegalTransition(
            _("The supervisor has already ruled on this unit's dispute; the ruling binds.")
        )
    if part.state != PartState.ASSIGNED:
        raise IllegalTransition(
            _("Only a part not yet accepted can be disputed (it is %(state)s).")
            % {"state": part.get_state_display()}
        )
    # The local date of assignment: at 07:00 in Beijing it is still yesterday in UTC.
    assigned_on = timezone.localdate(part.assigned_at)
    last_day = ctx.calendar.add_workdays(assigned_on, ctx.policy.dispute_limit_workdays)
    if ctx.today > last_day:
        raise IllegalTransition(_("The time to dispute ended on %(day)s.") % {"day": last_day})


def check_rule_dispute(access: Access, ctx: Context, **_kw) -> None:
    _require_supervisor(access, "rule_dispute")
    _require_state(ctx.matter, RUNNING_STATES, "rule_dispute")


def _require_working_part(access, ctx, verb, unit_id=None, lead=False) -> MatterUnit:
    part = _require_part(access, ctx, verb, unit_id=unit_id, lead=lead)
    _require_state(ctx.matter, RUNNING_STATES, verb)
    if part.state not in (PartState.ACCEPTED, PartState.IN_PROGRESS):
        raise IllegalTransition(
            _("Accept the matter before you %(action)s.") % {"action": _label(verb)}
            if part.state == PartState.ASSIGNED
            else _("Your unit's part is %(state)s.") % {"state": part.get_state_display()}
        )
    return part


def check_report(access: Access, ctx: Context, unit_id: int | None = None, **_kw) -> None:
    _require_working_part(access, ctx, "report", unit_id)


def check_complete_part(access: Access, ctx: Context, unit_id: int | None = None, **_kw) -> None:
    part = _require_working_part(access, ctx, "complete_part", unit_id)
    if part.role == PartRole.LEAD:  # a matter of role, not of state: 403
        raise NotAllowed(_("The lead unit requests completion of the whole matter instead."))


def check_milestone(access: Access, ctx: Context, **_kw) -> None:
    _require_working_part(access, ctx, "milestone", lead=True)


def check_request_extension(access: Access, ctx: Context, **_kw) -> None:
    _require_part(access, ctx, "request_extension", lead=True)
    _require_state(ctx.matter, RUNNING_STATES, "request_extension")
    _require_not_suspended(ctx.matter, "request_extension")
    if ctx.matter.deadline is None:
        raise IllegalTransition(_("This matter has no deadline to extend."))
    last_day = ctx.calendar.add_workdays(
        ctx.matter.deadline, -ctx.policy.extension_min_workdays_before
    )
    if ctx.today > last_day:
        raise IllegalTransition(
            _("An extension must be asked by %(day)s, %(n)s working day(s) before the deadline.")
            % {"day": last_day, "n": ctx.policy.extension_min_workdays_before}
        )


def check_rule_extension(access: Access, ctx: Context, **_kw) -> None:
    _require_supervisor(access, "rule_extension")
    _require_state(ctx.matter, RUNNING_STATES, "rule_extension")


def check_suspend(access: Access, ctx: Context, **_kw) -> None:
    _require_supervisor(access, "suspend")
    _require_state(ctx.matter, OPEN_STATES, "suspend")
    _require_not_suspended(ctx.matter, "suspend")


def check_resume(access: Access, ctx: Context, **_kw) -> None:
    _require_supervisor(access, "resume")
    if ctx.matter.suspended_at is None:
        raise IllegalTransition(_("The clock of this matter is not suspended."))


def check_request_completion(access: Access, ctx: Context, **_kw) -> None:
    _require_working_part(access, ctx, "request_completion", lead=True)
    _require_not_suspended(ctx.matter, "request_completion")


# Kinds closed only by an on-site check by someone other than the unit that did the work
# (验收销号, services.verification): the supervisor's review and close refuse them.
VERIFIED_KINDS = frozenset({MatterKind.HAZARD})


def _require_not_verified_kind(matter: Matter) -> None:
    if matter.kind in VERIFIED_KINDS:
        raise IllegalTransition(
            _("A hazard rectification is closed only by its on-site verification (验收销号).")
        )


def check_review(access: Access, ctx: Context, **_kw) -> None:
    _require_supervisor(access, "review")
    _require_state(ctx.matter, {State.COMPLETION_REQUESTED}, "review")
    _require_not_verified_kind(ctx.matter)


def check_close(access: Access, ctx: Context, **_kw) -> None:
    _require_supervisor(access, "close")
    _require_state(ctx.matter, {State.COMPLETED}, "close")
    if ctx.matter.kind == MatterKind.ENTERPRISE:  # closed by its rating (services.reopening)
        raise IllegalTransition(_("An enterprise problem is closed by the enterprise's rating."))
    _require_not_verified_kind(ctx.matter)


def check_hasten(access: Access, ctx: Context, **_kw) -> None:
    _require_supervisor(access, "hasten")
    _require_state(ctx.matter, RUNNING_STATES, "hasten")


def check_comment(access: Access, ctx: Context, **_kw) -> None:
    if not access.is_leader or ctx.matter.responsible_leader_id not in (None, access.user_id):
        raise NotAllowed(
            _("Only the responsible leader may %(action)s.") % {"action": _label("comment")}
        )
    _require_state(ctx.matter, set(State) - {State.DRAFT, State.WITHDRAWN}, "comment")


CHECKS: dict[str, Callable[..., None]] = {
    verb: globals()[f"check_{verb}"] for verb in ACTION_LABELS
}


def check(verb: str, access: Access, ctx: Context, **kwargs) -> None:
    CHECKS[verb](access, ctx, **kwargs)


def available_actions(access: Access, ctx: Context) -> list[str]:
    """The verbs this user may perform on the matter right now."""
    allowed = []
    for verb, rule in CHECKS.items():
        try:
            rule(access, ctx)
        except DomainError:
            continue
        allowed.append(verb)
    return allowed
