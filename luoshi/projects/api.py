"""The key projects API: list, detail, figures, and one POST per change.

Reads go through queries.visible_projects; changes through projects.services, with
the version the caller read (409 stale_version otherwise).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Query, Router, Schema

from luoshi.lib import numbers
from luoshi.lib.errors import InvalidInput
from luoshi.lib.schemas import Input
from luoshi.org.models import Unit

from . import queries, services
from .filters import ProjectFilter
from .models import ProjectPolicy

router = Router(tags=["projects"])


class StageOut(Schema):
    stage: str
    planned_date: dt.date | None
    actual_date: dt.date | None
    evidence: str
    timing: str  # unplanned, pending, on_time, reached_late, overdue (StageTiming)
    late: bool  # reached late or overdue
    days_late: int


class ProjectOut(Schema):
    id: int
    code: str
    name: str
    kind: str
    level: str
    status: str
    stage: str
    version: int
    responsible_unit_id: int
    district_id: int
    is_contract: bool
    contracted_investment: Decimal
    planned_investment: Decimal
    warnings: list[str]


class ProjectDetail(ProjectOut):
    stages: list[StageOut]
    months: list[dict]
    matters: list[int]


class FiltersIn(Input):
    district: str = ""
    unit: str = ""
    kind: str = ""
    level: str = ""
    stage: str = ""
    status: str = ""
    q: str = ""


class ProjectFiguresOut(Schema):
    key: str | None
    projects: int
    terminated: int
    by_stage: dict[str, int]
    due_to_start: int
    started_on_time: int
    started_on_time_rate: Decimal | None
    contracts_due: int
    contracts_performed: int
    contract_performance_rate: Decimal | None
    contracted_investment: Decimal
    funds_in_place: Decimal
    funds_in_place_rate: Decimal | None
    investment_planned: Decimal
    investment_completed: Decimal
    investment_rate: Decimal | None
    effect_rates: dict[str, Decimal | None]
    stages_due: int
    stages_on_time: int
    stages_reached_late: int
    stages_overdue: int
    stage_on_time_rate: Decimal | None


class StageIn(Input):
    version: int
    stage: str
    actual_date: dt.date
    evidence: str


class ProblemIn(Input):
    title: str
    lead_unit: int
    content: str = ""
    deadline: dt.date | None = None


class MonthIn(Input):
    version: int
    year: int = Field(ge=numbers.YEAR_MIN, le=numbers.YEAR_MAX)
    month: int = Field(ge=1, le=12)
    completed: Decimal = Field(ge=0, le=numbers.AMOUNT_MAX)
    funds_in_place: Decimal = Field(ge=0, le=numbers.AMOUNT_MAX)
    effect: Decimal = Field(Decimal(0), ge=0, le=numbers.AMOUNT_MAX)


def _filtered(request: HttpRequest, params: FiltersIn):
    pfilter = ProjectFilter.from_params(params.dict())
    if pfilter.errors:
        name, message = next(iter(pfilter.errors.items()))
        raise InvalidInput(message, field=name)
    return pfilter.apply(queries.visible_projects(request.user))


def _out(project, tolerance: int) -> dict:
    data = {f: getattr(project, f) for f in ProjectOut.model_fields if f != "warnings"}
    data["warnings"] = [str(w) for w in queries.warnings_of(project, tolerance)]
    return data


@router.get("/", response=list[ProjectOut])
def list_projects(request: HttpRequest, params: Query[FiltersIn]):
    today = timezone.localdate()
    tolerance = ProjectPolicy.current().investment_tolerance_percent
    rows = queries.with_warnings(_filtered(request, params), today).order_by("code")[:1000]
    return [_out(p, tolerance) for p in rows]


def _stage_out(view: queries.StageView) -> dict:
    row = view.row
    return {
        **{f: getattr(row, f) for f in ("stage", "planned_date", "actual_date", "evidence")},
        "timing": view.timing.value,
        "late": view.late,
        "days_late": view.days_late,
    }


def _figures_out(key, fig) -> dict:
    names = [f for f in ProjectFiguresOut.model_fields if f not in ("key", "effect_rates")]
    return {
        "key": None if key is None else str(key),
        **{n: getattr(fig, n) for n in names},
        "effect_rates": fig.effect_rates(),
    }


@router.get("/figures", response=list[ProjectFiguresOut])
def project_figures(
    request: HttpRequest,
    params: Query[FiltersIn],
    by: str = "",
    as_of: dt.date | None = None,
    year: int | None = None,
    through_month: int | None = None,
):
    """Figures of the filtered projects, or per group (by = district, unit, kind, level)."""
    if by and by not in queries.GROUPS:
        raise InvalidInput(f"by: {', '.join(queries.GROUPS)}", field="by")
    found = queries.figures(
        _filtered(request, params),
        as_of=as_of or timezone.localdate(),
        year=year,
        through_month=through_month,
        by=by or None,
    )
    if not by:
        return [_figures_out(None, found)]
    return [_figures_out(k, f) for k, f in found.items()]


@router.get("/{pk}", response=ProjectDetail)
def project_detail(request: HttpRequest, pk: int, year: int | None = None):
    project = queries.get_project_for_user(request.user, pk)
    today = timezone.localdate()
    annotated = queries.with_warnings(queries.visible_projects(request.user), today).get(pk=pk)
    data = _out(annotated, ProjectPolicy.current().investment_tolerance_percent)
    data["stages"] = [_stage_out(v) for v in queries.stage_views(project.stages.all(), today)]
    data["months"] = queries.months_of(project, year or today.year)
    matters = queries.linked_matters(project, request.user)
    data["matters"] = list(matters.values_list("pk", flat=True))
    return data


@router.post("/{pk}/stage", response=ProjectOut)
def record_stage(request: HttpRequest, pk: int, payload: StageIn):
    project = queries.get_project_for_user(request.user, pk)
    services.record_stage(
        project,
        payload.stage,
        actor=request.user,
        version=payload.version,
        actual_date=payload.actual_date,
        evidence=payload.evidence,
    )
    return _reload(request, pk)


@router.post("/{pk}/month", response=ProjectOut)
def report_month(request: HttpRequest, pk: int, payload: MonthIn):
    project = queries.get_project_for_user(request.user, pk)
    services.report_month(
        project,
        year=payload.year,
        month=payload.month,
        completed=payload.completed,
        funds_in_place=payload.funds_in_place,
        effect=payload.effect,
        actor=request.user,
        version=payload.version,
    )
    return _reload(request, pk)


@router.post("/{pk}/problem", response={201: int})
def raise_problem(request: HttpRequest, pk: int, payload: ProblemIn):
    """Raise a problem the project met as a matter; returns the matter's id."""
    project = queries.get_project_for_user(request.user, pk)
    unit = Unit.objects.filter(pk=payload.lead_unit, is_active=True).first()
    if unit is None:
        raise InvalidInput(f"lead_unit: {payload.lead_unit}", field="lead_unit")
    matter = services.raise_problem(
        project,
        actor=request.user,
        title=payload.title,
        content=payload.content,
        lead_unit=unit,
        deadline=payload.deadline,
    )
    return 201, matter.pk


def _reload(request: HttpRequest, pk: int) -> dict:
    today = timezone.localdate()
    project = queries.with_warnings(queries.visible_projects(request.user), today).get(pk=pk)
    return _out(project, ProjectPolicy.current().investment_tolerance_percent)
