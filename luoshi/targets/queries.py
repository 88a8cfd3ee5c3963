"""Targets on their trajectory: the status of each month and the year-end projection.

Status of a month (both values read the target's way: sums or levels):
1. gap % = (actual − planned) / |planned| × 100, sign flipped when lower is better.
2. ahead when gap > 0; on track when −margin ≤ gap ≤ 0; behind when gap < −margin.
Projection from the latest month m reported:
- sums: actual(m) × planned(12) / planned(m) — the pace so far, along the plan's shape;
- levels: actual(m) + planned(12) − planned(m) — the plan's remaining change.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import Prefetch, QuerySet
from django.utils.translation import gettext as _

from luoshi.lib.errors import NotAllowed, NotFound
from luoshi.org.access import access_for

from .models import ActualReport, Direction, MonthStatus, PlannedMonth, Target

TWO = Decimal("0.01")


@dataclass
class MonthView:
    month: int
    planned: Decimal | None
    actual: Decimal | None
    gap: Decimal | None
    status: str | None
    source: str = ""
    note: str = ""


@dataclass
class Trajectory:
    target: Target
    months: list[MonthView]
    latest: MonthView | None
    projection: Decimal | None
    projected_status: str | None


def gap_percent(actual: Decimal, planned: Decimal, direction: str) -> Decimal:
    if planned == 0:
        gap = Decimal(0) if actual == 0 else Decimal(100) * (1 if actual > 0 else -1)
    else:
        gap = (actual - planned) / abs(planned) * 100
    return (gap if direction == Direction.HIGHER else -gap).quantize(TWO)


def status_of(gap: Decimal, margin: Decimal) -> str:
    if gap > 0:
        return MonthStatus.AHEAD
    return MonthStatus.ON_TRACK if gap >= -margin else MonthStatus.BEHIND


def latest_actuals(target: Target) -> dict[int, ActualReport]:
    """month → the latest report (reports come ordered by time; later ones win)."""
    return {report.month: report for report in target.actuals.all()}


def projection(target: Target, plan: dict[int, Decimal], month: int, actual: Decimal) -> Decimal:
    year_end = plan.get(12, target.yearly_value)
    planned = plan.get(month)
    if target.accumulates and planned:
        return (actual * year_end / planned).quantize(TWO)
    return (actual + year_end - (planned or 0)).quantize(TWO)


def trajectory(target: Target) -> Trajectory:
    """Each month's plan, actual, gap and status; the year-end projection and its status."""
    plan = {p.month: p.planned for p in target.plan.all()}
    actuals = latest_actuals(target)
    months = []
    for month in range(1, 13):
        planned, report = plan.get(month), actuals.get(month)
        view = MonthView(month, planned, report.value if report else None, None, None)
        if report and planned is not None:
            view.gap = gap_percent(report.value, planned, target.direction)
            view.status = status_of(view.gap, target.margin)
            view.source, view.note = report.source, report.note
        months.append(view)
    reported = [m for m in months if m.actual is not None]
    latest = reported[-1] if reported else None
    if latest is None:
        return Trajectory(target, months, None, None, None)
    projected = projection(target, plan, latest.month, latest.actual)
    year_gap = gap_percent(projected, target.yearly_value, target.direction)
    return Trajectory(target, months, latest, projected, status_of(year_gap, target.margin))


def visible_targets(user: User | AnonymousUser) -> QuerySet[Target]:
    """Overseers see every target; a unit sees its own (and those of units below it)."""
    access = access_for(user)
    targets = Target.objects.select_related("unit", "matter").prefetch_related(
        Prefetch("plan", PlannedMonth.objects.order_by("month")),
        Prefetch("actuals", ActualReport.objects.order_by("month", "reported_at", "id")),
    )
    if access.user_id is None:
        return targets.none()
    if access.sees_everything:
        return targets
    return targets.filter(unit_id__in=sorted(access.visible_units))


def get_target_for_user(user: User | AnonymousUser, pk: int) -> Target:
    target = visible_targets(user).filter(pk=pk).first()
    if target is None:
        if Target.objects.filter(pk=pk).exists() and access_for(user).user_id:
            raise NotAllowed(_("A unit sees only its own targets."))
        raise NotFound(_("Target %(pk)s does not exist.") % {"pk": pk})
    return target


def _num(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def trajectory_data(path: Trajectory) -> dict:
    """A target with its months, as JSON for the cockpit and the API."""
    target = path.target
    return {
        "id": target.pk,
        "name": target.name,
        "unit": {"id": target.unit_id, "name": target.unit.name},
        "year": target.year,
        "yearly_value": _num(target.yearly_value),
        "measure": target.measure,
        "direction": target.direction,
        "accumulates": target.accumulates,
        "warning": target.warning,
        "link": f"/targets/{target.pk}/",
        "matter_link": f"/matters/{target.matter_id}/" if target.matter_id else None,
        "months": [
            {
                "month": m.month,
                "planned": _num(m.planned),
                "actual": _num(m.actual),
                "gap": _num(m.gap),
                "status": m.status,
                "source": m.source,
            }
            for m in path.months
        ],
        "projection": _num(path.projection),
        "projected_status": path.projected_status,
    }


def targets_data(user: User | AnonymousUser, year: int) -> list[dict]:
    """Every visible target of `year` on its trajectory (three queries)."""
    return [trajectory_data(trajectory(t)) for t in visible_targets(user).filter(year=year)]
