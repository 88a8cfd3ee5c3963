"""How each matter stood, day by day (MatterStanding): kept as things change, read "as of".

`sync(matter_ids)` runs from services._base.record after every change of a matter
(`sync_created(matter)` for a matter just registered) and `sync_scanned(queryset)` from
the warning scan. Each compares the matter's lead unit,
state, warning and deadline with its current standing; where one differs it closes
that standing (valid_to = today) and opens a new one, then tells the listeners what
moved (the cockpit's counts) — inside the caller's transaction, so the history commits
or rolls back with the change.

What a move counts as in the daily flows (became assigned, overdue or completed) is
written on the new standing by `became()`, the one definition the cockpit's flow
counts use too: a flow figure and the list behind it are the same moves.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import connection, transaction
from django.db.models import BooleanField, Case, F, FilteredRelation, Q, QuerySet, Value, When
from django.db.models.functions import Coalesce
from django.db.models.lookups import Exact
from django.utils import timezone

from . import listeners, partcounts
from .listeners import Bucket, Move
from .models import (
    PRE_DISPATCH_STATES,
    RUNNING_STATES,
    Matter,
    MatterStanding,
    MatterWarning,
    State,
)

CHUNK = 5000  # matters per step: fewer, larger statements when a scan moves many
NO_DATE = dt.date(1, 1, 1)  # compares an open-ended (ongoing) deadline with itself
ASSIGNED, OVERDUE, COMPLETED = "assigned", "overdue", "completed"
Row = tuple[int, int | None, str, str, dt.date | None]  # pk, lead unit, state, warning, deadline


def became(before: Bucket | None, after: Bucket) -> set[str]:
    """What a move from `before` to `after` counts as in the daily flows."""
    _unit, state, warning = after
    was_state = before[1] if before else None
    was_warning = before[2] if before else None
    flows = set()
    if state == State.COMPLETED and was_state != State.COMPLETED:
        flows.add(COMPLETED)
    was_overdue = was_warning == MatterWarning.OVERDUE and was_state in RUNNING_STATES
    if state in RUNNING_STATES and warning == MatterWarning.OVERDUE and not was_overdue:
        flows.add(OVERDUE)
    dispatched = state not in PRE_DISPATCH_STATES and state != State.WITHDRAWN
    if dispatched and (was_state is None or was_state in PRE_DISPATCH_STATES):
        flows.add(ASSIGNED)
    return flows


def sync(matter_ids: Iterable[int], day: dt.date | None = None) -> int:
    """Bring these matters' standings up to date; returns how many moved."""
    ids = sorted(set(matter_ids))
    day = day or timezone.localdate()
    return sum(_sync_chunk(ids[i : i + CHUNK], day) for i in range(0, len(ids), CHUNK))


ROW_BY_ROW_UNTIL = 20  # matters synced without a temporary table (a service's change)


def sync_many(matter_ids: Iterable[int], day: dt.date | None = None) -> int:
    """`sync` for any number of matters: a few row by row, more set-based (sync_scanned)
    a chunk of ids at a time — a scan's moved rows, an import's new ones."""
    ids = sorted(set(matter_ids))
    if len(ids) <= ROW_BY_ROW_UNTIL:
        return sync(ids, day)
    chunks = (ids[start : start + CHUNK] for start in range(0, len(ids), CHUNK))
    return sum(sync_scanned(Matter.objects.filter(pk__in=chunk), day) for chunk in chunks)


@transaction.atomic(savepoint=False)  # the temporary table lives and dies in one transaction
def sync_scanned(matters: QuerySet[Matter], day: dt.date | None = None) -> int:
    """After the scan (or a rebuild): the standings of these matters, set-based.

    1. One SELECT of the matters joined with their current standings keeps, in a
       temporary table (MOVES), those whose lead unit, state, warning or deadline
       differ (compared null-safe), with the old standing and what the move counts as
       in the daily flows (`became_sql`, the SQL twin of `became`).
    2. One UPDATE closes their old standings, one INSERT … SELECT opens the new ones.
    3. The listeners follow from the same table (the cockpit's counts: a few grouped
       upserts, listeners.standings_moved_in_table); no Python loop over the rows.
    """
    day = day or timezone.localdate()
    try:
        sql, params = _moves(matters).query.sql_with_params()
    except EmptyResultSet:  # matters that cannot be any (pk__in=[]): nothing moves
        return 0
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TEMP TABLE {MOVES} AS {sql}", params)
        moved = _write_table_moves(cursor, day)
        if moved:
            partcounts.sync_moves(MOVES)
            listeners.standings_moved_in_table(MOVES, day)
        cursor.execute(f"DROP TABLE {MOVES}")
    return moved


# The temporary table of one set-based sync. Its columns, for the listeners:
# matter_id, new_unit_id, new_state, new_warning, new_deadline (the new standing), before_id,
# before_unit_id, before_state, before_warning (the old one; before_id NULL when the
# matter had none), became_assigned, became_overdue, became_completed.
MOVES = "luoshi_standing_moves"


def became_sql(before_state: str, state: str, warning: str, before_warning: str) -> dict[str, Q]:
    """`became` as conditions on a row's columns (names of the old and new state and
    warning): the flows of the set-based sync. Tests hold the two to the same moves."""
    running, pre = sorted(RUNNING_STATES), sorted(PRE_DISPATCH_STATES)
    was_overdue = Q(**{before_warning: MatterWarning.OVERDUE, f"{before_state}__in": running})
    return {
        COMPLETED: Q(**{state: State.COMPLETED})
        & (Q(**{f"{before_state}__isnull": True}) | ~Q(**{before_state: State.COMPLETED})),
        OVERDUE: Q(**{f"{state}__in": running, warning: MatterWarning.OVERDUE}) & ~was_overdue,
        ASSIGNED: ~Q(**{f"{state}__in": [*pre, State.WITHDRAWN]})
        & (Q(**{f"{before_state}__isnull": True}) | Q(**{f"{before_state}__in": pre})),
    }


def _moves(matters: QuerySet[Matter]) -> QuerySet[Any, Any]:  # values() of an annotated join
    """The rows of MOVES: these matters whose standing differs from the current one."""
    now = matters.annotate(
        current=FilteredRelation("standings", condition=Q(standings__valid_to__isnull=True))
    ).order_by()
    # Lookups on expressions, not keyword filters: negating a filter across the reverse
    # relation would become two correlated EXISTS per matter (Django's split_exclude).
    same = (
        Q(Exact(F("current__state"), F("state")))
        & Q(Exact(F("current__warning"), F("warning")))
        & Q(Exact(Coalesce("current__lead_unit_id", Value(0)), Coalesce("lead_unit_id", Value(0))))
        & Q(
            Exact(
                Coalesce("current__deadline", Value(NO_DATE)), Coalesce("deadline", Value(NO_DATE))
            )
        )
    )
    now = now.filter(Q(current__id__isnull=True) | ~same)
    flows = became_sql("current__state", "state", "warning", "current__warning")
    flag = {
        f"became_{name}": Case(
            When(condition, then=Value(True)), default=Value(False), output_field=BooleanField()
        )
        for name, condition in flows.items()
    }
    return now.values(
        matter_id=F("pk"),
        new_unit_id=F("lead_unit"),
        new_state=F("state"),
        new_warning=F("warning"),
        new_deadline=F("deadline"),
        before_id=F("current__id"),
        before_unit_id=F("current__lead_unit_id"),
        before_state=F("current__state"),
        before_warning=F("current__warning"),
        **flag,
    )


def _write_table_moves(cursor, day: dt.date) -> int:
    """Close the moved matters' standings, then open their new ones (one current each);
    returns how many moved. The same statements (and queries) however many moved."""
    table = MatterStanding._meta.db_table
    cursor.execute(
        f"UPDATE {table} SET valid_to = %s WHERE id IN "
        f"(SELECT before_id FROM {MOVES} WHERE before_id IS NOT NULL)",
        [day],
    )
    columns = "matter_id, lead_unit_id, state, warning, deadline, valid_from, "
    columns += "became_assigned, became_overdue, became_completed"
    cursor.execute(
        f"INSERT INTO {table} ({columns}) SELECT matter_id, new_unit_id, new_state, new_warning, "
        f"new_deadline, %s, became_assigned, became_overdue, became_completed FROM {MOVES}",
        [day],
    )
    return cursor.rowcount


def open_missing(day: dt.date | None = None) -> int:
    """Give every matter without a current standing one from `day`, in one INSERT … SELECT.

    For data written behind the services' back (a bulk load): its history starts on
    `day`, and no move is announced — the caller recounts (cockpit.rollups.rebuild).
    """
    day = day or timezone.localdate()
    standing, matter = MatterStanding._meta.db_table, Matter._meta.db_table
    columns = "matter_id, lead_unit_id, state, warning, deadline, valid_from, "
    columns += "became_assigned, became_overdue, became_completed"
    # NOT IN (a subquery read once, hashed) rather than NOT EXISTS: right after a bulk
    # load the planner takes the new table for empty and would scan it once per matter.
    sql = (
        f"INSERT INTO {standing} ({columns}) "
        f"SELECT m.id, m.lead_unit_id, m.state, m.warning, m.deadline, %s, %s, %s, %s "
        f"FROM {matter} m WHERE m.id NOT IN "
        f"(SELECT s.matter_id FROM {standing} s WHERE s.valid_to IS NULL)"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [day, False, False, False])
        opened = cursor.rowcount
        if opened and connection.vendor == "postgresql":
            # Many rows at once: fresh statistics, or the next anti-join (sync_scanned)
            # plans for an empty table and compares every matter with every standing.
            cursor.execute(f"ANALYZE {standing}")
    return opened


def sync_created(matter: Matter, day: dt.date | None = None) -> int:
    """The first standing of a matter created in the caller's transaction.

    It has no standing yet and the caller holds the row it just wrote, so neither is
    read again (services.register_matter: two queries fewer per registration).
    """
    row = (matter.pk, matter.lead_unit_id, matter.state, matter.warning, matter.deadline)
    if matter.state not in PRE_DISPATCH_STATES:  # registered and dispatched at once
        partcounts.sync([matter.pk], {})
    return _write_moves([row], {}, day or timezone.localdate())


def _sync_chunk(ids: Sequence[int], day: dt.date) -> int:
    rows = Matter.objects.filter(pk__in=ids).values_list(
        "pk", "lead_unit_id", "state", "warning", "deadline"
    )
    current = {
        matter_id: (pk, (unit, state, warning, deadline))
        for pk, matter_id, unit, state, warning, deadline in MatterStanding.objects.filter(
            matter_id__in=ids, valid_to__isnull=True
        ).values_list("pk", "matter_id", "lead_unit_id", "state", "warning", "deadline")
    }
    # The parts are counted at the warning the standing held until now: before it moves.
    partcounts.sync(list(ids), {pk: old[2] for pk, (_id, old) in current.items()})
    return _write_moves(rows, current, day)


def _write_moves(rows: Iterable[Row], current: dict[int, tuple], day: dt.date) -> int:
    """Close the standings that no longer match `rows`, open new ones, tell the listeners."""
    closed: list[int] = []
    opened: list[MatterStanding] = []
    moves: list[Move] = []
    for pk, unit, state, warning, deadline in rows:
        old_pk, old = current.get(pk, (None, None))
        if old == (unit, state, warning, deadline):
            continue
        before = _bucket(*old[:3]) if old else None
        after = _bucket(unit, state, warning)
        flows = became(before, after)
        if old_pk is not None:
            closed.append(old_pk)
        opened.append(
            MatterStanding(
                matter_id=pk,
                lead_unit_id=unit,
                state=state,
                warning=warning,
                deadline=deadline,
                valid_from=day,
                became_assigned=ASSIGNED in flows,
                became_overdue=OVERDUE in flows,
                became_completed=COMPLETED in flows,
            )
        )
        if before != after:
            moves.append((pk, before, after))
    if closed:  # before the new rows: one current standing per matter
        MatterStanding.objects.filter(pk__in=closed).update(valid_to=day)
    MatterStanding.objects.bulk_create(opened)
    if moves:
        listeners.standings_moved(moves, day)
    return len(opened)


def _bucket(unit: int | None, state: str, warning: str) -> Bucket:
    return (unit or 0, state, warning)
