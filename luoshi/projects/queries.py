"""Reads of key projects: who sees which, warnings, stage timing and figures.

The list filter is filters.ProjectFilter.

The definitions of every figure are in docs/projects.md; the tests compute them by
hand on small examples.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import (
    Count,
    DecimalField,
    Exists,
    F,
    FilteredRelation,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from luoshi.lib.errors import InvalidInput, NotFound
from luoshi.org.access import access_for

from .models import (
    STAGE_ORDER,
    Project,
    ProjectKind,
    ProjectLevel,
    ProjectMonth,
    ProjectPolicy,
    ProjectStage,
    ProjectStatus,
    ProjectWarning,
    Stage,
    StageTiming,
)

ZERO = Decimal(0)


def visible_projects(user: User | AnonymousUser) -> QuerySet[Project]:
    """Projects `user` may read: the office, leaders and admins all; a unit those it is
    responsible for or that lie in its district (or a unit below one it heads)."""
    access = access_for(user)
    queryset = Project.objects.all()
    if access.user_id is None:
        return queryset.none()
    if access.sees_everything:
        return queryset
    units = sorted(access.visible_units)
    return queryset.filter(Q(responsible_unit_id__in=units) | Q(district_id__in=units))


def get_project_for_user(user: User | AnonymousUser, pk: int) -> Project:
    project = (
        visible_projects(user)
        .select_related("responsible_unit", "district", "responsible_leader", "owner")
        .filter(pk=pk)
        .first()
    )
    if project is None:
        raise NotFound(_("Project %(pk)s does not exist or is not visible to you.") % {"pk": pk})
    return project


# -- warnings -------------------------------------------------------------------------


def _month_sum(column: str, year: int, through: int) -> Subquery:
    rows = (
        ProjectMonth.objects.filter(project=OuterRef("pk"), year=year, month__lte=through)
        .values("project")
        .annotate(total=Sum(column))
        .values("total")
    )
    return Subquery(rows, output_field=DecimalField(max_digits=16, decimal_places=2))


def last_closed_month(today: dt.date) -> tuple[int, int]:
    """The month whose figures are due: the one before today's (January: none this year)."""
    return today.year, today.month - 1


def with_warnings(queryset: QuerySet[Project], today: dt.date) -> QuerySet[Project]:
    """Annotate each project with what its warnings need, in the same query.

    late_stage: a stage planned before today not yet reached (StageTiming.OVERDUE);
    reached_late: a stage reached after its planned date (StageTiming.REACHED_LATE);
    plan_to_date / done_to_date: this year's investment plan and completion to the
    last closed month, which warnings_of compares with the tolerance.
    """
    year, through = last_closed_month(today)
    stages = ProjectStage.objects.filter(project=OuterRef("pk"))
    overdue = Q(planned_date__lt=today) & (Q(actual_date__isnull=True) | Q(actual_date__gt=today))
    reached_late = Q(actual_date__gt=F("planned_date"), actual_date__lte=today)
    return queryset.annotate(
        late_stage=Exists(stages.filter(overdue)),
        reached_late=Exists(stages.filter(reached_late)),
        plan_to_date=_month_sum("planned", year, through),
        done_to_date=_month_sum("completed", year, through),
    )


def warnings_of(project: Project, tolerance_percent: int) -> list[str]:
    """The warnings of a project annotated by with_warnings (none when terminated)."""
    if project.status == ProjectStatus.TERMINATED:
        return []
    found = []
    if project.late_stage:
        found.append(ProjectWarning.STAGE_LATE)
    if project.reached_late:
        found.append(ProjectWarning.STAGE_REACHED_LATE)
    plan = project.plan_to_date or ZERO
    done = project.done_to_date or ZERO
    if plan > 0 and done * 100 < plan * (100 - tolerance_percent):
        found.append(ProjectWarning.INVESTMENT_BEHIND)
    return found


@dataclass(frozen=True)
class StageView:
    """A stage as the page, the API and the ledger show it on a day."""

    row: ProjectStage
    timing: StageTiming
    days_late: int

    @property
    def late(self) -> bool:
        return self.timing in (StageTiming.REACHED_LATE, StageTiming.OVERDUE)


def stage_views(stages: Iterable[ProjectStage], today: dt.date) -> list[StageView]:
    """Each stage with its timing on `today` (stages already loaded: no query)."""
    return [StageView(s, s.timing(today), s.days_late(today)) for s in stages]


def ledger_rows(queryset: QuerySet[Project], today: dt.date) -> QuerySet[Project]:
    """The ledger's projects: warnings, this year's money to date, stages (two queries)."""
    return (
        with_warnings(queryset, today)
        .annotate(
            year_planned=_month_sum("planned", today.year, today.month),
            year_completed=_month_sum("completed", today.year, today.month),
            funds_total=_month_sum("funds_in_place", today.year, today.month),
        )
        .select_related("responsible_unit", "district")
        .prefetch_related("stages")
        .order_by("code")
    )


def late_stages(project: Project, today: dt.date) -> list[StageView]:
    """The stages reached late or overdue, from the project's prefetched stages."""
    return [v for v in stage_views(project.stages.all(), today) if v.late]


# -- figures --------------------------------------------------------------------------


def _rate(part: Decimal | int, whole: Decimal | int) -> Decimal | None:
    """part / whole as a percentage with one decimal, None when nothing is due."""
    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"))


@dataclass
class Figures:
    """The figures of one set of projects; docs/projects.md defines each."""

    projects: int = 0
    terminated: int = 0
    by_stage: dict[str, int] = field(default_factory=lambda: dict.fromkeys(["", *STAGE_ORDER], 0))
    due_to_start: int = 0
    started_on_time: int = 0
    contracts_due: int = 0
    contracts_performed: int = 0
    contracted_investment: Decimal = ZERO
    funds_in_place: Decimal = ZERO
    investment_planned: Decimal = ZERO
    investment_completed: Decimal = ZERO
    effect_target: dict[str, Decimal] = field(default_factory=lambda: defaultdict(Decimal))
    effect_actual: dict[str, Decimal] = field(default_factory=lambda: defaultdict(Decimal))
    stages_due: int = 0
    stages_on_time: int = 0
    stages_reached_late: int = 0

    def stage_rows(self) -> list[tuple[str, int]]:
        """(label, count) for "not signed" and each stage, in order."""
        rows = [(_("Not signed"), self.by_stage[""])]
        return rows + [(str(Stage(s).label), self.by_stage[s]) for s in STAGE_ORDER]

    @property
    def started_on_time_rate(self) -> Decimal | None:
        return _rate(self.started_on_time, self.due_to_start)

    @property
    def contract_performance_rate(self) -> Decimal | None:
        return _rate(self.contracts_performed, self.contracts_due)

    @property
    def funds_in_place_rate(self) -> Decimal | None:
        return _rate(self.funds_in_place, self.contracted_investment)

    @property
    def investment_rate(self) -> Decimal | None:
        return _rate(self.investment_completed, self.investment_planned)

    @property
    def stages_overdue(self) -> int:
        return self.stages_due - self.stages_on_time - self.stages_reached_late

    @property
    def stage_on_time_rate(self) -> Decimal | None:
        return _rate(self.stages_on_time, self.stages_due)

    def effect_rates(self) -> dict[str, Decimal | None]:
        return {m: _rate(self.effect_actual[m], t) for m, t in self.effect_target.items()}


def _stage_count(condition: Q) -> Coalesce:
    """How many of the project's stages meet `condition` (0 for none)."""
    rows = (
        ProjectStage.objects.filter(condition, project=OuterRef("pk"))
        .values("project")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(rows, output_field=IntegerField()), 0)


def _stage_punctuality(as_of: dt.date) -> dict[str, Coalesce]:
    """Stages due by as_of; reached on or before their plan; reached after it by as_of."""
    due = Q(planned_date__lte=as_of)
    return {
        "stages_due": _stage_count(due),
        "stages_on_time": _stage_count(due & Q(actual_date__lte=F("planned_date"))),
        "stages_reached_late": _stage_count(
            due & Q(actual_date__gt=F("planned_date"), actual_date__lte=as_of)
        ),
    }


def _project_rows(queryset: QuerySet[Project], as_of: dt.date, year: int, through: int):
    """One row per project: its start plan, stage punctuality, money to date, year's effect."""
    # The stage reached by as_of: a past day reads the stages' actual dates; today (and
    # a project whose stage was set without a date) keeps the project's own stage.
    past = as_of < timezone.localdate()
    reached = (
        Subquery(
            ProjectStage.objects.filter(
                project=OuterRef("pk"), actual_date__isnull=False, actual_date__lte=as_of
            )
            .order_by("-order")
            .values("stage")[:1]
        )
        if past
        else F("stage")
    )
    return queryset.annotate(
        stage_reached=Coalesce(reached, Value("")),
        **_stage_punctuality(as_of),
        start=FilteredRelation("stages", condition=Q(stages__stage=Stage.STARTED)),
        signing=FilteredRelation("stages", condition=Q(stages__stage=Stage.SIGNED)),
        start_planned=F("start__planned_date"),
        start_actual=F("start__actual_date"),
        signed_on=F("signing__actual_date"),
        year_planned=_month_sum("planned", year, through),
        year_completed=_month_sum("completed", year, through),
        year_effect=_month_sum("effect", year, through),
        funds_total=Subquery(
            ProjectMonth.objects.filter(project=OuterRef("pk"))
            .filter(Q(year__lt=year) | Q(year=year, month__lte=through))
            .values("project")
            .annotate(total=Sum("funds_in_place"))
            .values("total"),
            output_field=DecimalField(max_digits=16, decimal_places=2),
        ),
    ).values(
        "pk",
        "stage_reached",
        "status",
        "is_contract",
        "contracted_investment",
        "effect_metric",
        "effect_target",
        "start_planned",
        "start_actual",
        "signed_on",
        "year_planned",
        "year_completed",
        "year_effect",
        "funds_total",
        "district_id",
        "responsible_unit_id",
        "kind",
        "level",
        "stages_due",
        "stages_on_time",
        "stages_reached_late",
    )


def _add(fig: Figures, row: dict, as_of: dt.date, count_in_approvals: bool) -> None:
    """Add one project's row to the figures (the numbered definitions of docs/projects.md)."""
    fig.projects += 1
    terminated = row["status"] == ProjectStatus.TERMINATED
    # 1. Stage counts: live projects by the stage reached; terminated counted apart.
    if terminated:
        fig.terminated += 1
    else:
        fig.by_stage[row["stage_reached"]] += 1
    planned, actual = row["start_planned"], row["start_actual"]
    on_time = bool(actual and planned and actual <= planned)
    # 2. Started on time: live projects whose planned start is on or before as_of.
    if not terminated and planned and planned <= as_of:
        fig.due_to_start += 1
        fig.started_on_time += on_time
    # 3. Contract performance: signed contract projects due to start by as_of.
    if row["is_contract"] and row["signed_on"] and planned and planned <= as_of:
        waiting = row["status"] == ProjectStatus.IN_APPROVALS and not actual
        if count_in_approvals or not waiting:
            fig.contracts_due += 1
            fig.contracts_performed += on_time
    # 4. Funds in place over contracted investment: live contract projects.
    if row["is_contract"] and not terminated and row["contracted_investment"] > 0:
        fig.contracted_investment += row["contracted_investment"]
        fig.funds_in_place += row["funds_total"] or ZERO
    # 5. Investment this year to the chosen month, completed against plan.
    if not terminated:
        fig.investment_planned += row["year_planned"] or ZERO
        fig.investment_completed += row["year_completed"] or ZERO
    # 6. Effect (达效): per metric, this year's actuals against the yearly targets.
    if not terminated and row["effect_metric"] and row["effect_target"] > 0:
        fig.effect_target[row["effect_metric"]] += row["effect_target"]
        fig.effect_actual[row["effect_metric"]] += row["year_effect"] or ZERO
    # 7. Stage punctuality: live projects' stages planned on or before as_of, reached on
    #    time, reached late (after the plan, by as_of), or overdue (the rest).
    if not terminated:
        fig.stages_due += row["stages_due"]
        fig.stages_on_time += row["stages_on_time"]
        fig.stages_reached_late += row["stages_reached_late"]


GROUPS = {
    "district": "district_id",
    "unit": "responsible_unit_id",
    "kind": "kind",
    "level": "level",
}


def check_as_of(day: dt.date) -> None:
    """Figures are taken on a day that has come: today or before."""
    if day > timezone.localdate():
        raise InvalidInput(_("“As of” cannot be a day still to come."), field="as_of")


def figures(
    queryset: QuerySet[Project],
    *,
    as_of: dt.date,
    year: int | None = None,
    through_month: int | None = None,
    by: str | None = None,
    count_in_approvals: bool | None = None,
) -> Figures | dict[object, Figures]:
    """The figures of a set of projects, or of each group of it (`by` one of GROUPS).

    `as_of` decides what is due; investment and effect cover `year` up to
    `through_month` (default: as_of's year and month). One query whatever the number
    of projects; the sums are done per project in the database.
    """
    check_as_of(as_of)
    year = year or as_of.year
    through = through_month or (as_of.month if year == as_of.year else 12)
    if count_in_approvals is None:
        count_in_approvals = ProjectPolicy.current().count_in_approvals
    rows = _project_rows(queryset.order_by(), as_of, year, through)
    if by is None:
        total = Figures()
        for row in rows:
            _add(total, row, as_of, count_in_approvals)
        return total
    groups: dict[object, Figures] = defaultdict(Figures)
    for row in rows:
        _add(groups[row[GROUPS[by]]], row, as_of, count_in_approvals)
    return dict(groups)


def months_of(project: Project, year: int) -> list[dict]:
    """The year's twelve months: plan, completed, funds, cumulative plan and completion."""
    rows = {m.month: m for m in project.months.filter(year=year)}
    out, plan_sum, done_sum = [], ZERO, ZERO
    for month in range(1, 13):
        row = rows.get(month)
        planned = row.planned if row else ZERO
        completed = row.completed if row else ZERO
        plan_sum += planned
        done_sum += completed
        out.append(
            {
                "month": month,
                "planned": planned,
                "completed": completed,
                "funds_in_place": row.funds_in_place if row else ZERO,
                "effect": row.effect if row else ZERO,
                "reported": bool(row and row.reported_at),
                "plan_to_date": plan_sum,
                "done_to_date": done_sum,
            }
        )
    return out


def linked_matters(project: Project, user: User) -> QuerySet:
    """The project's problems, as matters the user may see (the one door: visible_to)."""
    from luoshi.matters.models import Matter

    return (
        Matter.objects.visible_to(user)
        .filter(project_problem__project=project)
        .select_related("lead_unit")
        .order_by("-created_at")
    )


def group_names(by: str, keys: Iterable) -> dict:
    """The names of figure groups: units by name, kinds and levels by label."""
    if by in ("district", "unit"):
        from luoshi.org.models import Unit

        ids = [k for k in keys if k]
        return dict(Unit.objects.filter(pk__in=ids).values_list("pk", "name"))
    choices = ProjectKind if by == "kind" else ProjectLevel
    return {k: choices(k).label for k in keys}
