"""The nightly `luoshi scan` looks only at the matters whose warning can have moved
(NextWarningChange, and the matters saved since the last scan), and leaves exactly the
warnings a full scan computes.

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
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from luoshi.cockpit import rollups
from luoshi.cockpit.models import ALL_UNITS, CITY_TOTAL, DailyFlow, UnitCount
from luoshi.matters import history, services, warnings
from luoshi.matters.models import (
    OPEN_STATES,
    Matter,
    MatterStanding,
    MatterWarning,
    NextWarningChange,
    Policy,
    ReportCycle,
    State,
    WarningScan,
)
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


def next_days():
    """The running matters' next days (NextWarningChange)."""
    return NextWarningChange.objects.filter(matter__in=running())


def saved_since_last_scan() -> int:
    """The running matters the nightly scan reads for having been saved since the last."""
    last = WarningScan.objects.filter(pk=1).first()
    if last is None or last.started_at is None:
        return running().count()
    return running().filter(updated_at__gte=last.started_at - warnings.SAVED_SINCE_MARGIN).count()


def changes_on(matter: Matter) -> dt.date | None:
    days = NextWarningChange.objects.filter(matter=matter)
    return days.values_list("changes_on", flat=True).first()


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
            due = next_days().filter(changes_on__lte=day).count() + saved_since_last_scan()
            nightly_scan()
            assert stored_warnings() == full_scan_warnings(day), day
        quiet_days += due * 4 < running().count()
        seen |= set(stored_warnings().values())
        assert not next_days().filter(changes_on__lte=day).exists()
        assert next_days().count() == running().count()  # every running matter computed
    # Every warning was met, and on most days the scan looked at a few rows only.
    assert seen == set(MatterWarning.values)
    assert quiet_days > 300
    with at(day):  # the full rebuild of the last day finds nothing to change
        counts = nightly_scan("--full").split(":", 1)[1].split("(")[0]
    assert [c.split()[1] for c in counts.split(",")] == ["0"] * len(MatterWarning.values)
    assert_history_as_if_row_by_row()
    assert_rollups_as_if_rebuilt(START, day)


def assert_history_as_if_row_by_row() -> None:
    """The standings the nightly scans wrote set-based are those the one-matter sync
    writes: a chain per matter without gap, the current one the matter as it stands,
    and each one's flows what history.became gives for its move."""
    standings: dict[int, list[MatterStanding]] = {}
    for standing in MatterStanding.objects.order_by("matter_id", "id"):
        standings.setdefault(standing.matter_id, []).append(standing)
    for matter in Matter.objects.all():
        chain, before = standings[matter.pk], None
        for standing in chain:
            after = (standing.lead_unit_id or 0, standing.state, standing.warning)
            flows = {
                name
                for name in (history.ASSIGNED, history.OVERDUE, history.COMPLETED)
                if getattr(standing, f"became_{name}")
            }
            assert flows == history.became(before, after), standing
            before = after
        assert [s.valid_to for s in chain[:-1]] == [s.valid_from for s in chain[1:]]
        last = chain[-1]
        assert last.valid_to is None
        now = (matter.lead_unit_id, matter.state, matter.warning, matter.deadline)
        assert (last.lead_unit_id, last.state, last.warning, last.deadline) == now


def folded(rows) -> dict[tuple, int]:
    """Rollup rows (unit_id, …, n) with the city total's stripes summed into ALL_UNITS:
    services book city deltas on a matter's stripe, a rebuild on the first one."""
    out: dict[tuple, int] = {}
    for unit, *key, n in rows:
        unit = ALL_UNITS if unit in CITY_TOTAL else unit
        out[(unit, *key)] = out.get((unit, *key), 0) + n
    return {key: n for key, n in out.items() if n}


def assert_rollups_as_if_rebuilt(first: dt.date, last: dt.date) -> None:
    """The cockpit's counts and daily flows, and the units' part counts, that the scans
    kept set-based equal a recount."""
    counts = folded(UnitCount.objects.values_list("unit_id", "state", "warning", "n"))
    flows = folded(DailyFlow.objects.values_list("unit_id", "day", "metric", "n"))
    with at(last):
        rebuilt = rollups.rebuild()
        assert rebuilt["corrected_buckets"] == 0
        # the units' part counts too (matters.partcounts), kept row by row and set-based
        assert (rebuilt["part_counts_corrected"], rebuilt["parts_rewritten"]) == (0, 0)
        assert rebuilt["area_counts_corrected"] == 0  # and the areas' (matters.areacounts)
        rollups.rebuild_flows(first, last)
    assert folded(UnitCount.objects.values_list("unit_id", "state", "warning", "n")) == counts
    assert folded(DailyFlow.objects.values_list("unit_id", "day", "metric", "n")) == flows


def test_a_suspended_matter_is_not_read_again_until_resumed(city):
    with at(D(2026, 3, 2), 10):
        matter = accepted(city, deadline=D(2026, 3, 20), report_cycle=ReportCycle.NONE, co=False)
    with at(D(2026, 3, 3), 10):
        services.suspend_matter(
            Matter.objects.get(pk=matter.pk), actor=city.supervisor, version=None, reason="待定"
        )
    with at(D(2026, 3, 4)):
        nightly_scan()
    assert changes_on(matter) is None  # no longer scheduled: its row is gone
    for day in (D(2026, 3, 21), D(2026, 4, 30)):  # its deadline passes: it stays as it was
        with at(day):
            assert "overdue 0" in nightly_scan()
        parked = Matter.objects.get(pk=matter.pk)
        assert (parked.warning, changes_on(parked)) == (MatterWarning.NORMAL, None)
    with at(D(2026, 5, 6), 10):  # resumed: the deadline moves by the days paused
        services.resume_matter(
            Matter.objects.get(pk=matter.pk), actor=city.supervisor, version=None
        )
    resumed = Matter.objects.get(pk=matter.pk)
    assert resumed.deadline > D(2026, 5, 6)
    assert D(2026, 5, 6) < changes_on(resumed) <= resumed.deadline + dt.timedelta(days=1)
    overdue_on = resumed.deadline + dt.timedelta(days=1)
    with at(overdue_on):  # due again, by the date its resumption computed
        assert "overdue 1" in nightly_scan()
        assert stored_warnings() == full_scan_warnings(overdue_on)


def test_the_upgrade_removes_the_rows_parked_before_and_keeps_the_open_ones(city):
    """Migration 0022: NEVER rows of matters that stopped running go; every other stays."""
    import importlib

    from django.apps import apps

    upgrade = importlib.import_module("luoshi.matters.migrations.0022_parked_next_changes_removed")
    with at(D(2026, 3, 2), 10):
        running = accepted(city, deadline=D(2026, 3, 20), report_cycle=ReportCycle.NONE)
        suspended = accepted(city, deadline=D(2026, 3, 20), report_cycle=ReportCycle.NONE)
        suspended.suspended_at = suspended.created_at
        suspended.save(update_fields=["suspended_at"])
        closed = accepted(city, deadline=D(2026, 3, 20), report_cycle=ReportCycle.NONE)
        Matter.objects.filter(pk=closed.pk).update(state=State.CLOSED)
    kept = {running.pk: warnings.NEVER, suspended.pk: warnings.NEVER, closed.pk: D(2026, 3, 9)}
    for pk, day in kept.items():
        NextWarningChange.objects.update_or_create(matter_id=pk, defaults={"changes_on": day})
    upgrade.remove_parked(apps, None)
    left = dict(NextWarningChange.objects.values_list("matter_id", "changes_on"))
    assert left == {running.pk: warnings.NEVER, closed.pk: D(2026, 3, 9)}


MOVES = [  # (state, warning) before → after, written behind the services' back
    ((State.ACCEPTED, MatterWarning.NORMAL), (State.ACCEPTED, MatterWarning.OVERDUE)),
    ((State.ACCEPTED, MatterWarning.OVERDUE), (State.IN_PROGRESS, MatterWarning.OVERDUE)),
    ((State.ACCEPTED, MatterWarning.OVERDUE), (State.COMPLETION_REQUESTED, MatterWarning.OVERDUE)),
    ((State.COMPLETION_REQUESTED, MatterWarning.OVERDUE), (State.ACCEPTED, MatterWarning.OVERDUE)),
    ((State.ACCEPTED, MatterWarning.DUE_SOON), (State.COMPLETED, MatterWarning.NORMAL)),
    ((State.APPROVED, MatterWarning.NORMAL), (State.ASSIGNED, MatterWarning.OVERDUE)),
    ((State.DRAFT, MatterWarning.NORMAL), (State.WITHDRAWN, MatterWarning.NORMAL)),
    ((State.ACCEPTED, MatterWarning.STALLED), (State.ACCEPTED, MatterWarning.STALLED)),
]


def test_the_set_based_sync_writes_what_the_row_by_row_sync_writes(city):
    """Every kind of move, synced set-based (sync_scanned) on one set of matters and row
    by row (sync) on a twin set: the same standings, flows and cockpit counts."""
    with at(D(2026, 3, 2), 10):
        twins = [
            tuple(accepted(city, deadline=D(2026, 3, 20), co=False) for _twin in "ab")
            for _move in MOVES
        ]
    day = D(2026, 3, 3)
    for (before, after), pair in zip(MOVES, twins, strict=True):
        ids = [m.pk for m in pair]
        Matter.objects.filter(pk__in=ids).update(state=before[0], warning=before[1])
        history.sync(ids, day)
        Matter.objects.filter(pk__in=ids).update(
            state=after[0], warning=after[1], deadline=D(2026, 3, 31)
        )
    flows_before = set(DailyFlow.objects.values_list("unit_id", "day", "metric", "n"))
    with at(day):
        assert history.sync_scanned(Matter.objects.filter(pk__in=[a.pk for a, _b in twins])) == (
            len(MOVES)
        )
        assert history.sync([b.pk for _a, b in twins], day) == len(MOVES)
    columns = ("lead_unit_id", "state", "warning", "deadline", "valid_from", "valid_to")
    columns += ("became_assigned", "became_overdue", "became_completed")
    for a, b in twins:
        assert list(
            MatterStanding.objects.filter(matter=a).order_by("id").values_list(*columns)
        ) == (list(MatterStanding.objects.filter(matter=b).order_by("id").values_list(*columns)))
    flows = set(DailyFlow.objects.values_list("unit_id", "day", "metric", "n"))
    assert flows != flows_before  # the moves counted
    assert_rollups_as_if_rebuilt(day, day)


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
    # .update() leaves updated_at: set as a save would have, the afternoon after the scan
    Matter.objects.filter(pk=due_in_a_week.pk).update(
        deadline=D(2026, 3, 2), updated_at=dt.datetime(2026, 3, 3, 15, tzinfo=TZ)
    )
    with at(D(2026, 3, 4)):
        assert "overdue 1" in nightly_scan()


def test_a_calendar_package_with_a_new_year_makes_the_next_nightly_scan_full(due_in_a_week):
    """chinesecalendar upgraded with next year's schedule: the stamp moves, so the rows
    counted on the provisional calendar are looked at again (here one written behind the
    services' back and marked far away, which only a full scan reads)."""
    with at(D(2026, 3, 3)):
        nightly_scan()
    Matter.objects.filter(pk=due_in_a_week.pk).update(deadline=D(2026, 3, 2))
    NextWarningChange.objects.filter(matter=due_in_a_week).update(changes_on=D(2099, 1, 1))
    with at(D(2026, 3, 4)):
        assert "overdue 0" in nightly_scan()  # not due, not looked at
    known = warnings.official_years()
    upgraded = range(known.start, known.stop + 1)
    with mock.patch.object(warnings, "official_years", return_value=upgraded), at(D(2026, 3, 5)):
        assert "overdue 1" in nightly_scan()


def test_the_set_based_sync_of_no_matters_moves_nothing(city):
    with at(D(2026, 3, 2), 10):
        assert history.sync_scanned(Matter.objects.filter(pk__in=[])) == 0


def test_a_due_matter_whose_warning_stays_is_not_rewritten(city):
    """Far from its deadline, a matter's next day is a lower bound: due then, its warning
    stays normal, and only its next day moves (NextWarningChange), not the matter row."""
    with at(D(2026, 3, 2), 10):
        matter = accepted(city, deadline=D(2026, 9, 30), report_cycle=ReportCycle.NONE, co=False)
        services.report_progress(
            matter, actor=city.lead_handler, version=None, text="进展", percent=95
        )
    with at(D(2026, 3, 3)):
        nightly_scan()
    due_on = changes_on(matter)
    assert D(2026, 3, 3) < due_on < D(2026, 9, 30)
    before = Matter.objects.values_list("warning", "updated_at", "version").get(pk=matter.pk)
    with at(due_on), CaptureQueriesContext(connection) as captured:
        assert "due_soon 0" in nightly_scan()
    statements = [q["sql"] for q in captured.captured_queries]
    assert any("matters_nextwarningchange" in sql and "INSERT" in sql for sql in statements)
    assert not [sql for sql in statements if sql.startswith('UPDATE "matters_matter"')]
    assert changes_on(matter) > due_on
    after = Matter.objects.values_list("warning", "updated_at", "version").get(pk=matter.pk)
    assert after == before == (MatterWarning.NORMAL, before[1], before[2])
