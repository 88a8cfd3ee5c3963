"""Targets on their trajectory: the status of each month, the year-end projection, and
the history of plans and events.

Status of a month (both values read the target's way: sums or levels):
1. A closed month shows what it was judged on when the office closed it (ClosedMonth),
   whatever plan came later.
2. An open month is judged now: the latest actual against the plan in force.
   gap % = (actual − planned) / |planned| × 100, sign flipped when lower is better;
   ahead when gap > 0; on track when −margin ≤ gap ≤ 0; behind when gap < −margin.
Projection from the latest month m reported, along the plan in force:
- sums: actual(m) × planned(12) / planned(m) — the pace so far, along the plan's shape;
- levels: actual(m) + planned(12) − planned(m) — the plan's remaining change.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal, localcontext

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import F, Prefetch, QuerySet
from django.utils.translation import gettext as _

from luoshi.lib.errors import NotAllowed, NotFound
from luoshi.org.access import access_for

from . import permissions
from .models import (
    ActualReport,
    ClosedMonth,
    Direction,
    MonthStatus,
    PlannedMonth,
    Target,
    TargetEvent,
    TargetEventKind,
)

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
    closed: bool = False
    plan_version: int | None = None  # the plan the month was judged on
    current_planned: Decimal | None = None  # the plan in force, when it differs

    @property
    def status_label(self) -> str:
        return str(MonthStatus(self.status).label) if self.status else ""


@dataclass
class Trajectory:
    target: Target
    months: list[MonthView]
    latest: MonthView | None
    projection: Decimal | None
    projected_status: str | None

    @property
    def closed_months(self) -> list[int]:
        return [m.month for m in self.months if m.closed]


@dataclass
class PlanVersion:
    """One version of a target's plan: its twelve values and who set it, when and why."""

    number: int
    values: list[Decimal | None]
    event: TargetEvent | None = None
    in_force: bool = False
    changed: list[bool] = field(default_factory=list)  # month differs from the version before

    @property
    def cells(self) -> list[tuple[Decimal | None, bool]]:
        return list(zip(self.values, self.changed, strict=True))


# A gap is stored in DECIMAL(12, 2) when a month closes; a projection is only shown. A
# tiny planned value under a large actual gives a quotient past both (and past the 28
# digits of Decimal's default context): such a figure is held at the limit, not a 500.
GAP_LIMIT = Decimal("9999999999.99")
PROJECTION_LIMIT = Decimal("9999999999999999.99")


def _held(value: Decimal, limit: Decimal) -> Decimal:
    with localcontext(prec=80):
        return max(-limit, min(limit, value.quantize(TWO)))


def gap_percent(actual: Decimal, planned: Decimal, direction: str) -> Decimal:
    with localcontext(prec=80):
        if planned == 0:
            gap = Decimal(0) if actual == 0 else Decimal(100) * (1 if actual > 0 else -1)
        else:
            gap = (actual - planned) / abs(planned) * 100
        return _held(gap if direction == Direction.HIGHER else -gap, GAP_LIMIT)


def status_of(gap: Decimal, margin: Decimal) -> str:
    if gap > 0:
        return MonthStatus.AHEAD
    return MonthStatus.ON_TRACK if gap >= -margin else MonthStatus.BEHIND


def latest_actuals(target: Target) -> dict[int, ActualReport]:
    """month → the latest report (reports come ordered by time; later ones win)."""
    return {report.month: report for report in target.actuals.all()}


def plan_in_force(target: Target) -> dict[int, Decimal]:
    """month → planned value of the plan version in force."""
    return {p.month: p.planned for p in target.plan.all() if p.plan_version == target.plan_version}


def projection(target: Target, plan: dict[int, Decimal], month: int, actual: Decimal) -> Decimal:
    year_end = plan.get(12, target.yearly_value)
    planned = plan.get(month)
    with localcontext(prec=80):
        if target.accumulates and planned:
            return _held(actual * year_end / planned, PROJECTION_LIMIT)
        return _held(actual + year_end - (planned or 0), PROJECTION_LIMIT)


def judge(target: Target, month: int, planned: Decimal | None, report: ActualReport | None):
    """An open month judged now against `planned` (the plan in force)."""
    view = MonthView(month, planned, report.value if report else None, None, None)
    view.plan_version = target.plan_version
    if report and planned is not None:
        view.gap = gap_percent(report.value, planned, target.direction)
        view.status = status_of(view.gap, target.margin)
        view.source, view.note = report.source, report.note
    return view


def _frozen(closed: ClosedMonth, current: Decimal | None, report: ActualReport | None):
    view = MonthView(closed.month, closed.planned, closed.actual, closed.gap, closed.status)
    view.closed, view.plan_version = True, closed.plan_version
    if current is not None and current != closed.planned:
        view.current_planned = current
    if report is not None:
        view.source, view.note = report.source, report.note
    return view


def trajectory(target: Target) -> Trajectory:
    """Each month's plan, actual, gap and status; the year-end projection and its status."""
    plan = plan_in_force(target)
    actuals = latest_actuals(target)
    reports = {r.pk: r for r in target.actuals.all()}  # the report a closed month was judged on
    closed = {c.month: c for c in target.closed_months.all()}
    months = [
        _frozen(closed[m], plan.get(m), reports.get(closed[m].report_id))
        if m in closed
        else judge(target, m, plan.get(m), actuals.get(m))
        for m in range(1, 13)
    ]
    reported = [m for m in months if m.actual is not None]
    latest = reported[-1] if reported else None
    if latest is None:
        return Trajectory(target, months, None, None, None)
    projected = projection(target, plan, latest.month, latest.actual)
    year_gap = gap_percent(projected, target.yearly_value, target.direction)
    return Trajectory(target, months, latest, projected, status_of(year_gap, target.margin))


def with_history(targets: QuerySet[Target], *, every_plan: bool = True) -> QuerySet[Target]:
    """Everything a trajectory reads, in one query per relation (no query per target).

    Lists read only the plan in force (`every_plan` False); a target's page reads every
    plan version for its history.
    """
    plans = PlannedMonth.objects.order_by("plan_version", "month")
    if not every_plan:
        plans = plans.filter(plan_version=F("target__plan_version"))
    return targets.select_related("unit", "matter").prefetch_related(
        Prefetch("plan", plans),
        Prefetch("actuals", ActualReport.objects.order_by("month", "reported_at", "id")),
        Prefetch("closed_months", ClosedMonth.objects.order_by("month")),
    )


def visible_targets(user: User | AnonymousUser, *, every_plan: bool = False) -> QuerySet[Target]:
    """Overseers see every target; a unit sees its own (and those of units below it)."""
    access = access_for(user)
    targets = with_history(Target.objects.all(), every_plan=every_plan)
    if access.user_id is None:
        return targets.none()
    if permissions.sees_all_targets(access):
        return targets
    return targets.filter(unit_id__in=sorted(access.visible_units))


def get_target_for_user(user: User | AnonymousUser, pk: int) -> Target:
    target = visible_targets(user, every_plan=True).filter(pk=pk).first()
    if target is None:
        if Target.objects.filter(pk=pk).exists() and access_for(user).user_id:
            raise NotAllowed(_("A unit sees only its own targets."))
        raise NotFound(_("Target %(pk)s does not exist.") % {"pk": pk})
    return target


def plan_history(target: Target) -> list[PlanVersion]:
    """Every plan version of the target, newest first, with the event that set it."""
    events = {
        e.data.get("plan_version", 1): e
        for e in target.events.filter(
            kind__in=[TargetEventKind.CREATED, TargetEventKind.REPLANNED]
        ).select_related("actor")
    }
    rows: dict[int, dict[int, Decimal]] = {}
    for p in target.plan.all():
        rows.setdefault(p.plan_version, {})[p.month] = p.planned
    versions, before = [], None
    for number in sorted(rows):
        values = [rows[number].get(m) for m in range(1, 13)]
        changed = [bool(before) and v != before[i] for i, v in enumerate(values)]
        versions.append(
            PlanVersion(number, values, events.get(number), number == target.plan_version, changed)
        )
        before = values
    return versions[::-1]


@dataclass
class EventLine:
    """An event as the history shows it: the row, and what it did in words."""

    event: TargetEvent
    text: str


def target_events(target: Target) -> list[EventLine]:
    """The target's events, newest first, each with the words saying what it did."""
    events = target.events.select_related("actor").order_by("-at", "-id")
    return [EventLine(event, event_text(event)) for event in events]


def _num(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def trajectory_data(path: Trajectory) -> dict:
    """A target with its months, as JSON for the cockpit and the API."""
    target = path.target
    return {
        "id": target.pk,
        "version": target.version,
        "name": target.name,
        "unit": {"id": target.unit_id, "name": target.unit.name},
        "year": target.year,
        "yearly_value": _num(target.yearly_value),
        "measure": target.measure,
        "direction": target.direction,
        "accumulates": target.accumulates,
        "warning": target.warning,
        "plan_version": target.plan_version,
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
                "closed": m.closed,
                "plan_version": m.plan_version,
                "current_planned": _num(m.current_planned),
            }
            for m in path.months
        ],
        "projection": _num(path.projection),
        "projected_status": path.projected_status,
    }


def targets_data(user: User | AnonymousUser, year: int) -> list[dict]:
    """Every visible target of `year` on its trajectory (four queries)."""
    return [trajectory_data(trajectory(t)) for t in visible_targets(user).filter(year=year)]


def event_text(event: TargetEvent) -> str:
    """What an event did, in the reader's words (the page never shows raw data)."""
    data = event.data or {}
    if event.kind == TargetEventKind.REPLANNED:
        text = _("Plan version %(from)s replaced by version %(to)s") % {
            "from": data.get("from_plan"),
            "to": data.get("plan_version"),
        }
        if "yearly_value" in data:
            text += _("; yearly value %(from)s → %(to)s") % {
                "from": _plain(data["yearly_value"]["from"]),
                "to": _plain(data["yearly_value"]["to"]),
            }
        return text
    if event.kind == TargetEventKind.ACTUAL_REPORTED:
        return _("Month %(month)s: %(value)s") % {
            "month": data.get("month"),
            "value": _plain(data.get("value")),
        }
    if event.kind == TargetEventKind.MONTH_CLOSED:
        status = data.get("status")
        return _("Month %(month)s frozen: %(status)s (plan version %(plan)s)") % {
            "month": data.get("month"),
            "status": MonthStatus(status).label if status in MonthStatus.values else "—",
            "plan": data.get("plan_version"),
        }
    if event.kind == TargetEventKind.MATTER_OPENED:
        return str(data.get("serial", ""))
    return _("Plan version %(n)s") % {"n": data.get("plan_version", 1)}


def _plain(value: object) -> str:
    """A stored decimal without trailing zeros: 350.0000 → 350."""
    try:
        number = Decimal(str(value))
    except ArithmeticError:
        return str(value)
    return f"{number.normalize():f}"
