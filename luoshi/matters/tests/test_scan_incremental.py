"""The nightly `luoshi scan` looks only at the matters whose warning can have moved
(Matter.warning_changes_on), and leaves exactly the warnings a full scan computes.

A year, day by day, over matters of every kind of deadline, report cycle and clock,
with reports, a completion under review, a suspension, a change of the policy and a new
holiday: every morning the nightly scan runs, then the stored warnings are compared
with the full scan's own CASE (warnings.new_warning over every running matter).
"""

import datetime as dt
from io import StringIO
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command
from django.utils import translation

from luoshi.matters import services, warnings
from luoshi.matters.models import OPEN_STATES, Matter, MatterWarning, Policy, ReportCycle
from luoshi.matters.warnings import conditions, new_warning
from luoshi.testing import accepted
from luoshi.workcalendar.calendar import get_calendar
from luoshi.workcalendar.models import DayOverride

D = dt.date
TZ = ZoneInfo("Asia/Shanghai")
START = D(2026, 1, 5)
POLICY_CHANGE = D(2026, 4, 15)
HOLIDAY_ENTERED, NEW_HOLIDAY = D(2026, 5, 20), D(2026, 6, 10)  # a Wednesday made a day off
CYCLES = [
    ReportCycle.WEEKLY,
    ReportCycle.BIWEEKLY,
    ReportCycle.MONTHLY,
    ReportCycle.QUARTERLY,
    ReportCycle.NONE,
]
DEADLINES = [
    D(2026, 1, 20),
    D(2026, 2, 12),  # just before the Spring Festival holiday
    D(2026, 2, 27),  # just after it
    D(2026, 3, 31),
    D(2026, 5, 6),  # after the May Day holiday
    D(2026, 6, 11),  # the day after the new holiday
    D(2026, 7, 1),
    D(2026, 10, 9),  # after the National Day holiday
    D(2026, 12, 31),
]


def at(day: dt.date, hour: int = 7):
    return time_machine.travel(
        dt.datetime(day.year, day.month, day.day, hour, tzinfo=TZ), tick=False
    )


def nightly_scan(*args: str) -> str:
    out = StringIO()
    with translation.override("en"):
        call_command("scan", *args, stdout=out)
    return out.getvalue()


def running():
    return Matter.objects.filter(state__in=sorted(OPEN_STATES), suspended_at__isnull=True)


def full_scan_warnings(day: dt.date) -> dict[int, str]:
    """What a full scan gives every running matter on `day`: its own CASE, read only."""
    target = new_warning(conditions(day, get_calendar(), Policy.current()))
    return dict(running().annotate(expected=target).values_list("pk", "expected"))


def stored_warnings() -> dict[int, str]:
    return dict(running().values_list("pk", "warning"))


def make_matters(city) -> list[Matter]:
    """Every deadline with every report cycle, and two ongoing matters."""
    with at(START, 10):
        matters = [
            accepted(city, deadline=deadline, report_cycle=CYCLES[i % len(CYCLES)], co=False)
            for i, deadline in enumerate(DEADLINES * 2)
        ]
        for cycle in (ReportCycle.WEEKLY, ReportCycle.MONTHLY):
            matters.append(accepted(city, ongoing=True, report_cycle=cycle, co=False))
        for deadline in (D(2026, 3, 31), D(2026, 9, 30)):  # on pace: only the deadline warns
            matter = accepted(city, deadline=deadline, report_cycle=ReportCycle.NONE, co=False)
            services.report_progress(
                matter, actor=city.lead_handler, version=None, text="进展", percent=95
            )
            matters.append(matter)
    return matters


def act(city, matters: list[Matter], day: dt.date, index: int) -> None:
    """The units' and the office's work of the day, through the services."""
    handler, supervisor = city.lead_handler, city.supervisor
    with at(day, 10):
        for i, matter in enumerate(matters):
            matter = Matter.objects.get(pk=matter.pk)
            if (
                matter.state not in OPEN_STATES
                or matter.suspended_at
                or matter.awaiting_office_since
            ):
                continue
            # A third report every 10 days, climbing; a third once, early; a third never.
            if (i % 3 == 0 and index % 10 == i % 10) or (i % 3 == 1 and index == 20 + i):
                percent = min(5 + index // 4, 95) if i % 3 == 0 else 15
                services.report_progress(
                    matter, actor=handler, version=None, text="进展", percent=percent
                )
        if index == 60:
            services.request_completion(
                Matter.objects.get(pk=matters[6].pk), actor=handler, version=None, text="已完成"
            )
        if index == 90:
            services.suspend_matter(
                Matter.objects.get(pk=matters[8].pk), actor=supervisor, version=None, reason="待定"
            )
        if index == 125:
            services.resume_matter(
                Matter.objects.get(pk=matters[8].pk), actor=supervisor, version=None
            )
    if day == POLICY_CHANGE:
        policy = Policy.current()
        policy.due_soon_workdays += 4
        policy.stall_grace_workdays += 2
        policy.behind_plan_yellow_points -= 10
        policy.save()
    if day == HOLIDAY_ENTERED:
        DayOverride.objects.create(date=NEW_HOLIDAY, is_workday=False, note="本地调休")


def test_a_year_of_nightly_scans_leaves_the_full_scans_warnings(city):
    matters = make_matters(city)
    quiet_days, seen = 0, set()
    for index in range(1, 366):
        day = START + dt.timedelta(days=index)
        act(city, matters, day, index)
        with at(day):
            due = running().filter(warning_changes_on__lte=day).count()
            nightly_scan()
            assert stored_warnings() == full_scan_warnings(day), day
        quiet_days += due * 4 < running().count()
        seen |= set(stored_warnings().values())
        assert not running().filter(warning_changes_on__lte=day).exists()
        assert not running().filter(warning_changes_on__isnull=True).exists()
    # Every warning was met, and on most days the scan looked at a few rows only.
    assert seen == set(MatterWarning.values)
    assert quiet_days > 300
    with at(day):  # the full rebuild of the last day finds nothing to change
        counts = nightly_scan("--full").split(":", 1)[1].split("(")[0]
    assert [c.split()[1] for c in counts.split(",")] == ["0"] * len(MatterWarning.values)


@pytest.fixture
def due_in_a_week(city):
    """On pace (95 % reported, no report cycle): only its deadline can warn about it."""
    with at(D(2026, 3, 2), 10):
        matter = accepted(city, deadline=D(2026, 3, 13), report_cycle=ReportCycle.NONE, co=False)
        services.report_progress(
            matter, actor=city.lead_handler, version=None, text="进展", percent=95
        )
    return matter


def test_a_policy_change_makes_the_next_nightly_scan_full(due_in_a_week):
    with at(D(2026, 3, 3)):
        nightly_scan()
    assert Matter.objects.get(pk=due_in_a_week.pk).warning == MatterWarning.NORMAL
    policy = Policy.current()
    policy.due_soon_workdays = 10  # 13 March is now within reach
    policy.save()
    with at(D(2026, 3, 4)):
        assert "due_soon 1" in nightly_scan()
    assert Matter.objects.get(pk=due_in_a_week.pk).warning == MatterWarning.DUE_SOON


def test_a_new_holiday_makes_the_next_nightly_scan_full(due_in_a_week):
    with at(D(2026, 3, 6)):
        nightly_scan()
    assert Matter.objects.get(pk=due_in_a_week.pk).warning == MatterWarning.NORMAL
    # Three days off next week: seen from 7 March, the third working day passes the 13th.
    for day in (D(2026, 3, 10), D(2026, 3, 11), D(2026, 3, 12)):
        DayOverride.objects.create(date=day, is_workday=False, note="停工")
    with at(D(2026, 3, 7)):  # Saturday: the third working day is now the 16th
        assert "due_soon 1" in nightly_scan()


def test_a_matter_written_behind_the_services_back_is_scanned_the_next_night(due_in_a_week):
    with at(D(2026, 3, 3)):
        nightly_scan()
    Matter.objects.filter(pk=due_in_a_week.pk).update(
        deadline=D(2026, 3, 2), warning_changes_on=None
    )
    with at(D(2026, 3, 4)):
        assert "overdue 1" in nightly_scan()


def test_a_calendar_package_with_a_new_year_makes_the_next_nightly_scan_full(due_in_a_week):
    """chinesecalendar upgraded with next year's schedule: the stamp moves, so the rows
    counted on the provisional calendar are looked at again (here one written behind the
    services' back and marked far away, which only a full scan reads)."""
    with at(D(2026, 3, 3)):
        nightly_scan()
    Matter.objects.filter(pk=due_in_a_week.pk).update(
        deadline=D(2026, 3, 2), warning_changes_on=D(2099, 1, 1)
    )
    with at(D(2026, 3, 4)):
        assert "overdue 0" in nightly_scan()  # not due, not looked at
    known = warnings.official_years()
    upgraded = range(known.start, known.stop + 1)
    with mock.patch.object(warnings, "official_years", return_value=upgraded), at(D(2026, 3, 5)):
        assert "overdue 1" in nightly_scan()
