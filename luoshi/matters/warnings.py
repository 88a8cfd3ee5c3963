"""The warning engine: one set-based scan sets every open matter's warning.

The scan is a handful of SQL statements whatever the number of matters — per
warning, one grouped count (for the digest notifications) and one UPDATE of the
rows whose warning changes — never a Python loop over rows. Services call
`refresh_warning(matter)`, the same code restricted to one row, after a change
that can move a warning, so pages agree with the scan at once.

Whose time it is comes from matters.fairness: a matter waiting for the office
(review, ruling) shows `awaiting_office`, never the unit's overdue, due soon,
stalled or behind plan; only a running clock is held against the deadline.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.db import transaction
from django.db.models import (
    Case,
    CharField,
    Count,
    DateField,
    F,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.lookups import GreaterThan
from django.utils import timezone

from luoshi.lib.dates import day_start
from luoshi.lib.sql import DaysBetween, LocalDate
from luoshi.lib.workdays import WorkCalendar
from luoshi.workcalendar.calendar import get_calendar

from . import backlog, fairness, history, listeners
from .models import (
    CYCLE_DAYS,
    OPEN_STATES,
    WARNING_PRECEDENCE,
    Matter,
    MatterWarning,
    Policy,
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
) -> dict[str, int]:
    """Recompute warnings of open, unsuspended matters; returns rows changed per warning.

    1. Build one condition per warning from today's date, the calendar and the policy.
    2. One CASE gives each matter the first warning, in precedence order, whose
       condition it meets (normal when none does).
    3. One grouped count of the rows whose warning differs: the counts returned and
       the merged notices to units whose matters became due soon or overdue.
    4. One UPDATE of those rows only (few rows change from one day to the next).
    5. The matters' standings (matters.history) follow, and the listeners (the cockpit).
    """
    today = today or timezone.localdate()
    base = (queryset if queryset is not None else Matter.objects.all()).filter(
        state__in=sorted(OPEN_STATES), suspended_at__isnull=True
    )
    target = new_warning(conditions(today, get_calendar(), Policy.current()))
    moving = base.filter(~Q(warning=target))
    changed = dict.fromkeys([*WARNING_PRECEDENCE, MatterWarning.NORMAL], 0)
    digests: dict[int, dict[str, int]] = defaultdict(dict)
    groups = (
        moving.annotate(new=target)
        .values_list("lead_unit_id", "new")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for unit_id, level, count in groups:
        changed[level] += count
        if notify_units and level in NOTIFIED:
            digests[unit_id][level] = count
    if any(changed.values()):
        moving.update(warning=target)
    if digests:
        _send_digests(digests)
    if queryset is None and notify_units:  # the nightly scan warns the office too
        backlog.notify_newly_late(today)
    history.sync_scanned(base)  # the standings, and the cockpit's counts, follow
    listeners.matters_scanned(base, full=queryset is None)
    return changed


def _send_digests(digests: dict[int, dict[str, int]]) -> None:
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
    """Recompute one matter's warning with the scan's own conditions."""
    scan(queryset=Matter.objects.filter(pk=matter.pk), notify_units=False)
    matter.warning = Matter.objects.values_list("warning", flat=True).get(pk=matter.pk)
