"""The warning scan on edge dates, its precedence, its digests and its query budget."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from luoshi.matters import services
from luoshi.matters.models import Matter, MatterWarning, Policy, ReportCycle, State
from luoshi.matters.warnings import refresh_warning, scan
from luoshi.notifications.models import Notification, NotificationKind
from luoshi.testing import accepted, assigned

D = dt.date
TZ = ZoneInfo("Asia/Shanghai")
N, DUE, LATE, STALL, BEHIND, AWAITING = (
    MatterWarning.NORMAL,
    MatterWarning.DUE_SOON,
    MatterWarning.OVERDUE,
    MatterWarning.STALLED,
    MatterWarning.BEHIND_PLAN,
    MatterWarning.AWAITING_OFFICE,
)


def at(day: dt.date, hour: int = 10):
    return time_machine.travel(
        dt.datetime(day.year, day.month, day.day, hour, tzinfo=TZ), tick=False
    )


def warning_on(matter: Matter, day: dt.date) -> str:
    with at(day):
        scan(notify_units=False)
    return Matter.objects.values_list("warning", flat=True).get(pk=matter.pk)


def report(matter: Matter, user, percent: int, day: dt.date) -> None:
    with at(day):
        services.report_progress(matter, actor=user, version=None, text="进展", percent=percent)


def fresh(matter: Matter) -> Matter:
    return Matter.objects.get(pk=matter.pk)


def on_pace(city, deadline: dt.date, **kwargs) -> Matter:
    """Accepted and reported 95 % done at once: only the deadline can warn about it."""
    kwargs.setdefault("report_cycle", ReportCycle.NONE)
    m = accepted(city, deadline=deadline, **kwargs)
    services.report_progress(m, actor=city.lead_handler, version=None, text="进展", percent=95)
    return fresh(m)


@pytest.mark.parametrize(
    ("deadline", "today", "expected"),
    [
        # 3 working days from Mon Sep 28, 2026 reach Thu Oct 8 across 国庆.
        (D(2026, 10, 8), D(2026, 9, 28), DUE),
        (D(2026, 10, 9), D(2026, 9, 28), N),
        (D(2026, 10, 5), D(2026, 9, 28), DUE),  # a deadline on a holiday
        # From Thu Oct 8 the three working days are Oct 9, Sat Oct 10 (调休) and Mon Oct 12.
        (D(2026, 10, 12), D(2026, 10, 8), DUE),
        (D(2026, 10, 13), D(2026, 10, 8), N),
        # The deadline day itself is due soon; the day after is overdue.
        (D(2026, 10, 8), D(2026, 10, 8), DUE),
        (D(2026, 10, 8), D(2026, 10, 9), LATE),
        (D(2026, 10, 8), D(2026, 10, 12), LATE),
    ],
)
def test_due_soon_and_overdue_boundaries(city, deadline, today, expected):
    with at(D(2026, 9, 28)):
        m = on_pace(city, deadline)
    assert warning_on(m, today) == expected


@pytest.mark.parametrize(
    ("cycle", "reported", "today", "expected"),
    [
        # Weekly: report Mon Mar 2; the cycle ends Mar 9, grace Mar 10–11, stalled Mar 12.
        (ReportCycle.WEEKLY, D(2026, 3, 2), D(2026, 3, 11), N),
        (ReportCycle.WEEKLY, D(2026, 3, 2), D(2026, 3, 12), STALL),
        # Across 国庆: report Thu Sep 24; grace runs over the holiday; stalled Sat Oct 10 (调休).
        (ReportCycle.WEEKLY, D(2026, 9, 24), D(2026, 10, 9), N),
        (ReportCycle.WEEKLY, D(2026, 9, 24), D(2026, 10, 10), STALL),
        # Monthly: report Mar 2; 31 days to Apr 2; grace Apr 3 and Apr 7 (清明 Apr 6).
        (ReportCycle.MONTHLY, D(2026, 3, 2), D(2026, 4, 7), N),
        (ReportCycle.MONTHLY, D(2026, 3, 2), D(2026, 4, 8), STALL),
        # No fixed cycle: never stalled.
        (ReportCycle.NONE, D(2026, 3, 2), D(2026, 6, 1), N),
    ],
)
def test_stalled_per_report_cycle(city, cycle, reported, today, expected):
    # Reported progress keeps pace with a long deadline, so only the cycle matters.
    with at(reported):
        m = accepted(city, deadline=D(2026, 12, 31), report_cycle=cycle)
    report(m, city.lead_handler, 90, reported)
    assert warning_on(m, today) == expected


def test_stalled_before_any_report_counts_from_assignment(city):
    with at(D(2026, 3, 2)):
        m = assigned(city, deadline=D(2026, 12, 31), report_cycle=ReportCycle.WEEKLY)
    assert warning_on(m, D(2026, 3, 11)) == N
    assert warning_on(m, D(2026, 3, 12)) == STALL


def test_a_co_unit_report_does_not_keep_the_matter_from_stalling(city):
    with at(D(2026, 3, 2)):
        m = accepted(city, deadline=D(2026, 12, 31), report_cycle=ReportCycle.WEEKLY)
        services.accept_matter(fresh(m), actor=city.co_handler, version=None)
    report(fresh(m), city.co_handler, 50, D(2026, 3, 10))
    assert warning_on(m, D(2026, 3, 12)) == STALL


@pytest.mark.parametrize(
    ("progress", "warning", "colour"),
    [
        # Assigned Mar 2, due Apr 1 (30 days); on Mar 17 half the time is gone (50 %).
        (40, N, "green"),  # 10 points behind: not yet
        (39, BEHIND, "yellow"),  # 11 points
        (20, BEHIND, "yellow"),  # 30 points: still yellow
        (19, BEHIND, "red"),  # 31 points: red
    ],
)
def test_behind_plan_yellow_then_red(city, progress, warning, colour):
    # Assigned at 07:00 in Beijing (still Mar 1 in UTC): both the scan and
    # Matter.plan_lag count from the local date.
    with at(D(2026, 3, 2), 7):
        m = accepted(city, deadline=D(2026, 4, 1))
    report(m, city.lead_handler, progress, D(2026, 3, 16))
    m = fresh(m)
    assert warning_on(m, D(2026, 3, 17)) == warning
    m = fresh(m)
    assert m.plan_lag(D(2026, 3, 17)) == 50 - progress
    assert m.warning_colour(today=D(2026, 3, 17)) == colour


def test_thresholds_come_from_the_policy(city):
    Policy.objects.update_or_create(
        pk=1, defaults={"behind_plan_yellow_points": 5, "due_soon_workdays": 1}
    )
    with at(D(2026, 3, 2)):
        m = accepted(city, deadline=D(2026, 4, 1))
    report(m, city.lead_handler, 44, D(2026, 3, 16))
    assert warning_on(m, D(2026, 3, 17)) == BEHIND  # 6 points behind
    with at(D(2026, 3, 2)):
        soon = on_pace(city, D(2026, 3, 4))
    assert warning_on(soon, D(2026, 3, 2)) == N  # 2 working days away, limit 1
    assert warning_on(soon, D(2026, 3, 3)) == DUE


def test_precedence(city):
    with at(D(2026, 3, 2)):
        overdue_and_stalled = accepted(city, deadline=D(2026, 3, 13), report_cycle="weekly")
        stalled_and_due = accepted(city, deadline=D(2026, 3, 17), report_cycle="weekly")
        behind_and_due = accepted(city, deadline=D(2026, 3, 17), report_cycle="monthly")
    with at(D(2026, 3, 16)):
        scan(notify_units=False)
    got = {m.pk: fresh(m).warning for m in (overdue_and_stalled, stalled_and_due, behind_and_due)}
    assert got == {
        overdue_and_stalled.pk: LATE,
        stalled_and_due.pk: STALL,
        behind_and_due.pk: BEHIND,
    }


def test_suspended_is_left_alone_and_a_review_is_the_office_s_time(city):
    with at(D(2026, 3, 2)):
        suspended = accepted(city, deadline=D(2026, 3, 6), report_cycle="none")
        services.suspend_matter(suspended, actor=city.supervisor, version=None, reason="待批复")
        requested = accepted(city, deadline=D(2026, 3, 4), report_cycle="none")
        scan(notify_units=False)
        assert fresh(requested).warning == DUE
        services.request_completion(
            fresh(requested), actor=city.lead_handler, version=None, text="完成"
        )
    assert warning_on(suspended, D(2026, 3, 20)) == N
    # Waiting for review, the matter is the office's: never the unit's overdue, and
    # the warning keeps moving (it does not freeze at the due soon of the day it asked).
    assert fresh(requested).warning == AWAITING
    assert warning_on(requested, D(2026, 3, 20)) == AWAITING
    assert fresh(requested).state == State.COMPLETION_REQUESTED


def test_scan_returns_rows_changed_per_warning(city):
    with at(D(2026, 3, 2)):
        late = [on_pace(city, D(2026, 3, 4)) for _ in range(2)]
        on_pace(city, D(2026, 3, 10))
        on_pace(city, D(2026, 12, 31))
    with at(D(2026, 3, 5)):
        assert scan(notify_units=False) == {
            AWAITING: 0, LATE: 2, STALL: 0, BEHIND: 0, DUE: 1, N: 0
        }  # fmt: skip
        assert scan(notify_units=False) == {
            AWAITING: 0, LATE: 0, STALL: 0, BEHIND: 0, DUE: 0, N: 0
        }  # fmt: skip
        extension_target = fresh(late[0])
    with at(D(2026, 3, 2)):
        services.suspend_matter(extension_target, actor=city.supervisor, version=None, reason="x")
    with at(D(2026, 3, 5)):
        # The suspended matter was set to normal by the service; the scan leaves it so.
        assert scan(notify_units=False)[N] == 0
        assert fresh(late[0]).warning == N


def test_refresh_warning_agrees_with_scan(city):
    with at(D(2026, 3, 2)):
        matters = [
            accepted(city, deadline=D(2026, 3, 4), report_cycle="none"),
            accepted(city, deadline=D(2026, 3, 11), report_cycle="none"),
            accepted(city, deadline=D(2026, 12, 31), report_cycle="weekly"),
            accepted(city, deadline=D(2026, 4, 1), report_cycle="monthly"),
            accepted(city, deadline=D(2026, 12, 31), report_cycle="monthly"),
        ]
    report(matters[4], city.lead_handler, 60, D(2026, 3, 16))
    with at(D(2026, 3, 17)):
        one_by_one = []
        for m in matters:
            refresh_warning(m)
            one_by_one.append(m.warning)
        Matter.objects.update(warning=N)
        scan(notify_units=False)
    assert [fresh(m).warning for m in matters] == one_by_one == [LATE, LATE, STALL, BEHIND, N]


def test_digest_is_one_notice_per_unit(city, django_capture_on_commit_callbacks):
    with at(D(2026, 3, 2)):
        for deadline in (D(2026, 3, 4), D(2026, 3, 4), D(2026, 3, 10)):
            on_pace(city, deadline)
        elsewhere = assigned(city, deadline=D(2026, 3, 4), report_cycle="none", lead=city.other)
        services.accept_matter(elsewhere, actor=city.other_handler, version=None)
    with at(D(2026, 3, 5)), django_capture_on_commit_callbacks(execute=True):
        scan()
    digests = Notification.objects.filter(kind=NotificationKind.DEADLINE)
    texts = dict(digests.values_list("user__username", "text"))
    assert sorted(texts) == ["lead_handler", "lead_head", "other_handler"]
    assert "2 matter(s) became Overdue" in texts["lead_handler"]
    assert "1 matter(s) became Due soon" in texts["lead_handler"]
    assert texts["other_handler"] == "1 matter(s) became Overdue"
    # Nothing new the next day: warnings did not change, no second notice.
    with at(D(2026, 3, 6)), django_capture_on_commit_callbacks(execute=True):
        scan()
    assert digests.count() == 3


def _many(city, count: int) -> None:
    units = [city.lead, city.co, city.other, city.street]
    with at(D(2026, 3, 2)):
        for i in range(count):
            deadline = [D(2026, 3, 4), D(2026, 3, 10), D(2026, 12, 31)][i % 3]
            cycle = ["none", "weekly", "monthly"][i % 3]
            assigned(city, deadline=deadline, report_cycle=cycle, lead=units[i % 4], co=False)


def _scan_queries(day: dt.date) -> int:
    with at(day), CaptureQueriesContext(connection) as queries:
        scan()
    return len(queries)


@pytest.mark.parametrize("count", [5, 50])
def test_scan_runs_a_bounded_number_of_queries(city, count, django_assert_max_num_queries):
    _many(city, count)
    # Calendar and policy; an UPDATE per warning and for NORMAL; a grouped count per
    # notified warning; one membership query for the digests (10), plus the cockpit's
    # roll-up sync of the changed rows (cockpit.rollups.after_scan), and the next days'
    # upsert (NextWarningChange, beside the matters' UPDATE), the scan's record read and
    # kept (WarningScan), the unit part counts' deltas (matters.partcounts: the moved
    # matters' parts read, their deltas added) and folded (compact: one statement on
    # PostgreSQL, three on SQLite), the areas' counts likewise (matters.areacounts: the
    # units' paths read and the deltas added, or one statement set-based; on PostgreSQL
    # the table's lock first; folded): the same for 5 or 50.
    with at(D(2026, 3, 16)), django_assert_max_num_queries(33):
        changed = scan()
    assert changed[LATE] == sum(1 for i in range(count) if i % 3 != 2)


def test_scan_query_count_does_not_grow_with_matters_or_units(city):
    _many(city, 5)
    small = _scan_queries(D(2026, 3, 16))
    Matter.objects.update(warning=N)
    _many(city, 45)
    Matter.objects.update(warning=N)
    assert _scan_queries(D(2026, 3, 16)) == small
