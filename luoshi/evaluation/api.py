"""The evaluation API at /api/evaluation/: schemes, periods (open, compute, review, close),
bonus and penalty items, rankings, scorecards with every figure in words, and the
matters behind each figure. Each endpoint parses, calls a service or query, and answers;
the rules live in evaluation.services, .queries and .permissions. Every call that
changes a period carries the period's `version` the caller read."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Field, Path, Router

from luoshi.lib.errors import InvalidInput
from luoshi.lib.numbers import ID_MAX, YEAR_MAX, YEAR_MIN
from luoshi.lib.schemas import Input
from luoshi.matters.models import Matter
from luoshi.org.access import access_for
from luoshi.org.models import Unit

from . import permissions, queries, services
from .explain import indicator, indicators, rule_text
from .filters import AdjustmentFilter, PeriodFilter, SchemeFilter, ScorecardFilter
from .models import Adjustment, Period, PeriodKind, Scheme

router = Router(tags=["evaluation"])
VERSION = Field(description="The version of the period the caller read.")


def _valid(filters):
    if filters.errors:
        field, message = next(iter(filters.errors.items()))
        raise InvalidInput(message, field=field)
    return filters


def scheme_data(scheme: Scheme) -> dict:
    return {
        "id": scheme.pk,
        "name": scheme.name,
        "version": scheme.version,
        "base": float(scheme.base),
        "rules": [
            {
                **rule,
                "label": indicator(rule["indicator"]).label,
                "text": rule_text(rule, rule["indicator"]),
            }
            for rule in scheme.rules
        ],
        "unit_kinds": scheme.unit_kinds,
        "honour_count": scheme.honour_count,
        "published_at": scheme.published_at.isoformat(),
        "link": f"/evaluation/schemes/{scheme.pk}/",
    }


@router.get("/schemes", summary="Published scheme versions (filter: name, latest)")
def list_schemes(request: HttpRequest):
    permissions.require_schemes(access_for(request.user))
    schemes = _valid(SchemeFilter.from_params(request.GET)).apply(Scheme.objects.all())
    return {
        "schemes": [scheme_data(s) for s in schemes],
        "indicators": [
            {"code": i.code, "label": i.label, "meaning": i.meaning} for i in indicators()
        ],
    }


class SchemeIn(Input):
    name: str
    version: int | None = Field(
        None, description="Required to edit a published scheme: the version the caller read."
    )
    base: Decimal = Field(Decimal(100), ge=0, le=1000, max_digits=7, decimal_places=2)
    rules: list[dict] | None = None
    unit_kinds: list[str] | None = None
    honour_count: int = Field(3, ge=1, le=50)


@router.post("/schemes", summary="Publish a scheme, or a new version of one (supervisors)")
def publish_scheme(request: HttpRequest, payload: SchemeIn):
    scheme = services.publish_scheme(actor=request.user, **payload.dict())
    return scheme_data(scheme)


class PeriodIn(Input):
    kind: PeriodKind
    year: int = Field(ge=YEAR_MIN, le=YEAR_MAX)
    number: int = Field(1, description="The month (1–12) or the quarter (1–4); 1 for a year.")
    scheme_id: int | None = None


period_data = queries.period_data


@router.get("/periods", summary="Evaluation periods, newest first (filter: kind, state, year)")
def list_periods(request: HttpRequest):
    filters = _valid(PeriodFilter.from_params(request.GET))
    periods = filters.apply(Period.objects.select_related("scheme"))
    return {"periods": [period_data(p) for p in periods]}


@router.post("/periods", summary="Open a period (supervisors)")
def open_period(request: HttpRequest, payload: PeriodIn):
    scheme = get_object_or_404(Scheme, pk=payload.scheme_id) if payload.scheme_id else None
    period = services.open_period(
        actor=request.user,
        kind=payload.kind,
        year=payload.year,
        number=payload.number,
        scheme=scheme,
    )
    return period_data(period)


@router.get("/periods/{pk}", summary="A period with its history")
def period_detail(request: HttpRequest, pk: int):
    permissions.require_rankings(access_for(request.user))
    period = queries.get_period(pk)
    events = [
        {
            "kind": line.event.kind,
            "at": line.event.at.isoformat(),
            "text": line.text,
            "comment": line.event.comment,
            "data": line.event.data,
        }
        for line in queries.period_events(period)
    ]
    return {**period_data(period), "events": events}


class EvaluationVersionIn(Input):
    version: int = VERSION


class PeriodReviewIn(EvaluationVersionIn):
    comment: str = ""


class CloseIn(EvaluationVersionIn):
    reason: str = Field("", description="Required when the period has not ended yet.")


@router.post("/periods/{pk}/compute", summary="Recompute an open period's provisional results")
def compute(request: HttpRequest, pk: int, payload: EvaluationVersionIn):
    period = queries.get_period(pk)
    services.compute_period(period, actor=request.user, version=payload.version)
    return queries.ranking_data(queries.get_period(pk))


@router.post("/periods/{pk}/review", summary="Review the computed results (supervisors)")
def review(request: HttpRequest, pk: int, payload: PeriodReviewIn):
    period = services.review_period(
        queries.get_period(pk), actor=request.user, version=payload.version, comment=payload.comment
    )
    return period_data(period)


@router.post("/periods/{pk}/close", summary="Close a reviewed period: its results are frozen")
def close(request: HttpRequest, pk: int, payload: CloseIn):
    period = services.close_period(
        queries.get_period(pk), actor=request.user, version=payload.version, reason=payload.reason
    )
    return queries.ranking_data(period)


@router.get("/periods/{pk}/ranking", summary="Ranking by group, honour roll, lagging list")
def ranking(request: HttpRequest, pk: int):
    permissions.require_rankings(access_for(request.user))
    return queries.ranking_data(queries.get_period(pk))


def item_data(item: Adjustment) -> dict:
    return {
        "id": item.pk,
        "unit": {"id": item.unit_id, "name": item.unit.name},
        "kind": item.kind,
        "kind_label": str(item.get_kind_display()),
        "points": float(item.points),
        "reason": item.reason,
        "matter_id": item.matter_id,
        "created_at": item.created_at.isoformat(),
        "withdrawn_at": item.withdrawn_at.isoformat() if item.withdrawn_at else None,
        "withdrawal_reason": item.withdrawal_reason,
    }


@router.get("/periods/{pk}/adjustments", summary="A period's items (filter: unit, kind, withdrawn)")
def list_adjustments(request: HttpRequest, pk: int):
    permissions.require_rankings(access_for(request.user))
    filters = _valid(AdjustmentFilter.from_params(request.GET))
    items = filters.apply(queries.get_period(pk).adjustments.all())
    return {"adjustments": [item_data(i) for i in items]}


class AdjustmentIn(EvaluationVersionIn):
    unit_id: int
    kind: str
    reason: str
    points: Decimal = Field(Decimal(0), ge=-100, le=100, max_digits=5, decimal_places=2)
    matter_id: int | None = None


@router.post("/periods/{pk}/adjustments", summary="A commendation, bonus or penalty item")
def add_adjustment(request: HttpRequest, pk: int, payload: AdjustmentIn):
    unit = get_object_or_404(Unit, pk=payload.unit_id)
    matter = (
        get_object_or_404(Matter.objects.visible_to(request.user), pk=payload.matter_id)
        if payload.matter_id
        else None
    )
    item = services.add_adjustment(
        queries.get_period(pk),
        actor=request.user,
        version=payload.version,
        unit=unit,
        kind=payload.kind,
        reason=payload.reason,
        points=payload.points,
        matter=matter,
    )
    return item_data(item)


class AdjustmentWithdrawIn(EvaluationVersionIn):
    reason: str


@router.post("/adjustments/{pk}/withdraw", summary="Withdraw a mistaken item, with the reason")
def withdraw_adjustment(request: HttpRequest, pk: int, payload: AdjustmentWithdrawIn):
    item = get_object_or_404(Adjustment.objects.select_related("period"), pk=pk)
    item = services.withdraw_adjustment(
        item, actor=request.user, version=payload.version, reason=payload.reason
    )
    return item_data(item)


@router.get("/scorecards", summary="Scorecards you may read (filter: unit, period, kind)")
def list_scorecards(request: HttpRequest):
    filters = _valid(ScorecardFilter.from_params(request.GET))
    cards = filters.apply(queries.visible_scorecards(request.user))
    return {
        "scorecards": [{"period": period_data(c.period), **queries.card_data(c)} for c in cards]
    }


@router.get("/scorecards/{pk}", summary="A scorecard (its unit, or leaders and supervisors)")
def scorecard(request: HttpRequest, pk: int):
    card = queries.scorecard_for_user(request.user, pk)
    return {"period": period_data(card.period), **queries.card_data(card)}


@router.get("/scorecards/{pk}/matters/{indicator}", summary="The matters behind a figure")
def figure_matters(request: HttpRequest, pk: int, indicator: str):
    card = queries.scorecard_for_user(request.user, pk)
    matters = queries.matters_behind(request.user, card, indicator)
    return {
        "indicator": indicator,
        "value": card.figures.get(indicator),
        "matters": [
            {
                "id": m.pk,
                "serial": m.serial,
                "title": m.title,
                "state": m.state,
                "deadline": m.deadline.isoformat() if m.deadline else None,
                "link": f"/matters/{m.pk}/",
            }
            for m in matters
        ],
    }


@router.get("/units/{unit_id}/scorecards", summary="A unit's scorecards over the periods")
def unit_scorecards(request: HttpRequest, unit_id: Annotated[int, Path(ge=1, le=ID_MAX)]):
    permissions.require_scorecard(access_for(request.user), unit_id)
    cards = ScorecardFilter(unit=unit_id).apply(queries.visible_scorecards(request.user))
    return {
        "scorecards": [{"period": period_data(c.period), **queries.card_data(c)} for c in cards]
    }
