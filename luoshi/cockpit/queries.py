"""Reads for the cockpit (驾驶舱). Counts come from the rollups (cockpit.models), never
from a GROUP BY over matters; the few matters shown by name (the blueprint tree, the
lists behind a figure) go through Matter.objects.visible_to(user).

Every figure carries `link`: the matters page with MatterFilter parameters that list
the matters behind it — `as_of=<day>` for a figure of a past day, so the list shows
the matters as they stood then (their standings, the same rows the counts come from)
and its length equals the figure — or the cockpit's own list for the flows (the moves
into completed or overdue on given days, again the very rows the flow counts).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import Counter, defaultdict
from collections.abc import Callable
from urllib.parse import urlencode

from django.contrib.auth.models import AnonymousUser, User
from django.core.cache import cache
from django.core.exceptions import FieldError
from django.db import connection
from django.db.models import Count, F, FilteredRelation, Q, QuerySet, Sum
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from luoshi.lib.dates import parse_date
from luoshi.lib.errors import InvalidInput
from luoshi.lib.numbers import id_or_none
from luoshi.matters.backlog import backlog_counts
from luoshi.matters.models import (
    OPEN_STATES,
    Matter,
    MatterEvent,
    MatterKind,
    MatterWarning,
    State,
)
from luoshi.org.models import Unit

from .models import ALL_UNITS, CITY_TOTAL, DailyChange, DailyFlow, FlowMetric, UnitCount

Bucket = tuple[int, str, str]
WARNINGS = [w.value for w in MatterWarning]
BLUEPRINT_LIMIT = 30


def matters_link(as_of: dt.date | None = None, **params) -> str:
    """/matters/?… — values are ids, choice codes and ISO dates, so need no quoting.

    `as_of`: a figure of a past day links to the list as it stood that day.
    """
    if as_of is not None:
        params["as_of"] = as_of.isoformat()
    return "/matters/?" + "&".join(f"{k}={v}" for k, v in params.items() if v not in (None, ""))


def flow_link(metric: str, first: dt.date, last: dt.date, unit_id: int | None = None) -> str:
    params = {"metric": metric, "from": first.isoformat(), "to": last.isoformat()}
    if unit_id:
        params["unit"] = str(unit_id)
    return "/cockpit/matters/?" + urlencode(params)


def counts_as_of(day: dt.date | None, unit_ids: list[int] | None = None) -> Counter[Bucket]:
    """Counts per (unit, state, warning) at the end of `day` (None: now).

    The live counts minus every change booked after `day`: the nearer the day, the
    fewer rows are read. The stripes of the city total (CITY_TOTAL) come back as one
    unit, ALL_UNITS.
    """
    live = UnitCount.objects.all()
    later = DailyChange.objects.filter(day__gt=day) if day else DailyChange.objects.none()
    if unit_ids is not None:
        if ALL_UNITS in unit_ids:
            unit_ids = [*unit_ids, *CITY_TOTAL]
        live, later = live.filter(unit_id__in=unit_ids), later.filter(unit_id__in=unit_ids)
    counts: Counter[Bucket] = Counter()
    for unit, state, warning, n in live.values_list("unit_id", "state", "warning", "n"):
        counts[(max(unit, ALL_UNITS), state, warning)] += n
    rows = later.values_list("unit_id", "state", "warning").annotate(d=Sum("delta")).order_by()
    for unit, state, warning, delta in rows:
        counts[(max(unit, ALL_UNITS), state, warning)] -= delta
    return +counts


def _open_by_warning(counts: Counter[Bucket]) -> dict[int, Counter]:
    """unit → Counter(warning → open matters) (plus "open" → all open)."""
    out: dict[int, Counter] = defaultdict(Counter)
    for (unit, state, warning), n in counts.items():
        if state in OPEN_STATES:
            out[unit][warning] += n
            out[unit]["open"] += n
    return out


# ── Cached per change stamp ───────────────────────────────────────────────────────────
# The city's figures move only when matters do: every move of a counted standing (a
# state change, or a warning the scan moved) inserts a MatterStanding row (matters.history,
# which the rollups follow), and every request and ruling the office backlog counts
# writes a MatterEvent; besides, a unit renamed (OrgEvent), the policy, the calendar or
# the day. At 1M matters the office backlog's counts alone cost ~1.5 s
# (docs/benchmarks.md), so the figures are kept in Django's cache under that stamp: a
# change makes a new key, so no worker (nor a shared cache) serves figures older than
# the data. The timeout bounds what a transaction committing a lower id after a higher
# one was read could leave.
CACHE_SECONDS = 600


def change_stamp() -> str:
    """The state the cockpit's figures are computed from, as a short digest (one query)."""
    from luoshi.matters.models import MatterStanding, Policy
    from luoshi.matters.warnings import stamp_of
    from luoshi.org.models import OrgEvent
    from luoshi.workcalendar.calendar import get_calendar

    sql = (
        f"SELECT (SELECT MAX(id) FROM {MatterEvent._meta.db_table}), "
        f"(SELECT MAX(id) FROM {OrgEvent._meta.db_table}), "
        f"(SELECT MAX(id) FROM {MatterStanding._meta.db_table})"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql)
        row = cursor.fetchone()
    policy = Policy.current()
    parts = [*row, policy.office_backlog_workdays, stamp_of(get_calendar(), policy)]
    parts.append(timezone.localdate())
    return hashlib.sha256(repr(parts).encode()).hexdigest()[:32]


def cached[T](name: str, compute: Callable[[], T], *args: object) -> T:
    """`compute()` kept under the change stamp (and `args`, the call's parameters)."""
    call = hashlib.sha256(f"{translation.get_language()}{args!r}".encode()).hexdigest()[:16]
    key = f"cockpit:{name}:{change_stamp()}:{call}"
    value = cache.get(key)
    if value is None:
        value = compute()
        cache.set(key, value, CACHE_SECONDS)
    return value


def page_figures(as_of: dt.date | None, units: int) -> dict:
    """The cockpit page's figures read from the rollups and the backlog: the city's
    summary and the first `units` units, kept together (one stamp read per page)."""
    return cached(
        "page",
        lambda: {"summary": _summary(as_of), "units": _by_unit(as_of, None, units)},
        as_of,
        units,
    )


def summary(as_of: dt.date | None = None) -> dict:
    """City totals: open matters and each warning among them, completed this year."""
    return cached("summary", lambda: _summary(as_of), as_of)


def _summary(as_of: dt.date | None) -> dict:
    counts = counts_as_of(as_of, [ALL_UNITS])
    open_ = _open_by_warning(counts)[ALL_UNITS]
    day = as_of or timezone.localdate()
    year_start = dt.date(day.year, 1, 1)
    completed = _flow_total(FlowMetric.COMPLETED, year_start, day)
    figures = {
        "open": _fig(open_["open"], matters_link(as_of, open=1)),
        **{w: _fig(open_[w], matters_link(as_of, open=1, warning=w)) for w in WARNINGS},
        "completed_this_year": _fig(completed, flow_link(FlowMetric.COMPLETED, year_start, day)),
    }
    if as_of is None:  # the office's own backlog, as it is now
        backlog = backlog_counts(day)["total"]
        figures["office_backlog"] = _fig(backlog["pending"], "/matters/backlog/")
        figures["office_backlog_late"] = _fig(backlog["late"], "/matters/backlog/?late=1")
    return {"as_of": day.isoformat(), "figures": figures}


def _fig(value, link: str) -> dict:
    return {"value": value, "link": link}


def _flow_total(metric: str, first: dt.date, last: dt.date) -> int:
    """The city's flow over first … last (the sum of its stripes, CITY_TOTAL)."""
    rows = DailyFlow.objects.filter(unit_id__in=CITY_TOTAL, metric=metric, day__range=(first, last))
    return rows.aggregate(n=Sum("n"))["n"] or 0


def by_unit(as_of: dt.date | None = None, kind: str | None = None, limit: int = 50) -> list[dict]:
    """Open, overdue and stalled matters per lead unit, most overdue first.

    One grouped query sorts and cuts in the database: the live counts, minus (for an
    earlier day) the changes booked after it.
    """
    return cached("by_unit", lambda: _by_unit(as_of, kind, limit), as_of, kind, limit)


def _by_unit(as_of: dt.date | None, kind: str | None, limit: int) -> list[dict]:
    rows = _top_units(as_of, kind, limit)
    names = {u.pk: u for u in Unit.objects.filter(pk__in=[r[0] for r in rows])}
    overdue, stalled = MatterWarning.OVERDUE, MatterWarning.STALLED
    return [
        _unit_row(  # PostgreSQL sums bigints as numeric: back to int
            names[unit], Counter({"open": int(n), overdue: int(late), stalled: int(idle)}), as_of
        )
        for unit, n, late, idle in rows
        if unit in names
    ]


def _top_units(as_of: dt.date | None, kind: str | None, limit: int) -> list[tuple]:
    states = sorted(OPEN_STATES)
    marks = ", ".join(["%s"] * len(states))
    parts = [
        f"SELECT unit_id, warning, n FROM {UnitCount._meta.db_table} "
        f"WHERE unit_id > 0 AND state IN ({marks})"
    ]
    params: list = [*states]
    if as_of is not None:
        parts.append(
            f"SELECT unit_id, warning, -delta FROM {DailyChange._meta.db_table} "
            f"WHERE unit_id > 0 AND day > %s AND state IN ({marks})"
        )
        params += [as_of, *states]
    where = ""
    if kind:
        where = f"WHERE unit_id IN (SELECT id FROM {Unit._meta.db_table} WHERE kind = %s)"
        params.append(kind)
    sql = (
        "SELECT unit_id, SUM(n), "
        "SUM(CASE WHEN warning = %s THEN n ELSE 0 END) AS overdue, "
        "SUM(CASE WHEN warning = %s THEN n ELSE 0 END) AS stalled "
        f"FROM ({' UNION ALL '.join(parts)}) counts {where} "
        "GROUP BY unit_id HAVING SUM(n) > 0 "
        "ORDER BY overdue DESC, stalled DESC, unit_id LIMIT %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [MatterWarning.OVERDUE, MatterWarning.STALLED, *params, limit])
        return cursor.fetchall()


def _unit_row(unit: Unit, counts: Counter, as_of: dt.date | None = None) -> dict:
    overdue, stalled = MatterWarning.OVERDUE, MatterWarning.STALLED

    def link(**params) -> str:
        return matters_link(as_of, open=1, lead_unit=unit.pk, **params)

    return {
        "unit": {"id": unit.pk, "name": unit.name, "kind": unit.kind},
        "open": _fig(counts["open"], link()),
        "overdue": _fig(counts[overdue], link(warning=overdue)),
        "stalled": _fig(counts[stalled], link(warning=stalled)),
    }


def trend(year: int, today: dt.date | None = None) -> dict:
    """Per month of `year`: matters completed, matters newly overdue, overdue at month end."""
    return cached("trend", lambda: _trend(year, today), year, today)


def _trend(year: int, today: dt.date | None) -> dict:
    today = today or timezone.localdate()
    months = [m for m in range(1, 13) if dt.date(year, m, 1) <= today]
    flows = (
        DailyFlow.objects.filter(unit_id__in=CITY_TOTAL, day__year=year)
        .values_list("day__month", "metric")
        .annotate(n=Sum("n"))
        .order_by()
    )
    per_month: dict[tuple[int, str], int] = {(m, metric): n for m, metric, n in flows}
    overdue_at = _overdue_stock(year)
    out = []
    for month in months:
        first, last = dt.date(year, month, 1), min(_month_end(year, month), today)
        out.append(
            {
                "month": month,
                "completed": _fig(
                    per_month.get((month, FlowMetric.COMPLETED), 0),
                    flow_link(FlowMetric.COMPLETED, first, last),
                ),
                "newly_overdue": _fig(
                    per_month.get((month, FlowMetric.OVERDUE), 0),
                    flow_link(FlowMetric.OVERDUE, first, last),
                ),
                "overdue_at_end": _fig(
                    overdue_at(last),
                    matters_link(last, open=1, warning=MatterWarning.OVERDUE),
                ),
            }
        )
    return {"year": year, "months": out}


def _overdue_stock(year: int):
    """A function day → open overdue matters (city) at the end of that day of `year`.

    Two queries: the live count and the year's daily changes of the overdue buckets.
    """
    overdue = {
        "unit_id__in": CITY_TOTAL,
        "state__in": OPEN_STATES,
        "warning": MatterWarning.OVERDUE,
    }
    live = UnitCount.objects.filter(**overdue).aggregate(n=Sum("n"))["n"] or 0
    changes = list(
        DailyChange.objects.filter(day__gte=dt.date(year, 1, 1), **overdue)
        .values_list("day")
        .annotate(d=Sum("delta"))
        .order_by()
    )

    def at(day: dt.date) -> int:
        return live - sum(delta for changed, delta in changes if changed > day)

    return at


def _month_end(year: int, month: int) -> dt.date:
    return dt.date(year + month // 12, month % 12 + 1, 1) - dt.timedelta(1)


NODE_FIELDS = (
    "pk",
    "parent_id",
    "serial_year",
    "serial_no",
    "title",
    "lead_unit__name",
    "state",
    "warning",
    "progress",
    "deadline",
)


def blueprint(user: User | AnonymousUser, limit: int = BLUEPRINT_LIMIT) -> list[dict]:
    """The blueprint as a tree: top-level tasks with children (goals), their tasks and
    sub-tasks, each with rolled-up progress and the warnings among its open children.

    Four queries whatever the size: the goals, their tasks, the tasks' sub-tasks, and
    the warning counts of the children of every node shown. Rows, not model objects.
    """
    visible = Matter.objects.visible_to(user).exclude(state=State.WITHDRAWN)
    # The parents of any matter: a range of the parent index (few rows), not a semi-join
    # of every top-level matter with its children.
    parents = Matter.objects.filter(parent__isnull=False).values("parent_id").distinct()
    goals = list(
        visible.filter(pk__in=parents, parent__isnull=True, kind=MatterKind.TASK)
        .order_by("serial_year", "serial_no")
        .values(*NODE_FIELDS)[:limit]
    )
    goal_ids = [g["pk"] for g in goals]
    tasks = _rows_under(visible, goal_ids)
    below = tasks + _rows_under(visible, [t["pk"] for t in tasks])
    children: dict[int, list[dict]] = defaultdict(list)
    for row in below:
        children[row["parent_id"]].append(row)
    warnings = _child_warnings(visible, [*goal_ids, *[row["pk"] for row in below]])
    return [_node(g, children, warnings) for g in goals]


def _rows_under(visible: QuerySet[Matter], parent_ids: list[int]) -> list[dict]:
    """The children of these matters (the parent index answers it)."""
    if not parent_ids:
        return []
    rows = visible.filter(parent_id__in=parent_ids).order_by("serial_year", "serial_no")
    return list(rows.values(*NODE_FIELDS))


def _child_warnings(visible: QuerySet[Matter], parent_ids: list[int]) -> dict[int, dict]:
    rows = (
        visible.filter(parent_id__in=parent_ids, state__in=OPEN_STATES)
        .exclude(warning=MatterWarning.NORMAL)
        .values_list("parent_id", "warning")
        .annotate(n=Count("pk"))
        .order_by()
    )
    out: dict[int, dict] = defaultdict(dict)
    for parent, warning, n in rows:
        figure = _fig(n, matters_link(parent=parent, open=1, warning=warning))
        out[parent][warning] = {**figure, "label": str(MatterWarning(warning).label)}
    return out


def _node(row: dict, children: dict[int, list[dict]], warnings: dict) -> dict:
    pk = row["pk"]
    return {
        "id": pk,
        "serial": f"督办〔{row['serial_year']}〕{row['serial_no']}号",  # as Matter.serial
        "title": row["title"],
        "unit": row["lead_unit__name"] or "",
        "state": row["state"],
        "warning": row["warning"],
        "progress": row["progress"],
        "deadline": row["deadline"].isoformat() if row["deadline"] else None,
        "link": f"/matters/{pk}/",
        "children_link": matters_link(parent=pk),
        "child_warnings": warnings.get(pk, {}),
        "children": [_node(c, children, warnings) for c in children.get(pk, [])],
    }


def changes_since(since: dt.date, today: dt.date | None = None) -> dict:
    """What changed since a stocktake day until now (changes_between with today)."""
    return changes_between(since, None, today)


def changes_between(first: dt.date, second: dt.date | None, today: dt.date | None = None) -> dict:
    """Two stocktakes compared (a day or a bulletin each; `second` None is now): the
    counts at each with links to the lists as they stood, the matters newly overdue and
    completed in between per unit, and the rank moves between their periods."""
    today = today or timezone.localdate()
    last = second or today
    if last <= first:
        raise InvalidInput(_("The second stocktake must come after the first."), field="until")
    figures = cached("changes", lambda: _changes(first, second, today), first, second, today)
    # Rank moves follow the evaluation's scorecards, which the change stamp does not see.
    return {**figures, "rank_moves": rank_moves(first, second)}


def _changes(first: dt.date, second: dt.date | None, today: dt.date) -> dict:
    last = second or today
    then, now = _summary(first)["figures"], _summary(second)["figures"]
    after = first + dt.timedelta(1)
    return {
        "since": first.isoformat(),
        "until": last.isoformat(),
        "today": today.isoformat(),
        "totals": {
            key: {
                "then": then[key]["value"],
                "now": now[key]["value"],
                "then_link": then[key]["link"],
                "link": now[key]["link"],
            }
            for key in ("open", MatterWarning.OVERDUE, MatterWarning.STALLED)
        },
        "newly_overdue": _fig(
            _flow_total(FlowMetric.OVERDUE, after, last),
            flow_link(FlowMetric.OVERDUE, after, last),
        ),
        "completed": _fig(
            _flow_total(FlowMetric.COMPLETED, after, last),
            flow_link(FlowMetric.COMPLETED, after, last),
        ),
        "changed_link": matters_link(second, since=first.isoformat(), changed=1),
        "units": _unit_flows(after, last, CHANGES_UNITS),
    }


CHANGES_UNITS = 50


def _unit_flows(first: dt.date, last: dt.date, limit: int) -> list[dict]:
    """The units with most newly overdue (then completed) matters over first … last."""
    overdue, completed = FlowMetric.OVERDUE, FlowMetric.COMPLETED
    rows = list(
        DailyFlow.objects.filter(day__range=(first, last), unit_id__gt=0)
        .values("unit_id")
        .annotate(
            overdue=Sum("n", filter=Q(metric=overdue)),
            completed=Sum("n", filter=Q(metric=completed)),
        )
        .order_by(F("overdue").desc(nulls_last=True), F("completed").desc(nulls_last=True))[:limit]
    )
    names = dict(Unit.objects.filter(pk__in=[r["unit_id"] for r in rows]).values_list("pk", "name"))
    return [
        {
            "unit": {"id": r["unit_id"], "name": names.get(r["unit_id"], "")},
            overdue: _fig(r["overdue"] or 0, flow_link(overdue, first, last, r["unit_id"])),
            completed: _fig(r["completed"] or 0, flow_link(completed, first, last, r["unit_id"])),
        }
        for r in rows
    ]


def rank_moves(since: dt.date, until: dt.date | None = None) -> list[dict]:
    """Units whose rank moved between the period containing `since` and the one
    containing `until` (None: the latest period of the same kind)."""
    from luoshi.evaluation.models import Period, Scorecard

    then = Period.objects.filter(start__lte=since, end__gte=since).order_by("start").first()
    periods = Period.objects.filter(kind=then.kind) if then else Period.objects.none()
    if until is not None:
        periods = periods.filter(start__lte=until, end__gte=until)
    latest = periods.order_by("-start").first()
    if not then or not latest or latest.pk == then.pk:
        return []
    old = dict(Scorecard.objects.filter(period=then).values_list("unit_id", "rank"))
    moves = []
    now = Scorecard.objects.filter(period=latest).values_list(
        "unit_id", "unit__name", "group", "rank"
    )
    for unit, name, group, rank in now:
        if unit in old and old[unit] != rank:
            moves.append(
                {
                    "unit": {"id": unit, "name": name},
                    "group": group,
                    "then": old[unit],
                    "now": rank,
                    "change": old[unit] - rank,
                }
            )
    return sorted(moves, key=lambda m: -abs(m["change"]))


FLOW_FIELDS: dict[str, str] = {
    FlowMetric.COMPLETED: "became_completed",
    FlowMetric.OVERDUE: "became_overdue",
    FlowMetric.ASSIGNED: "became_assigned",
}


def flow_matters(
    user: User | AnonymousUser,
    metric: str,
    first: dt.date,
    last: dt.date,
    unit_id: int | None = None,
) -> QuerySet[Matter]:
    """The matters behind a flow figure: their moves into completed, overdue or
    dispatched on first … last — the very standings the flow counts were booked from,
    so the list's length is the figure. A matter that became overdue twice (after an
    extension ran out again) is listed twice, each with its day (`moved_on`)."""
    condition = Q(**{f"standings__{FLOW_FIELDS[metric]}": True}) & Q(
        standings__valid_from__range=(first, last)
    )
    if unit_id:
        condition &= Q(standings__lead_unit_id=unit_id)
    return (
        Matter.objects.visible_to(user)
        .select_related("lead_unit")
        .annotate(move=FilteredRelation("standings", condition=condition))
        .filter(move__id__isnull=False)
        .annotate(moved_on=F("move__valid_from"))
        .order_by("moved_on", "pk")
    )


def matter_row(matter: Matter) -> dict:
    moved_on = getattr(matter, "moved_on", None)
    return {
        "id": matter.pk,
        "moved_on": moved_on.isoformat() if moved_on else None,
        "serial": matter.serial,
        "title": matter.title,
        "unit": matter.lead_unit.name if matter.lead_unit else "",
        "state": matter.state,
        "warning": matter.warning,
        "deadline": matter.deadline.isoformat() if matter.deadline else None,
        "link": f"/matters/{matter.pk}/",
    }


def last_bulletin_day() -> dt.date | None:
    """The last day covered by the latest bulletin (督查通报), if the documents app has one."""
    return bulletin_day(None)


def bulletin_day(pk: int | None) -> dt.date | None:
    """The last day covered by a bulletin (the latest when `pk` is None)."""
    try:
        from luoshi.documents.models import Bulletin

        bulletins = Bulletin.objects.order_by("-period_end")
        if pk is not None:
            bulletins = bulletins.filter(pk=pk)
        return bulletins.values_list("period_end", flat=True).first()
    except (ImportError, FieldError):
        return None


def bulletin_choices() -> list[tuple[str, str]]:
    """The bulletins one can compare, newest first: ("bulletin:<id>", label)."""
    try:
        from luoshi.documents.models import Bulletin, BulletinState
    except ImportError:
        return []
    rows = Bulletin.objects.filter(state=BulletinState.ISSUED).order_by("-period_end")[:24]
    return [(f"bulletin:{b.pk}", f"{b.number_label} {b.period_end:%Y-%m-%d}") for b in rows]


def resolve_stocktake(value: str | None, field: str = "since") -> dt.date | None:
    """A stocktake: a day (YYYY-MM-DD), "bulletin" (the latest bulletin's last day) or
    "bulletin:<id>" (that bulletin's). None for an empty value."""
    if not value:
        return None
    if value.startswith("bulletin"):
        _word, _colon, pk = value.partition(":")
        day = bulletin_day(id_or_none(pk))
        if day is None:
            raise InvalidInput(_("There is no such bulletin."), field=field)
        return day
    return parse_date(value, field=field)


def resolve_since(value: str | None) -> dt.date:
    """`since`: a stocktake (resolve_stocktake), by default the last bulletin or 30 days ago."""
    if value and value != "bulletin":
        day = resolve_stocktake(value)
        if day is not None:  # blank (spaces only): the default, as for no value
            return day
    return last_bulletin_day() or timezone.localdate() - dt.timedelta(30)
