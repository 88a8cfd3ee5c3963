"""Registering a matter and sending it out: register, edit, approve, assign, decompose."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from luoshi.lib.errors import InvalidInput
from luoshi.lib.numbers import WORKDAYS_MAX
from luoshi.lib.requestkeys import once
from luoshi.notifications.messages import N_, event_notice
from luoshi.notifications.models import NotificationKind
from luoshi.notifications.services import (
    notify,
    resolve_notices,
    users_of_units,
    users_with_role,
)
from luoshi.org.access import access_for
from luoshi.org.models import Role, Unit
from luoshi.workcalendar.calendar import get_calendar

from .. import permissions
from ..models import (
    PRE_DISPATCH_STATES,
    EventKind,
    Matter,
    MatterEvent,
    MatterKind,
    MatterUnit,
    Milestone,
    MilestoneTemplate,
    PartRole,
    PartState,
    Policy,
    Priority,
    ReportCycle,
    Source,
    SourcePolicy,
    State,
)
from ..warnings import refresh_warning
from ._base import authorize, lock, next_serial, record, require_text, today
from .deadlines import Basis, basis_of, count_deadline, enter_deadline
from .handling import roll_up


@dataclass
class CoUnit:
    unit: Unit
    description: str = ""


@dataclass
class MilestoneSpec:
    title: str
    deadline: dt.date | None = None
    offset_workdays: int | None = None
    deliverable: str = ""
    # A date counted on the calendar by the caller (an import's "6月底" is the last
    # working day: one working day before 1 July): counted here, so it can be recounted.
    deadline_basis: Basis | None = None


@dataclass
class MatterSpec:
    """What a supervisor fills in to register a matter (or a child in a decomposition)."""

    title: str
    source: str
    kind: str = MatterKind.TASK
    content: str = ""
    priority: str = Priority.NORMAL
    lead_unit: Unit | None = None
    co_units: Sequence[CoUnit] = ()
    responsible_leader: User | None = None
    deadline: dt.date | None = None
    deadline_workdays: int | None = None
    report_cycle: str = ReportCycle.MONTHLY
    tags: Sequence[str] = ()
    milestones: Sequence[MilestoneSpec] = field(default_factory=list)
    milestone_template: MilestoneTemplate | None = None
    # 持续推进: no deadline at all (none is invented), reported on `report_cycle`.
    ongoing: bool = False
    weight: Decimal = Decimal(1)
    # As on MilestoneSpec: a deadline the caller counted in working days, e.g. (day, n).
    deadline_basis: Basis | None = None


def _validate_choice(value: str, choices, name: str) -> None:
    if value not in choices.values:
        raise InvalidInput(
            _("%(value)s is not a valid %(field)s.") % {"value": value, "field": name}, field=name
        )


def _validate_spec(spec: MatterSpec, parent: Matter | None) -> None:
    require_text(spec.title, "title", _("Title"))
    _validate_choice(spec.source, Source, "source")
    _validate_choice(spec.kind, MatterKind, "kind")
    _validate_choice(spec.priority, Priority, "priority")
    _validate_choice(spec.report_cycle, ReportCycle, "report_cycle")
    if len(spec.title) > 300:
        raise InvalidInput(_("The title is longer than 300 characters."), field="title")
    if spec.deadline and spec.deadline < today():
        raise InvalidInput(
            _("The deadline %(day)s is in the past.") % {"day": spec.deadline}, field="deadline"
        )
    if spec.ongoing and (spec.deadline or spec.deadline_workdays):
        raise InvalidInput(
            _("An ongoing matter has no deadline: clear the deadline or untick “ongoing”."),
            field="deadline",
        )
    if not Decimal(0) < Decimal(spec.weight) <= Decimal(10000):
        raise InvalidInput(_("A weight must be above 0 and at most 10000."), field="weight")
    if spec.deadline_workdays is not None and spec.deadline_workdays < 1:
        raise InvalidInput(
            _("A deadline in working days must be at least 1."), field="deadline_workdays"
        )
    if spec.deadline_workdays is not None and spec.deadline_workdays > WORKDAYS_MAX:
        raise InvalidInput(
            _("A deadline in working days must be at most %(max)s.") % {"max": WORKDAYS_MAX},
            field="deadline_workdays",
        )
    if spec.deadline is not None and spec.deadline_workdays is not None:
        # Two limits for one matter: which one the caller meant is not ours to guess.
        raise InvalidInput(
            _("Give a deadline or a limit in working days, not both."),
            field="deadline_workdays",
        )
    if parent and parent.deadline and spec.deadline and spec.deadline > parent.deadline:
        raise InvalidInput(
            _("A sub-matter cannot be due after its parent (%(day)s).") % {"day": parent.deadline},
            field="deadline",
        )
    if spec.responsible_leader and not access_for(spec.responsible_leader).is_leader:
        raise InvalidInput(
            _("%(user)s is not a leader.") % {"user": spec.responsible_leader},
            field="responsible_leader",
        )
    _validate_units(spec.lead_unit, spec.co_units)


def _validate_units(lead: Unit | None, co_units: Sequence[CoUnit]) -> None:
    seen = {lead.pk} if lead else set()
    for co in co_units:
        if co.unit.pk in seen:
            raise InvalidInput(
                _("%(unit)s is named twice among the units.") % {"unit": co.unit}, field="co_units"
            )
        seen.add(co.unit.pk)
    for unit in [lead, *[c.unit for c in co_units]]:
        if unit is not None and not unit.is_active:
            raise InvalidInput(_("%(unit)s is archived.") % {"unit": unit}, field="lead_unit")


def _plan_parts(
    matter: Matter, lead: Unit | None, co_units: Sequence[CoUnit], *, new: bool = False
) -> None:
    """Replace the draft's planned parts (old rows are kept, inactive); a `new` matter has none."""
    if not new:
        matter.parts.filter(active=True, state=PartState.PLANNED).update(
            active=False, state=PartState.REPLACED
        )
    parts = [
        MatterUnit(matter=matter, unit=c.unit, role=PartRole.CO, description=c.description)
        for c in co_units
    ]
    if lead:
        parts.insert(0, MatterUnit(matter=matter, unit=lead, role=PartRole.LEAD))
    MatterUnit.objects.bulk_create(parts)
    matter.lead_unit = lead


def _add_milestones(
    matter: Matter, specs: Sequence[MilestoneSpec], base: dt.date, *, new: bool = False
) -> None:
    if not specs:
        return
    calendar = get_calendar()
    rows = []
    for order, spec in enumerate(specs, start=0 if new else matter.milestones.count()):
        require_text(spec.title, "milestones", _("Milestone title"))
        milestone = Milestone(
            matter=matter, title=spec.title, deliverable=spec.deliverable, order=order
        )
        if spec.deadline is not None and spec.deadline_basis is None:
            enter_deadline(milestone, spec.deadline)
        else:
            count_deadline(
                milestone, calendar, spec.deadline_basis or (base, spec.offset_workdays or 0)
            )
        if matter.deadline and milestone.deadline > matter.deadline:
            raise InvalidInput(
                _("Milestone “%(title)s” (%(day)s) falls after the deadline %(deadline)s.")
                % {"title": spec.title, "day": milestone.deadline, "deadline": matter.deadline},
                field="milestones",
            )
        rows.append(milestone)
    Milestone.objects.bulk_create(rows)


def template_specs(template: MilestoneTemplate) -> list[MilestoneSpec]:
    return [
        MilestoneSpec(title=i.title, offset_workdays=i.offset_workdays, deliverable=i.deliverable)
        for i in template.items.all()
    ]


def _require_supervisor(actor: User) -> None:
    permissions.require_registrar(access_for(actor))


def register_matter(
    spec: MatterSpec, *, actor: User, parent: Matter | None = None, request_key: str = ""
) -> Matter:
    """Register a matter as a draft (立项), with its planned units and milestones.

    A repeat of the same request (`request_key`) returns the matter the first registered.
    """
    # The permission is read before the transaction (and kept on the actor for the check
    # inside it): on SQLite the transaction holds the only write lock from its first
    # statement, so every read done before it shortens every writer's wait.
    _require_supervisor(actor)
    return once(
        MatterEvent,
        actor=actor,
        key=request_key,
        action=lambda: _register(spec, actor, parent, request_key),
        replay=lambda event: event.matter,
    )


@transaction.atomic
def _register(spec: MatterSpec, actor: User, parent: Matter | None, request_key: str) -> Matter:
    _require_supervisor(actor)
    counted = Matter()  # holds a counted deadline's basis until the matter is created
    if spec.deadline_basis is not None:
        spec.deadline = count_deadline(counted, get_calendar(), spec.deadline_basis)
    _validate_spec(spec, parent)
    deadline_workdays = spec.deadline_workdays
    if spec.deadline is None and deadline_workdays is None and not spec.ongoing:
        deadline_workdays = SourcePolicy.for_source(spec.source).default_workdays(spec.priority)
    year = today().year
    matter = Matter.objects.create(
        kind=spec.kind,
        source=spec.source,
        title=spec.title.strip(),
        content=spec.content,
        priority=spec.priority,
        responsible_leader=spec.responsible_leader,
        deadline=spec.deadline,
        deadline_workdays=deadline_workdays,
        original_deadline=spec.deadline,
        deadline_provisional=counted.deadline_provisional,
        deadline_basis_day=counted.deadline_basis_day,
        deadline_basis_workdays=counted.deadline_basis_workdays,
        report_cycle=spec.report_cycle,
        ongoing=spec.ongoing,
        weight=spec.weight,
        tags=list(spec.tags),
        parent=parent,
        created_by=actor,
        lead_unit=spec.lead_unit,
        serial_year=year,
        serial_no=next_serial("matter", year),
    )
    _plan_parts(matter, spec.lead_unit, spec.co_units, new=True)
    milestones = list(spec.milestones)
    if spec.milestone_template:
        milestones += template_specs(spec.milestone_template)
    _add_milestones(matter, milestones, today(), new=True)
    record(
        matter,
        EventKind.REGISTERED,
        actor,
        from_state="",
        bump=False,
        data={"serial": matter.serial, "parent": parent.pk if parent else None},
        request_key=request_key,
        created=True,
    )
    return matter


EDITABLE_FIELDS = {
    "title",
    "content",
    "priority",
    "tags",
    "report_cycle",
    "responsible_leader",
    "weight",
}
PRE_DISPATCH_FIELDS = {"deadline", "deadline_workdays", "source", "kind", "ongoing"}
RECORD_KINDS = {MatterKind.CITIZEN, MatterKind.HAZARD}


@transaction.atomic
def update_matter(matter: Matter, *, actor: User, version: int | None, **changes) -> Matter:
    """Edit a matter's descriptive fields; deadlines and source only before dispatch.

    After dispatch a deadline moves only through an extension or a suspension.
    """
    matter = lock(matter, version)
    authorize("update", actor, matter)
    allowed = EDITABLE_FIELDS | (
        PRE_DISPATCH_FIELDS if matter.state in PRE_DISPATCH_STATES else set()
    )
    for name in changes:
        if name not in allowed and name not in {"lead_unit", "co_units"}:
            raise InvalidInput(_("%(field)s cannot be changed now.") % {"field": name}, field=name)
    # A citizen request or a hazard has its own record in its app, which follows only
    # matters of its kind (listeners' `kinds`): the kind is theirs to keep.
    kind = changes.get("kind", matter.kind)
    if kind != matter.kind and {matter.kind, kind} & RECORD_KINDS:
        raise InvalidInput(
            _("A citizen request or a hazard rectification keeps its kind."), field="kind"
        )
    units = {k: changes.pop(k) for k in ("lead_unit", "co_units") if k in changes}
    if units and matter.state not in PRE_DISPATCH_STATES:
        raise InvalidInput(
            _("Units change after dispatch only by a dispute ruling."), field="lead_unit"
        )
    diff = {}
    for name, value in changes.items():
        old = getattr(matter, name)
        if old != value:
            diff[name] = [_plain(old), _plain(value)]
            setattr(matter, name, value)
    _validate_spec(_changed_spec(matter, changes), matter.parent)
    if units:
        lead = units.get("lead_unit", matter.lead_unit)
        co = units.get("co_units")
        if co is None:
            co = [
                CoUnit(p.unit, p.description)
                for p in matter.parts.filter(active=True, role=PartRole.CO).select_related("unit")
            ]
        _validate_units(lead, co)
        _plan_parts(matter, lead, co)
        diff["units"] = [None, [u.unit.name for u in co] + ([lead.name] if lead else [])]
    if "deadline" in diff:
        enter_deadline(matter, matter.deadline)
    if matter.state in PRE_DISPATCH_STATES:
        matter.original_deadline = matter.deadline
    record(matter, EventKind.UPDATED, actor, from_state=matter.state, data={"changes": diff})
    return matter


def _changed_spec(matter: Matter, changes: dict) -> MatterSpec:
    """The edited matter as a spec, so an edit passes the checks registration passes.

    Deadline and leader are checked only when they change (an old deadline may be past).
    """
    return MatterSpec(
        title=matter.title,
        source=matter.source,
        kind=matter.kind,
        priority=matter.priority,
        report_cycle=matter.report_cycle,
        responsible_leader=changes.get("responsible_leader"),
        deadline=changes.get("deadline"),
        deadline_workdays=changes.get("deadline_workdays"),
        ongoing=matter.ongoing,
        weight=matter.weight,
    )


def _plain(value):
    if isinstance(value, dt.date):
        return value.isoformat()
    if hasattr(value, "pk"):
        return str(value)
    return value


@transaction.atomic
def submit_for_approval(matter: Matter, *, actor: User, version: int | None) -> Matter:
    matter = lock(matter, version)
    authorize("submit", actor, matter)
    matter.state = State.PENDING_APPROVAL
    record(matter, EventKind.SUBMITTED, actor, from_state=State.DRAFT)
    leaders = (
        [matter.responsible_leader_id]
        if matter.responsible_leader_id
        else users_with_role(Role.LEADER)
    )
    notify(
        leaders,
        kind=NotificationKind.APPROVAL,
        matter_id=matter.pk,
        text=N_("%(serial)s awaits your approval: %(title)s")
        % {"serial": matter.serial, "title": matter.title},
    )
    return matter


@transaction.atomic
def approve_dispatch(
    matter: Matter, *, actor: User, version: int | None, approve: bool, comment: str = ""
) -> Matter:
    """The leader approves a registered matter for dispatch, or sends it back to the drafter."""
    matter = lock(matter, version)
    authorize("approve_dispatch", actor, matter)
    if approve:
        matter.state = State.APPROVED
        kind = EventKind.APPROVED
    else:
        require_text(comment, "comment", _("The reason for sending it back"))
        matter.state = State.DRAFT
        kind = EventKind.APPROVAL_REJECTED
    record(matter, kind, actor, from_state=State.PENDING_APPROVAL, comment=comment)
    resolve_notices(matter.pk, [NotificationKind.APPROVAL])
    notify(
        [matter.created_by_id],
        kind=NotificationKind.APPROVAL,
        matter_id=matter.pk,
        text=event_notice(matter.serial, kind.label, comment),
    )
    return matter


@transaction.atomic
def assign_matter(
    matter: Matter,
    *,
    actor: User,
    version: int | None,
    lead_unit: Unit | None = None,
    co_units: Sequence[CoUnit] | None = None,
    deadline: dt.date | None = None,
) -> Matter:
    """Send the matter to its units (交办). The clock starts now, not at signing."""
    matter = lock(matter, version)
    authorize("assign", actor, matter)
    if lead_unit is not None or co_units is not None:
        lead = lead_unit or matter.lead_unit
        co = (
            co_units
            if co_units is not None
            else [
                CoUnit(p.unit, p.description)
                for p in matter.parts.filter(active=True, role=PartRole.CO).select_related("unit")
            ]
        )
        _validate_units(lead, co)
        _plan_parts(matter, lead, co)
    if matter.lead_unit is None:
        raise InvalidInput(_("Name the lead unit before assigning."), field="lead_unit")
    calendar, now, day = get_calendar(), timezone.now(), today()
    if deadline is not None:
        if deadline < day:
            raise InvalidInput(
                _("The deadline %(day)s is in the past.") % {"day": deadline}, field="deadline"
            )
        enter_deadline(matter, deadline)
        matter.ongoing = False
    elif matter.deadline is None and not matter.ongoing:
        # A draft edited to neither a date nor working days gets its source's default,
        # as registration gives it (counting None working days used to fail with a 500).
        workdays = matter.deadline_workdays
        if workdays is None:
            workdays = SourcePolicy.for_source(matter.source).default_workdays(matter.priority)
        count_deadline(matter, calendar, (day, workdays))
    matter.original_deadline = matter.deadline
    accept_due = calendar.add_workdays(day, Policy.current().accept_limit_workdays)
    matter.parts.filter(active=True, state=PartState.PLANNED).update(
        state=PartState.ASSIGNED, assigned_at=now, accept_due=accept_due
    )
    from_state = matter.state
    matter.state, matter.assigned_at = State.ASSIGNED, now
    units = list(matter.parts.filter(active=True).values_list("unit_id", flat=True))
    record(
        matter,
        EventKind.ASSIGNED,
        actor,
        from_state=from_state,
        unit=matter.lead_unit,
        data={
            "deadline": matter.deadline.isoformat() if matter.deadline else None,
            "deadline_provisional": matter.deadline_provisional,
            "ongoing": matter.ongoing,
            "units": units,
            "accept_due": accept_due.isoformat(),
        },
    )
    resolve_notices(matter.pk, [NotificationKind.APPROVAL])
    notify(
        users_of_units(units),
        kind=NotificationKind.ASSIGNED,
        matter_id=matter.pk,
        text=N_("%(serial)s assigned to your unit, due %(day)s: %(title)s")
        % {"serial": matter.serial, "day": matter.deadline, "title": matter.title},
    )
    refresh_warning(matter)
    return matter


@transaction.atomic
def decompose_matter(
    matter: Matter, children: Sequence[MatterSpec], *, actor: User, version: int | None
) -> list[Matter]:
    """Split a matter into sub-matters (规划图 → 施工图), registered as drafts under it."""
    matter = lock(matter, version)
    authorize("decompose", actor, matter)
    if not children:
        raise InvalidInput(_("Give at least one sub-matter."), field="children")
    created = []
    for index, spec in enumerate(children, start=1):
        spec.kind = spec.kind or matter.kind
        spec.responsible_leader = spec.responsible_leader or matter.responsible_leader
        undated = spec.deadline is None and spec.deadline_workdays is None
        if undated and matter.deadline and not spec.ongoing:
            # The parent's deadline, counted the same way when it was counted.
            spec.deadline, spec.deadline_basis = matter.deadline, basis_of(matter)
        try:
            created.append(register_matter(spec, actor=actor, parent=matter))
        except InvalidInput as error:
            raise InvalidInput(
                _("Sub-matter %(n)s: %(error)s") % {"n": index, "error": error.message},
                field=f"children[{index}].{error.field}",
            ) from error
    record(
        matter,
        EventKind.DECOMPOSED,
        actor,
        from_state=matter.state,
        data={
            "children": [c.pk for c in created],
            "weights": [str(Decimal(c.weight).quantize(Decimal("0.01"))) for c in created],
        },
    )
    roll_up(matter.pk)  # its progress is now its children's (its own report stays beside)
    return created


@transaction.atomic
def add_milestones(
    matter: Matter, specs: Sequence[MilestoneSpec], *, actor: User, version: int | None
) -> Matter:
    """Add milestones (or a template's) to a matter not yet finished."""
    matter = lock(matter, version)
    authorize("update", actor, matter)
    base = timezone.localdate(matter.assigned_at) if matter.assigned_at else today()
    _add_milestones(matter, specs, base)
    record(
        matter,
        EventKind.UPDATED,
        actor,
        from_state=matter.state,
        data={"milestones_added": [s.title for s in specs]},
    )
    return matter


@transaction.atomic
def withdraw_matter(matter: Matter, *, actor: User, version: int | None, reason: str) -> Matter:
    """Withdraw a matter (撤销): it leaves every list of work, its history stays."""
    matter = lock(matter, version)
    authorize("withdraw", actor, matter)
    reason = require_text(reason, "reason", _("The reason"))
    from_state = matter.state
    matter.state = State.WITHDRAWN
    matter.warning = "normal"
    record(matter, EventKind.WITHDRAWN, actor, from_state=from_state, comment=reason)
    resolve_notices(matter.pk, NotificationKind.values)
    roll_up(matter.parent_id)  # a withdrawn child no longer counts in its parent's progress
    if from_state not in PRE_DISPATCH_STATES:
        units = matter.parts.filter(active=True).values_list("unit_id", flat=True)
        notify(
            users_of_units(units),
            kind=NotificationKind.RULING,
            matter_id=matter.pk,
            text=N_("%(serial)s was withdrawn: %(reason)s")
            % {"serial": matter.serial, "reason": reason},
        )
    return matter
