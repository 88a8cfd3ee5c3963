"""The cockpit pages: the leaders' one-page view, its full-screen mode for the meeting
room, and the list of matters behind a flow figure. The numbers come from the same
queries as /api/cockpit/; the charts fetch that API."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from luoshi.evaluation.queries import latest_ranking_data
from luoshi.lib.dates import parse_date
from luoshi.lib.errors import InvalidInput
from luoshi.lib.numbers import id_or_none
from luoshi.lib.web import domain_errors

from . import queries
from .models import FlowMetric
from .permissions import require_cockpit

PAGE_GOALS = 10  # the page shows the first goals; /api/cockpit/blueprint gives more
PAGE_PLACES = 12  # first and last places of each group; the evaluation page has them all


def _day(request: HttpRequest, name: str) -> dt.date | None:
    """A day from the query string; a mistyped one is said on the page and ignored."""
    try:
        return parse_date(request.GET.get(name), field=name)
    except InvalidInput as error:
        messages.error(
            request, _("%(field)s: %(problem)s") % {"field": name, "problem": error.message}
        )
        return None


def _changes(request: HttpRequest) -> dict | None:
    """Two stocktakes compared: `since` and `until` (a day, "bulletin" or "bulletin:<id>";
    `until` empty is now). A bad one is said on the page and the comparison left out."""
    since, until = request.GET.get("since"), request.GET.get("until")
    if not since:
        return None
    try:
        return queries.changes_between(
            queries.resolve_since(since), queries.resolve_stocktake(until, "until")
        )
    except InvalidInput as error:
        messages.error(request, error.message)
        return None


def _context(request: HttpRequest) -> dict:
    as_of = _day(request, "as_of")
    return {
        "as_of": as_of,
        "year": (as_of or timezone.localdate()).year,
        **queries.page_figures(as_of, units=15),
        "blueprint": queries.blueprint(request.user, limit=PAGE_GOALS),
        "ranking": latest_ranking_data(limit=PAGE_PLACES),
        "changes": _changes(request),
        "bulletins": queries.bulletin_choices(),
        "since": request.GET.get("since", ""),
        "until": request.GET.get("until", ""),
    }


@login_required
@domain_errors
def cockpit(request: HttpRequest) -> HttpResponse:
    require_cockpit(request.user)
    return render(request, "cockpit/cockpit.html", _context(request))


@login_required
@domain_errors
def screen(request: HttpRequest) -> HttpResponse:
    """Full-screen mode for the meeting-room display: no navigation, refreshes itself."""
    require_cockpit(request.user)
    return render(request, "cockpit/screen.html", {**_context(request), "screen": True})


@login_required
@domain_errors
def flow_matters(request: HttpRequest) -> HttpResponse:
    require_cockpit(request.user)
    metric = request.GET.get("metric", FlowMetric.COMPLETED)
    if metric not in FlowMetric.values:
        metric = FlowMetric.COMPLETED
    first = _day(request, "from") or timezone.localdate().replace(day=1)
    last = _day(request, "to") or timezone.localdate()
    unit = request.GET.get("unit")
    matters = queries.flow_matters(request.user, metric, first, last, id_or_none(unit))
    context = {
        "metric": FlowMetric(metric),
        "first": first,
        "last": last,
        "total": matters.count(),  # the figure this list stands behind
        "matters": matters[:500],
    }
    return render(request, "cockpit/flow_matters.html", context)
