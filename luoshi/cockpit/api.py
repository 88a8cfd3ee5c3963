"""The cockpit's JSON API at /api/cockpit/: the data of every chart and table of the
cockpit page, for the page's charts and for any other client (a meeting-room screen,
a report script). Leaders, supervisors and admins only. Every figure is
`{"value", "link"}`, the link listing the matters behind it."""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router

from luoshi.evaluation.queries import latest_ranking_data
from luoshi.lib.errors import InvalidInput
from luoshi.lib.numbers import YEAR_MAX, YEAR_MIN
from luoshi.lib.schemas import Input
from luoshi.targets.queries import targets_data

from . import queries
from .models import FlowMetric
from .permissions import require_cockpit

router = Router(tags=["cockpit"])


class AsOf(Input):
    as_of: dt.date | None = None


def _guard(request: HttpRequest) -> None:
    require_cockpit(request.user)


@router.get("/summary", summary="City totals: open matters by warning, completions this year")
def summary(request: HttpRequest, params: Query[AsOf]):
    _guard(request)
    return queries.summary(params.as_of)


class UnitsParams(AsOf):
    kind: str | None = None
    limit: int = Field(50, ge=1, le=500)


@router.get("/units", summary="Open, overdue and stalled matters per lead unit")
def units(request: HttpRequest, params: Query[UnitsParams]):
    _guard(request)
    return {"units": queries.by_unit(params.as_of, params.kind, min(params.limit, 500))}


class YearParams(Input):
    year: int | None = Field(None, ge=YEAR_MIN, le=YEAR_MAX)


@router.get("/trend", summary="Per month: completed, newly overdue, overdue at month end")
def trend(request: HttpRequest, params: Query[YearParams]):
    _guard(request)
    return queries.trend(params.year or timezone.localdate().year)


class BlueprintParams(Input):
    limit: int = Field(10, ge=1, le=500)


@router.get("/blueprint", summary="Goals → tasks → sub-tasks with progress and warnings")
def blueprint(request: HttpRequest, params: Query[BlueprintParams]):
    _guard(request)
    return {"goals": queries.blueprint(request.user, limit=max(1, min(params.limit, 50)))}


@router.get("/targets", summary="Targets against their trajectories, with projections")
def targets(request: HttpRequest, params: Query[YearParams]):
    _guard(request)
    return {"targets": targets_data(request.user, params.year or timezone.localdate().year)}


class RankingParams(Input):
    kind: str | None = None
    limit: int = Field(10, ge=1, le=500)


@router.get(
    "/ranking", summary="The latest ranking: first and last places per group, honour roll, lagging"
)
def ranking(request: HttpRequest, params: Query[RankingParams]):
    _guard(request)
    return latest_ranking_data(params.kind, max(1, min(params.limit, 100)))


class SinceParams(Input):
    since: str = Field(
        "bulletin", description='A day (YYYY-MM-DD), "bulletin" (the last) or "bulletin:<id>".'
    )
    until: str | None = Field(None, description="The later stocktake, the same way; empty: now.")


@router.get("/changes", summary="Two stocktakes compared: days or bulletins (until: now)")
def changes(request: HttpRequest, params: Query[SinceParams]):
    _guard(request)
    return queries.changes_between(
        queries.resolve_since(params.since), queries.resolve_stocktake(params.until, "until")
    )


class FlowParams(Input):
    metric: FlowMetric
    first: dt.date = Field(alias="from")
    to: dt.date
    unit: int | None = None
    limit: int = Field(100, ge=1, le=5000)


@router.get("/matters", summary="The matters behind a flow figure (completed, newly overdue)")
def flow_matters(request: HttpRequest, params: Query[FlowParams]):
    _guard(request)
    if params.to < params.first:
        raise InvalidInput(_("'to' is before 'from'."), field="to")
    matters = queries.flow_matters(
        request.user, params.metric, params.first, params.to, params.unit
    )
    return {"matters": [queries.matter_row(m) for m in matters[: min(params.limit, 500)]]}
