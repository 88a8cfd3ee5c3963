"""Indicators of a unit's work over a period, computed from the event log and its rows.

Each indicator is a function `(window, unit_ids) -> {unit_id: Figure}` registered in
INDICATORS under its code name; a Figure holds the value and the matters behind it.
A matter is counted for its lead unit. Definitions (they are what the scheme prices):

- due_matters: matters due (current deadline) within the period, dispatched, not withdrawn.
- completed_on_time: of those, completed (review approved) having asked on or before the
  deadline (matters.fairness: the time a review waits is the office's, not the unit's).
- on_time_rate: completed_on_time / due_matters × 100 (None when nothing was due).
- overdue_matters / overdue_days: matters overdue on at least one day of the period, and
  the sum of those days. A matter is overdue on day d when deadline < d ≤ the day its
  unit's clock stopped — it asked for completion, or waits for the office's ruling, or
  is suspended (matters.fairness) — or the period's end if it runs.
- stalled_matters: open matters carrying the stalled warning when the figures are taken
  (a state, not a history: a closed period keeps the count frozen at its close).
- reports_on_time_rate: of the matters the unit was running during the period with a
  report cycle, the share that got at least one progress report in the period × 100.
- hastenings: hastening notices (催办) received in the period (merged reminders count once).
- disputes_upheld_against: disputes the unit raised that the supervisor ruled `reject` in
  the period — the matter was the unit's after all, so the dispute tried to pass it on
  (推诿). A dispute ruled `reassign` went the unit's way and costs nothing.
- rework: completions sent back for rework (review.rework events) in the period.
- commendations: leader commendations entered as manual items for the period.
- satisfaction: the share of the ratings given in the period to the unit's matters that
  were satisfied (非常满意, 满意 or 基本满意) × 100 — read from what matters.services
  rate_matter writes on each `rated` event (data["satisfied"], decided from the grade
  when it was given); None when nothing was rated.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.db.models import Count, DateField, F, Q, Value
from django.db.models.functions import Coalesce, Greatest, Least
from django.utils import timezone

from luoshi.lib.dates import day_start
from luoshi.matters import fairness
from luoshi.matters.models import (
    OPEN_STATES,
    PRE_DISPATCH_STATES,
    Dispute,
    EventKind,
    Hastening,
    Matter,
    MatterEvent,
    MatterWarning,
    ProgressReport,
    ReportCycle,
    RequestState,
    State,
)
from luoshi.matters.warnings import DaysBetween

from .models import Adjustment, AdjustmentKind, Period

NOT_COUNTED = [*PRE_DISPATCH_STATES, State.WITHDRAWN]


@dataclass
class Figure:
    value: float | int | None = 0
    matter_ids: list[int] = field(default_factory=list)


@dataclass(frozen=True)
class Window:
    """The days of a period that have passed: start … last (the end, or today if earlier)."""

    period: Period
    start: dt.date
    last: dt.date

    @classmethod
    def of(cls, period: Period, today: dt.date | None = None) -> Window:
        today = today or timezone.localdate()
        return cls(period, period.start, min(period.end, today))

    @property
    def start_at(self) -> dt.datetime:
        return day_start(self.start)

    @property
    def end_at(self) -> dt.datetime:
        """Exclusive: midnight after the last day."""
        return day_start(self.last + dt.timedelta(1))


Figures = dict[int, Figure]
INDICATORS: dict[str, Callable[[Window, list[int]], Figures]] = {}
RATES = {"on_time_rate", "reports_on_time_rate", "satisfaction"}
# The scheme may price any of these (on_time_rate is derived in compute()).


def indicator(func: Callable[[Window, list[int]], Figures]):
    INDICATORS[func.__name__] = func
    return func


def _by_unit(rows: Iterable[tuple[int, int]]) -> Figures:
    """(unit_id, matter_id) pairs → a count figure per unit with its distinct matters."""
    ids: dict[int, set[int]] = defaultdict(set)
    counts: dict[int, int] = defaultdict(int)
    for unit_id, matter_id in rows:
        counts[unit_id] += 1
        ids[unit_id].add(matter_id)
    return {u: Figure(counts[u], sorted(ids[u])) for u in counts}


def _counted(unit_ids: list[int]):
    return Matter.objects.filter(lead_unit_id__in=unit_ids).exclude(state__in=NOT_COUNTED)


@indicator
def due_matters(window: Window, unit_ids: list[int]) -> Figures:
    rows = _counted(unit_ids).filter(deadline__range=(window.start, window.period.end))
    return _by_unit(rows.values_list("lead_unit_id", "pk"))


@indicator
def completed_on_time(window: Window, unit_ids: list[int]) -> Figures:
    rows = _counted(unit_ids).filter(
        fairness.on_time(),  # asked by the deadline, compared in the database
        deadline__range=(window.start, window.period.end),
        completed_at__lt=window.end_at,
    )
    return _by_unit(rows.values_list("lead_unit_id", "pk"))


def _overdue(window: Window, unit_ids: list[int]) -> dict[int, list[tuple[int, int]]]:
    return _overdue_once(window, tuple(unit_ids))


@functools.lru_cache(maxsize=2)  # overdue_matters and overdue_days share one read
def _overdue_once(window: Window, unit_ids: tuple[int, ...]) -> dict[int, list[tuple[int, int]]]:
    """unit → [(matter, overdue days in the window)] for matters overdue in the window.

    Days in the database: from max(deadline + 1, start) to min(the day the unit's clock
    stopped, last day) (matters.fairness.clock_stopped_day).
    """
    last = Value(window.last, output_field=DateField())
    first_day = Greatest(F("deadline") + dt.timedelta(days=1), Value(window.start, DateField()))
    last_day = Least(Coalesce(fairness.clock_stopped_day(), last), last)
    rows = (
        _counted(list(unit_ids))
        .filter(deadline__lt=window.last, ongoing=False)
        .annotate(days=DaysBetween(last_day, first_day) + 1)
        .filter(days__gt=0)
        .values_list("lead_unit_id", "pk", "days")
    )
    out: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for unit, pk, days in rows:
        out[unit].append((pk, days))
    return out


@indicator
def overdue_matters(window: Window, unit_ids: list[int]) -> Figures:
    return {
        u: Figure(len(rows), [pk for pk, _ in rows])
        for u, rows in _overdue(window, unit_ids).items()
    }


@indicator
def overdue_days(window: Window, unit_ids: list[int]) -> Figures:
    return {
        u: Figure(sum(d for _, d in rows), [pk for pk, _ in rows])
        for u, rows in _overdue(window, unit_ids).items()
    }


@indicator
def stalled_matters(window: Window, unit_ids: list[int]) -> Figures:
    rows = _counted(unit_ids).filter(state__in=OPEN_STATES, warning=MatterWarning.STALLED)
    return _by_unit(rows.values_list("lead_unit_id", "pk"))


@indicator
def reports_on_time_rate(window: Window, unit_ids: list[int]) -> Figures:
    running = (
        _counted(unit_ids)
        .exclude(report_cycle=ReportCycle.NONE)
        .filter(assigned_at__lt=window.start_at)
        .filter(Q(completed_at__isnull=True) | Q(completed_at__gte=window.end_at))
    )
    expected = dict(running.values_list("pk", "lead_unit_id"))
    reported = set(
        ProgressReport.objects.filter(
            matter_id__in=running.values("pk"),
            created_at__gte=window.start_at,
            created_at__lt=window.end_at,
        ).values_list("matter_id", flat=True)
    )
    per_unit: dict[int, list[int]] = defaultdict(list)
    for pk, unit in expected.items():
        per_unit[unit].append(pk)
    return {
        u: Figure(round(100 * len(reported & set(pks)) / len(pks), 1), sorted(pks))
        for u, pks in per_unit.items()
    }


@indicator
def hastenings(window: Window, unit_ids: list[int]) -> Figures:
    rows = Hastening.objects.filter(
        unit_id__in=unit_ids, day__gte=window.start, day__lte=window.last
    )
    return _by_unit(rows.values_list("unit_id", "matter_id"))


@indicator
def disputes_upheld_against(window: Window, unit_ids: list[int]) -> Figures:
    rows = Dispute.objects.filter(
        unit_id__in=unit_ids,
        state=RequestState.REJECTED,
        ruled_at__gte=window.start_at,
        ruled_at__lt=window.end_at,
    )
    return _by_unit(rows.values_list("unit_id", "matter_id"))


@indicator
def rework(window: Window, unit_ids: list[int]) -> Figures:
    rows = MatterEvent.objects.filter(
        kind=EventKind.REVIEW_REWORK,
        unit_id__in=unit_ids,
        at__gte=window.start_at,
        at__lt=window.end_at,
    )
    return _by_unit(rows.values_list("unit_id", "matter_id"))


@indicator
def commendations(window: Window, unit_ids: list[int]) -> Figures:
    rows = Adjustment.objects.filter(
        period=window.period, unit_id__in=unit_ids, kind=AdjustmentKind.COMMENDATION
    )
    out: Figures = {}
    for unit, matter, n in (
        rows.values_list("unit_id", "matter_id").annotate(n=Count("pk")).order_by()
    ):
        figure = out.setdefault(unit, Figure(0, []))
        figure.value += n
        if matter:
            figure.matter_ids.append(matter)
    return out


@indicator
def satisfaction(window: Window, unit_ids: list[int]) -> Figures:
    """Satisfied ratings / ratings × 100, from the `rated` events of the window."""
    rows = MatterEvent.objects.filter(
        kind=EventKind.RATED,
        matter__lead_unit_id__in=unit_ids,
        at__gte=window.start_at,
        at__lt=window.end_at,
    )
    counts = (
        rows.values_list("matter__lead_unit_id")
        .annotate(n=Count("pk"), satisfied=Count("pk", filter=Q(data__satisfied=True)))
        .order_by()
    )
    matters = _by_unit(rows.values_list("matter__lead_unit_id", "matter_id").distinct())
    return {
        unit: Figure(round(100 * satisfied / n, 1), matters[unit].matter_ids)
        for unit, n, satisfied in counts
    }


def compute(window: Window, unit_ids: list[int]) -> dict[int, dict[str, Figure]]:
    """Every indicator for every unit: unit → indicator → Figure (rates derived last)."""
    _overdue_once.cache_clear()  # a fresh read for every computation
    result: dict[int, dict[str, Figure]] = {u: {} for u in unit_ids}
    for name, func in INDICATORS.items():
        values = func(window, unit_ids)
        for unit in unit_ids:
            default = Figure(None if name in RATES else 0, [])
            result[unit][name] = values.get(unit, default)
    for figures in result.values():
        due, done = figures["due_matters"], figures["completed_on_time"]
        rate = round(100 * done.value / due.value, 1) if due.value else None
        figures["on_time_rate"] = Figure(rate, due.matter_ids)
    return result


def known_indicators() -> list[str]:
    return [*INDICATORS, "on_time_rate"]
