"""The evaluation API at /api/evaluation/: schemes, periods, bonus/penalty items,
rankings, scorecards and the matters behind each figure. Each endpoint parses, calls a
service or query, and answers; the rules live in evaluation.services and .queries."""

from __future__ import annotations

from decimal import Decimal

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Router, Schema

from luoshi.lib.errors import NotAllowed
from luoshi.matters.models import Matter
from luoshi.org.access import access_for
from luoshi.org.models import Unit

from . import queries, services
from .indicators import known_indicators
from .models import Period, PeriodKind, Scheme, Scorecard

router = Router(tags=["evaluation"])


class SchemeIn(Schema):
    name: str
    base: Decimal = Decimal(100)
    rules: list[dict] | None = None
    unit_kinds: list[str] | None = None
    honour_count: int = 3


def scheme_data(scheme: Scheme) -> dict:
    return {
        "id": scheme.pk,
        "name": scheme.name,
        "version": scheme.version,
        "base": float(scheme.base),
        "rules": scheme.rules,
        "unit_kinds": scheme.unit_kinds,
        "honour_count": scheme.honour_count,
        "published_at": scheme.published_at.isoformat(),
    }


@router.get("/schemes", summary="Every published scheme version, newest first")
def list_schemes(request: HttpRequest):
    queries.require_overview(request.user)
    schemes = Scheme.objects.order_by("name", "-version")
    return {"schemes": [scheme_data(s) for s in schemes], "indicators": known_indicators()}


@router.post("/schemes", summary="Publish a new version of a scheme (supervisors)")
def publish_scheme(request: HttpRequest, payload: SchemeIn):
    scheme = services.publish_scheme(actor=request.user, **payload.dict())
    return scheme_data(scheme)


class PeriodIn(Schema):
    kind: PeriodKind
    year: int
    number: int = 1
    scheme_id: int | None = None


period_data = queries.period_data


@router.get("/periods", summary="Evaluation periods, newest first")
def list_periods(request: HttpRequest):
    periods = Period.objects.select_related("scheme").order_by("-start", "kind")
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


def _period(pk: int) -> Period:
    return get_object_or_404(Period.objects.select_related("scheme"), pk=pk)


@router.post("/periods/{pk}/compute", summary="Recompute an open period's provisional results")
def compute(request: HttpRequest, pk: int):
    services.require_supervisor(request.user)
    period = _period(pk)
    services.compute_scorecards(period)
    return queries.ranking_data(period)


@router.post("/periods/{pk}/close", summary="Close a period: its results are frozen")
def close(request: HttpRequest, pk: int):
    period = services.close_period(_period(pk), actor=request.user)
    return queries.ranking_data(period)


@router.get("/periods/{pk}/ranking", summary="Ranking by group, honour roll, lagging list")
def ranking(request: HttpRequest, pk: int):
    queries.require_overview(request.user)
    return queries.ranking_data(_period(pk))


class AdjustmentIn(Schema):
    unit_id: int
    kind: str
    reason: str
    points: Decimal = Decimal(0)
    matter_id: int | None = None


@router.post("/periods/{pk}/adjustments", summary="A commendation, bonus or penalty item")
def add_adjustment(request: HttpRequest, pk: int, payload: AdjustmentIn):
    unit = get_object_or_404(Unit, pk=payload.unit_id)
    matter = (
        Matter.objects.visible_to(request.user).filter(pk=payload.matter_id).first()
        if payload.matter_id
        else None
    )
    item = services.add_adjustment(
        _period(pk),
        actor=request.user,
        unit=unit,
        kind=payload.kind,
        reason=payload.reason,
        points=payload.points,
        matter=matter,
    )
    return {"id": item.pk, "unit_id": unit.pk, "kind": item.kind, "points": float(item.points)}


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
def unit_scorecards(request: HttpRequest, unit_id: int):
    access = access_for(request.user)
    if not (access.sees_everything or unit_id in access.visible_units):
        raise NotAllowed(_("A unit sees only its own scorecard."))
    cards = Scorecard.objects.filter(unit_id=unit_id).select_related("unit", "period__scheme")
    return {
        "scorecards": [
            {"period": period_data(c.period), **queries.card_data(c)}
            for c in cards.order_by("-period__start")
        ]
    }
