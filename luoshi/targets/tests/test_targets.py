"""Targets on their trajectory: status, projection and history on known series."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine

from luoshi.lib.errors import IllegalTransition, InvalidInput, NotAllowed, StaleVersion
from luoshi.notifications.models import Notification
from luoshi.targets import services
from luoshi.targets.models import Direction, MonthStatus, Target, TargetEventKind, TargetWarning
from luoshi.targets.queries import gap_percent, plan_history, status_of, trajectory, with_history


def at(day: int, month: int, year: int = 2026):
    return time_machine.travel(dt.datetime(year, month, day, 10, tzinfo=dt.UTC), tick=False)


@pytest.fixture(autouse=True)
def november():
    """Every test runs on 2026-11-30 unless it travels elsewhere."""
    with at(30, 11):
        yield


def fresh(target):
    return with_history(Target.objects.filter(pk=target.pk)).get()


def investment(city, **kwargs):
    """固定资产投资: 120 亿元 a year, year-to-date sums, spread evenly (10 a month)."""
    return services.create_target(
        actor=city.supervisor,
        unit=city.lead,
        year=kwargs.pop("year", 2026),
        name=kwargs.pop("name", "固定资产投资"),
        yearly_value=120,
        measure="亿元",
        **kwargs,
    )


def report(city, target, month, value, actor=None):
    return services.report_actual(
        fresh(target),
        actor=actor or city.lead_handler,
        version=None,
        month=month,
        value=value,
        source="市统计局",
    )


def test_even_spread_status_and_projection(city):
    target = investment(city)
    report(city, target, 1, 10.5)  # planned 10: ahead
    report(city, target, 2, 19.2)  # planned 20: −4 %, within the 5 % margin
    report(city, target, 3, 27)  # planned 30: −10 %: behind
    path = trajectory(fresh(target))
    assert [m.planned for m in path.months[:3]] == [10, 20, 30]
    assert [m.status for m in path.months[:3]] == [
        MonthStatus.AHEAD,
        MonthStatus.ON_TRACK,
        MonthStatus.BEHIND,
    ]
    assert path.months[2].gap == Decimal("-10.00")
    assert path.projection == Decimal("108.00")  # 27 at 30 planned → 90 % of 120
    assert path.projected_status == MonthStatus.BEHIND
    assert fresh(target).warning == TargetWarning.BEHIND


def test_a_correction_counts_and_clears_the_warning(city):
    target = investment(city)
    report(city, target, 1, 8)
    assert fresh(target).warning == TargetWarning.BEHIND
    report(city, target, 1, 10)  # corrected figure: the latest report counts
    assert fresh(target).warning == TargetWarning.NORMAL
    assert target.actuals.count() == 2
    kinds = list(target.events.values_list("kind", flat=True))
    assert kinds == [TargetEventKind.CREATED] + [TargetEventKind.ACTUAL_REPORTED] * 2
    assert fresh(target).version == 3


def test_lower_is_better_and_levels(city):
    target = services.create_target(
        actor=city.supervisor,
        unit=city.lead,
        year=2026,
        name="单位GDP能耗下降",
        yearly_value=Decimal("0.5"),
        measure="吨标煤/万元",
        direction=Direction.LOWER,
        accumulates=False,
    )
    report(city, target, 4, Decimal("0.48"))
    path = trajectory(fresh(target))
    assert path.months[3].planned == Decimal("0.5")  # levels spread evenly: flat
    assert path.months[3].status == MonthStatus.AHEAD
    assert path.projection == Decimal("0.48")
    assert gap_percent(Decimal("0.55"), Decimal("0.5"), Direction.LOWER) == Decimal("-10.00")


def test_last_years_shape(city):
    last = investment(city, name="工业投资", year=2025)
    for month in range(1, 13):
        report(city, last, month, [5, 10, 20, 30, 40, 50, 60, 70, 80, 90, 95, 100][month - 1])
    target = services.create_target(
        actor=city.supervisor,
        unit=city.lead,
        year=2026,
        name="工业投资",
        yearly_value=200,
        measure="亿元",
        trajectory_spec=services.LAST_YEAR,
    )
    assert [p.planned for p in target.plan.all()][:3] == [10, 20, 40]
    with pytest.raises(InvalidInput):
        services.create_target(
            actor=city.supervisor,
            unit=city.co,
            year=2026,
            name="工业投资",
            yearly_value=1,
            measure="亿元",
            trajectory_spec=services.LAST_YEAR,
        )


def test_entered_trajectory_is_validated(city):
    with pytest.raises(InvalidInput) as error:
        investment(city, trajectory_spec=[1] * 11)
    assert error.value.field == "trajectory"
    with pytest.raises(InvalidInput) as error:
        investment(city, trajectory_spec=[1] * 11 + ["many"])
    assert error.value.field == "trajectory[11]"
    with pytest.raises(InvalidInput) as error:
        investment(city, trajectory_spec="平均")
    assert error.value.field == "trajectory"
    assert not Target.objects.exists()


def test_only_the_unit_reports_and_input_is_checked(city):
    target = investment(city)
    with pytest.raises(NotAllowed):
        report(city, target, 1, 10, actor=city.other_handler)
    with pytest.raises(InvalidInput) as error:
        report(city, target, 13, 10)
    assert error.value.field == "month"
    with pytest.raises(InvalidInput) as error:
        report(city, target, 12, 10)  # December has not begun on 30 November
    assert error.value.field == "month"
    with pytest.raises(InvalidInput) as error:
        report(city, target, 1, "1,2亿")  # mistyped, as offices do
    assert error.value.field == "value"
    with pytest.raises(InvalidInput) as error:
        services.report_actual(
            target, actor=city.lead_handler, version=None, month=1, value=1, source=" "
        )
    assert error.value.field == "source"
    assert target.actuals.count() == 0


def test_a_stale_version_is_refused(city):
    target = investment(city)
    seen = target.version
    report(city, target, 1, 10)
    with pytest.raises(StaleVersion):
        services.report_actual(
            target, actor=city.lead_handler, version=seen, month=2, value=20, source="快报"
        )
    assert target.actuals.count() == 1


def test_a_target_behind_warns_and_spawns_a_matter(city, django_capture_on_commit_callbacks):
    target = investment(city)
    with pytest.raises(IllegalTransition):
        services.spawn_matter(fresh(target), actor=city.supervisor, version=None)
    with django_capture_on_commit_callbacks(execute=True), at(1, 4):
        report(city, target, 3, 20)
    assert Notification.objects.filter(
        user=city.lead_handler, text__contains="固定资产投资"
    ).exists()
    with pytest.raises(NotAllowed):
        services.spawn_matter(fresh(target), actor=city.lead_handler, version=None)
    with at(2, 4):
        matter = services.spawn_matter(
            fresh(target), actor=city.supervisor, version=None, deadline=dt.date(2026, 6, 30)
        )
    assert matter.lead_unit_id == city.lead.pk and "固定资产投资" in matter.title
    with pytest.raises(IllegalTransition):
        services.spawn_matter(fresh(target), actor=city.supervisor, version=None)
    assert target.events.get(kind=TargetEventKind.MATTER_OPENED).data["matter_id"] == matter.pk


def five_months_ahead_then_closed(city):
    """January–May reported 4 % ahead of the 120 plan (10 a month), each month closed."""
    target = investment(city)
    for month in range(1, 6):
        with at(10, month + 1):
            report(city, target, month, Decimal("10.4") * month)
        with at(20, month + 1):
            services.close_month(actor=city.supervisor, year=2026, month=month)
    return target


def test_re_planning_keeps_the_months_already_judged(city):
    target = five_months_ahead_then_closed(city)
    with at(21, 6):  # the city raises the year's goal from 120 to 150
        services.replan_target(
            fresh(target),
            actor=city.supervisor,
            version=None,
            trajectory_spec=services.EVEN,
            yearly_value=150,
            reason="市政府常务会议决定调增全年目标",
        )
    with at(10, 7):
        report(city, target, 6, Decimal("62.4"))  # the same pace: 62.4 of 75 now planned
    path = trajectory(fresh(target))
    may = path.months[4]
    assert (may.status, may.planned, may.plan_version, may.closed) == (
        MonthStatus.AHEAD,
        Decimal(50),
        1,
        True,
    )
    assert may.current_planned == Decimal("62.5")  # what the new plan says, shown beside
    assert [m.status for m in path.months[:5]] == [MonthStatus.AHEAD] * 5
    june = path.months[5]
    assert (june.status, june.planned, june.plan_version, june.closed) == (
        MonthStatus.BEHIND,
        Decimal("75"),
        2,
        False,
    )
    assert fresh(target).warning == TargetWarning.BEHIND
    plans = plan_history(fresh(target))
    assert [p.number for p in plans] == [2, 1] and plans[0].in_force
    assert plans[0].event.comment == "市政府常务会议决定调增全年目标"
    assert plans[0].values[11] == 150 and plans[1].values[11] == 120
    replanned = target.events.get(kind=TargetEventKind.REPLANNED)
    assert replanned.data["yearly_value"] == {"from": "120.0000", "to": "150.0000"}


def test_re_planning_needs_a_reason_a_change_and_the_office(city):
    target = investment(city)
    kwargs = {"version": None, "trajectory_spec": services.EVEN}
    with pytest.raises(InvalidInput) as error:
        services.replan_target(fresh(target), actor=city.supervisor, reason=" ", **kwargs)
    assert error.value.field == "reason"
    with pytest.raises(InvalidInput) as error:
        services.replan_target(fresh(target), actor=city.supervisor, reason="重排", **kwargs)
    assert error.value.field == "trajectory"  # the same plan again
    with pytest.raises(NotAllowed):
        services.replan_target(fresh(target), actor=city.lead_head, reason="重排", **kwargs)
    assert fresh(target).plan_version == 1 and target.plan.count() == 12


def test_a_closed_month_is_frozen(city):
    target = five_months_ahead_then_closed(city)
    other = investment(city, name="工业技改投资")  # set late: nothing reported for January
    with at(1, 7):
        with pytest.raises(IllegalTransition):
            report(city, target, 3, 1)  # a late correction of a closed month
        with pytest.raises(IllegalTransition):
            services.close_month(actor=city.supervisor, year=2026, month=7)  # not over yet
        assert services.close_month(actor=city.supervisor, year=2026, month=1) == 1
        with pytest.raises(IllegalTransition):
            services.close_month(actor=city.supervisor, year=2026, month=1)
        with pytest.raises(NotAllowed):
            services.close_month(actor=city.lead_head, year=2026, month=6)
    january = trajectory(fresh(other)).months[0]
    assert (january.status, january.closed) == (MonthStatus.NOT_REPORTED, True)
    assert target.actuals.count() == 5


def test_status_thresholds():
    assert status_of(Decimal("0.01"), Decimal(5)) == MonthStatus.AHEAD
    assert status_of(Decimal("-5"), Decimal(5)) == MonthStatus.ON_TRACK
    assert status_of(Decimal("-5.01"), Decimal(5)) == MonthStatus.BEHIND
