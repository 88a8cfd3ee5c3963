"""The hazard register API: list, detail, figures, and one POST per operation.

Reads go through queries.visible_hazards and HazardFilter; changes through
hazards.services with the version the caller read (409 stale_version otherwise).
Ids become objects here; every rule is the services' and permissions' business.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

from django.contrib.auth.models import User
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import File, Form, Query, Router, Schema, Status, UploadedFile

from luoshi.lib.errors import InvalidInput, NotFound
from luoshi.lib.numbers import PAGE_MAX
from luoshi.lib.schemas import Input
from luoshi.matters.schemas import ErrorOut
from luoshi.matters.services import MilestoneSpec
from luoshi.org.access import access_for
from luoshi.org.models import Unit

from . import intake, queries, services
from .filters import HazardFilter
from .models import Hazard, HazardCategory, InspectionCampaign
from .permissions import available_actions

router = Router(tags=["hazards"])
ERRORS: dict[int, Any] = {status: ErrorOut for status in (401, 403, 404, 409, 422)}
MAX_PAGE_SIZE = 100


def _r(schema) -> dict[int, Any]:
    return {200: schema, **ERRORS}


class HazardRef(Schema):
    id: int
    name: str


class HazardItem(Schema):
    id: int
    serial: str
    title: str
    category: HazardRef
    level: str
    discovery: str
    status: str
    overdue: bool
    warning: str
    unit: HazardRef
    address: str
    responsible_unit: HazardRef
    found_on: dt.date
    listed_supervision: bool
    matter_id: int | None
    deadline: dt.date | None
    reinspection_due: dt.date | None
    version: int


class CheckOut(Schema):
    id: int
    kind: str
    unit: HazardRef
    checked_on: dt.date
    passed: bool | None = None
    relapsed: bool | None = None
    record: str


class HazardEventOut(Schema):
    kind: str
    at: dt.datetime
    actor: str | None
    comment: str
    data: dict


class HazardDetail(HazardItem):
    description: str
    measures: str
    finder: str
    found_by_unit: HazardRef
    verifying_unit: HazardRef | None
    responsible_leader_id: int | None
    relapse_of_id: int | None
    checks: list[CheckOut]
    events: list[HazardEventOut]
    available_actions: list[str]


class HazardPage(Schema):
    items: list[HazardItem]
    count: int
    page: int
    pages: int


def _ref(obj) -> dict | None:
    return {"id": obj.pk, "name": obj.name} if obj is not None else None


ITEM_FIELDS = (
    "id",
    "serial",
    "title",
    "level",
    "discovery",
    "warning",
    "address",
    "found_on",
    "listed_supervision",
    "matter_id",
    "reinspection_due",
    "version",
    "overdue",
)


def _item(h: Hazard) -> dict:
    return {
        **{f: getattr(h, f) for f in ITEM_FIELDS},
        "status": h.status.value,
        "category": _ref(h.category),
        "unit": _ref(h.unit),
        "responsible_unit": _ref(h.responsible_unit),
        "deadline": h.matter.deadline if h.matter_id else None,
    }


def _detail(request: HttpRequest, pk: int) -> dict:
    h = queries.get_hazard_for_user(request.user, pk)
    checks = [
        {
            "id": v.pk,
            "kind": "verification",
            "unit": _ref(v.unit),
            "checked_on": v.checked_on,
            "passed": v.passed,
            "record": v.record,
        }
        for v in h.verifications.select_related("unit")
    ] + [
        {
            "id": r.pk,
            "kind": r.kind,
            "unit": _ref(r.unit),
            "checked_on": r.checked_on,
            "relapsed": r.relapsed,
            "record": r.record,
        }
        for r in h.reinspections.select_related("unit")
    ]
    events = [
        {
            "kind": e.kind,
            "at": e.at,
            "actor": e.actor.username if e.actor else None,
            "comment": e.comment,
            "data": e.data,
        }
        for e in queries.timeline(h)
    ]
    return {
        **_item(h),
        "description": h.description,
        "measures": h.measures,
        "finder": h.finder,
        "found_by_unit": _ref(h.found_by_unit),
        "verifying_unit": _ref(h.verifying_unit),
        "responsible_leader_id": h.responsible_leader_id,
        "relapse_of_id": h.relapse_of_id,
        "checks": checks,
        "events": events,
        "available_actions": available_actions(access_for(request.user), h),
    }


@router.get("/", response=_r(HazardPage), url_name="hazard_list")
def list_hazards(
    request: HttpRequest,
    page: int = Query(1, ge=1, le=PAGE_MAX),
    page_size: int = Query(20, ge=1, le=MAX_PAGE_SIZE),
):
    """Hazards the caller may see, filtered like the register page (level, status, category,
    unit, place, overdue, listed, warning, campaign, q; values comma-separated)."""
    hfilter = HazardFilter.from_params(request.GET)
    if not hfilter.is_valid:
        field, message = next(iter(hfilter.errors.items()))
        raise InvalidInput(message, field=field)
    queryset = hfilter.apply(queries.visible_hazards(request.user))
    count = queryset.count()
    rows = queryset.select_related(*queries.LIST_RELATED)[(page - 1) * page_size : page * page_size]
    return {
        "items": [_item(h) for h in rows],
        "count": count,
        "page": page,
        "pages": math.ceil(count / page_size),
    }


@router.get("/{int:pk}", response=_r(HazardDetail), url_name="hazard_detail")
def hazard_detail(request: HttpRequest, pk: int):
    return _detail(request, pk)


class FigureOut(Schema):
    key: str | None
    name: str
    open: int
    overdue: int
    awaiting: int
    verified: int
    total: int
    links: dict[str, str]


@router.get("/figures", response=_r(list[FigureOut]), url_name="hazard_figures")
def hazard_figures(request: HttpRequest, by: str = "level"):
    """Open, overdue, awaiting verification and verified hazards by level, category or unit;
    each with the register link of the hazards behind it."""
    if by not in queries.GROUPS:
        raise InvalidInput(f"by: {', '.join(queries.GROUPS)}", field="by")
    hfilter = HazardFilter.from_params(request.GET)
    rows = queries.figures(hfilter.apply(queries.visible_hazards(request.user)), by=by)
    return [{**row.__dict__, "key": None if row.key is None else str(row.key)} for row in rows]


@router.get("/categories", response=_r(list[HazardRef]), url_name="hazard_categories")
def categories(request: HttpRequest):
    return [_ref(c) for c in HazardCategory.objects.filter(is_active=True)]


# ---- changes ---------------------------------------------------------------------------


def _unit(pk: int | None, field: str) -> Unit | None:
    if pk is None:
        return None
    unit = Unit.objects.filter(pk=pk).first()
    if unit is None:
        raise InvalidInput(f"{field}: {pk}", field=field)
    return unit


def _category(pk: int | None) -> HazardCategory | None:
    category = HazardCategory.objects.filter(pk=pk or 0).first()
    if category is None:
        raise InvalidInput(f"category: {pk}", field="category")
    return category


class HazardIn(Input):
    title: str
    category: int
    level: str
    discovery: str = "inspection"
    unit: int
    found_by_unit: int
    responsible_unit: int
    found_on: dt.date
    address: str = ""
    description: str = ""
    measures: str = ""
    finder: str = ""
    verifying_unit: int | None = None


@router.post("/", response={201: HazardDetail, **ERRORS}, url_name="hazard_register")
def register_hazard(request: HttpRequest, payload: HazardIn):
    """Register a hazard found (the office, or the unit that found it)."""
    data = payload.dict()
    data["category"] = _category(data["category"])
    for name in ("unit", "found_by_unit", "responsible_unit", "verifying_unit"):
        data[name] = _unit(data[name], name)
    spec = services.HazardSpec(**data)
    hazard = services.register_hazard(spec, actor=request.user)
    return Status(201, _detail(request, hazard.pk))


class HazardMilestoneIn(Input):
    title: str
    deadline: dt.date


class HazardAssignIn(Input):
    version: int
    deadline: dt.date | None = None
    leader: int | None = None
    verifying_unit: int | None = None
    milestones: list[HazardMilestoneIn] = []


def _hazard(request: HttpRequest, pk: int) -> Hazard:
    return queries.get_hazard_for_user(request.user, pk)


@router.post("/{int:pk}/assign", response=_r(HazardDetail), url_name="hazard_assign")
def assign(request: HttpRequest, pk: int, payload: HazardAssignIn):
    """Assign the rectification: the office registers and assigns its matter."""
    leader = None
    if payload.leader is not None:
        leader = User.objects.filter(pk=payload.leader).first()
        if leader is None:
            raise InvalidInput(f"leader: {payload.leader}", field="leader")
    services.assign_rectification(
        _hazard(request, pk),
        actor=request.user,
        version=payload.version,
        deadline=payload.deadline,
        leader=leader,
        verifying_unit=_unit(payload.verifying_unit, "verifying_unit"),
        milestones=[MilestoneSpec(title=m.title, deadline=m.deadline) for m in payload.milestones],
    )
    return _detail(request, pk)


class VerifyIn(Input):
    version: int
    passed: bool
    record: str
    checked_on: dt.date | None = None


@router.post("/{int:pk}/verify", response=_r(HazardDetail), url_name="hazard_verify")
def verify(request: HttpRequest, pk: int, payload: VerifyIn):
    """The on-site check: passed closes the hazard, failed returns it with the reason."""
    services.verify_hazard(
        _hazard(request, pk),
        actor=request.user,
        version=payload.version,
        passed=payload.passed,
        record_text=payload.record,
        checked_on=payload.checked_on,
    )
    return _detail(request, pk)


class ReinspectIn(Input):
    version: int
    record: str
    checked_on: dt.date | None = None
    relapsed: bool = False


@router.post("/{int:pk}/reinspect", response=_r(HazardDetail), url_name="hazard_reinspect")
def reinspect(request: HttpRequest, pk: int, payload: ReinspectIn):
    """A re-inspection of an open major hazard, or the follow-up check after closing."""
    services.reinspect_hazard(
        _hazard(request, pk),
        actor=request.user,
        version=payload.version,
        record_text=payload.record,
        checked_on=payload.checked_on,
        relapsed=payload.relapsed,
    )
    return _detail(request, pk)


class HazardWithdrawIn(Input):
    version: int
    reason: str


@router.post("/{int:pk}/withdraw", response=_r(HazardDetail), url_name="hazard_withdraw")
def withdraw(request: HttpRequest, pk: int, payload: HazardWithdrawIn):
    services.withdraw_hazard(
        _hazard(request, pk), actor=request.user, version=payload.version, reason=payload.reason
    )
    return _detail(request, pk)


# ---- campaigns and the Excel intake ----------------------------------------------------


class CampaignIn(Input):
    name: str
    organiser: int
    started_on: dt.date
    ended_on: dt.date | None = None


class CampaignOut(Schema):
    id: int
    name: str
    organiser: HazardRef
    started_on: dt.date
    ended_on: dt.date | None


@router.post("/campaigns", response={201: CampaignOut, **ERRORS}, url_name="campaign_start")
def start_campaign(request: HttpRequest, payload: CampaignIn):
    campaign = services.start_campaign(
        actor=request.user,
        name=payload.name,
        organiser=_unit(payload.organiser, "organiser"),
        started_on=payload.started_on,
        ended_on=payload.ended_on,
    )
    return Status(201, {**campaign.__dict__, "organiser": _ref(campaign.organiser)})


class HazardImportProblemOut(Schema):
    row: int
    column: str
    message: str
    blocking: bool


class ImportOut(Schema):
    code: str | None = None
    message: str | None = None
    field: str | None = None
    imported: list[int]
    rows: int
    problems: list[HazardImportProblemOut]


@router.post(
    "/campaigns/{int:pk}/import",
    response={**ERRORS, 200: ImportOut, 422: ImportOut},
    url_name="campaign_import",
)
def import_findings(
    request: HttpRequest,
    pk: int,
    file: File[UploadedFile],
    default_category: Form[int | None] = None,
):
    """Import a campaign's findings table (.xlsx), all or nothing: with any blocking problem
    nothing is written and the answer is 422 with every problem named by row and column."""
    campaign = InspectionCampaign.objects.select_related("organiser").filter(pk=pk).first()
    if campaign is None:
        raise NotFound(f"campaign {pk}")
    category = _category(default_category) if default_category else None
    result = intake.import_file(
        campaign, file.read(), actor=request.user, default_category=category
    )
    body = {
        **_refusal(result),
        "imported": [h.pk for h in result.created],
        "rows": len(result.rows),
        "problems": [p.__dict__ for p in result.problems],
    }
    return Status(200 if result.is_valid else 422, body)


def _refusal(result: intake.Intake) -> dict:
    """The error shape of every 422, naming the first blocking row, when nothing was written."""
    if result.is_valid:
        return {}
    first = result.blocking[0]
    return {
        "code": "invalid_input",
        "message": _("Row %(n)s: %(error)s") % {"n": first.row, "error": first.message},
        "field": f"rows[{first.row}].{first.column}",
    }
