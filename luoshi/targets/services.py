"""Every operation that changes a target: create it with its trajectory, re-plan it,
report a month's actual, and open a matter for a target that fell behind."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal, InvalidOperation

from django.contrib.auth.models import User
from django.db import transaction
from django.utils.translation import gettext as _

from luoshi.lib.errors import IllegalTransition, InvalidInput, NotAllowed
from luoshi.matters import services as matter_services
from luoshi.matters.models import Matter, Source
from luoshi.notifications.models import NotificationKind
from luoshi.notifications.services import notify, users_of_units, users_with_role
from luoshi.org.access import access_for
from luoshi.org.models import Role, Unit

from .models import ActualReport, Direction, MonthStatus, PlannedMonth, Target, TargetWarning
from .queries import latest_actuals, trajectory

EVEN, LAST_YEAR = "even", "last_year"


def _require_supervisor(actor: User) -> None:
    access = access_for(actor)
    if not (access.is_office):
        raise NotAllowed(_("Only supervisors set targets and their trajectories."))


def _number(value, field: str) -> Decimal:
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, AttributeError):
        number = None
    if number is None or not number.is_finite():
        raise InvalidInput(_("%(field)s must be a number.") % {"field": field}, field=field)
    return number


def planned_values(target: Target, trajectory_spec: str | Sequence) -> list[Decimal]:
    """The twelve planned values: entered, spread evenly, or shaped like last year's actuals."""
    if trajectory_spec == EVEN:
        if not target.accumulates:
            return [target.yearly_value] * 12
        return [(target.yearly_value * m / 12).quantize(Decimal("0.0001")) for m in range(1, 13)]
    if trajectory_spec == LAST_YEAR:
        return _last_year_shape(target)
    values = list(trajectory_spec)
    if len(values) != 12:
        raise InvalidInput(_("Give twelve monthly values."), field="trajectory")
    return [_number(v, f"trajectory[{i}]") for i, v in enumerate(values)]


def _last_year_shape(target: Target) -> list[Decimal]:
    last = Target.objects.filter(unit=target.unit, name=target.name, year=target.year - 1).first()
    actuals = latest_actuals(last) if last else {}
    if len(actuals) < 12 or not actuals[12].value:
        raise InvalidInput(
            _("Last year's %(name)s has no full year of actuals to copy the shape from.")
            % {"name": target.name},
            field="trajectory",
        )
    year_end = actuals[12].value
    return [
        (target.yearly_value * actuals[m].value / year_end).quantize(Decimal("0.0001"))
        for m in range(1, 13)
    ]


@transaction.atomic
def create_target(
    *,
    actor: User,
    unit: Unit,
    year: int,
    name: str,
    yearly_value,
    measure: str,
    direction: str = Direction.HIGHER,
    accumulates: bool = True,
    margin=5,
    trajectory_spec: str | Sequence = EVEN,
) -> Target:
    """A target with its yearly value and twelve planned months."""
    _require_supervisor(actor)
    if not (name or "").strip():
        raise InvalidInput(_("The target needs a name."), field="name")
    if direction not in Direction.values:
        raise InvalidInput(_("Direction is higher or lower."), field="direction")
    if Target.objects.filter(unit=unit, year=year, name=name.strip()).exists():
        raise InvalidInput(_("%(unit)s already has this target.") % {"unit": unit}, field="name")
    target = Target.objects.create(
        unit=unit,
        year=year,
        name=name.strip(),
        yearly_value=_number(yearly_value, "yearly_value"),
        measure=(measure or "").strip(),
        direction=direction,
        accumulates=accumulates,
        margin=_number(margin, "margin"),
        created_by=actor,
    )
    _write_plan(target, planned_values(target, trajectory_spec))
    return target


def _write_plan(target: Target, values: list[Decimal]) -> None:
    PlannedMonth.objects.bulk_create(
        [PlannedMonth(target=target, month=m, planned=v) for m, v in enumerate(values, 1)],
        update_conflicts=True,
        unique_fields=["target", "month"],
        update_fields=["planned"],
    )


@transaction.atomic
def set_trajectory(target: Target, *, actor: User, trajectory_spec: str | Sequence) -> Target:
    """Re-plan the months (entered, even, or last year's shape)."""
    _require_supervisor(actor)
    _write_plan(target, planned_values(target, trajectory_spec))
    return target


@transaction.atomic
def report_actual(
    target: Target, *, actor: User, month: int, value, source: str, note: str = ""
) -> ActualReport:
    """The responsible unit reports a month's actual; a target now behind opens a warning.

    A month already reported may be reported again (a correction): the latest counts.
    """
    access = access_for(actor)
    if not (access.acts_for(target.unit_id) or access.is_admin):
        raise NotAllowed(_("Only %(unit)s reports this target.") % {"unit": target.unit})
    if not (isinstance(month, int) and 1 <= month <= 12):
        raise InvalidInput(_("The month must be 1 to 12."), field="month")
    if not (source or "").strip():
        raise InvalidInput(_("Name the source of the figure."), field="source")
    target = Target.objects.select_for_update().get(pk=target.pk)
    report = ActualReport.objects.create(
        target=target,
        month=month,
        value=_number(value, "value"),
        source=source.strip(),
        note=(note or "").strip(),
        reported_by=actor,
    )
    _refresh_warning(target)
    return report


def _refresh_warning(target: Target) -> None:
    """Behind when the latest month reported is behind; tell the unit and the office once."""
    latest = trajectory(target).latest
    behind = latest is not None and latest.status == MonthStatus.BEHIND
    warning = TargetWarning.BEHIND if behind else TargetWarning.NORMAL
    if warning == target.warning:
        return
    target.warning = warning
    target.save(update_fields=["warning"])
    if behind:
        text = _("Target %(name)s is behind its trajectory in month %(month)s (%(gap)s%%).") % {
            "name": target.name,
            "month": latest.month,
            "gap": latest.gap,
        }
        users = users_of_units([target.unit_id]) | users_with_role(Role.SUPERVISOR)
        notify(users, kind=NotificationKind.DEADLINE, text=text)


@transaction.atomic
def spawn_matter(target: Target, *, actor: User, deadline: dt.date | None = None) -> Matter:
    """Open a matter for a target that is behind (through matters.services.register_matter)."""
    target = Target.objects.select_for_update().select_related("unit").get(pk=target.pk)
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
    target.save(update_fields=["matter"])
    return matter
