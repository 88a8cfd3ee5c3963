"""Targets on their trajectory: status and projection on known series."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine

from luoshi.lib.errors import IllegalTransition, InvalidInput, NotAllowed
from luoshi.notifications.models import Notification
from luoshi.targets import services
from luoshi.targets.models import Direction, MonthStatus, TargetWarning
from luoshi.targets.queries import gap_percent, status_of, trajectory


def investment(city, **kwargs):
    """固定资产投资: 120 亿元 a year, year-to-date sums, spread evenly (10 a month)."""
    return services.create_target(
        actor=city.supervisor,
        unit=city.lead,
        year=2026,
        name=kwargs.pop("name", "固定资产投资"),
        yearly_value=120,
        measure="亿元",
        **kwargs,
    )


def report(city, target, month, value, actor=None):
    return services.report_actual(
        target, actor=actor or city.lead_handler, month=month, value=value, source="市统计局"
    )


def test_even_spread_status_and_projection(city):
    target = investment(city)
    report(city, target, 1, 10.5)  # planned 10: ahead
    report(city, target, 2, 19.2)  # planned 20: −4 %, within the 5 % margin
    report(city, target, 3, 27)  # planned 30: −10 %: behind
    path = trajectory(target)
    assert [m.planned for m in path.months[:3]] == [10, 20, 30]
    assert [m.status for m in path.months[:3]] == [
        MonthStatus.AHEAD,
        MonthStatus.ON_TRACK,
        MonthStatus.BEHIND,
    ]
    assert path.months[2].gap == Decimal("-10.00")
    assert path.projection == Decimal("108.00")  # 27 at 30 planned → 90 % of 120
    assert path.projected_status == MonthStatus.BEHIND
    target.refresh_from_db()
    assert target.warning == TargetWarning.BEHIND


def test_a_correction_counts_and_clears_the_warning(city):
    target = investment(city)
    report(city, target, 1, 8)
    target.refresh_from_db()
    assert target.warning == TargetWarning.BEHIND
    report(city, target, 1, 10)  # corrected figure: the latest report counts
    target.refresh_from_db()
    assert target.warning == TargetWarning.NORMAL
    assert target.actuals.count() == 2


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
    path = trajectory(target)
    assert path.months[3].planned == Decimal("0.5")  # levels spread evenly: flat
    assert path.months[3].status == MonthStatus.AHEAD
    assert path.projection == Decimal("0.48")
    assert gap_percent(Decimal("0.55"), Decimal("0.5"), Direction.LOWER) == Decimal("-10.00")


def test_last_years_shape(city):
    last = investment(city, name="工业投资")
    last.year = 2025
    last.save()
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


def test_only_the_unit_reports_and_input_is_checked(city):
    target = investment(city)
    with pytest.raises(NotAllowed):
        report(city, target, 1, 10, actor=city.other_handler)
    with pytest.raises(InvalidInput) as error:
        report(city, target, 13, 10)
    assert error.value.field == "month"
    with pytest.raises(InvalidInput) as error:
        services.report_actual(target, actor=city.lead_handler, month=1, value=1, source=" ")
    assert error.value.field == "source"
    assert target.actuals.count() == 0


def test_a_target_behind_warns_and_spawns_a_matter(city, django_capture_on_commit_callbacks):
    target = investment(city)
    with pytest.raises(IllegalTransition):
        services.spawn_matter(target, actor=city.supervisor)
    with django_capture_on_commit_callbacks(execute=True):
        report(city, target, 3, 20)
    assert Notification.objects.filter(
        user=city.lead_handler, text__contains="固定资产投资"
    ).exists()
    with time_machine.travel(dt.datetime(2026, 4, 2, 10, tzinfo=dt.UTC), tick=False):
        matter = services.spawn_matter(target, actor=city.supervisor, deadline=dt.date(2026, 6, 30))
    assert matter.lead_unit_id == city.lead.pk and "固定资产投资" in matter.title
    with pytest.raises(IllegalTransition):
        services.spawn_matter(target, actor=city.supervisor)


def test_status_thresholds():
    assert status_of(Decimal("0.01"), Decimal(5)) == MonthStatus.AHEAD
    assert status_of(Decimal("-5"), Decimal(5)) == MonthStatus.ON_TRACK
    assert status_of(Decimal("-5.01"), Decimal(5)) == MonthStatus.BEHIND
