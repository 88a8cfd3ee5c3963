"""How many matters a list holds, and its facets (counts by state and by warning), at a
cost that does not grow with the province (issue 15).

Two ways, chosen per list by `list_count`:

1. From the cockpit's rollups (cockpit.UnitCount: the live count per lead unit × state ×
   warning). They move in the same transaction as every change of a matter
   (matters.history → cockpit.rollups.standings_moved, after each service and each
   warning scan), so they are exact. They answer a list that filters only on what a
   bucket holds — state, warning, open, lead unit — for a user who sees every matter
   (office and admins; leaders see every matter but drafts, a state the buckets know).
   A few dozen rows, whatever the number of matters: the supervisor's unfiltered list
   and its facet filters no longer count a million matters (~300 ms) per request.
2. Otherwise a capped count: the grouped count over the first COUNT_CAP + 1 rows of the
   list. Up to COUNT_CAP matters it is exact, facets included; past it the list says
   "10,000+" (`exact` False) and shows no facets, which it could not give without
   reading every row.

Data written behind the services' back (a bulk load) must be followed by
`luoshi rebuild_rollups`, as the cockpit already requires.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field, replace

from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import Count, F, QuerySet

from luoshi.org.access import Access

from . import areacounts, partcounts
from .filters import ORDERINGS, MatterFilter
from .models import OPEN_STATES, Matter, MatterUnit, PartState, State
from .queries import undispatched

# A list longer than this is counted as "COUNT_CAP+" (and paged by cursor past it).
COUNT_CAP = 10_000

# The filters a rollup bucket (lead unit × state × warning) cannot answer: state,
# warning, open and lead unit it can.
OTHER_FILTERS = ("kind", "source", "priority", "unit", "leader", "parent", "q")
OTHER_FILTERS += ("deadline_from", "deadline_to", "as_of", "since")


@dataclass(frozen=True)
class ListCount:
    """A list's size: exact, or at least COUNT_CAP (then without facets).

    `rows`, when the count read them: every row of the list as (pk, *the columns of
    `keys`), in no order — what paging sorts a short list by, read once for both."""

    total: int
    exact: bool = True
    facets: dict[str, dict[str, int]] = field(default_factory=lambda: {"state": {}, "warning": {}})
    keys: tuple[str, ...] = field(default=(), compare=False)
    rows: tuple[tuple, ...] | None = field(default=None, compare=False, repr=False)
    # The planner's estimate of the list's rows, when the count asked for it (paging
    # reuses it rather than plan the list again).
    estimate: float | None = field(default=None, compare=False, repr=False)
    # Counted from kept rows (an area's, a unit user's), not from the list's own rows,
    # and holding no drafts: its first pages may be read in an index's order (paging).
    walkable: bool = field(default=False, compare=False, repr=False)

    @property
    def shown(self) -> int:
        """The figure to print: the total, or the cap that it passes."""
        return self.total if self.exact else COUNT_CAP


def list_count(mfilter: MatterFilter, queryset: QuerySet[Matter], access: Access) -> ListCount:
    """The count of `queryset` (the filtered, visible list): from the rollups where they
    answer exactly, else by a capped grouped count."""
    if _rollups_answer(mfilter, access):
        return _from_rollups(mfilter, access)
    unit = _unit_counted(mfilter, access)
    if unit is not None:
        rows = partcounts.state_warning_counts(unit)
        if access.sees_everything:  # the unit's matters not yet dispatched, too
            rows += _undispatched_of(unit, drafts=access.is_office)
        # The office's list of a unit holds its drafts, undated: read by deadline, they
        # come last, after every dated matter of the city (paging._walked: not walked).
        return replace(_buckets_filtered(mfilter, rows), walkable=not access.sees_everything)
    area = _area_counted(mfilter, access)
    if area is not None:
        return replace(_buckets_filtered(mfilter, areacounts.of_area(area)), walkable=True)
    if mfilter.is_history:
        return capped_count(queryset, history=True)
    return capped_count(queryset, keys=ORDERINGS[mfilter.ordering])


def _rollups_answer(mfilter: MatterFilter, access: Access) -> bool:
    if not access.sees_everything or any(getattr(mfilter, name) for name in OTHER_FILTERS):
        return False
    # unit_id 0 and -1 … -8 are the rollups' "no unit" and city-total stripes, never a unit.
    return mfilter.lead_unit is None or mfilter.lead_unit > 0


def _unit_counted(mfilter: MatterFilter, access: Access) -> int | None:
    """The unit whose kept part counts (matters.partcounts) answer this list, if any:
    filtered by state, warning or open only, the list of a user who sees one unit's
    matters (a handler, the head of a unit with none below), or the list of one unit's
    matters (`unit`: lead or co-unit) for a user who sees every matter."""
    others = [name for name in OTHER_FILTERS if name != "unit"]
    if mfilter.lead_unit is not None or any(getattr(mfilter, name) for name in others):
        return None
    if access.sees_everything:
        return mfilter.unit
    if mfilter.unit is None and len(access.visible_units) == 1:
        return next(iter(access.visible_units))
    return None


def _area_counted(mfilter: MatterFilter, access: Access) -> int | None:
    """The area whose kept matter counts (matters.areacounts) answer this list: the
    list of a head with units below, filtered by state, warning or open only."""
    if mfilter.lead_unit is not None or any(getattr(mfilter, name) for name in OTHER_FILTERS):
        return None
    return areacounts.area_of(access)


def _undispatched_of(unit: int, *, drafts: bool) -> list[tuple[str, str, int]]:
    """(state, warning, n) of the matters not dispatched that `unit` holds a part of
    (their parts are planned: the part counts leave them out). A few, by the part index
    (unit, active, state); a leader's list leaves drafts out (queries.visible_matters)."""
    planned = MatterUnit.objects.filter(unit_id=unit, active=True, state=PartState.PLANNED)
    planned = planned.filter(undispatched("matter__"))
    if not drafts:
        planned = planned.exclude(matter__state=State.DRAFT)
    grouped = planned.values_list("matter__state", "matter__warning").annotate(n=Count("pk"))
    return list(grouped.order_by())


def _buckets_filtered(mfilter: MatterFilter, rows: list[tuple[str, str, int]]) -> ListCount:
    """(state, warning, n) rows narrowed by the filter's state, warning and open."""
    return _grouped(
        (state, warning, n)
        for state, warning, n in rows
        if (not mfilter.state or state in mfilter.state)
        and (not mfilter.warning or warning in mfilter.warning)
        and (not mfilter.open or state in OPEN_STATES)
    )


def _from_rollups(mfilter: MatterFilter, access: Access) -> ListCount:
    from luoshi.cockpit.models import CITY_TOTAL, UnitCount  # the cockpit keeps them

    # The city total is striped over several rows (cockpit.models.CITY_TOTAL): summed here.
    units = [mfilter.lead_unit] if mfilter.lead_unit else list(CITY_TOTAL)
    buckets = UnitCount.objects.filter(unit_id__in=units)
    if mfilter.state:
        buckets = buckets.filter(state__in=mfilter.state)
    if mfilter.warning:
        buckets = buckets.filter(warning__in=mfilter.warning)
    if mfilter.open:
        buckets = buckets.filter(state__in=sorted(OPEN_STATES))
    if not access.is_office:  # a leader: every matter but drafts (queries.visible_matters)
        buckets = buckets.exclude(state=State.DRAFT)
    return _grouped(buckets.values_list("state", "warning", "n"))


# A list the planner expects to hold at most this many rows is read whole (its ids and
# ordering columns) by its count, which its page then sorts (paging._sorted_here): one
# read of the list, not two. A county head's overdue list (5,116 rows, the parts of 266
# units hashed for each read) took 47 ms to count and 40 more to read again for its page.
# Past it the count stays a grouped count in the database: reading 10,001 rows of an
# 86k list into Python took 117–152 ms against 73–82 (docs/benchmarks.md, 1 Dec.).
READ_WHOLE_ROWS = 8_000


def capped_count(
    queryset: QuerySet[Matter], *, history: bool = False, keys: tuple[str, ...] = ()
) -> ListCount:
    """One grouped count over the first COUNT_CAP + 1 rows of the list.

    The LIMIT sits inside the subquery, so the database stops reading after that many
    rows whatever the list's size; the count and both facets come from the same pass.
    `history`: a MatterFilter history list; count the standings of that day. `keys`:
    the list's ordering; a list expected short is read whole with them (READ_WHOLE_ROWS).
    """
    expected = estimated_rows(queryset) if keys and not history else None
    if expected is not None and expected <= READ_WHOLE_ROWS:
        whole = _read_whole(queryset, keys)
        if whole is not None:
            return replace(whole, estimate=expected)
    state, warning = ("as_of_state", "as_of_warning") if history else ("state", "warning")
    # COUNT(*) over two columns only: PostgreSQL reads them from the (state, warning)
    # index alone where the filter allows (an index-only scan).
    first = queryset.order_by().annotate(cs=F(state), cw=F(warning)).values_list("cs", "cw")
    try:
        sql, params = first[: COUNT_CAP + 1].query.sql_with_params()
    except EmptyResultSet:  # a filter that can match nothing (e.g. a search with no hits)
        return _grouped([])
    grouped = f"SELECT cs, cw, COUNT(*) FROM ({sql}) capped GROUP BY cs, cw"
    with connections[queryset.db].cursor() as cursor:
        cursor.execute(grouped, params)
        counted = _grouped(cursor.fetchall())
    if counted.total > COUNT_CAP:
        return ListCount(total=counted.total, exact=False, estimate=expected)
    return replace(counted, estimate=expected)


def _read_whole(queryset: QuerySet[Matter], keys: tuple[str, ...]) -> ListCount | None:
    """The list's rows (pk, state, warning, ordering columns), counted here and kept for
    the page; None when there are more than READ_WHOLE_ROWS (an estimate far too low: a
    `LIKE '%…%'` search), which are then counted in the database — at most that many
    rows read for nothing."""
    names = [name.lstrip("-") for name in keys]
    wanted = queryset.order_by().values_list("pk", "state", "warning", *names)
    read = list(wanted[: READ_WHOLE_ROWS + 1])
    if len(read) > READ_WHOLE_ROWS:
        return None
    if len(read) > COUNT_CAP:  # as the grouped count says past the cap (a cap set low)
        return ListCount(total=COUNT_CAP + 1, exact=False)
    grouped = Counter((row[1], row[2]) for row in read)
    counted = _grouped((state, warning, n) for (state, warning), n in grouped.items())
    rows = tuple((row[0], *row[3:]) for row in read)
    return ListCount(counted.total, True, counted.facets, keys=tuple(keys), rows=rows)


def estimated_rows(queryset: QuerySet[Matter]) -> float | None:
    """How many rows PostgreSQL's planner expects `queryset` to return (EXPLAIN without
    running it: ~1 ms); None on another database or for a filter matching nothing."""
    if connections[queryset.db].vendor != "postgresql":
        return None
    try:
        sql, params = queryset.order_by().values("pk").query.sql_with_params()
    except EmptyResultSet:
        return None
    with connections[queryset.db].cursor() as cursor:
        cursor.execute("EXPLAIN (FORMAT JSON) " + sql, params)
        plan = cursor.fetchone()[0]
    if isinstance(plan, str):
        plan = json.loads(plan)
    return plan[0]["Plan"]["Plan Rows"]


def _grouped(rows: Iterable[tuple[str, str, int]]) -> ListCount:
    """The total and the facets (by state; by warning of the open matters) from
    (state, warning, n) rows."""
    by_state: dict[str, int] = {}
    by_warning: dict[str, int] = {}
    for state, warning, n in rows:
        if not n:
            continue
        by_state[state] = by_state.get(state, 0) + n
        if state in OPEN_STATES:
            by_warning[warning] = by_warning.get(warning, 0) + n
    return ListCount(sum(by_state.values()), True, {"state": by_state, "warning": by_warning})
