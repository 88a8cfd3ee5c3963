"""Every change to a key project: one function per verb.

Each checks who may act, locks the project and compares its version, changes it in
one transaction and appends its ProjectEvent. Pages, the API, the Excel import and
the demo all call these functions.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from luoshi.lib import numbers
from luoshi.lib.errors import IllegalTransition, InvalidInput
from luoshi.lib.eventlog import bump_and_save, lock_for_change, require_version
from luoshi.matters import services as matter_services
from luoshi.matters.models import Matter, MatterKind, Priority, Source
from luoshi.org.access import access_for
from luoshi.org.models import Unit

from .models import (
    STAGE_ORDER,
    EffectMetric,
    Project,
    ProjectEvent,
    ProjectEventKind,
    ProjectKind,
    ProjectLevel,
    ProjectMonth,
    ProjectProblem,
    ProjectStage,
    ProjectStatus,
    Stage,
)
from .permissions import require_manage, require_report


@dataclass
class ProjectSpec:
    """What the office fills in (or the import reads) to put a project on the key list."""

    code: str
    name: str
    kind: str
    level: str
    responsible_unit: Unit
    district: Unit
    owner_name: str = ""
    owner: Any = None  # enterprises.Enterprise
    responsible_leader: User | None = None
    is_contract: bool = False
    contracted_investment: Decimal = Decimal(0)
    planned_investment: Decimal = Decimal(0)
    effect_metric: str = ""
    effect_target: Decimal = Decimal(0)
    stage_plans: Mapping[str, dt.date] = field(default_factory=dict)


def today() -> dt.date:
    return timezone.localdate()


# -- checks ---------------------------------------------------------------------------


def require_office(actor: User) -> None:
    """The office only (the Excel import asks this before reading the file)."""
    require_manage(access_for(actor))


def lock(project: Project, version: int | None) -> Project:
    """Re-read the project under a row lock; refuse a stale or a missing version.

    Every caller passes the version it read: a form or API call its own, an import
    or the demo the version of the project it just loaded.
    """
    return lock_for_change(
        Project.objects, project.pk, require_version(version), describe=lambda p: p.code
    )


def record(
    project: Project,
    kind: str,
    actor: User | None,
    *,
    comment: str = "",
    data: dict | None = None,
    bump: bool = True,
) -> ProjectEvent:
    """Save the project (version + 1 unless `bump` is False) and append its event row."""
    if bump:
        bump_and_save(project)
    return ProjectEvent.objects.create(
        project=project, kind=kind, actor=actor, comment=comment, data=data or {}
    )


def amount(value: Any, field_name: str) -> Decimal:
    """A non-negative amount in 万元; refused with the field named if it is not one."""
    try:
        number = Decimal(str(value if value not in (None, "") else 0))
    except (InvalidOperation, ValueError):
        raise InvalidInput(
            _("%(field)s must be a number (10k yuan).") % {"field": field_name}, field=field_name
        ) from None
    if not number.is_finite():
        raise InvalidInput(
            _("%(field)s must be a number (10k yuan).") % {"field": field_name}, field=field_name
        )
    if number < 0:
        raise InvalidInput(
            _("%(field)s cannot be negative.") % {"field": field_name}, field=field_name
        )
    # The column holds twelve digits before the point: checked before rounding (a huge
    # number cannot be rounded to cents) and after it (999999999999.999 rounds up).
    return numbers.bounded_decimal(
        number, field=field_name, places=2, minimum=0, maximum=numbers.AMOUNT_MAX
    )


def _choice(value: str, choices, name: str, blank: bool = False) -> None:
    if (blank and not value) or value in choices.values:
        return
    raise InvalidInput(
        _("%(value)s is not a valid %(field)s.") % {"value": value, "field": name}, field=name
    )


def _check_plans(plans: Mapping[str, dt.date]) -> None:
    """Planned dates must follow the stage order."""
    for stage in plans:
        _choice(stage, Stage, "stage")
    dated = [(STAGE_ORDER.index(s), d) for s, d in plans.items() if d]
    dated.sort()
    for (_i, earlier), (j, later) in zip(dated, dated[1:], strict=False):
        if later < earlier:
            raise InvalidInput(
                _("The planned date of “%(stage)s” (%(day)s) is before the stage it follows.")
                % {"stage": Stage(STAGE_ORDER[j]).label, "day": later},
                field=f"plan_{STAGE_ORDER[j]}",
            )


def _validate(spec: ProjectSpec) -> None:
    for name in ("code", "name"):
        if not (getattr(spec, name) or "").strip():
            raise InvalidInput(_("%(field)s is required.") % {"field": name}, field=name)
    _choice(spec.kind, ProjectKind, "kind")
    _choice(spec.level, ProjectLevel, "level")
    _choice(spec.effect_metric, EffectMetric, "effect_metric", blank=True)
    for name in ("contracted_investment", "planned_investment", "effect_target"):
        setattr(spec, name, amount(getattr(spec, name), name))
    _check_plans(spec.stage_plans)
    if spec.responsible_leader and not access_for(spec.responsible_leader).is_leader:
        raise InvalidInput(
            _("%(user)s is not a leader.") % {"user": spec.responsible_leader},
            field="responsible_leader",
        )


# -- register and edit ----------------------------------------------------------------


@transaction.atomic
def register_project(spec: ProjectSpec, *, actor: User) -> Project:
    """Put a project on the key project list, with its six stages and their planned dates."""
    require_office(actor)
    _validate(spec)
    if Project.objects.filter(code=spec.code.strip()).exists():
        raise InvalidInput(
            _("A project with code %(code)s already exists.") % {"code": spec.code}, field="code"
        )
    project = Project.objects.create(
        code=spec.code.strip(),
        name=spec.name.strip(),
        **{name: getattr(spec, name) for name in EDITABLE if name != "name"},
    )
    ProjectStage.objects.bulk_create(
        ProjectStage(project=project, stage=s, order=i, planned_date=spec.stage_plans.get(s))
        for i, s in enumerate(STAGE_ORDER, start=1)
    )
    record(project, ProjectEventKind.REGISTERED, actor, bump=False, data={"code": project.code})
    return project


EDITABLE = {
    "name",
    "kind",
    "level",
    "owner",
    "owner_name",
    "responsible_unit",
    "responsible_leader",
    "district",
    "is_contract",
    "contracted_investment",
    "planned_investment",
    "effect_metric",
    "effect_target",
}


@transaction.atomic
def update_project(project: Project, *, actor: User, version: int | None, **changes) -> Project:
    """Edit a project's descriptive fields and amounts (stages move by record_stage)."""
    require_office(actor)
    project = lock(project, version)
    diff = {}
    for name, value in changes.items():
        if name not in EDITABLE:
            raise InvalidInput(_("%(field)s cannot be changed here.") % {"field": name}, field=name)
        if name in ("contracted_investment", "planned_investment", "effect_target"):
            value = amount(value, name)
        old = getattr(project, name)
        if old != value:
            diff[name] = [str(old), str(value)]
            setattr(project, name, value)
    _choice(project.kind, ProjectKind, "kind")
    _choice(project.level, ProjectLevel, "level")
    _choice(project.effect_metric, EffectMetric, "effect_metric", blank=True)
    record(project, ProjectEventKind.UPDATED, actor, data={"changes": diff})
    return project


@transaction.atomic
def plan_stages(
    project: Project, plans: Mapping[str, dt.date | None], *, actor: User, version: int | None
) -> Project:
    """Set planned dates of stages (the contract's start date is the plan of `started`)."""
    require_office(actor)
    project = lock(project, version)
    stages = {s.stage: s for s in project.stages.all()}
    merged = {s: plans.get(s, row.planned_date) for s, row in stages.items()}
    _check_plans({s: d for s, d in merged.items() if d})
    changed = {}
    for stage, day in plans.items():
        row = stages[stage]
        if row.planned_date != day:
            changed[stage] = [_iso(row.planned_date), _iso(day)]
            row.planned_date = day
            row.save(update_fields=["planned_date"])
    record(project, ProjectEventKind.PLANNED, actor, data={"changes": changed})
    return project


def _iso(day: dt.date | None) -> str | None:
    return day.isoformat() if day else None


@transaction.atomic
def set_status(
    project: Project, status: str, *, actor: User, version: int | None, reason: str
) -> Project:
    """Mark a project in approvals (前期手续), terminated (终止) or active again."""
    require_office(actor)
    _choice(status, ProjectStatus, "status")
    if not (reason or "").strip():
        raise InvalidInput(_("Give the reason."), field="reason")
    project = lock(project, version)
    old = project.status
    project.status = status
    record(project, ProjectEventKind.STATUS_CHANGED, actor, comment=reason, data={"from": old})
    return project


# -- stages ---------------------------------------------------------------------------


@transaction.atomic
def record_stage(
    project: Project,
    stage: str,
    *,
    actor: User,
    version: int | None,
    actual_date: dt.date,
    evidence: str,
) -> ProjectStage:
    """Record that the project reached its next stage, on a date, with the evidence.

    Stages are reached in order, one at a time, on or after the previous one's
    date and not in the future. A terminated project does not move.
    """
    require_report(access_for(actor), project)
    _choice(stage, Stage, "stage")
    project = lock(project, version)
    if project.status == ProjectStatus.TERMINATED:
        raise IllegalTransition(_("A terminated project does not move to another stage."))
    expected = STAGE_ORDER[project.stage_index] if project.stage_index < 6 else None
    if stage != expected:
        raise IllegalTransition(
            _("The next stage of %(code)s is “%(next)s”, not “%(stage)s”.")
            % {
                "code": project.code,
                "next": Stage(expected).label if expected else _("none (it is effective)"),
                "stage": Stage(stage).label,
            }
        )
    _check_actual_date(project, actual_date)
    if not (evidence or "").strip():
        raise InvalidInput(_("Describe the evidence of reaching the stage."), field="evidence")
    row = project.stages.get(stage=stage)
    row.actual_date, row.evidence, row.recorded_by = actual_date, evidence.strip(), actor
    row.save(update_fields=["actual_date", "evidence", "recorded_by"])
    project.stage = stage
    if project.status == ProjectStatus.IN_APPROVALS and stage != Stage.SIGNED:
        project.status = ProjectStatus.ACTIVE  # approvals are over once it starts
    late = bool(row.planned_date and actual_date > row.planned_date)
    data = {"stage": stage, "actual": actual_date.isoformat(), "late": late}
    record(project, ProjectEventKind.STAGE_REACHED, actor, comment=row.evidence, data=data)
    return row


def _check_actual_date(project: Project, actual_date: dt.date | None) -> None:
    if actual_date is None:
        raise InvalidInput(_("Give the date the stage was reached."), field="actual_date")
    if actual_date > today():
        raise InvalidInput(_("The date cannot be in the future."), field="actual_date")
    previous = (
        project.stages.filter(actual_date__isnull=False).order_by("-order").first()
        if project.stage
        else None
    )
    if previous and actual_date < previous.actual_date:
        raise InvalidInput(
            _("The date is before the previous stage was reached (%(day)s).")
            % {"day": previous.actual_date},
            field="actual_date",
        )


# -- investment -----------------------------------------------------------------------


@transaction.atomic
def set_investment_plan(
    project: Project,
    year: int,
    monthly: Sequence[Any],
    *,
    actor: User,
    version: int | None,
) -> Project:
    """Set the year's investment plan, month by month (12 amounts in 万元)."""
    require_office(actor)
    if len(monthly) != 12:
        raise InvalidInput(_("Give 12 monthly amounts."), field="monthly")
    values = [amount(v, f"monthly[{i}]") for i, v in enumerate(monthly)]
    project = lock(project, version)
    for month, value in enumerate(values, start=1):
        ProjectMonth.objects.update_or_create(
            project=project, year=year, month=month, defaults={"planned": value}
        )
    data = {"year": year, "monthly": [str(v) for v in values]}
    record(project, ProjectEventKind.PLAN_SET, actor, data=data)
    return project


@transaction.atomic
def report_month(
    project: Project,
    *,
    year: int,
    month: int,
    completed: Any,
    funds_in_place: Any,
    effect: Any = 0,
    actor: User,
    version: int | None,
) -> ProjectMonth:
    """Report a month's investment completed, funds in place and effect (万元).

    A month already reported is corrected by reporting it again: the row takes the
    new figures and the event keeps the old ones.
    """
    require_report(access_for(actor), project)
    if not 1 <= int(month) <= 12:
        raise InvalidInput(_("The month must be 1 to 12."), field="month")
    if not numbers.YEAR_MIN <= int(year) <= numbers.YEAR_MAX:
        raise InvalidInput(
            _("%(field)s must be from %(min)s to %(max)s.")
            % {"field": "year", "min": numbers.YEAR_MIN, "max": numbers.YEAR_MAX},
            field="year",
        )
    if dt.date(int(year), int(month), 1) > today():
        raise InvalidInput(_("A month not yet begun cannot be reported."), field="month")
    figures = {
        "completed": amount(completed, "completed"),
        "funds_in_place": amount(funds_in_place, "funds_in_place"),
        "effect": amount(effect, "effect"),
    }
    project = lock(project, version)
    row, _created = ProjectMonth.objects.get_or_create(project=project, year=year, month=month)
    old = {k: str(getattr(row, k)) for k in figures}
    for name, value in figures.items():
        setattr(row, name, value)
    row.reported_at = timezone.now()
    row.save()
    data = {"year": year, "month": month, "old": old, **{k: str(v) for k, v in figures.items()}}
    record(project, ProjectEventKind.MONTH_REPORTED, actor, data=data)
    return row


# -- problems -------------------------------------------------------------------------


@transaction.atomic
def raise_problem(
    project: Project,
    *,
    actor: User,
    title: str,
    lead_unit: Unit,
    content: str = "",
    deadline: dt.date | None = None,
    priority: str = Priority.NORMAL,
    source: str = Source.MEETING,
) -> Matter:
    """Raise a problem the project met as a matter, through matters.services like any other.

    The matter is registered as a draft with the project's leader; the supervisor
    assigns it in the standard loop.
    """
    require_office(actor)
    matter = matter_services.register_matter(
        matter_services.MatterSpec(
            title=title,
            content=content,
            source=source,
            kind=MatterKind.TASK,
            priority=priority,
            lead_unit=lead_unit,
            responsible_leader=project.responsible_leader,
            deadline=deadline,
            tags=["重点项目", project.code],
        ),
        actor=actor,
    )
    ProjectProblem.objects.create(matter=matter, project=project)
    data = {"matter": matter.pk, "serial": matter.serial}
    record(project, ProjectEventKind.PROBLEM_RAISED, actor, comment=title, bump=False, data=data)
    return matter
