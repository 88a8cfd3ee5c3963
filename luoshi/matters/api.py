"""The matters API: list, detail, timeline, reports, attachments, and one POST per operation.

Each endpoint translates HTTP to a call: read through visible_to / get_matter_for_user,
turn ids into objects, call the service, answer with the matter's new state. Every
rule (role, state, time limit, version) is the services' and permissions' business.
"""

from __future__ import annotations

import math
import mimetypes
from enum import Enum
from typing import Any

from django.contrib.auth.models import User
from django.db.models import Prefetch
from django.http import FileResponse, HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import File, Form, Query, Router, Status, UploadedFile

from luoshi.lib import requestkeys
from luoshi.lib.errors import InvalidInput, NotFound
from luoshi.lib.numbers import PAGE_MAX
from luoshi.lib.storage import open_stored
from luoshi.org.access import access_for
from luoshi.org.models import Unit

from . import services
from .backlog import backlog_counts, backlog_items, require_backlog
from .counts import list_count
from .filters import MAX_PAGE_SIZE, MatterFilter, searched
from .models import (
    Attachment,
    Matter,
    MatterUnit,
    MilestoneTemplate,
    PartRole,
    Policy,
    RequestState,
)
from .paging import PageRequest, read_page
from .permissions import available_actions
from .queries import get_matter_for_user, timeline
from .schemas import (
    DETAIL_FIELDS,
    ActionOut,
    ApproveIn,
    AssignIn,
    BacklogOut,
    BacklogParams,
    CommentIn,
    CompletePartIn,
    CoUnitIn,
    DecomposeIn,
    DisputeIn,
    ErrorOut,
    EventOut,
    ExtensionIn,
    HastenIn,
    LeaderCommentIn,
    ListParams,
    MatterDetail,
    MatterIn,
    MatterPage,
    MatterPatch,
    MilestonesIn,
    ReasonIn,
    ReportIn,
    ReportOut,
    RequestCompletionIn,
    ReviewIn,
    RuleDisputeIn,
    RuleExtensionIn,
    UnitActionIn,
    Versioned,
    backlog_item_out,
    child_out,
    dispute_out,
    event_out,
    extension_out,
    matter_item,
    matter_ref,
    part_out,
    report_out,
    user_ref,
)

router = Router(tags=["matters"])

ERRORS: dict[int, Any] = {status: ErrorOut for status in (401, 403, 404, 409, 422)}


def _r(schema) -> dict[int, Any]:
    return {200: schema, **ERRORS}


# ---- reading ---------------------------------------------------------------------------


def _detail(request: HttpRequest, matter: Matter) -> dict:
    """The matter's page in one answer; a fixed number of queries whatever its size."""
    user = request.user
    ctx = services.permission_context(matter)
    item = matter_item(
        matter,
        [p for p in ctx.parts if p.role == PartRole.CO],
        ctx.policy.behind_plan_red_points,
        ctx.today,
    )
    children = (
        Matter.objects.visible_to(user)
        .filter(parent=matter)
        .select_related("lead_unit")
        .order_by("serial_year", "serial_no")
    )
    disputes = matter.disputes.filter(state=RequestState.PENDING).select_related(
        "unit", "suggested_unit", "raised_by"
    )
    extensions = matter.extensions.filter(state=RequestState.PENDING).select_related(
        "unit", "requested_by"
    )
    return {
        **item,
        **{name: getattr(matter, name) for name in DETAIL_FIELDS},
        "created_by": user_ref(matter.created_by),
        "parent": matter_ref(matter.parent),
        "parts": [part_out(p) for p in ctx.parts],
        "milestones": list(matter.milestones.all()),
        "children": [child_out(c) for c in children],
        "pending_disputes": [dispute_out(d) for d in disputes],
        "pending_extensions": [extension_out(e) for e in extensions],
        "available_actions": available_actions(access_for(user), ctx),
    }


@router.get("/", response=_r(MatterPage), url_name="matter_list")
def list_matters(
    request: HttpRequest,
    params: Query[ListParams],
    page: int = Query(1, ge=1, le=PAGE_MAX),
    page_size: int = Query(20, ge=1, le=MAX_PAGE_SIZE),
):
    """Matters the caller may see, filtered (values comma-separated or repeated), paginated.

    `page` reaches the first 2,500 rows; go on with the `next` cursor (`after=`), back
    with `previous` (`before=`), or jump with `start=` (a deadline, an update day, a
    progress or a serial, by the ordering). `count` is exact when `count_is_exact`;
    otherwise the list holds more than `count` matters and `facets` are empty.
    """
    matter_filter = MatterFilter.from_params(request.GET)
    wanted = PageRequest.from_params(request.GET, matter_filter)
    wanted.check_reach(page_size)
    errors = {**matter_filter.errors, **wanted.errors}
    if errors:
        field, message = next(iter(errors.items()))
        raise InvalidInput(message, field=field)
    visible = Matter.objects.visible_to(request.user)
    queryset = matter_filter.apply(visible)
    counted = list_count(
        matter_filter, matter_filter.apply(visible, ordered=False), access_for(request.user)
    )
    queryset = searched(matter_filter, queryset, counted.total)
    co_parts = MatterUnit.objects.filter(active=True, role=PartRole.CO).select_related("unit")
    rows = queryset.select_related("lead_unit", "responsible_leader").prefetch_related(
        Prefetch("parts", co_parts, to_attr="co_parts")
    )
    found = read_page(rows, wanted, counted, page_size, matter_filter.ordering, clamp=False)
    red_points, today = Policy.current().behind_plan_red_points, timezone.localdate()
    return {
        "items": [matter_item(m, m.co_parts, red_points, today) for m in found],
        "count": counted.shown,
        "count_is_exact": counted.exact,
        "page": found.number,
        "page_size": page_size,
        "pages": math.ceil(counted.shown / page_size),
        "next": found.next_cursor,
        "previous": found.previous_cursor,
        "facets": counted.facets,
    }


@router.get("/backlog", response=_r(BacklogOut), url_name="office_backlog")
def office_backlog(request: HttpRequest, params: Query[BacklogParams]):
    """督查室待办: reviews, rulings and approvals waiting for the office, oldest first,
    with their age in working days (supervisors, admins and leaders)."""
    require_backlog(request.user)
    kind = params.kind.value if params.kind else None
    items = backlog_items(kind=kind, late=params.late)
    return {
        "limit_workdays": Policy.current().office_backlog_workdays,
        "counts": backlog_counts(),
        "items": [backlog_item_out(item) for item in items],
    }


@router.get("/{int:pk}", response=_r(MatterDetail), url_name="matter_detail")
def matter_detail(request: HttpRequest, pk: int):
    return _detail(request, get_matter_for_user(request.user, pk))


@router.get("/{int:pk}/events", response=_r(list[EventOut]), url_name="matter_events")
def matter_events(request: HttpRequest, pk: int):
    """The matter's timeline, oldest first."""
    matter = get_matter_for_user(request.user, pk)
    return [event_out(e) for e in timeline(matter)]


@router.get("/{int:pk}/reports", response=_r(list[ReportOut]), url_name="matter_reports")
def matter_reports(request: HttpRequest, pk: int):
    """Progress reports of the lead unit and the co-units, newest first, with attachments."""
    matter = get_matter_for_user(request.user, pk)
    reports = (
        matter.reports.select_related("unit", "author", "part")
        .prefetch_related("attachments")
        .order_by("-created_at", "-id")
    )
    return [report_out(r) for r in reports]


@router.get(
    "/{int:pk}/attachments/{int:attachment_id}",
    response={200: None, **ERRORS},
    url_name="matter_attachment",
)
def download_attachment(request: HttpRequest, pk: int, attachment_id: int):
    """The file, only to users who may see the matter; never from a public URL."""
    matter = get_matter_for_user(request.user, pk)
    attachment = Attachment.objects.filter(pk=attachment_id, report__matter=matter).first()
    if attachment is None:
        raise NotFound(_("Attachment %(pk)s is not part of this matter.") % {"pk": attachment_id})
    content_type = mimetypes.guess_type(attachment.name)[0] or "application/octet-stream"
    return FileResponse(
        open_stored(attachment.file),
        as_attachment=True,
        filename=attachment.name,
        content_type=content_type,
    )


# ---- turning ids into objects ----------------------------------------------------------


def _plain(value):
    return value.value if isinstance(value, Enum) else value


def _unit(pk: int | None, field: str, known: dict[int, Unit] | None = None) -> Unit | None:
    if pk is None:
        return None
    unit = known.get(pk) if known is not None else Unit.objects.filter(pk=pk).first()
    if unit is None:
        raise InvalidInput(_("Unit %(pk)s does not exist.") % {"pk": pk}, field=field)
    return unit


def _co_units(
    items: list[CoUnitIn] | None, field: str = "co_units", known: dict[int, Unit] | None = None
) -> list[services.CoUnit] | None:
    if items is None:
        return None
    units = known if known is not None else Unit.objects.in_bulk([i.unit for i in items])
    missing = [i.unit for i in items if i.unit not in units]
    if missing:
        raise InvalidInput(_("Unit %(pk)s does not exist.") % {"pk": missing[0]}, field=field)
    return [services.CoUnit(units[i.unit], i.description) for i in items]


def _units_named(lead: int | None, co_units: list[CoUnitIn] | None) -> dict[int, Unit]:
    """The lead unit and the co-units of a body in one query (_unit and _co_units then
    look them up here, and still name the field of a unit that does not exist)."""
    ids = [i.unit for i in co_units or []] + ([lead] if lead is not None else [])
    return Unit.objects.in_bulk(ids) if ids else {}


def _leader(pk: int | None) -> User | None:
    if pk is None:
        return None
    user = User.objects.filter(pk=pk, is_active=True).first()
    if user is None:
        raise InvalidInput(
            _("User %(pk)s does not exist.") % {"pk": pk}, field="responsible_leader"
        )
    return user


def _template(pk: int | None, field: str = "template") -> MilestoneTemplate | None:
    if pk is None:
        return None
    template = MilestoneTemplate.objects.filter(pk=pk).first()
    if template is None:
        raise InvalidInput(_("Milestone template %(pk)s does not exist.") % {"pk": pk}, field=field)
    return template


def _milestones(items) -> list[services.MilestoneSpec]:
    return [services.MilestoneSpec(**item.dict()) for item in items]


def _spec(data: MatterIn, *, child: bool = False) -> services.MatterSpec:
    """A MatterSpec from the body; a sub-matter's unset kind comes from its parent."""
    inherit_kind = child and "kind" not in data.model_fields_set
    units = _units_named(data.lead_unit, data.co_units)
    return services.MatterSpec(
        title=data.title,
        source=_plain(data.source),
        kind="" if inherit_kind else _plain(data.kind),
        content=data.content,
        priority=_plain(data.priority),
        lead_unit=_unit(data.lead_unit, "lead_unit", units),
        co_units=_co_units(data.co_units, known=units),
        responsible_leader=_leader(data.responsible_leader),
        deadline=data.deadline,
        deadline_workdays=data.deadline_workdays,
        ongoing=data.ongoing,
        weight=data.weight,
        report_cycle=_plain(data.report_cycle),
        tags=data.tags,
        milestones=_milestones(data.milestones),
        milestone_template=_template(data.template),
    )


def _changes(payload: MatterPatch) -> dict:
    changes = {k: _plain(v) for k, v in payload.dict(exclude_unset=True).items()}
    changes.pop("version")
    if "responsible_leader" in changes:
        changes["responsible_leader"] = _leader(changes["responsible_leader"])
    if "lead_unit" in changes:
        changes["lead_unit"] = _unit(changes["lead_unit"], "lead_unit")
    if "co_units" in changes:
        changes["co_units"] = _co_units(payload.co_units)
    return changes


# ---- operations ------------------------------------------------------------------------


def _visible(request: HttpRequest, pk: int) -> Matter:
    return get_matter_for_user(request.user, pk)


def _done(request: HttpRequest, pk: int, **extra) -> dict:
    """The matter as the caller now sees it (null if the operation took it out of sight)."""
    matter = Matter.objects.visible_to(request.user).filter(pk=pk).first()
    return {"matter": _state(matter) if matter is not None else None, **extra}


def _state(matter: Matter) -> dict:
    fields = ["state", "version", "deadline", "progress", "warning", "is_suspended"]
    return {"id": matter.pk, "serial": matter.serial} | {n: getattr(matter, n) for n in fields}


@router.post("/", response={201: ActionOut, **ERRORS}, url_name="matter_register")
def register(request: HttpRequest, payload: MatterIn):
    """Register a matter as a draft (立项), with co-units, milestones or a template."""
    matter = services.register_matter(
        _spec(payload), actor=request.user, request_key=requestkeys.from_request(request)
    )
    # Not re-read: only the office registers (permissions.may_register), and the office
    # sees every matter (queries.visible_matters, rule 1); the service returns the row
    # it wrote (or, for a repeated request, the one it read).
    return Status(201, {"matter": _state(matter)})


@router.patch("/{int:pk}", response=_r(ActionOut), url_name="matter_update")
def update(request: HttpRequest, pk: int, payload: MatterPatch):
    services.update_matter(
        _visible(request, pk), actor=request.user, version=payload.version, **_changes(payload)
    )
    return _done(request, pk)


@router.post("/{int:pk}/submit", response=_r(ActionOut))
def submit(request: HttpRequest, pk: int, payload: Versioned):
    """Submit a draft for the leader's approval before dispatch."""
    services.submit_for_approval(_visible(request, pk), actor=request.user, version=payload.version)
    return _done(request, pk)


@router.post("/{int:pk}/approve-dispatch", response=_r(ActionOut))
def approve_dispatch(request: HttpRequest, pk: int, payload: ApproveIn):
    """The leader approves for dispatch, or sends it back to the drafter with a comment."""
    services.approve_dispatch(
        _visible(request, pk),
        actor=request.user,
        version=payload.version,
        approve=payload.approve,
        comment=payload.comment,
    )
    return _done(request, pk)


@router.post("/{int:pk}/assign", response=_r(ActionOut))
def assign(request: HttpRequest, pk: int, payload: AssignIn):
    """Send the matter to its units (交办); the clock starts now."""
    services.assign_matter(
        _visible(request, pk),
        actor=request.user,
        version=payload.version,
        lead_unit=_unit(payload.lead_unit, "lead_unit"),
        co_units=_co_units(payload.co_units),
        deadline=payload.deadline,
    )
    return _done(request, pk)


@router.post("/{int:pk}/decompose", response=_r(ActionOut))
def decompose(request: HttpRequest, pk: int, payload: DecomposeIn):
    """Split into sub-matters, registered as drafts under this one."""
    children = [_spec(child, child=True) for child in payload.children]
    created = services.decompose_matter(
        _visible(request, pk), children, actor=request.user, version=payload.version
    )
    return _done(request, pk, children=[c.pk for c in created])


@router.post("/{int:pk}/milestones", response=_r(ActionOut))
def add_milestones(request: HttpRequest, pk: int, payload: MilestonesIn):
    """Add milestones, or a template's, to the matter."""
    specs = _milestones(payload.milestones)
    template = _template(payload.template)
    if template is not None:
        specs += services.template_specs(template)
    services.add_milestones(
        _visible(request, pk), specs, actor=request.user, version=payload.version
    )
    return _done(request, pk)


@router.post("/{int:pk}/withdraw", response=_r(ActionOut))
def withdraw(request: HttpRequest, pk: int, payload: ReasonIn):
    services.withdraw_matter(
        _visible(request, pk), actor=request.user, version=payload.version, reason=payload.reason
    )
    return _done(request, pk)


@router.post("/{int:pk}/accept", response=_r(ActionOut))
def accept(request: HttpRequest, pk: int, payload: UnitActionIn):
    """A unit signs for its part (签收)."""
    services.accept_matter(
        _visible(request, pk), actor=request.user, version=payload.version, unit_id=payload.unit_id
    )
    return _done(request, pk)


@router.post("/{int:pk}/dispute", response=_r(ActionOut))
def dispute(request: HttpRequest, pk: int, payload: DisputeIn):
    """A unit says the matter is not its job (退回), with a coded reason."""
    raised = services.raise_dispute(
        _visible(request, pk),
        actor=request.user,
        version=payload.version,
        reason_code=_plain(payload.reason_code),
        reason=payload.reason,
        suggested_unit=_unit(payload.suggested_unit, "suggested_unit"),
        unit_id=payload.unit_id,
    )
    return _done(request, pk, dispute_id=raised.pk)


@router.post("/{int:pk}/rule-dispute", response=_r(ActionOut))
def rule_dispute(request: HttpRequest, pk: int, payload: RuleDisputeIn):
    """The supervisor reassigns the part to another unit or rejects the dispute."""
    ruled = services.rule_dispute(
        _visible(request, pk),
        payload.dispute_id,
        actor=request.user,
        version=payload.version,
        ruling=_plain(payload.ruling),
        comment=payload.comment,
        new_unit=_unit(payload.new_unit, "new_unit"),
    )
    return _done(request, pk, dispute_id=ruled.pk)


@router.post("/{int:pk}/report", response=_r(ActionOut))
def report(
    request: HttpRequest,
    pk: int,
    payload: Form[ReportIn],
    attachments: File[list[UploadedFile]] = None,
):
    """Report progress on the caller's part (multipart: fields plus files in `attachments`)."""
    written = services.report_progress(
        _visible(request, pk),
        actor=request.user,
        version=payload.version,
        text=payload.text,
        percent=payload.percent,
        problems=payload.problems,
        attachments=attachments or [],
        unit_id=payload.unit_id,
    )
    return _done(request, pk, report_id=written.pk)


@router.post("/{int:pk}/complete-part", response=_r(ActionOut))
def complete_part(request: HttpRequest, pk: int, payload: CompletePartIn):
    """A co-unit declares its own part done, with a closing note to the lead unit."""
    services.complete_part(
        _visible(request, pk),
        actor=request.user,
        version=payload.version,
        text=payload.text,
        unit_id=payload.unit_id,
    )
    return _done(request, pk)


@router.post("/{int:pk}/milestones/{int:milestone_id}/complete", response=_r(ActionOut))
def complete_milestone(request: HttpRequest, pk: int, milestone_id: int, payload: CommentIn):
    reached = services.complete_milestone(
        _visible(request, pk),
        milestone_id,
        actor=request.user,
        version=payload.version,
        comment=payload.comment,
    )
    return _done(request, pk, milestone_id=reached.pk)


@router.post("/{int:pk}/extension", response=_r(ActionOut))
def extension(request: HttpRequest, pk: int, payload: ExtensionIn):
    """The lead unit asks for a later deadline (延期申请)."""
    asked = services.request_extension(
        _visible(request, pk),
        actor=request.user,
        version=payload.version,
        new_deadline=payload.new_deadline,
        reason=payload.reason,
    )
    return _done(request, pk, extension_id=asked.pk)


@router.post("/{int:pk}/rule-extension", response=_r(ActionOut))
def rule_extension(request: HttpRequest, pk: int, payload: RuleExtensionIn):
    ruled = services.rule_extension(
        _visible(request, pk),
        payload.extension_id,
        actor=request.user,
        version=payload.version,
        approve=payload.approve,
        comment=payload.comment,
    )
    return _done(request, pk, extension_id=ruled.pk)


@router.post("/{int:pk}/suspend", response=_r(ActionOut))
def suspend(request: HttpRequest, pk: int, payload: ReasonIn):
    """Stop the clock (中止) while the matter waits on someone outside."""
    services.suspend_matter(
        _visible(request, pk), actor=request.user, version=payload.version, reason=payload.reason
    )
    return _done(request, pk)


@router.post("/{int:pk}/resume", response=_r(ActionOut))
def resume(request: HttpRequest, pk: int, payload: CommentIn):
    """Restart the clock; the deadline moves by the working days paused."""
    services.resume_matter(
        _visible(request, pk), actor=request.user, version=payload.version, comment=payload.comment
    )
    return _done(request, pk)


@router.post("/{int:pk}/request-completion", response=_r(ActionOut))
def request_completion(
    request: HttpRequest,
    pk: int,
    payload: Form[RequestCompletionIn],
    attachments: File[list[UploadedFile]] = None,
):
    """The lead unit says the matter is done (申请办结), with evidence (multipart)."""
    services.request_completion(
        _visible(request, pk),
        actor=request.user,
        version=payload.version,
        text=payload.text,
        attachments=attachments or [],
    )
    return _done(request, pk)


@router.post("/{int:pk}/review", response=_r(ActionOut))
def review(request: HttpRequest, pk: int, payload: ReviewIn):
    """The supervisor approves the completion or sends it back for rework (退回重办)."""
    services.review_completion(
        _visible(request, pk),
        actor=request.user,
        version=payload.version,
        outcome=_plain(payload.outcome),
        comment=payload.comment,
    )
    return _done(request, pk)


@router.post("/{int:pk}/close", response=_r(ActionOut))
def close(request: HttpRequest, pk: int, payload: CommentIn):
    """Strike a completed matter off the ledger (销号)."""
    services.close_matter(
        _visible(request, pk), actor=request.user, version=payload.version, comment=payload.comment
    )
    return _done(request, pk)


@router.post("/{int:pk}/hasten", response=_r(ActionOut))
def hasten(request: HttpRequest, pk: int, payload: HastenIn):
    """Issue a numbered hastening notice (催办); a repeat the same day is merged."""
    notices = services.hasten_matter(
        _visible(request, pk),
        actor=request.user,
        message=payload.message,
        unit_ids=payload.unit_ids,
        request_key=requestkeys.from_request(request),
    )
    return _done(request, pk, notices=[n.notice for n in notices])


@router.post("/{int:pk}/comment", response=_r(ActionOut))
def comment(request: HttpRequest, pk: int, payload: LeaderCommentIn):
    """The responsible leader's comment (批示)."""
    services.comment_on_matter(
        _visible(request, pk),
        actor=request.user,
        text=payload.text,
        request_key=requestkeys.from_request(request),
    )
    return _done(request, pk)
