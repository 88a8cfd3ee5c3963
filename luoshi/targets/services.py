"""Every operation that changes a target: set it with its trajectory, re-plan it, report
a month's actual, close a month, and open a matter for a target that fell behind.

Each checks permission (targets.permissions), locks the target and compares its
version (lib.eventlog), changes it in one transaction and appends its TargetEvent;
notifications go out on commit. History is never rewritten: a re-plan appends a new
plan version, a correction appends a later report, and a closed month keeps the
rating it was judged on.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from luoshi.lib.errors import IllegalTransition, InvalidInput
from luoshi.lib.eventlog import bump_and_save, lock_for_change
from luoshi.lib.numbers import FIGURE_MAX, PERCENT_MAX, bounded_decimal
from luoshi.matters import services as matter_services
from luoshi.matters.models import Matter, Source
from luoshi.notifications.models import NotificationKind
from luoshi.notifications.services import notify, users_of_units, users_with_role
from luoshi.org.access import access_for
from luoshi.org.models import Role, Unit

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
    TargetWarning,
)
from .queries import latest_actuals, plan_in_force, trajectory, with_history

EVEN, LAST_YEAR = "even", "last_year"
FOUR = Decimal("0.0001")


def _number(value: Any, field: str) -> Decimal:
    """A figure the DECIMAL(16, 4) columns hold, rounded to their four places."""
    return bounded_decimal(value, field=field, places=4, minimum=-FIGURE_MAX, maximum=FIGURE_MAX)


def _margin(value: Any) -> Decimal:
    """How many percent a month may fall short: 0 to 100, two places."""
    return bounded_decimal(value, field="margin", places=2, minimum=0, maximum=PERCENT_MAX)


def _month(month: Any) -> int:
    if not (isinstance(month, int) and not isinstance(month, bool) and 1 <= month <= 12):
        raise InvalidInput(_("The month must be 1 to 12."), field="month")
    return month


def _lock(target: Target, version: int | None) -> Target:
    return lock_for_change(
        Target.objects.select_related("unit"),
        target.pk,
        version,
        current=target.version,
        describe=lambda fresh: fresh.name,
    )


def _record(
    target: Target,
    kind: str,
    actor: User | None,
    *,
    comment: str = "",
    data: dict | None = None,
    bump: bool = True,
) -> TargetEvent:
    """Save the target (version + 1 unless `bump` is False) and append its event row."""
    if bump:
        bump_and_save(target)
    return TargetEvent.objects.create(
        target=target, kind=kind, actor=actor, comment=comment, data=data or {}
    )


def planned_values(target: Target, trajectory_spec: str | Sequence) -> list[Decimal]:
    """The twelve planned values: entered, spread evenly, or shaped like last year's actuals."""
    if trajectory_spec == EVEN:
        if not target.accumulates:
            return [target.yearly_value] * 12
        return [(target.yearly_value * m / 12).quantize(FOUR) for m in range(1, 13)]
    if trajectory_spec == LAST_YEAR:
        return _last_year_shape(target)
    if isinstance(trajectory_spec, str):
        raise InvalidInput(
            _("Give twelve monthly values, “even” or “last_year”."), field="trajectory"
        )
    values = list(trajectory_spec)
    if len(values) != 12:
        raise InvalidInput(_("Give twelve monthly values."), field="trajectory")
    return [_number(v, f"trajectory[{i}]") for i, v in enumerate(values)]


def _last_year_shape(target: Target) -> list[Decimal]:
    last = (
        with_history(
            Target.objects.filter(unit=target.unit, name=target.name, year=target.year - 1)
        )
    ).first()
    actuals = latest_actuals(last) if last else {}
    if len(actuals) < 12 or not actuals[12].value:
        raise InvalidInput(
            _("Last year's %(name)s has no full year of actuals to copy the shape from.")
            % {"name": target.name},
            field="trajectory",
        )
    year_end = actuals[12].value
    return [
        (target.yearly_value * actuals[m].value / year_end).quantize(FOUR) for m in range(1, 13)
    ]


def _write_plan(target: Target, values: list[Decimal]) -> None:
    PlannedMonth.objects.bulk_create(
        PlannedMonth(target=target, month=m, planned=v, plan_version=target.plan_version)
        for m, v in enumerate(values, 1)
    )


def _spec_name(trajectory_spec: str | Sequence) -> str:
    return trajectory_spec if isinstance(trajectory_spec, str) else "entered"


@transaction.atomic
def create_target(
    *,
    actor: User,
    unit: Unit,
    year: int,
    name: str,
    yearly_value: Any,
    measure: str,
    direction: str = Direction.HIGHER,
    accumulates: bool = True,
    margin: Any = 5,
    trajectory_spec: str | Sequence = EVEN,
) -> Target:
    """A target with its yearly value and twelve planned months (plan version 1)."""
    permissions.require_plan(access_for(actor))
    name = (name or "").strip()
    if not name:
        raise InvalidInput(_("The target needs a name."), field="name")
    if direction not in Direction.values:
        raise InvalidInput(_("Direction is higher or lower."), field="direction")
    if not 2000 <= int(year) <= 2100:
        raise InvalidInput(
            _("Enter a year from %(min)s to %(max)s.") % {"min": 2000, "max": 2100}, field="year"
        )
    if Target.objects.filter(unit=unit, year=year, name=name).exists():
        raise InvalidInput(_("%(unit)s already has this target.") % {"unit": unit}, field="name")
    target = Target.objects.create(
        unit=unit,
        year=year,
        name=name,
        yearly_value=_number(yearly_value, "yearly_value"),
        measure=(measure or "").strip(),
        direction=direction,
        accumulates=accumulates,
        margin=_margin(margin),
        created_by=actor,
    )
    _write_plan(target, planned_values(target, trajectory_spec))
    data = {"plan_version": 1, "yearly_value": str(target.yearly_value)}
    _record(
        target,
        TargetEventKind.CREATED,
        actor,
        bump=False,
        data={**data, "trajectory": _spec_name(trajectory_spec)},
    )
    return target


@transaction.atomic
def replan_target(
    target: Target,
    *,
    actor: User,
    version: int | None,
    trajectory_spec: str | Sequence,
    reason: str,
    yearly_value: Any = None,
) -> Target:
    """Re-plan the year (调整计划): a new plan version for every month, the old one kept.

    Closed months keep the rating they were judged on; open months are judged on the
    new plan from now on. The reason is required and goes in the event.
    """
    permissions.require_plan(access_for(actor))
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput(_("Give the reason for re-planning."), field="reason")
    target = _lock(target, version)
    old_value, old_plan = target.yearly_value, plan_in_force(target)
    if yearly_value not in (None, ""):
        target.yearly_value = _number(yearly_value, "yearly_value")
    values = planned_values(target, trajectory_spec)
    if target.yearly_value == old_value and values == [old_plan.get(m) for m in range(1, 13)]:
        raise InvalidInput(_("The new plan is the same as the plan in force."), field="trajectory")
    target.plan_version += 1
    _write_plan(target, values)
    data: dict[str, Any] = {
        "plan_version": target.plan_version,
        "from_plan": target.plan_version - 1,
        "trajectory": _spec_name(trajectory_spec),
    }
    if target.yearly_value != old_value:
        data["yearly_value"] = {"from": str(old_value), "to": str(target.yearly_value)}
    _refresh_warning(target)
    _record(target, TargetEventKind.REPLANNED, actor, comment=reason, data=data)
    return target


def _require_open_month(target: Target, month: int, today: dt.date) -> None:
    if (target.year, month) > (today.year, today.month):
        raise InvalidInput(
            _("%(year)s-%(month)02d has not begun: report it once it has.")
            % {"year": target.year, "month": month},
            field="month",
        )
    if target.closed_months.filter(month=month).exists():
        raise IllegalTransition(
            _("Month %(month)s is closed: its rating is frozen and takes no more reports.")
            % {"month": month}
        )


@transaction.atomic
def report_actual(
    target: Target,
    *,
    actor: User,
    version: int | None,
    month: int,
    value: Any,
    source: str,
    note: str = "",
) -> ActualReport:
    """The responsible unit reports a month's actual; a target now behind opens a warning.

    A month not yet closed may be reported again (a correction): the latest counts.
    """
    permissions.require_report(access_for(actor), target)
    month = _month(month)
    amount = _number(value, "value")
    if not (source or "").strip():
        raise InvalidInput(_("Name the source of the figure."), field="source")
    target = _lock(target, version)
    _require_open_month(target, month, timezone.localdate())
    report = ActualReport.objects.create(
        target=target,
        month=month,
        value=amount,
        source=source.strip(),
        note=(note or "").strip(),
        reported_by=actor,
    )
    _refresh_warning(target)
    data = {"month": month, "value": str(amount), "report_id": report.pk}
    _record(target, TargetEventKind.ACTUAL_REPORTED, actor, comment=report.note, data=data)
    return report


def _refresh_warning(target: Target) -> None:
    """Behind when the latest month reported is behind; tell the unit and the office once.

    Sets the field only: the caller's event saves the target.
    """
    latest = trajectory(target).latest
    behind = latest is not None and latest.status == MonthStatus.BEHIND
    warning = TargetWarning.BEHIND if behind else TargetWarning.NORMAL
    if warning == target.warning:
        return
    target.warning = warning
    if behind:
        text = _("Target %(name)s is behind its trajectory in month %(month)s (%(gap)s%%).") % {
            "name": target.name,
            "month": latest.month,
            "gap": latest.gap,
        }
        users = users_of_units([target.unit_id]) | users_with_role(Role.SUPERVISOR)
        notify(users, kind=NotificationKind.DEADLINE, text=text)


def month_end(year: int, month: int) -> dt.date:
    return dt.date(year + (month == 12), month % 12 + 1, 1) - dt.timedelta(days=1)


@transaction.atomic
def close_month(*, actor: User, year: int, month: int, today: dt.date | None = None) -> int:
    """Close a month for every target of the year (月度封存): each month's rating is frozen.

    1. The month must be over. 2. Every target of the year not yet closed for it gets a
    ClosedMonth with what it is judged on now (a month without an actual is frozen as
    not reported). 3. The targets' versions rise and each gets its event.
    Returns how many targets were closed.
    """
    permissions.require_plan(access_for(actor))
    month = _month(month)
    today = today or timezone.localdate()
    if not (2000 <= int(year) <= 2100) or month_end(year, month) >= today:
        raise IllegalTransition(_("A month can be closed only after it is over."))
    ids = list(
        Target.objects.select_for_update()
        .filter(year=year)
        .exclude(closed_months__month=month)
        .values_list("pk", flat=True)
    )
    if not ids:
        raise IllegalTransition(
            _("Month %(month)s is already closed for every target of %(year)s.")
            % {"month": month, "year": year}
        )
    rows, events = [], []
    for target in with_history(Target.objects.filter(pk__in=ids)):
        view = trajectory(target).months[month - 1]
        report = latest_actuals(target).get(month)
        rows.append(
            ClosedMonth(
                target=target,
                month=month,
                plan_version=target.plan_version,
                planned=view.planned,
                actual=view.actual,
                gap=view.gap,
                status=view.status or MonthStatus.NOT_REPORTED,
                report=report,
                closed_by=actor,
            )
        )
        events.append(
            TargetEvent(
                target=target,
                kind=TargetEventKind.MONTH_CLOSED,
                actor=actor,
                data={
                    "month": month,
                    "status": rows[-1].status,
                    "plan_version": target.plan_version,
                },
            )
        )
    ClosedMonth.objects.bulk_create(rows)
    TargetEvent.objects.bulk_create(events)
    Target.objects.filter(pk__in=ids).update(version=F("version") + 1)
    return len(rows)


@transaction.atomic
def spawn_matter(
    target: Target, *, actor: User, version: int | None, deadline: dt.date | None = None
) -> Matter:
    """Open a matter for a target that is behind (through matters.services.register_matter)."""
    permissions.require_plan(access_for(actor))
    target = _lock(target, version)
    if target.warning != TargetWarning.BEHIND:
        raise IllegalTransition(_("Only a target behind its trajectory gets a matter."))
    if target.matter_id:
        raise IllegalTransition(_("A matter is already open for this target."))
    latest = trajectory(target).latest
    spec = matter_services.MatterSpec(
        title=_("Catch up on target %(name)s") % {"name": target.name},
        source=Source.WORK_REPORT,
        content=_("Month %(month)s: %(actual)s %(measure)s against %(planned)s planned.")
        % {
            "month": latest.month,
            "actual": latest.actual,
            "planned": latest.planned,
            "measure": target.measure,
        },
        lead_unit=target.unit,
        deadline=deadline,
        tags=["target"],
    )
    matter = matter_services.register_matter(spec, actor=actor)
    target.matter = matter
    data = {"matter_id": matter.pk, "serial": matter.serial}
    _record(target, TargetEventKind.MATTER_OPENED, actor, data=data)
    return matter
