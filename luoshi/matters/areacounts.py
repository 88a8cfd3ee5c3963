"""Each area's matters counted as they change (AreaCount): the desk and the lists of a
head with units below read a few kept rows instead of hashing every part of the area.

An area is a unit and every unit below it — what its head sees (org.access). A
dispatched matter counts once in each area where one of its counted parts lies
(MatterUnit.counted, matters.partcounts), at its state and its standing's warning,
however many of the area's units hold it: a county head's overdue section is the
number of overdue matters, not of overdue parts. At 1M matters that count hashed the
99k parts of a county's 266 units on every desk and list: 48–67 ms (issue 15).

The counts move with the part counts, from the same rows and in the same transaction:
`sync_parts` after a service's change (partcounts.sync has read the parts), the
set-based `sync_moves` after a scan (one INSERT … SELECT of the grouped deltas). A
unit's areas are its path's units (org.Unit.path), read in SQL by a recursive CTE over
`parent_id`, which PostgreSQL and SQLite both run. Moving a unit changes the areas it
leaves and joins: `recount` them (org.signals.unit_moved, sent by services.move_unit).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping

from django.db import connection
from django.db.models import Sum

from luoshi.org.access import Access
from luoshi.org.models import Unit

from .models import AreaCount, Matter, MatterStanding, MatterUnit

SEP = "|"
COUNTS = AreaCount._meta.db_table
PARTS, MATTERS, UNITS = MatterUnit._meta.db_table, Matter._meta.db_table, Unit._meta.db_table
STANDINGS = MatterStanding._meta.db_table
KEY = "area_id, state, warning"


def area_of(access: Access) -> int | None:
    """The unit whose area is exactly what this user sees, when there is one: the one
    unit they head and act for (access.visible_units is it and every unit below)."""
    if access.sees_everything or len(access.own_units) != 1:
        return None
    if access.head_units != access.own_units:
        return None
    (unit,) = access.head_units
    return unit


def _areas(path: str) -> list[int]:
    """A unit's areas: the units of its path, itself last."""
    return [int(part) for part in path.strip("/").split("/")]


# part, unit, matter, counted, bucket now, warning now, the unit's path
Row = tuple[int, int, int, str | None, str | None, str, str]


def sync_parts(rows: Iterable[Row], before: Mapping[int, str]) -> None:
    """A service's change: `rows` are the parts partcounts.sync read (counted before and
    the bucket now, with the matter's warning now and the unit's path, read after
    lock_for_deltas); `before`, each matter's warning as counted so far. A matter is −1
    in each area of its counted parts at its state and warning before, +1 in each area
    of its parts counted now — once per area."""
    was: dict[int, set[tuple[str, str, str]]] = defaultdict(set)
    now: dict[int, set[tuple[str, str, str]]] = defaultdict(set)
    for _pk, _unit, matter, counted, bucket, warning, path in rows:
        old = before.get(matter)
        if counted is not None and old is not None:
            was[matter].add((path, counted.split(SEP)[1], old))
        if bucket is not None:
            now[matter].add((path, bucket.split(SEP)[1], warning))
    deltas: Counter[tuple[int, str, str]] = Counter()
    for matter in {*was, *now}:
        if was.get(matter) == now.get(matter):
            continue  # nothing a count holds moved (most reports)
        for side, sign in ((was, -1), (now, 1)):
            keys = {(a, s, w) for path, s, w in side.get(matter, ()) for a in _areas(path)}
            for key in keys:
                deltas[key] += sign
    # In key order: the same change writes the same rows whatever the process's hash seed
    # (a scan killed and rerun ends as one that ran through: operations' tests).
    AreaCount.objects.bulk_create(
        [
            AreaCount(area_id=a, state=s, warning=w, n=n)
            for (a, s, w), n in sorted(deltas.items())
            if n
        ]
    )


def _up(units: str) -> str:
    """A recursive CTE `up(unit_id, area_id)`: each unit of `units` (SQL giving ids) with
    every unit of its path, itself included."""
    return (
        f"WITH RECURSIVE up(unit_id, area_id) AS (SELECT id, id FROM {UNITS} WHERE id IN "
        f"({units}) UNION ALL SELECT up.unit_id, u.parent_id FROM up "
        f"JOIN {UNITS} u ON u.id = up.area_id WHERE u.parent_id IS NOT NULL) "
    )


def sync_moves(moves: str, now: str) -> None:
    """The set-based twin of `sync_parts` for the matters in `moves` (matters.history.
    MOVES), before partcounts writes their parts' buckets: `now` is the bucket SQL.

    One pass over the moved matters' parts and their units' areas gives each (area,
    matter) pair once, with whether a part there was counted and whether one counts
    now (grouped on two integers: sorting the pairs with their states and warnings, a
    next-day scan's 5,000 moves took 270 ms); each pair is then −1 at the matter's
    standing before and +1 at its standing now."""
    lock_for_deltas()
    units = (
        f"SELECT p.unit_id FROM {PARTS} p JOIN {moves} mv ON mv.matter_id = p.matter_id "
        f"WHERE p.active OR p.counted IS NOT NULL"
    )
    pairs = (
        f", pairs AS (SELECT up.area_id, p.matter_id, "
        f"MAX(CASE WHEN p.counted IS NOT NULL THEN 1 ELSE 0 END) AS was, "
        f"MAX(CASE WHEN {now} IS NOT NULL THEN 1 ELSE 0 END) AS counts "
        f"FROM {PARTS} p JOIN {moves} mv ON mv.matter_id = p.matter_id "
        f"JOIN {MATTERS} m ON m.id = p.matter_id JOIN up ON up.unit_id = p.unit_id "
        f"WHERE p.active OR p.counted IS NOT NULL GROUP BY up.area_id, p.matter_id) "
    )
    deltas = (
        f"SELECT pr.area_id, mv.before_state AS state, mv.before_warning AS warning, -1 AS d "
        f"FROM pairs pr JOIN {moves} mv ON mv.matter_id = pr.matter_id "
        f"WHERE pr.was = 1 AND mv.before_id IS NOT NULL "
        f"UNION ALL SELECT pr.area_id, mv.new_state, mv.new_warning, 1 "
        f"FROM pairs pr JOIN {moves} mv ON mv.matter_id = pr.matter_id WHERE pr.counts = 1"
    )
    with connection.cursor() as cursor:
        cursor.execute(
            _up(units) + pairs + f"INSERT INTO {COUNTS} ({KEY}, n) SELECT {KEY}, SUM(d) "
            f"FROM ({deltas}) d GROUP BY {KEY} HAVING SUM(d) <> 0"
        )


def _count(units: str = f"SELECT id FROM {UNITS}", where: str = "") -> str:
    """Each area's matters from the counted parts and the current standings: an INSERT
    of the recount, over the parts of `units` (SQL giving ids), for the areas `where`
    names (all when empty)."""
    pairs = (
        f"SELECT DISTINCT up.area_id, p.matter_id FROM {PARTS} p "
        f"JOIN up ON up.unit_id = p.unit_id WHERE p.counted IS NOT NULL {where}"
    )
    return _up(units) + (
        f"INSERT INTO {COUNTS} ({KEY}, n) SELECT a.area_id, s.state, s.warning, COUNT(*) "
        f"FROM ({pairs}) a JOIN {STANDINGS} s ON s.matter_id = a.matter_id "
        f"AND s.valid_to IS NULL GROUP BY a.area_id, s.state, s.warning"
    )


def lock_for_deltas() -> None:
    """Before the units' paths are read for a change's deltas (PostgreSQL; SQLite has one
    writer), by every writer of counts — a service's (partcounts.sync), a scan's
    (sync_moves): a unit moving meanwhile (`recount`, EXCLUSIVE) either waits for this change
    to commit and recounts after it, or commits first and its paths are the ones read —
    never deltas from the old paths added after the recount. The table's lock, not the
    units' rows: every change would otherwise lock the busiest units' rows in turn.
    Taken before the part counts' (partcounts), in every writer: one order, no deadlock."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"LOCK TABLE {COUNTS} IN ROW EXCLUSIVE MODE")


def lock_for_recount() -> None:
    """A recount's lock (PostgreSQL): changes wait to add their deltas until it commits;
    a delta committed between its DELETE and its INSERT would count twice."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"LOCK TABLE {COUNTS} IN EXCLUSIVE MODE")


def rebuild() -> int:
    """Every area recounted (after partcounts.rebuild has written every part's bucket);
    returns the counts that were wrong (0 when the kept rows were right). The caller
    holds lock_for_recount (partcounts.rebuild takes it before the part counts')."""
    before = kept()
    AreaCount.objects.all().delete()  # derived rows, recounted below
    with connection.cursor() as cursor:
        cursor.execute(_count())
    after = kept()
    return len({key for key in {*before, *after} if before.get(key, 0) != after.get(key, 0)})


def recount(areas: Iterable[int]) -> None:
    """These areas recounted from the parts of their units (a unit moved: the areas it
    left lost what it holds, those it joined gained it)."""
    wanted = sorted(set(areas))
    if not wanted:
        return
    lock_for_recount()
    AreaCount.objects.filter(area_id__in=wanted).delete()
    marks = ", ".join(str(int(pk)) for pk in wanted)  # ids, read as integers
    # The parts of the units in these areas only: the units whose path runs through one.
    paths = list(Unit.objects.filter(pk__in=wanted).values_list("path", flat=True))
    below = " OR ".join(["path LIKE %s"] * len(paths))
    units = f"SELECT id FROM {UNITS} WHERE {below}"
    with connection.cursor() as cursor:
        cursor.execute(
            _count(units, f"AND up.area_id IN ({marks})"), [f"{path}%" for path in paths]
        )


def unit_moved(sender: type[Unit], unit: Unit, old_path: str, new_path: str, **_kwargs) -> None:
    """org.signals.unit_moved: the areas above the unit where it was and not now, or now
    and not before, recounted — those it left or joined. The units above both (the
    root always) and those below it hold the same units as before."""
    old, new = (set(_areas(path)) for path in (old_path, new_path))
    recount((old ^ new) - {unit.pk})


def kept() -> dict[tuple[int, str, str], int]:
    """Every key's rows summed."""
    rows = AreaCount.objects.values_list("area_id", "state", "warning").annotate(t=Sum("n"))
    return {(area, state, warning): n for area, state, warning, n in rows.order_by() if n}


def of_area(area: int) -> list[tuple[str, str, int]]:
    """(state, warning, n) of the matters the area holds: its kept rows summed (a few
    dozen, by the area's index)."""
    rows = AreaCount.objects.filter(area_id=area).values_list("state", "warning")
    return [(s, w, n) for s, w, n in rows.annotate(total=Sum("n")).order_by() if n]
