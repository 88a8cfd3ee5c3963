"""Evaluation pages: periods and rankings for overseers, a unit's own scorecards, and
the matters behind every figure. Numbers come from evaluation.queries."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from luoshi.matters.views._common import domain_errors
from luoshi.org.access import access_for

from . import queries
from .indicators import known_indicators
from .models import Period, Scorecard


@login_required
def index(request: HttpRequest) -> HttpResponse:
    """Overseers: the periods and the latest ranking. Units: their own scorecards."""
    access = access_for(request.user)
    if access.sees_everything:
        periods = Period.objects.select_related("scheme").order_by("-start", "kind")
        context = {"periods": periods, "ranking": queries.latest_ranking_data()}
    else:
        cards = (
            Scorecard.objects.filter(unit_id__in=sorted(access.visible_units))
            .select_related("unit", "period")
            .order_by("-period__start", "unit__name")
        )
        context = {"cards": cards}
    return render(request, "evaluation/index.html", context)


@login_required
@domain_errors
def period_ranking(request: HttpRequest, pk: int) -> HttpResponse:
    queries.require_overview(request.user)
    period = get_object_or_404(Period.objects.select_related("scheme"), pk=pk)
    return render(
        request,
        "evaluation/ranking.html",
        {"period": period, "groups": queries.ranking(period), "scheme": period.scheme},
    )


@login_required
@domain_errors
def scorecard(request: HttpRequest, pk: int) -> HttpResponse:
    card = queries.scorecard_for_user(request.user, pk)
    rows = [
        {
            "name": name,
            "value": card.figures.get(name),
            "points": card.points.get(name),
            "has_matters": bool(card.matter_ids.get(name)),
        }
        for name in known_indicators()
    ]
    return render(request, "evaluation/scorecard.html", {"card": card, "rows": rows})


@login_required
@domain_errors
def figure_matters(request: HttpRequest, pk: int, indicator: str) -> HttpResponse:
    card = queries.scorecard_for_user(request.user, pk)
    matters = queries.matters_behind(request.user, card, indicator)
    return render(
        request,
        "evaluation/figure_matters.html",
        {"card": card, "indicator": indicator, "matters": matters},
    )
