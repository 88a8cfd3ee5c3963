"""The hotline's time limits before handling, and what the nightly scan does for them.

The answer's deadline is the matter's (set at dispatch from the request type), so
the matters warning scan warns of it. Two limits come before the matter runs:

- dispatch within N minutes of working time (CitizenPolicy.dispatch_minutes), and
- acceptance by the lead unit by its part's accept_due (matters' Policy).

`after_scan` follows the nightly scan (never a one-row refresh); after its commit
two UPDATEs flag the requests that passed either limit, one merged notice tells the
office, and answers not rated within the rating days get the default grade.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone

from luoshi.lib.workdays import WorkCalendar
from luoshi.matters.listeners import in_full_scan
from luoshi.matters.models import MatterUnit, PartRole, PartState, State
from luoshi.notifications.messages import N_
from luoshi.notifications.models import NotificationKind
from luoshi.notifications.services import notify, users_with_role
from luoshi.org.models import Role
from luoshi.workcalendar.calendar import get_calendar

from .models import CitizenPolicy, CitizenRequest, MergeState, WithdrawalState


def add_working_minutes(
    start: dt.datetime,
    minutes: int,
    calendar: WorkCalendar,
    work_starts: dt.time,
    work_ends: dt.time,
) -> dt.datetime:
    """The moment `minutes` of working time after `start` (local time, working days only).

    1. If `start` falls outside working hours, move it to the next opening.
    2. Spend the minutes left in today's hours; if they do not suffice, go on from
       the next working day's opening.
    """
    tz = timezone.get_current_timezone()
    moment = timezone.localtime(start, tz)
    remaining = dt.timedelta(minutes=minutes)
    for _guard in range(400):  # a year of closed days at most
        day = moment.date()
        opens = dt.datetime.combine(day, work_starts, tzinfo=tz)
        closes = dt.datetime.combine(day, work_ends, tzinfo=tz)
        if not calendar.is_workday(day) or moment >= closes:
            moment = dt.datetime.combine(day + dt.timedelta(days=1), work_starts, tzinfo=tz)
            continue
        moment = max(moment, opens)
        if moment + remaining <= closes:
            return moment + remaining
        remaining -= closes - moment
        moment = dt.datetime.combine(day + dt.timedelta(days=1), work_starts, tzinfo=tz)
    return moment


def dispatch_due(received_at: dt.datetime, policy: CitizenPolicy | None = None) -> dt.datetime:
    policy = policy or CitizenPolicy.current()
    return add_working_minutes(
        received_at, policy.dispatch_minutes, get_calendar(), policy.work_starts, policy.work_ends
    )


def waiting_for_dispatch() -> QuerySet[CitizenRequest]:
    """Received, not merged, not withdrawn, not yet dispatched."""
    return (
        CitizenRequest.objects.filter(dispatched_at__isnull=True)
        .exclude(merge_state=MergeState.MERGED)
        .exclude(withdrawal_state=WithdrawalState.CONFIRMED)
    )


def flag_late(now: dt.datetime | None = None) -> dict[str, int]:
    """Flag requests past the dispatch or acceptance limit; returns how many newly."""
    now = now or timezone.now()
    dispatch = waiting_for_dispatch().filter(dispatch_due_at__lt=now, dispatch_late=False)
    unaccepted = MatterUnit.objects.filter(
        matter_id=OuterRef("matter_id"),
        active=True,
        role=PartRole.LEAD,
        state=PartState.ASSIGNED,
        accept_due__lt=timezone.localdate(now),
    )
    accept = CitizenRequest.objects.filter(matter__state=State.ASSIGNED, accept_late=False).filter(
        Exists(unaccepted)
    )
    return {
        "dispatch": dispatch.update(dispatch_late=True),
        "accept": accept.update(accept_late=True),
    }


def after_scan(matters: QuerySet) -> None:
    """Listener of matters.warnings.scan (the nightly one only): runs after its commit."""
    if in_full_scan():
        transaction.on_commit(after_commit)


def after_commit(now: dt.datetime | None = None) -> None:
    """Flag late requests, tell the office once, give the default ratings that are due."""
    flagged = flag_late(now)
    if flagged["dispatch"]:
        notify(
            users_with_role(Role.SUPERVISOR),
            kind=NotificationKind.CITIZEN,
            text=N_("%(n)s citizen request(s) were not dispatched in time.")
            % {"n": flagged["dispatch"]},
        )
    from .services.satisfaction import apply_default_ratings

    apply_default_ratings(now)
