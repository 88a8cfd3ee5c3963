"""Hot spots (热点): requests by category × district × week, rising ones flagged.

The same figures make the table page and the cockpit's small panel; every number
links to the request list filtered to the requests it counts.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse

from .. import queries

PANEL_ROWS = 8


def _link(spot: queries.HotSpot, *, week=None, since=None) -> str:
    query = {
        "category": spot.category_id or "none",
        "district": spot.district_id or "none",
        "week": week.isoformat() if week else "",
        "since": since.isoformat() if since else "",
    }
    return reverse("citizens:list") + "?" + urlencode({k: v for k, v in query.items() if v})


def _rows(request: HttpRequest, limit: int | None = None) -> tuple[list, list[dict]]:
    weeks, spots = queries.hotspots(request.user)
    rows = [
        {
            "spot": spot,
            "cells": [
                (n, _link(spot, week=week)) for n, week in zip(spot.weeks, weeks, strict=True)
            ],
            "link": _link(spot, since=weeks[0]),
        }
        for spot in spots[:limit]
    ]
    return weeks, rows


@login_required
def hotspots(request: HttpRequest) -> HttpResponse:
    weeks, rows = _rows(request)
    return render(request, "citizens/hotspots.html", {"weeks": weeks, "rows": rows})


@login_required
def hotspots_panel(request: HttpRequest) -> HttpResponse:
    """The cockpit's panel: the rising hot spots first, the latest weeks only."""
    weeks, rows = _rows(request, PANEL_ROWS)
    return render(
        request, "citizens/partials/hotspots_panel.html", {"weeks": weeks[-4:], "rows": rows}
    )
