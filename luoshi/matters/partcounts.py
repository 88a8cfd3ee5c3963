"""A unit's parts counted as they change (PartCount): a unit user's desk and list counts
read a few dozen kept rows instead of joining every part of the unit to its matter. At
1M matters the busiest unit holds 41k parts; that join cost 100 ms a desk (issue 15).

Each active part of a dispatched matter is counted once, in its unit's row for its
bucket — "part state|matter state|report cycle", kept on the part (MatterUnit.counted)
— and its matter's warning as the matter's current standing holds it (MatterStanding).
Both move only through matters.history, which calls in here with the warning each matter
stood at before: for every part whose bucket or warning changed, −1 where it was
counted, +1 where it counts now, in the caller's transaction. The nightly scan moves
warnings only: it adds deltas from the parts of the moved matters and writes no part.

`rebuild()` recounts everything (after `luoshi generate`, `luoshi rebuild_rollups`).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from django.db import connection
from django.db.models import Sum

from . import areacounts
from .models import (
    PRE_DISPATCH_STATES,
    RUNNING_STATES,
    Matter,
    MatterUnit,
    MatterWarning,
    PartCount,
    PartState,
    ReportCycle,
    State,
)

SEP = "|"
PARTS, MATTERS = MatterUnit._meta.db_table, Matter._meta.db_table
COUNTS = PartCount._meta.db_table
COLUMNS = "unit_id, bucket, warning, n"
WORKING = frozenset({PartState.ACCEPTED, PartState.IN_PROGRESS})


def _literals(values: Iterable[str]) -> str:
    return ", ".join(f"'{v}'" for v in sorted(values))  # the choices' own constants


def bucket_sql(part: str = "p", matter: str = "m") -> str:
    """The bucket a part counts in now, as SQL over the part and its matter; NULL when
    it does not count (queries.visible_parts: active, on a dispatched matter)."""
    undispatched = (
        f"{matter}.state IN ({_literals(PRE_DISPATCH_STATES)}) OR "
        f"({matter}.state = '{State.WITHDRAWN}' AND {matter}.assigned_at IS NULL)"
    )
    return (
        f"CASE WHEN {part}.active AND NOT ({undispatched}) THEN "
        f"{part}.state || '{SEP}' || {matter}.state || '{SEP}' || {matter}.report_cycle END"
    )


def sync(matter_ids: list[int], before: Mapping[int, str]) -> None:
    """The parts of these matters (a service's change: a few), compared one by one.
    `before`: each matter's warning as counted so far (its standing before this change);
    a matter without one had nothing counted."""
    if not matter_ids:
        return
    marks = ", ".join(["%s"] * len(matter_ids))
    # With each part, its unit's path: the areas the part counts in (areacounts).
    sql = (
        f"SELECT p.id, p.unit_id, p.matter_id, p.counted, {bucket_sql()}, m.warning, u.path "
        f"FROM {PARTS} p JOIN {MATTERS} m ON m.id = p.matter_id "
        f"JOIN {areacounts.UNITS} u ON u.id = p.unit_id "
        f"WHERE p.matter_id IN ({marks}) AND (p.active OR p.counted IS NOT NULL)"
    )
    deltas: Counter[tuple[int, str, str]] = Counter()
    rewrite: dict[str | None, list[int]] = defaultdict(list)
    areacounts.lock_for_deltas()  # before the paths are read
    with connection.cursor() as cursor:
        cursor.execute(sql, matter_ids)
        rows = cursor.fetchall()
    areacounts.sync_parts(rows, before)  # the areas' matters, from the same rows
    for pk, unit, matter, counted, bucket, warning, _path in rows:
        was = before.get(matter)
        if (counted, was) == (bucket, warning):
            continue
        if counted is not None and was is not None:
            deltas[(unit, counted, was)] -= 1
        if bucket is not None:
            deltas[(unit, bucket, warning)] += 1
        if counted != bucket:
            rewrite[bucket].append(pk)
    for bucket, ids in rewrite.items():
        MatterUnit.objects.filter(pk__in=ids).update(counted=bucket)
    # New rows, never an update of a kept one: two services on one unit's parts lock
    # nothing of each other's (an upsert per key deadlocked two reports, each holding
    # the row the other's warning refresh wanted).
    moved = [
        PartCount(unit_id=unit, bucket=bucket, warning=warning, n=n)
        for (unit, bucket, warning), n in deltas.items()
        if n
    ]
    PartCount.objects.bulk_create(moved)


def sync_moves(moves: str) -> None:
    """The parts of the matters in `moves` (matters.history.MOVES: the matters whose
    standing moved, with their warning before and after), set-based: one INSERT … SELECT
    of the grouped deltas, one UPDATE of the parts whose bucket changed (none after a
    scan, which moves warnings only). The set-based callers (the scan, an import of
    drafts, a rebuild) change no part of a matter whose standing stays."""
    now = bucket_sql()
    deltas = (
        f"SELECT p.unit_id AS unit_id, p.counted AS bucket, mv.before_warning AS warning, "
        f"-1 AS d FROM {PARTS} p JOIN {moves} mv ON mv.matter_id = p.matter_id "
        f"WHERE p.counted IS NOT NULL AND mv.before_id IS NOT NULL "
        f"UNION ALL SELECT p.unit_id, {now}, mv.new_warning, 1 FROM {PARTS} p "
        f"JOIN {moves} mv ON mv.matter_id = p.matter_id JOIN {MATTERS} m ON m.id = p.matter_id "
        f"WHERE p.active AND {now} IS NOT NULL"
    )
    areacounts.sync_moves(moves, now)  # first: the areas' table before the parts' (its lock)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {COUNTS} ({COLUMNS}) SELECT unit_id, bucket, warning, SUM(d) "
            f"FROM ({deltas}) d GROUP BY unit_id, bucket, warning HAVING SUM(d) <> 0"
        )
    _write_buckets(f"p.matter_id IN (SELECT matter_id FROM {moves})")


def _write_buckets(where: str) -> int:
    """Each part's bucket where it differs from the one kept (UPDATE … FROM: PostgreSQL,
    and SQLite since 3.33)."""
    now = bucket_sql()
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {PARTS} AS p SET counted = {now} FROM {MATTERS} m "
            f"WHERE m.id = p.matter_id AND {where} "
            f"AND COALESCE(p.counted, '') <> COALESCE({now}, '')"
        )
        return max(cursor.rowcount, 0)


def rebuild() -> dict[str, int]:
    """Every part's bucket written where it differs, then every count recounted from the
    parts and their matters' current standings (one grouped INSERT). Returns the parts
    rewritten and the counts that were wrong (both 0 when the kept rows were right)."""
    from .models import MatterStanding

    # The areas' table first, as every writer takes them (areacounts.lock_for_deltas).
    areacounts.lock_for_recount()
    if connection.vendor == "postgresql":
        # Services wait to add their deltas until the recount commits: a delta committed
        # between the DELETE and the recount would be counted twice (SQLite: one writer).
        with connection.cursor() as cursor:
            cursor.execute(f"LOCK TABLE {COUNTS} IN EXCLUSIVE MODE")
    rewritten = _write_buckets("1 = 1")
    before = _kept()
    PartCount.objects.all().delete()  # derived rows, recounted below
    standings = MatterStanding._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {COUNTS} ({COLUMNS}) SELECT p.unit_id, p.counted, s.warning, "
            f"COUNT(*) FROM {PARTS} p "
            f"JOIN {standings} s ON s.matter_id = p.matter_id AND s.valid_to IS NULL "
            f"WHERE p.counted IS NOT NULL GROUP BY p.unit_id, p.counted, s.warning"
        )
    after = _kept()
    wrong = {key for key in {*before, *after} if before.get(key, 0) != after.get(key, 0)}
    return {
        "parts_rewritten": rewritten,
        "part_counts_corrected": len(wrong),
        "area_counts_corrected": areacounts.rebuild(),  # from the buckets just written
    }


def _kept() -> dict[tuple[int, str, str], int]:
    rows = PartCount.objects.values_list("unit_id", "bucket", "warning").annotate(total=Sum("n"))
    return {(unit, bucket, warning): n for unit, bucket, warning, n in rows.order_by() if n}


def compact() -> None:
    """Fold each key's rows (a kept count and the deltas added since) into one: the
    nightly scan runs it, so that a unit's desk sums a few rows. The areas' counts too."""
    fold(areacounts.COUNTS, areacounts.KEY)  # the areas' first: every writer's order
    fold(COUNTS, "unit_id, bucket, warning")


def fold(table: str, key: str) -> None:
    """Each key's rows of a table of counts (`key` columns and n) folded into one. One
    statement on PostgreSQL — the rows it deletes are the rows it sums, whatever commits
    meanwhile; SQLite has one writer. A key whose rows sum to 0 is left with none."""
    repeated = f"SELECT {key} FROM {table} GROUP BY {key} HAVING COUNT(*) > 1"
    folded = f"({key}) IN ({repeated})"
    sums = f"SELECT {key}, SUM(n) FROM {{rows}} GROUP BY {key}"
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                f"WITH gone AS (DELETE FROM {table} WHERE {folded} RETURNING {key}, n) "
                f"INSERT INTO {table} ({key}, n) "
                + sums.format(rows="gone")
                + " HAVING SUM(n) <> 0"
            )
            return
        # One writer: the rows up to the last id are all there are until this commits.
        cursor.execute(f"SELECT MAX(id) FROM {table}")
        last = cursor.fetchone()[0] or 0
        kept = f"(SELECT * FROM {table} WHERE id <= {int(last)})"
        cursor.execute(
            f"INSERT INTO {table} ({key}, n) "
            + sums.format(rows=kept + " k")
            + " HAVING COUNT(*) > 1 AND SUM(n) <> 0"
        )
        cursor.execute(
            f"DELETE FROM {table} WHERE id <= {int(last)} AND ({key}) IN "
            f"(SELECT {key} FROM {kept} k GROUP BY {key} HAVING COUNT(*) > 1)"
        )


# ── Reading ──────────────────────────────────────────────────────────────────────────


@dataclass(frozen=True)
class Counted:
    """One kept row of a unit: its bucket read back, its warning and count."""

    part_state: str
    state: str
    report_cycle: str
    warning: str
    n: int


def of_unit(unit_id: int) -> list[Counted]:
    """A unit's kept counts, each key's rows summed (a few dozen, by the unit's index)."""
    rows = PartCount.objects.filter(unit_id=unit_id).values_list("bucket", "warning")
    counted = []
    for bucket, warning, n in rows.annotate(total=Sum("n")).order_by():
        if not n:
            continue
        part_state, state, report_cycle = bucket.split(SEP)
        counted.append(Counted(part_state, state, report_cycle, warning, n))
    return counted


def desk_counts(unit_id: int, own: bool) -> dict[str, int]:
    """The unit desk's sections for a user who sees one unit (`own`: theirs to act on):
    what queries._joined_desk_counts counts from the parts."""
    counts = dict.fromkeys(["to_accept", "to_report", "due_soon", "overdue", "stalled"], 0)
    counts |= {f"to_report_{cycle}": 0 for cycle in ReportCycle.values}
    sections: dict[str, str] = {
        MatterWarning.DUE_SOON: "due_soon",
        MatterWarning.OVERDUE: "overdue",
        MatterWarning.STALLED: "stalled",
    }
    for row in of_unit(unit_id):
        if row.state not in RUNNING_STATES:
            continue
        if row.warning in sections:
            counts[sections[row.warning]] += row.n
        if own and row.part_state == PartState.ASSIGNED:
            counts["to_accept"] += row.n
        if own and row.part_state in WORKING:
            counts["to_report"] += row.n
            counts[f"to_report_{row.report_cycle}"] += row.n
    return counts


def state_warning_counts(unit_id: int) -> list[tuple[str, str, int]]:
    """(matter state, warning, n) over the matters a one-unit user sees: one part of
    theirs each (uniq_active_part_per_unit), so parts counted are matters counted."""
    grouped: Counter[tuple[str, str]] = Counter()
    for row in of_unit(unit_id):
        grouped[(row.state, row.warning)] += row.n
    return [(state, warning, n) for (state, warning), n in grouped.items()]
