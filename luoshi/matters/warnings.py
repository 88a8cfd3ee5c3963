"""The warning engine: one set-based scan sets every open matter's warning.

The scan is a handful of SQL statements whatever the number of matters — per
warning, one grouped count (for the digest notifications) and one UPDATE of the
rows whose warning changes — never a Python loop over rows. Services call
`refresh_warning(matter)`, the same code restricted to one row, after a change
that can move a warning, so pages agree with the scan at once.

Whose time it is comes from matters.fairness: a matter waiting for the office
(review, ruling) shows `awaiting_office`, never the unit's overdue, due soon,
stalled or behind plan; only a running clock is held against the deadline.

The nightly scan costs what changed, not what exists. Every time-driven condition
only ever turns true as days pass (a deadline passes, a report ages, elapsed time
grows), so the scan stores beside each matter the first day one of them can turn
(`NextWarningChange`, `next_change`) and the next night looks only at the rows due
by then, or saved since the last nightly scan (`updated_at`). That date lives on a
narrow table of its own: a third of the rows due on a day keep their warning, and
moving their date there does not rewrite the matter and its indexes. A change of the
policy or the calendar moves every threshold: the stamp of both is kept with the last
scan (WarningScan), and a scan under another stamp, or on an earlier day, is full.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
from collections import Counter, defaultdict
from collections.abc import Callable

from django.core.exceptions import EmptyResultSet
from django.db import connection, transaction
from django.db.models import (
    Case,
    CharField,
    DateField,
    Expression,
    ExpressionWrapper,
    F,
    IntegerField,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Greatest, Least
from django.db.models.lookups import GreaterThan, LessThan
from django.utils import timezone

from luoshi.lib.dates import day_start
from luoshi.lib.sql import AddDays, DaysBetween, LocalDate
from luoshi.lib.workdays import WorkCalendar, official_years
from luoshi.workcalendar.calendar import get_calendar

from . import backlog, fairness, history, listeners, partcounts
from .models import (
    CYCLE_DAYS,
    OPEN_STATES,
    WARNING_PRECEDENCE,
    Matter,
    MatterWarning,
    NextWarningChange,
    Policy,
    WarningScan,
)


def stalled_condition(today: dt.date, calendar: WorkCalendar, policy: Policy) -> Q:
    """No report (or, before the first, no assignment) within the report cycle plus grace."""
    grace_day = calendar.add_workdays(today, -policy.stall_grace_workdays)
    condition = Q(pk__in=[])
    for cycle, days in CYCLE_DAYS.items():
        cutoff = day_start(grace_day - dt.timedelta(days=days))
        condition |= Q(report_cycle=cycle) & (
            Q(last_report_at__lt=cutoff) | Q(last_report_at__isnull=True, assigned_at__lt=cutoff)
        )
    return condition


def behind_plan_condition(today: dt.date, points: int) -> Q:
    """Progress lags the share of calendar time elapsed by more than `points`.

    With elapsed = today - start and total = deadline - start (days), the matter is
    behind when 100·elapsed/total - progress > points, i.e. in integers:
    100·elapsed - progress·total - points·total > 0. Matter.plan_lag is the same formula.
    """
    start = LocalDate("assigned_at")
    elapsed = DaysBetween(Value(today, output_field=DateField()), start)
    total = DaysBetween(F("deadline"), start)
    lag = elapsed * 100 - F("progress") * total - total * points
    return (
        Q(deadline__isnull=False, assigned_at__isnull=False)
        & Q(GreaterThan(total, 0))
        & Q(GreaterThan(lag, 0))
    )


def conditions(today: dt.date, calendar: WorkCalendar, policy: Policy) -> dict[str, Q]:
    due_soon_day = calendar.add_workdays(today, policy.due_soon_workdays)
    dated = Q(ongoing=False)  # an ongoing matter has no deadline to miss; it can stall
    return {
        MatterWarning.AWAITING_OFFICE: fairness.awaiting_office(),
        MatterWarning.OVERDUE: fairness.overdue_for_unit(today),
        MatterWarning.STALLED: stalled_condition(today, calendar, policy),
        MatterWarning.BEHIND_PLAN: dated
        & behind_plan_condition(today, policy.behind_plan_yellow_points),
        MatterWarning.DUE_SOON: dated & Q(deadline__lte=due_soon_day),
    }


NOTIFIED = {MatterWarning.OVERDUE, MatterWarning.DUE_SOON}

# ---- the day each warning next changes by time alone ---------------------------------------

NEVER = dt.date(9999, 12, 31)  # no condition can turn by time alone
NEAR_DAYS = 14  # days after today counted exactly on the calendar; beyond, a lower bound
KEY_SPAN_DAYS = 400  # how far the calendar is read for that bound (a year's holidays)
KEY_SPAN_MARGIN = 7  # holidays beyond it are taken up to a week longer than any seen


def _date(day: dt.date) -> Value:
    return Value(day, output_field=DateField())


def first_day_reaching(
    applies: Q,
    reached: Callable[[dt.date], Q | Expression],
    key: Callable[[dt.date], dt.date],
    today: dt.date,
    bound: Expression,
) -> Case:
    """As SQL: the first day t after `today` on which `reached(key(t))` holds, for rows where
    `applies`; NULL when it holds already (or the row does not apply).

    `key` is a non-decreasing function of the day (the working-day count behind due soon
    and stalled), and `reached(v)` a condition on the row that, once true for v, stays
    true for any later v. For the next NEAR_DAYS days key is read exactly, one CASE branch
    per distinct value, each comparing a plain column with a constant (no date arithmetic
    per branch); beyond, `bound` — a day on or before the true one, where the row is
    looked at again and its day counted exactly then.
    """
    whens = [When(~applies, then=Value(None)), When(reached(key(today)), then=Value(None))]
    previous = key(today)
    for offset in range(1, NEAR_DAYS + 1):
        day = today + dt.timedelta(days=offset)
        value = key(day)
        if value != previous:
            whens.append(When(reached(value), then=_date(day)))
            previous = value
    far = _date(today + dt.timedelta(days=NEAR_DAYS + 1))
    return Case(*whens, default=Greatest(bound, far), output_field=DateField())


def _reach(key: Callable[[dt.date], dt.date], today: dt.date) -> int:
    """The most days key(t) runs ahead of t over the next KEY_SPAN_DAYS, plus a margin."""
    days = (today + dt.timedelta(days=o) for o in range(KEY_SPAN_DAYS))
    return max((key(day) - day).days for day in days) + KEY_SPAN_MARGIN


_reach_cache: dict[tuple[str, dt.date], tuple[int, int]] = {}


def _reaches(stamp: str, today: dt.date, calendar: WorkCalendar, policy: Policy) -> tuple[int, int]:
    """Both reaches (due soon, stalled), read once per stamp and day: a service's one-row
    refresh reuses them rather than walk the calendar a year ahead each time."""
    key = (stamp, today)
    if key not in _reach_cache:
        if len(_reach_cache) > 64:
            _reach_cache.clear()
        _reach_cache[key] = (
            _reach(lambda d: calendar.add_workdays(d, policy.due_soon_workdays), today),
            _reach(lambda d: calendar.add_workdays(d, -policy.stall_grace_workdays), today),
        )
    return _reach_cache[key]


ANALYZE_AFTER_ROWS = 50_000  # a full scan rewriting more rows than this refreshes statistics
RULES = 2  # raise when next_change's rules change: the first scan after is then full


def stamp_of(calendar: WorkCalendar, policy: Policy) -> str:
    """A digest of what moves the thresholds: the policy's three and the calendar — the
    office's schedules and the years the installed chinesecalendar knows (an upgrade that
    brings next year's official schedule makes the next nightly scan full)."""
    package = official_years()
    parts = [
        f"package={package.start}-{package.stop}",
        f"rules={RULES}",
        f"due_soon={policy.due_soon_workdays}",
        f"grace={policy.stall_grace_workdays}",
        f"behind={policy.behind_plan_yellow_points}",
        "scheduled=" + ",".join(str(y) for y in sorted(calendar.scheduled_years)),
        *(f"{day.isoformat()}={int(bool(w))}" for day, w in sorted(calendar.overrides.items())),
    ]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def _reported_before(reported: Expression, days: int, grace_day: dt.date) -> LessThan:
    """The last report (or assignment) is before the cutoff of `grace_day`, as the scan's."""
    return LessThan(reported, Value(day_start(grace_day - dt.timedelta(days=days))))


def next_change(today: dt.date, calendar: WorkCalendar, policy: Policy, stamp: str) -> Case:
    """As SQL: the first day after `today` on which a row's warning can change by time
    alone (NEVER when none can), for the conditions of `conditions(today, …)`.

    - overdue: the day after the deadline;
    - due soon: the first day whose `due_soon_workdays`-th working day reaches the deadline;
    - stalled: the first day whose cutoff (grace working days back, less the cycle)
      passes the last report's day (or the assignment's, before a first report);
    - behind plan: start + ⌊(progress + points)·total / 100⌋ + 1, the first day
      100·elapsed − progress·total − points·total > 0 (behind_plan_condition).

    A condition already true gives nothing (each only turns from false to true); a
    matter waiting for the office shows awaiting_office whatever the day.
    """
    due_reach, stall_reach = _reaches(stamp, today, calendar, policy)
    dated = Q(ongoing=False, deadline__isnull=False)
    overdue = Case(
        When(dated & Q(deadline__gte=today), then=AddDays(F("deadline"), Value(1))),
        output_field=DateField(),
    )
    # due soon from the first day whose N-th working day reaches the deadline; as
    # key(t) <= t + due_reach, never before deadline - due_reach
    due_soon = first_day_reaching(
        dated,
        lambda value: Q(deadline__lte=value),
        lambda d: calendar.add_workdays(d, policy.due_soon_workdays),
        today,
        AddDays(F("deadline"), Value(-due_reach)),
    )
    # stalled from the first day whose cutoff (stalled_condition) passes the last report
    # (or the assignment): compared as moments, one CASE per report cycle
    reported = Coalesce("last_report_at", "assigned_at")
    grace_day = functools.partial(calendar.add_workdays, n=-policy.stall_grace_workdays)
    stalled = Case(
        *[
            When(
                report_cycle=cycle,
                then=first_day_reaching(
                    Q(last_report_at__isnull=False) | Q(assigned_at__isnull=False),
                    functools.partial(_reported_before, reported, days),
                    grace_day,
                    today,
                    # cutoff(t) <= t + stall_reach - days: never before report + days + 1 - reach
                    AddDays(LocalDate(reported), Value(days + 1 - stall_reach)),
                ),
            )
            for cycle, days in CYCLE_DAYS.items()
        ],
        output_field=DateField(),
    )
    start = LocalDate("assigned_at")
    total = DaysBetween(F("deadline"), start)
    allowed = ExpressionWrapper(
        (F("progress") + policy.behind_plan_yellow_points) * total / 100,  # integer division
        output_field=IntegerField(),
    )
    behind = Case(
        When(
            dated
            & Q(assigned_at__isnull=False)
            & Q(GreaterThan(total, 0))
            & ~behind_plan_condition(today, policy.behind_plan_yellow_points),
            then=AddDays(start, allowed + 1),
        ),
        output_field=DateField(),
    )
    never = _date(NEVER)
    earliest = Least(*[Coalesce(flip, never) for flip in (overdue, due_soon, stalled, behind)])
    return Case(
        When(fairness.awaiting_office(), then=never),
        default=earliest,
        output_field=DateField(),
    )


def new_warning(conds: dict[str, Q]) -> Case:
    """The warning each matter should have: the first condition it meets, in precedence."""
    return Case(
        *[When(conds[level], then=Value(level)) for level in WARNING_PRECEDENCE],
        default=Value(MatterWarning.NORMAL),
        output_field=CharField(),
    )


@transaction.atomic(savepoint=False)  # killed half-way, a scan leaves nothing: rerun it
def scan(
    today: dt.date | None = None,
    queryset: QuerySet[Matter] | None = None,
    *,
    notify_units: bool = True,
    only_due: bool = False,
) -> dict[str, int]:
    """Recompute warnings of open, unsuspended matters; returns rows changed per warning.

    1. Build one condition per warning from today's date, the calendar and the policy.
    2. One CASE gives each matter the first warning, in precedence order, whose
       condition it meets (normal when none does); another the day it next changes.
    3. One read of the rows whose warning differs: the counts returned and the merged
       notices to units whose matters became due soon or overdue.
    4. One UPDATE of those matters only (few warnings move from one day to the next),
       one upsert of every row's next day (NextWarningChange, a narrow table).
    5. The matters' standings (matters.history) follow, and the listeners (the cockpit).

    `only_due` (the nightly `luoshi scan`): look only at the rows whose warning can have
    moved — due by their next day, or saved since the last nightly scan began — when
    the last nightly scan ran on this day or before under the same policy and calendar;
    otherwise scan in full. Every nightly scan, full or not, keeps its day, stamp and
    start (WarningScan).
    """
    started = timezone.now()
    today = today or timezone.localdate()
    nightly = queryset is None
    base = (queryset if queryset is not None else Matter.objects.all()).filter(
        state__in=sorted(OPEN_STATES), suspended_at__isnull=True
    )
    calendar, policy = get_calendar(), Policy.current()
    stamp = stamp_of(calendar, policy)

    @functools.cache  # built only when rows are read: a night with nothing due needs neither
    def cases() -> tuple[Case, Case]:
        target = new_warning(conditions(today, calendar, policy))
        return target, next_change(today, calendar, policy, stamp)

    # The nightly scan (full or not) reads and keeps the record; a service's one-row
    # refresh neither.
    last = WarningScan.objects.filter(pk=1).first() if nightly else None
    if (
        only_due
        and last is not None
        and last.stamp == stamp
        and last.day
        and last.day <= today
        and last.started_at
    ):
        changed, sync = _scan_due(base, today, last.started_at, cases, notify_units)
    else:
        changed, sync = _scan_all(base, *cases(), notify_units)
    if nightly:
        _park(today)
    if nightly and notify_units:  # the nightly scan warns the office too
        backlog.notify_newly_late(today)
    sync()  # the standings, and the cockpit's counts, follow
    if nightly:  # the day's part-count deltas folded: a unit's desk sums a few rows
        partcounts.compact()
    if last is not None:
        WarningScan.objects.filter(pk=last.pk).update(day=today, stamp=stamp, started_at=started)
    elif nightly:  # the first: one INSERT (a concurrent first one wins)
        WarningScan.objects.bulk_create(
            [WarningScan(pk=1, day=today, stamp=stamp, started_at=started)], ignore_conflicts=True
        )
    listeners.matters_scanned(base, full=nightly)
    return changed


def _scan_all(
    base: QuerySet[Matter], target: Case, following: Case, notify_units: bool
) -> tuple[dict[str, int], Callable[[], object]]:
    """Every row: the moving ones read and updated, every next day written where it
    differs, then the moved ones' standings (all compared, after a mass move)."""
    changed, moved, digests = _moving(base, target, notify_units)
    if len(moved) > SYNC_ALL_FROM:  # a mass move: one pass over every row
        base.filter(~Q(warning=target)).update(warning=target)
    else:  # by id: the CASE is not evaluated again over every row
        _update_warnings(base, moved, target)
    written = _write_next_changes(base, following, only_differing=True)
    if written >= ANALYZE_AFTER_ROWS and connection.vendor == "postgresql":
        # Many next days moved at once (a first scan, a policy change): fresh statistics,
        # or the planner keeps the old spread and reads every row for tomorrow's few due.
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {NextWarningChange._meta.db_table}")
    _send_digests(digests)  # after the writes: a scan killed before them sends nothing
    if len(moved) > SYNC_ALL_FROM:  # one anti-join of every row beats many id lists
        return changed, lambda: history.sync_scanned(base)
    return changed, lambda: history.sync_many(moved)


SAVED_SINCE_MARGIN = dt.timedelta(hours=1)  # app servers' clocks a little apart


def _scan_due(
    base: QuerySet[Matter],
    today: dt.date,
    last_started: dt.datetime,
    cases: Callable[[], tuple[Case, Case]],
    notify_units: bool,
) -> tuple[dict[str, int], Callable[[], object]]:
    """Two sets of rows, each read, updated and written set-based: those due today (by
    NextWarningChange's index), then those saved since the last nightly scan began (by
    updated_at's). The moving ones are read and their warnings updated (few), every
    one's next day written, the moved ones' standings synced."""
    changed: dict[str, int] = dict.fromkeys([*WARNING_PRECEDENCE, MatterWarning.NORMAL], 0)
    due_ids = NextWarningChange.objects.filter(changes_on__lte=today).values("matter_id")
    saved = base.filter(updated_at__gte=last_started - SAVED_SINCE_MARGIN)
    if not (due_ids.exists() or saved.exists()):
        return changed, lambda: None  # a quiet night: two probes, no CASE compiled
    target, following = cases()
    moved: list[int] = []
    digests: dict[int, Counter[str]] = defaultdict(Counter)
    # the due first, every day written; then the saved, of which those also due, or
    # refreshed by their service, are found unmoved and already holding their day
    for rows, only_differing in ((base.filter(pk__in=due_ids), False), (saved, True)):
        counts, rows_moved, rows_digests = _moving(rows, target, notify_units)
        _update_warnings(base, rows_moved, target)
        _write_next_changes(rows, following, only_differing=only_differing)
        for level, n in counts.items():
            changed[level] += n
        for unit, unit_counts in rows_digests.items():
            digests[unit].update(unit_counts)
        moved += rows_moved
    _send_digests(digests)
    return changed, lambda: history.sync_many(moved)


def _update_warnings(base: QuerySet[Matter], ids: list[int], target: Case) -> None:
    """The moving rows' warnings, a chunk of ids at a time (one id list per statement:
    PostgreSQL reads every row for two)."""
    for start in range(0, len(ids), history.CHUNK):
        base.filter(pk__in=ids[start : start + history.CHUNK]).update(warning=target)


def _write_next_changes(rows: QuerySet[Matter], following: Case, *, only_differing: bool) -> int:
    """Upsert each row's next day, INSERT … SELECT … ON CONFLICT on both databases.

    With `only_differing` (a full scan, the saved rows), only the rows whose day
    differs enter the INSERT, found by a join: a conflict costs a row lock even when
    it writes nothing. Returns the rows written."""
    try:
        query = rows.annotate(following=following).order_by().values("pk", "following").query
        sql, params = query.sql_with_params()
    except EmptyResultSet:
        return 0
    table = connection.ops.quote_name(NextWarningChange._meta.db_table)
    select = f"SELECT next.pk, next.following FROM ({sql}) AS next"
    if only_differing:
        select += (
            f" LEFT JOIN {table} AS kept ON kept.matter_id = next.pk"
            " WHERE kept.changes_on IS NULL OR kept.changes_on <> next.following"
        )
    else:  # WHERE true: SQLite would read the ON of ON CONFLICT as a join's (its docs)
        select += " WHERE true"
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (matter_id, changes_on) {select}"
            " ON CONFLICT (matter_id) DO UPDATE SET changes_on = excluded.changes_on",
            params,
        )
        return max(cursor.rowcount, 0)


SYNC_ALL_FROM = 50_000  # moved rows beyond which the full scan compares every standing


def _moving(
    rows: QuerySet[Matter], target: Case, notify_units: bool
) -> tuple[dict[str, int], list[int], dict[int, Counter[str]]]:
    """The rows whose warning moves, read once (before the UPDATE): their count per new
    warning; their ids, for the UPDATE and the history; the notices their units are due
    (per unit, the count per warning notified)."""
    changed = dict.fromkeys([*WARNING_PRECEDENCE, MatterWarning.NORMAL], 0)
    per_unit: dict[int, Counter[str]] = defaultdict(Counter)
    ids = []
    moving = rows.filter(~Q(warning=target)).annotate(new=target).order_by()
    for pk, unit_id, level in moving.values_list("pk", "lead_unit_id", "new"):
        changed[level] += 1
        ids.append(pk)
        if notify_units and level in NOTIFIED:
            per_unit[unit_id][level] += 1
    return changed, ids, per_unit


def _park(today: dt.date) -> None:
    """The next days still due once the running matters' have moved past today belong to
    matters no scan reads — suspended (kept normal until resumed), closed, withdrawn:
    their rows go, so that no nightly scan reads them again and the table holds the
    running matters, not every matter that ever ran (10M at a province). A row is only
    the scan's schedule, not a record: resuming or reopening saves the matter
    (updated_at), so the next scan, or the service's refresh_warning, writes it anew."""
    NextWarningChange.objects.filter(changes_on__lte=today).delete()


def _send_digests(digests: dict[int, Counter[str]]) -> None:
    """One merged notice per unit, to its handlers and head: two queries for any number.

    The members of every unit are read at once and all notices are inserted in one
    statement, so the scan's query count does not grow with the units. They are
    inserted in the scan's transaction, not after it: a scan killed between its
    commit and the notices would otherwise lose them, as the rerun finds no change.
    """
    from luoshi.notifications.messages import N_, join_messages
    from luoshi.notifications.models import Notification, NotificationKind
    from luoshi.notifications.services import UNIT_ROLES, stored_fields, write_notices
    from luoshi.org.models import Membership

    if not digests:
        return
    members = Membership.objects.filter(unit_id__in=list(digests), role__in=UNIT_ROLES)
    recipients: dict[int, set[int]] = defaultdict(set)
    for user_id, unit_id in members.values_list("user_id", "unit_id"):
        recipients[unit_id].add(user_id)
    rows = []
    for unit_id, counts in digests.items():
        parts = [
            N_("%(n)s matter(s) became %(warning)s") % {"n": n, "warning": MatterWarning(w).label}
            for w, n in sorted(counts.items())
        ]
        text = join_messages(parts)
        rows += [
            Notification(user_id=u, kind=NotificationKind.DEADLINE, **stored_fields(text))
            for u in sorted(recipients[unit_id])
        ]
    if rows:
        write_notices(rows)


def refresh_warning(matter: Matter) -> None:
    """Recompute one matter's warning (and the day it next changes) with the scan's own
    conditions."""
    scan(queryset=Matter.objects.filter(pk=matter.pk), notify_units=False)
    matter.warning = Matter.objects.values_list("warning", flat=True).get(pk=matter.pk)
