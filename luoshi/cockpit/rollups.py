"""Keeping the cockpit's rollups current: one count moves per change, never a GROUP BY.

The matter services call `matter_changed` from `matters.services._base.record` (every
change writes an event there) and the warning scan calls `after_scan` with the rows it
looked at. Both end in `sync`, which compares each matter with the bucket it was last
counted in (MatterTally) and moves one count from the old bucket to the new one —
inside the caller's transaction, so the counts commit or roll back with the change.

`rebuild` recomputes everything from the matters themselves (`luoshi rebuild_rollups`)
and books the difference it finds as today's change, so history stays as recorded.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable, Sequence

from django.db import connection, transaction
from django.db.models import Exists, OuterRef, QuerySet, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from luoshi.lib.dates import day_start
from luoshi.matters.models import (
    PRE_DISPATCH_STATES,
    RUNNING_STATES,
    EventKind,
    Matter,
    MatterEvent,
    MatterWarning,
    State,
)

from .models import (
    ALL_UNITS,
    NO_UNIT,
    DailyChange,
    DailyFlow,
    FlowMetric,
    MatterTally,
    UnitCount,
)

Bucket = tuple[int, str, str]  # (unit_id, state, warning)
CHUNK = 5000  # matters per sync step: fewer, larger upserts when a scan moves many


def matter_changed(matter_id: int) -> None:
    """Called by matters.services._base.record after every change of a matter."""
    sync([matter_id])


def after_scan(matters: QuerySet[Matter]) -> None:
    """Called by matters.warnings.scan: sync the scanned matters whose bucket moved.

    One anti-join of the scanned rows with their tallies finds the few that changed.
    """
    same = MatterTally.objects.filter(
        matter_id=OuterRef("pk"),
        unit_id=Coalesce(OuterRef("lead_unit_id"), Value(NO_UNIT)),
        state=OuterRef("state"),
        warning=OuterRef("warning"),
    )
    sync(matters.filter(~Exists(same)).order_by().values_list("pk", flat=True))


def sync(matter_ids: Iterable[int], day: dt.date | None = None) -> int:
    """Move the counts of these matters to their present buckets; returns how many moved."""
    ids = sorted(set(matter_ids))
    day = day or timezone.localdate()
    moved = 0
    for start in range(0, len(ids), CHUNK):
        moved += _sync_chunk(ids[start : start + CHUNK], day)
    return moved


def _sync_chunk(ids: Sequence[int], day: dt.date) -> int:
    rows = Matter.objects.filter(pk__in=ids).values_list("pk", "lead_unit_id", "state", "warning")
    current = {pk: (unit or NO_UNIT, state, warning) for pk, unit, state, warning in rows}
    old = {
        t.matter_id: (t.unit_id, t.state, t.warning)
        for t in MatterTally.objects.filter(matter_id__in=ids)
    }
    counts: Counter[Bucket] = Counter()
    flows: Counter[tuple[int, str]] = Counter()
    tallies = []
    for pk, new in current.items():
        before = old.get(pk)
        if before == new:
            continue
        counts[new] += 1
        if before:
            counts[before] -= 1
        for metric in flows_of(before, new):
            flows[(new[0], metric)] += 1
        tallies.append(MatterTally(matter_id=pk, unit_id=new[0], state=new[1], warning=new[2]))
    if tallies:
        apply(counts, flows, day)
        MatterTally.objects.bulk_create(
            tallies,
            update_conflicts=True,
            unique_fields=["matter_id"],
            update_fields=["unit_id", "state", "warning"],
        )
    return len(tallies)


def flows_of(before: Bucket | None, new: Bucket) -> list[str]:
    """What a move from `before` to `new` counts as in the daily flows."""
    _unit, state, warning = new
    was_state = before[1] if before else None
    was_warning = before[2] if before else None
    metrics = []
    if state == State.COMPLETED and was_state != State.COMPLETED:
        metrics.append(FlowMetric.COMPLETED)
    was_overdue = was_warning == MatterWarning.OVERDUE and was_state in RUNNING_STATES
    if state in RUNNING_STATES and warning == MatterWarning.OVERDUE and not was_overdue:
        metrics.append(FlowMetric.OVERDUE)
    dispatched = state not in PRE_DISPATCH_STATES and state != State.WITHDRAWN
    if dispatched and (was_state is None or was_state in PRE_DISPATCH_STATES):
        metrics.append(FlowMetric.ASSIGNED)
    return metrics


def _with_totals(counts: Counter) -> Counter:
    """The same deltas, plus the city total (ALL_UNITS) of each."""
    out = Counter()
    for (unit, *rest), delta in counts.items():
        out[(unit, *rest)] += delta
        out[(ALL_UNITS, *rest)] += delta
    return Counter({key: d for key, d in out.items() if d})


def apply(counts: Counter, flows: Counter, day: dt.date) -> None:
    """Add deltas to the live counts, the day's changes and the day's flows (upserts)."""
    counts, flows = _with_totals(counts), _with_totals(flows)
    _upsert(
        UnitCount,
        ["unit_id", "state", "warning"],
        "n",
        [(*key, d) for key, d in counts.items()],
    )
    _upsert(
        DailyChange,
        ["unit_id", "day", "state", "warning"],
        "delta",
        [(u, day, s, w, d) for (u, s, w), d in counts.items()],
    )
    _upsert(
        DailyFlow,
        ["unit_id", "day", "metric"],
        "n",
        [(u, day, m, n) for (u, m), n in flows.items()],
    )


def _upsert(model, keys: list[str], value: str, rows: list[tuple]) -> None:
    """INSERT … ON CONFLICT DO UPDATE adding to the value: SQLite and PostgreSQL alike."""
    if not rows:
        return
    table = model._meta.db_table
    columns = ", ".join([*keys, value])
    marks = ", ".join(["%s"] * (len(keys) + 1))
    sql = (
        f"INSERT INTO {table} ({columns}) VALUES ({marks}) "
        f"ON CONFLICT ({', '.join(keys)}) "
        f"DO UPDATE SET {value} = {table}.{value} + excluded.{value}"
    )
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)


@transaction.atomic
def rebuild(day: dt.date | None = None) -> dict[str, int]:
    """Recompute tallies and live counts from the matters; book any difference as today's.

    1. Remember the live counts.
    2. Replace every tally with the matter's present bucket (one INSERT … SELECT).
    3. Recount the live counts from the tallies (two INSERT … SELECT … GROUP BY).
    4. The difference between new and old counts is written as today's change, so the
       counts as of any past day stay what they were, and today's add up.
    """
    day = day or timezone.localdate()
    before = _live_counts()
    matters = Matter._meta.db_table
    tally, unit_count = MatterTally._meta.db_table, UnitCount._meta.db_table
    MatterTally.objects.all().delete()  # derived rows, rebuilt below
    UnitCount.objects.all().delete()
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {tally} (matter_id, unit_id, state, warning) "
            f"SELECT id, COALESCE(lead_unit_id, {NO_UNIT}), state, warning FROM {matters}"
        )
        cursor.execute(
            f"INSERT INTO {unit_count} (unit_id, state, warning, n) "
            f"SELECT unit_id, state, warning, COUNT(*) FROM {tally} "
            "GROUP BY unit_id, state, warning"
        )
        cursor.execute(
            f"INSERT INTO {unit_count} (unit_id, state, warning, n) "
            f"SELECT {ALL_UNITS}, state, warning, COUNT(*) FROM {tally} GROUP BY state, warning"
        )
    after = _live_counts()
    corrections = Counter(
        {k: after.get(k, 0) - before.get(k, 0) for k in {*before, *after} if k[0] != ALL_UNITS}
    )
    corrections = Counter({k: d for k, d in corrections.items() if d})
    _upsert(
        DailyChange,
        ["unit_id", "day", "state", "warning"],
        "delta",
        [(u, day, s, w, d) for (u, s, w), d in _with_totals(corrections).items()],
    )
    return {"matters": MatterTally.objects.count(), "corrected_buckets": len(corrections)}


@transaction.atomic
def rebuild_flows(first: dt.date, last: dt.date) -> int:
    """Recount the daily flows of first … last from the event log and the deadlines.

    Completed and assigned come from review.approved and matter.assigned events; became
    overdue is dated the day after the deadline, for matters that were not completed by
    it (the scan turns a matter red on that day; history before an extension is lost).
    Returns the number of flow rows written.
    """
    DailyFlow.objects.filter(day__range=(first, last)).delete()  # derived rows, rebuilt below
    flows: Counter[tuple[int, dt.date, str]] = Counter()
    start = day_start(first)
    end = day_start(last + dt.timedelta(1))
    for kind, metric in (
        (EventKind.REVIEW_APPROVED, FlowMetric.COMPLETED),
        (EventKind.ASSIGNED, FlowMetric.ASSIGNED),
    ):
        events = MatterEvent.objects.filter(kind=kind, at__gte=start, at__lt=end)
        for unit, at in events.values_list("matter__lead_unit_id", "at").iterator():
            flows[(unit or NO_UNIT, timezone.localdate(at), metric)] += 1
    late = (
        Matter.objects.filter(deadline__gte=first - dt.timedelta(1), deadline__lt=last)
        .exclude(state__in=[*PRE_DISPATCH_STATES, State.WITHDRAWN])
        .values_list("lead_unit_id", "deadline", "completed_at")
    )
    for unit, deadline, done in late.iterator():
        if done is None or timezone.localdate(done) > deadline:
            flows[(unit or NO_UNIT, deadline + dt.timedelta(1), FlowMetric.OVERDUE)] += 1
    rows = Counter()
    for (unit, day, metric), n in flows.items():
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
