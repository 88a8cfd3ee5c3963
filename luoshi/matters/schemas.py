"""The JSON shapes of the matters API: what comes in (…In), what goes out (…Out),
and the functions that fill the outgoing shapes from models (no query of their own:
callers select_related / prefetch what they read).

Inputs only carry what the services take; every rule stays in matters.services.
Every body that changes a matter carries `version`, the version the caller read
(except hasten and comment, which change no field of the matter).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.contrib.auth.models import User
from django.urls import reverse
from ninja import Field, Schema

from luoshi.lib.numbers import WORKDAYS_MAX
from luoshi.lib.schemas import ErrorOut, FieldError, Input, UnitRef, label  # noqa: F401  (shared)
from luoshi.org.models import Unit

from .backlog import BacklogItem, BacklogKind
from .models import (
    Attachment,
    DisputeRuling,
    EventKind,
    Matter,
    MatterEvent,
    MatterKind,
    MatterUnit,
    PartState,
    Priority,
    ProgressReport,
    ReportCycle,
    ReturnReason,
    ReviewOutcome,
    Source,
    State,
)

# ---- shared pieces -------------------------------------------------------------------


class UserRef(Schema):
    id: int
    username: str
    name: str


class MatterRef(Schema):
    id: int
    serial: str
    title: str


# ---- reading -------------------------------------------------------------------------


class StandingOut(Schema):
    """How a matter stood at the end of a past day (matters.history)."""

    state: str | None
    warning: str | None
    deadline: dt.date | None = None


class MatterItem(Schema):
    id: int
    serial: str
    title: str
    kind: str
    source: str
    priority: str
    state: str
    state_label: str
    warning: str
    warning_colour: str
    deadline: dt.date | None
    ongoing: bool = Field(False, description="持续推进: no deadline, never overdue.")
    deadline_provisional: bool = Field(
        False, description="The deadline was counted before the year's official holiday schedule."
    )
    progress: int = Field(
        description="For a matter with sub-matters, their weighted roll-up; else its report."
    )
    reported_progress: int | None = Field(
        None, description="The lead unit's own last report (beside a parent's roll-up)."
    )
    weight: Decimal = Field(
        Decimal(1),
        gt=0,
        le=10000,
        max_digits=7,
        decimal_places=2,
        description="Share in the parent's progress roll-up.",
    )
    is_suspended: bool
    awaiting_office_since: dt.datetime | None = Field(
        None, description="The unit's clock is stopped: the matter waits for the office."
    )
    lead_unit: UnitRef | None
    co_units: list[UnitRef]
    responsible_leader: UserRef | None
    parent_id: int | None
    version: int
    updated_at: dt.datetime
    as_of: StandingOut | None = Field(
        None, description="With as_of: the state, warning and deadline at the end of that day."
    )
    since: StandingOut | None = Field(
        None, description="With since: the state and warning at the end of that day."
    )


class Facets(Schema):
    state: dict[str, int]
    warning: dict[str, int]


class MatterPage(Schema):
    items: list[MatterItem]
    count: int = Field(
        description="Matters in the list; with count_is_exact false, the list holds more."
    )
    count_is_exact: bool = Field(
        True,
        description="False when the list was counted only up to `count` (10,000): it "
        "holds more, and `facets` are empty.",
    )
    page: int | None = Field(description="The page number; null on a page read by cursor.")
    page_size: int
    pages: int = Field(description="Pages of `count` matters (at least this many if inexact).")
    next: str | None = Field(None, description="Cursor of the next page: pass it as `after`.")
    previous: str | None = Field(
        None, description="Cursor of the previous page: pass it as `before`."
    )
    facets: Facets


class PartOut(Schema):
    id: int
    unit: UnitRef
    role: str
    state: str
    state_label: str
    description: str
    assigned_at: dt.datetime | None
    accept_due: dt.date | None
    accepted_at: dt.datetime | None
    progress: int
    last_report_at: dt.datetime | None
    dispute_ruled: bool


class MilestoneOut(Schema):
    id: int
    title: str
    deliverable: str
    deadline: dt.date
    order: int
    done_at: dt.datetime | None


class ChildOut(Schema):
    id: int
    serial: str
    title: str
    state: str
    warning: str
    deadline: dt.date | None
    progress: int
    reported_progress: int | None = None
    weight: Decimal = Decimal(1)
    lead_unit: UnitRef | None


class DisputeOut(Schema):
    id: int
    unit: UnitRef
    reason_code: str
    reason: str
    suggested_unit: UnitRef | None
    raised_by: UserRef
    raised_at: dt.datetime


class ExtensionOut(Schema):
    id: int
    unit: UnitRef
    current_deadline: dt.date
    requested_deadline: dt.date
    reason: str
    requested_by: UserRef
    requested_at: dt.datetime


class MatterDetail(MatterItem):
    content: str
    tags: list[str]
    report_cycle: str
    deadline_workdays: int | None
    original_deadline: dt.date | None
    last_report_at: dt.datetime | None
    suspended_at: dt.datetime | None
    suspend_reason: str
    created_by: UserRef
    created_at: dt.datetime
    assigned_at: dt.datetime | None
    accepted_at: dt.datetime | None
    completion_requested_at: dt.datetime | None
    completed_at: dt.datetime | None
    closed_at: dt.datetime | None
    parent: MatterRef | None
    parts: list[PartOut]
    milestones: list[MilestoneOut]
    children: list[ChildOut]
    pending_disputes: list[DisputeOut]
    pending_extensions: list[ExtensionOut]
    available_actions: list[str]


class EventOut(Schema):
    id: int
    kind: str
    kind_label: str
    actor: UserRef | None
    unit: UnitRef | None
    from_state: str
    to_state: str
    at: dt.datetime
    comment: str
    data: dict


class AttachmentOut(Schema):
    id: int
    name: str
    size: int
    content_type: str
    url: str


class ReportOut(Schema):
    id: int
    unit: UnitRef
    role: str
    author: UserRef
    text: str
    percent: int
    problems: str
    created_at: dt.datetime
    attachments: list[AttachmentOut]


class MatterState(Schema):
    """The matter after an operation: the caller's next call needs its new `version`."""

    id: int
    serial: str
    state: str
    version: int
    deadline: dt.date | None
    progress: int
    warning: str
    is_suspended: bool


class ActionOut(Schema):
    """The result of an operation; `matter` is null if the caller can no longer see it."""

    matter: MatterState | None
    dispute_id: int | None = None
    extension_id: int | None = None
    report_id: int | None = None
    milestone_id: int | None = None
    children: list[int] = []
    notices: list[str] = []


class ListParams(Input):
    """The filter, documented here; MatterFilter.from_params parses the query string itself."""

    state: str | None = None
    warning: str | None = None
    kind: str | None = None
    source: str | None = None
    priority: str | None = None
    unit: str | None = None
    lead_unit: str | None = None
    leader: str | None = None
    parent: str | None = None
    deadline_from: str | None = None
    deadline_to: str | None = None
    open: str | None = None
    q: str | None = None
    ordering: str | None = None
    as_of: str | None = Field(None, description="A past day: the matters as they stood then.")
    since: str | None = Field(None, description="An earlier day to compare with (stocktakes).")
    changed: str | None = Field(None, description="With since: only matters that moved.")
    after: str | None = Field(None, description="A `next` cursor: the page after it.")
    before: str | None = Field(None, description="A `previous` cursor: the page before it.")
    start: str | None = Field(
        None,
        description="Jump to where the ordering reaches this: a deadline or update day "
        "(YYYY-MM-DD), a progress (0-100), a serial (2025-123).",
    )


class BacklogCount(Schema):
    pending: int
    late: int = Field(description="Waiting longer than the policy's working days.")


class BacklogItemOut(Schema):
    kind: str = Field(examples=["review"])
    kind_label: str
    matter: MatterRef
    lead_unit: UnitRef | None
    since: dt.datetime
    age_workdays: int
    late: bool
    request_id: int | None = Field(None, description="The dispute or extension waiting.")


class BacklogOut(Schema):
    limit_workdays: int
    counts: dict[str, BacklogCount]
    items: list[BacklogItemOut]


class BacklogParams(Input):
    kind: BacklogKind | None = None
    late: bool = False


# ---- writing -------------------------------------------------------------------------

WORKDAYS = Field(
    None,
    ge=1,
    le=WORKDAYS_MAX,
    description="A time limit in working days from dispatch; give it or a deadline, not both.",
)


class CoUnitIn(Input):
    unit: int
    description: str = ""


class MilestoneIn(Input):
    title: str
    deadline: dt.date | None = None
    offset_workdays: int | None = Field(None, ge=0, le=WORKDAYS_MAX)
    deliverable: str = ""


class MatterIn(Input):
    title: str
    source: Source
    kind: MatterKind = MatterKind.TASK
    content: str = ""
    priority: Priority = Priority.NORMAL
    lead_unit: int | None = None
    co_units: list[CoUnitIn] = []
    responsible_leader: int | None = None
    deadline: dt.date | None = None
    deadline_workdays: int | None = WORKDAYS
    ongoing: bool = Field(False, description="持续推进: no deadline; give none.")
    weight: Decimal = Field(
        Decimal(1),
        gt=0,
        le=10000,
        max_digits=7,
        decimal_places=2,
        description="Share in the parent's progress roll-up.",
    )
    report_cycle: ReportCycle = ReportCycle.MONTHLY
    tags: list[str] = []
    milestones: list[MilestoneIn] = []
    template: int | None = Field(None, description="A milestone template's id.")


class Versioned(Input):
    version: int = Field(description="The version of the matter the caller read.")


class MatterPatch(Versioned):
    """Only the fields sent are changed; deadlines, source, kind and units only before dispatch."""

    title: str | None = None
    content: str | None = None
    priority: Priority | None = None
    tags: list[str] | None = None
    report_cycle: ReportCycle | None = None
    responsible_leader: int | None = None
    deadline: dt.date | None = None
    deadline_workdays: int | None = WORKDAYS
    source: Source | None = None
    kind: MatterKind | None = None
    lead_unit: int | None = None
    co_units: list[CoUnitIn] | None = None


class ApproveIn(Versioned):
    approve: bool
    comment: str = ""


class AssignIn(Versioned):
    lead_unit: int | None = None
    co_units: list[CoUnitIn] | None = None
    deadline: dt.date | None = None


class DecomposeIn(Versioned):
    children: list[MatterIn]


class MilestonesIn(Versioned):
    milestones: list[MilestoneIn] = []
    template: int | None = None


class ReasonIn(Versioned):
    reason: str


class CommentIn(Versioned):
    comment: str = ""


class UnitActionIn(Versioned):
    unit_id: int | None = Field(None, description="The unit you act for, if you hold several.")


class DisputeIn(UnitActionIn):
    reason_code: ReturnReason
    reason: str
    suggested_unit: int | None = None


class RuleDisputeIn(Versioned):
    dispute_id: int
    ruling: DisputeRuling
    comment: str = ""
    new_unit: int | None = None


class CompletePartIn(UnitActionIn):
    text: str


class ReportIn(UnitActionIn):
    """Form fields of a progress report; files go in `attachments`."""

    text: str
    percent: int = Field(ge=0, le=100)
    problems: str = ""


class RequestCompletionIn(Versioned):
    text: str


class ExtensionIn(Versioned):
    new_deadline: dt.date
    reason: str


class RuleExtensionIn(Versioned):
    extension_id: int
    approve: bool
    comment: str = ""


class ReviewIn(Versioned):
    outcome: ReviewOutcome
    comment: str = ""


# Hastening and a leader's comment change no state and are not versioned; a client may
# still send the version it read with every action, so the field is known (and unchecked).
UNCHECKED_VERSION = Field(None, description="Not checked: this action is not versioned.")


class HastenIn(Input):
    message: str = ""
    unit_ids: list[int] | None = None
    version: int | None = UNCHECKED_VERSION


class LeaderCommentIn(Input):
    text: str
    version: int | None = UNCHECKED_VERSION


# ---- filling the outgoing shapes ---------------------------------------------------------


def unit_ref(unit: Unit | None) -> dict | None:
    return None if unit is None else {"id": unit.pk, "name": unit.name}


def user_ref(user: User | None) -> dict | None:
    if user is None:
        return None
    return {"id": user.pk, "username": user.username, "name": user.get_full_name() or user.username}


def matter_item(matter: Matter, co_parts: list[MatterUnit], red_points: int, today) -> dict:
    return {
        "id": matter.pk,
        "serial": matter.serial,
        "title": matter.title,
        "kind": matter.kind,
        "source": matter.source,
        "priority": matter.priority,
        "state": matter.state,
        "state_label": label(State, matter.state),
        "warning": matter.warning,
        "warning_colour": matter.warning_colour(red_points, today),
        "deadline": matter.deadline,
        "ongoing": matter.ongoing,
        "deadline_provisional": matter.deadline_provisional,
        "progress": matter.progress,
        "reported_progress": matter.reported_progress,
        "weight": matter.weight,
        "is_suspended": matter.is_suspended,
        "awaiting_office_since": matter.awaiting_office_since,
        "lead_unit": unit_ref(matter.lead_unit),
        "co_units": [unit_ref(p.unit) for p in co_parts],
        "responsible_leader": user_ref(matter.responsible_leader),
        "parent_id": matter.parent_id,
        "version": matter.version,
        "updated_at": matter.updated_at,
        **standings_out(matter),
    }


def standings_out(matter: Matter) -> dict:
    """The as_of / since standings a MatterFilter history list annotated, if any."""
    out = {}
    if hasattr(matter, "as_of_state"):
        out["as_of"] = {
            "state": matter.as_of_state,
            "warning": matter.as_of_warning,
            "deadline": matter.as_of_deadline,
        }
    if hasattr(matter, "since_state"):
        out["since"] = {"state": matter.since_state, "warning": matter.since_warning}
    return out


def part_out(part: MatterUnit) -> dict:
    fields = ["role", "state", "description", "assigned_at", "accept_due", "accepted_at"]
    fields += ["progress", "last_report_at", "dispute_ruled"]
    return {
        "id": part.pk,
        "unit": unit_ref(part.unit),
        "state_label": label(PartState, part.state),
        **{name: getattr(part, name) for name in fields},
    }


DETAIL_FIELDS = [
    "content",
    "tags",
    "report_cycle",
    "deadline_workdays",
    "original_deadline",
    "last_report_at",
    "suspended_at",
    "suspend_reason",
    "created_at",
    "assigned_at",
    "accepted_at",
    "completion_requested_at",
    "completed_at",
    "closed_at",
]


def matter_ref(matter: Matter | None) -> dict | None:
    return (
        None
        if matter is None
        else {"id": matter.pk, "serial": matter.serial, "title": matter.title}
    )


def child_out(child: Matter) -> dict:
    fields = ["title", "state", "warning", "deadline", "progress", "reported_progress", "weight"]
    return {
        "id": child.pk,
        "serial": child.serial,
        "lead_unit": unit_ref(child.lead_unit),
        **{name: getattr(child, name) for name in fields},
    }


def dispute_out(dispute) -> dict:
    return {
        "id": dispute.pk,
        "unit": unit_ref(dispute.unit),
        "reason_code": dispute.reason_code,
        "reason": dispute.reason,
        "suggested_unit": unit_ref(dispute.suggested_unit),
        "raised_by": user_ref(dispute.raised_by),
        "raised_at": dispute.raised_at,
    }


def extension_out(extension) -> dict:
    fields = ["current_deadline", "requested_deadline", "reason", "requested_at"]
    return {
        "id": extension.pk,
        "unit": unit_ref(extension.unit),
        "requested_by": user_ref(extension.requested_by),
        **{name: getattr(extension, name) for name in fields},
    }


def event_out(event: MatterEvent) -> dict:
    fields = ["kind", "from_state", "to_state", "at", "comment", "data"]
    return {
        "id": event.pk,
        "kind_label": label(EventKind, event.kind),
        "actor": user_ref(event.actor),
        "unit": unit_ref(event.unit),
        **{name: getattr(event, name) for name in fields},
    }


def report_out(report: ProgressReport) -> dict:
    fields = ["text", "percent", "problems", "created_at"]
    return {
        "id": report.pk,
        "unit": unit_ref(report.unit),
        "role": report.part.role,
        "author": user_ref(report.author),
        "attachments": [attachment_out(report.matter_id, a) for a in report.attachments.all()],
        **{name: getattr(report, name) for name in fields},
    }


def attachment_out(matter_id: int, attachment: Attachment) -> dict:
    url = reverse("api:matter_attachment", args=[matter_id, attachment.pk])
    fields = ["name", "size", "content_type"]
    return {"id": attachment.pk, "url": url, **{name: getattr(attachment, name) for name in fields}}


def backlog_item_out(item: BacklogItem) -> dict:
    return {
        "kind": item.kind,
        "kind_label": item.kind_label,
        "matter": matter_ref(item.matter),
        "lead_unit": unit_ref(item.matter.lead_unit),
        "since": item.since,
        "age_workdays": item.age,
        "late": item.late,
        "request_id": item.request_id,
    }
