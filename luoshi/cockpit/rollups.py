"""Keeping the cockpit's rollups current: one count moves per change, never a GROUP BY.

matters.history keeps each matter's standing (lead unit, state, warning) day by day
and tells `standings_moved` which matters moved from which bucket to which — after
every service's change and every warning scan, inside their transaction. Each move
takes one count from the old bucket and adds it to the new one, so the counts commit
or roll back with the change, and the counts "as of" a day are exactly the standings
in force that day (the list behind the figure).

`rebuild` recomputes the live counts from the current standings (`luoshi
rebuild_rollups`) and books any difference as today's change, so history stays as
recorded; `rebuild_flows` recounts the daily flows from the standings' moves.

The city totals are striped (models.CITY_TOTAL): a change adds to the stripe of its
first matter, a rebuild writes the whole total into the first stripe (-1).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter

from django.db import transaction
from django.db.models import Count, Q
from django.db.models.functions import Coalesce
from django.utils import timezone

from luoshi.lib.sql import upsert_adding, upsert_adding_select
from luoshi.matters import history, partcounts
from luoshi.matters.listeners import Move
from luoshi.matters.models import Matter, MatterStanding

from .models import (
    ALL_UNITS,
    CITY_STRIPES,
    NO_UNIT,
    DailyChange,
    DailyFlow,
    FlowMetric,
    UnitCount,
)

Bucket = tuple[int, str, str]  # (unit_id, state, warning)
FLOW_FIELDS = {
    FlowMetric.COMPLETED: "became_completed",
    FlowMetric.OVERDUE: "became_overdue",
    FlowMetric.ASSIGNED: "became_assigned",
}


def standings_moved(moves: list[Move], day: dt.date) -> None:
    """Called by matters.history with every matter whose bucket moved on `day`."""
    counts: Counter[Bucket] = Counter()
    flows: Counter[tuple[int, str]] = Counter()
    for _pk, before, after in moves:
        counts[after] += 1
        if before:
            counts[before] -= 1
        for metric in history.became(before, after):
            flows[(after[0], metric)] += 1
    apply(counts, flows, day, stripe=city_stripe(moves[0][0]) if moves else ALL_UNITS)


def city_stripe(matter_id: int) -> int:
    """The city-total row (models.CITY_TOTAL) a change of this matter adds to.

    Consecutive ids fall in different stripes, so registrations running at once (and
    changes of different matters) do not wait for each other's row lock.
    """
    return ALL_UNITS - matter_id % CITY_STRIPES


def standings_moved_in_table(table: str, day: dt.date) -> None:
    """The same for all the moves of a scan, in SQL: the rows of the temporary `table`
    (matters.history.MOVES) grouped into deltas and flows, each upserted by one
    INSERT … SELECT — a handful of statements however many matters moved."""
    one = f"COALESCE(new_unit_id, {NO_UNIT}) AS unit_id, new_state AS state, new_warning AS warning"
    moves = (
        f"SELECT {one}, 1 AS d FROM {table} UNION ALL "
        f"SELECT COALESCE(before_unit_id, {NO_UNIT}), before_state, before_warning, -1 "
        f"FROM {table} WHERE before_id IS NOT NULL"
    )
    counts = _grouped_with_totals(moves, "unit_id, state, warning", "SUM(d)")
    _upsert_select(UnitCount, ["unit_id", "state", "warning"], "n", counts, [])
    _upsert_select(DailyChange, ["unit_id", "day", "state", "warning"], "delta", counts, [day])
    flows = " UNION ALL ".join(
        f"SELECT COALESCE(new_unit_id, {NO_UNIT}) AS unit_id, '{metric}' AS metric, 1 AS d "
        f"FROM {table} WHERE {flag}"  # the metric is a constant of FlowMetric
        for metric, flag in FLOW_FIELDS.items()
    )
    flows = _grouped_with_totals(flows, "unit_id, metric", "COUNT(*)")
    _upsert_select(DailyFlow, ["unit_id", "day", "metric"], "n", flows, [day])


def _grouped_with_totals(rows: str, keys: str, total: str) -> str:
    """`rows` (unit_id, keys…, d) grouped per unit and for the city, nonzero. A scan's
    whole batch books its city deltas on the first stripe (ALL_UNITS): readers sum them all."""
    rest = keys.removeprefix("unit_id, ")
    both = (
        f"SELECT {keys}, d FROM ({rows}) u UNION ALL SELECT {ALL_UNITS}, {rest}, d FROM ({rows}) a"
    )
    return f"SELECT {keys}, {total} AS v FROM ({both}) t GROUP BY {keys} HAVING {total} <> 0"


def _upsert_select(model, keys: list[str], value: str, select: str, before: list) -> None:
    """Add the rows of `select` (unit_id, the other keys, v) to the kept values; the
    `before` parameters are constants inserted after unit_id (the day)."""
    constants = "".join(", %s" for _ in before)
    rest = ", ".join(k for k in keys if k not in ("unit_id", "day"))
    rows = f"SELECT unit_id{constants}, {rest}, v FROM ({select}) s"
    upsert_adding_select(model, keys, value, rows, before)


def _with_totals(counts: Counter, stripe: int = ALL_UNITS) -> Counter:
    """The same deltas, plus the city total (its stripe `stripe`) of each."""
    out = Counter()
    for (unit, *rest), delta in counts.items():
        out[(unit, *rest)] += delta
        out[(stripe, *rest)] += delta
    return Counter({key: d for key, d in out.items() if d})


def apply(counts: Counter, flows: Counter, day: dt.date, *, stripe: int = ALL_UNITS) -> None:
    """Add deltas to the live counts, the day's changes and the day's flows (upserts);
    the city totals to the stripe `stripe` (city_stripe)."""
    counts, flows = _with_totals(counts, stripe), _with_totals(flows, stripe)
    upsert_adding(
        UnitCount,
        ["unit_id", "state", "warning"],
        "n",
        [(*key, d) for key, d in counts.items()],
    )
    upsert_adding(
        DailyChange,
        ["unit_id", "day", "state", "warning"],
        "delta",
        [(u, day, s, w, d) for (u, s, w), d in counts.items()],
    )
    upsert_adding(
        DailyFlow,
        ["unit_id", "day", "metric"],
        "n",
        [(u, day, m, n) for (u, m), n in flows.items()],
    )


@transaction.atomic
def rebuild(day: dt.date | None = None) -> dict[str, int]:
    """Recompute the live counts from the matters; book any difference as today's.

    1. Bring every matter's standing up to date (matters.history): matters without one
       get one from today in one statement; moves of the others are booked through
       standings_moved as usual.
    2. Remember the live counts; recount them from the current standings (one
       grouped count).
    3. The difference between new and old counts is written as today's change, so the
       counts as of any past day stay what they were, and today's add up.
    4. Each unit's part counts (matters.partcounts) and each area's matter counts
       (matters.areacounts), recounted from the parts.
    """
    day = day or timezone.localdate()
    history.open_missing(day)
    history.sync_scanned(Matter.objects.all(), day)
    parts = partcounts.rebuild()  # the unit desks' counts, from the same standings
    before = _live_counts()
    UnitCount.objects.all().delete()  # derived rows, rebuilt below
    current = MatterStanding.objects.filter(valid_to__isnull=True).annotate(
        unit=Coalesce("lead_unit_id", NO_UNIT)
    )
    rows = current.values_list("unit", "state", "warning").annotate(n=Count("pk")).order_by()
    buckets = Counter()
    for unit, state, warning, n in rows:
        buckets[(unit, state, warning)] += n
        buckets[(ALL_UNITS, state, warning)] += n
    UnitCount.objects.bulk_create(
        [UnitCount(unit_id=u, state=s, warning=w, n=n) for (u, s, w), n in buckets.items()],
        batch_size=5000,
    )
    corrections = Counter(
        {k: buckets.get(k, 0) - before.get(k, 0) for k in {*before, *buckets} if k[0] >= NO_UNIT}
    )
    corrections = Counter({k: d for k, d in corrections.items() if d})
    upsert_adding(
        DailyChange,
        ["unit_id", "day", "state", "warning"],
        "delta",
        [(u, day, s, w, d) for (u, s, w), d in _with_totals(corrections).items()],
    )
    return {"matters": current.count(), "corrected_buckets": len(corrections), **parts}


@transaction.atomic
def rebuild_flows(first: dt.date, last: dt.date) -> int:
    """Recount the daily flows of first … last from the standings' moves.

    The same moves the flows were booked from when they happened (and the same rows
    the list behind a flow figure shows). Returns the number of flow rows written.
    """
    DailyFlow.objects.filter(day__range=(first, last)).delete()  # derived rows, rebuilt below
    moves = MatterStanding.objects.filter(valid_from__range=(first, last)).annotate(
        unit=Coalesce("lead_unit_id", NO_UNIT)
    )
    rows: Counter[tuple[int, dt.date, str]] = Counter()
    for metric, flag in FLOW_FIELDS.items():
        counted = (
            moves.filter(Q(**{flag: True}))
            .values_list("unit", "valid_from")
            .annotate(n=Count("pk"))
            .order_by()
        )
        for unit, day, n in counted:
            rows[(unit, day, metric)] += n
            rows[(ALL_UNITS, day, metric)] += n
    DailyFlow.objects.bulk_create(
        [DailyFlow(unit_id=u, day=d, metric=m, n=n) for (u, d, m), n in rows.items()],
        batch_size=5000,
    )
    return len(rows)


def _live_counts() -> dict[Bucket, int]:
    return {
        (u, s, w): n
        for u, s, w, n in UnitCount.objects.values_list("unit_id", "state", "warning", "n")
    }
