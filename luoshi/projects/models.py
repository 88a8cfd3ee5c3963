"""Key projects (重点项目, 项目为王): stages, investment by month, events, linked problems."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from luoshi.lib import numbers
from luoshi.lib.eventlog import AppendOnlyModel
from luoshi.lib.single_row import SingleRow


class ProjectKind(models.TextChoices):
    INDUSTRIAL = "industrial", _("Industrial")  # 产业项目
    INFRASTRUCTURE = "infrastructure", _("Infrastructure")  # 基础设施
    SOCIAL = "social", _("Social undertakings")  # 社会事业
    SERVICES = "services", _("Modern services")  # 现代服务业
    OTHER = "other", _("Other")


class ProjectLevel(models.TextChoices):
    PROVINCE = "province", _("Province key project")  # 省重点
    CITY = "city", _("City key project")  # 市重点


class Stage(models.TextChoices):
    """The six stages of the source speech, in order (签约→开工→在建→竣工→投产→达效)."""

    SIGNED = "signed", _("Signed")
    STARTED = "started", _("Started")
    BUILDING = "building", _("Under construction")
    BUILT = "built", _("Completed construction")
    PRODUCING = "producing", _("In production")
    EFFECTIVE = "effective", _("Effective")


STAGE_ORDER = [s.value for s in Stage]


class ProjectStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    IN_APPROVALS = "in_approvals", _("In approvals")  # 前期手续办理中: not started, not ended
    TERMINATED = "terminated", _("Terminated")  # 终止


class EffectMetric(models.TextChoices):
    """What 达效 is measured by for a project."""

    OUTPUT = "output", _("Output value")  # 产值
    REVENUE = "revenue", _("Revenue")  # 营业收入
    TAX = "tax", _("Tax")  # 税收


class ProjectWarning(models.TextChoices):
    """Declared once with their colours; the list, the page and the ledger read them.

    STAGE_LATE: a stage whose planned date has passed is not reached (act now).
    STAGE_REACHED_LATE: a stage was reached after its planned date (on the record).
    """

    NORMAL = "normal", _("Normal")
    STAGE_LATE = "stage_late", _("Stage late")
    STAGE_REACHED_LATE = "stage_reached_late", _("Stage reached late")
    INVESTMENT_BEHIND = "investment_behind", _("Investment behind plan")


WARNING_COLOURS = {
    ProjectWarning.NORMAL: "green",
    ProjectWarning.STAGE_LATE: "red",
    ProjectWarning.STAGE_REACHED_LATE: "yellow",
    ProjectWarning.INVESTMENT_BEHIND: "yellow",
}


class StageTiming(models.TextChoices):
    """Where a stage stands against its planned date on a given day."""

    UNPLANNED = "unplanned", _("No planned date")
    PENDING = "pending", _("Not due yet")
    ON_TIME = "on_time", _("Reached on time")
    REACHED_LATE = "reached_late", _("Reached late")
    OVERDUE = "overdue", _("Overdue")


LATE_TIMINGS = frozenset({StageTiming.REACHED_LATE, StageTiming.OVERDUE})


class Project(models.Model):
    """A key project (重点项目) followed through its six stages.

    Amounts are in 万元 (ten thousand yuan), as project ledgers keep them.
    `stage` is the last stage reached (blank before signing). Every change goes
    through projects.services, which raises `version` and appends a ProjectEvent.
    """

    code = models.CharField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=16, choices=ProjectKind.choices)
    level = models.CharField(_("level"), max_length=16, choices=ProjectLevel.choices)
    owner = models.ForeignKey(
        "enterprises.Enterprise",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="projects",
        verbose_name=_("owner enterprise"),
    )
    owner_name = models.CharField(_("owner (as written)"), max_length=200, blank=True)
    responsible_unit = models.ForeignKey(
        "org.Unit", models.PROTECT, related_name="projects", verbose_name=_("responsible unit")
    )
    responsible_leader = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="led_projects",
        verbose_name=_("responsible leader"),
    )
    district = models.ForeignKey(
        "org.Unit", models.PROTECT, related_name="district_projects", verbose_name=_("district")
    )
    is_contract = models.BooleanField(
        _("investment attraction with signed contract"), default=False
    )
    contracted_investment = numbers.amount_field(_("contracted investment (10k yuan)"))
    planned_investment = numbers.amount_field(_("planned total investment (10k yuan)"))
    effect_metric = models.CharField(
        _("effect measured by"), max_length=16, choices=EffectMetric.choices, blank=True
    )
    effect_target = numbers.amount_field(_("yearly effect target (10k yuan)"))
    status = models.CharField(
        _("status"), max_length=16, choices=ProjectStatus.choices, default=ProjectStatus.ACTIVE
    )
    stage = models.CharField(_("stage reached"), max_length=16, choices=Stage.choices, blank=True)
    version = models.PositiveIntegerField(_("version"), default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("key project")
        verbose_name_plural = _("key projects")
        indexes = [
            models.Index(fields=["district", "stage"], name="project_district_stage"),
            models.Index(fields=["responsible_unit", "stage"], name="project_unit_stage"),
            models.Index(fields=["kind", "level"], name="project_kind_level"),
            models.Index(fields=["status"], name="project_status"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def stage_index(self) -> int:
        """0 before signing, 1 for signed … 6 for effective."""
        return STAGE_ORDER.index(self.stage) + 1 if self.stage else 0


class ProjectStage(models.Model):
    """One of a project's six stages: its planned date, its actual date and the evidence."""

    project = models.ForeignKey(Project, models.PROTECT, related_name="stages")
    stage = models.CharField(_("stage"), max_length=16, choices=Stage.choices)
    order = models.PositiveSmallIntegerField()
    planned_date = models.DateField(_("planned date"), null=True, blank=True)
    actual_date = models.DateField(_("actual date"), null=True, blank=True)
    evidence = models.TextField(_("evidence"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["project", "order"]
        verbose_name = _("project stage")
        verbose_name_plural = _("project stages")
        constraints = [
            models.UniqueConstraint(fields=["project", "stage"], name="uniq_project_stage")
        ]
        indexes = [models.Index(fields=["stage", "planned_date"], name="stage_planned")]

    def __str__(self) -> str:
        return f"{self.project.code} {self.get_stage_display()}"

    def timing(self, today: dt.date) -> StageTiming:
        """On time, reached late or overdue as seen on `today` (a stage reached after
        today counts as not reached yet, so past days read as they were)."""
        if self.planned_date is None:
            return StageTiming.UNPLANNED
        reached = self.actual_date if self.actual_date and self.actual_date <= today else None
        if reached:
            late = reached > self.planned_date
            return StageTiming.REACHED_LATE if late else StageTiming.ON_TIME
        return StageTiming.OVERDUE if self.planned_date < today else StageTiming.PENDING

    def is_late(self, today: dt.date) -> bool:
        return self.timing(today) in LATE_TIMINGS

    def days_late(self, today: dt.date) -> int:
        """Days past the planned date: to reaching it, or to `today` while overdue."""
        timing = self.timing(today)
        if timing == StageTiming.REACHED_LATE:
            return (self.actual_date - self.planned_date).days
        if timing == StageTiming.OVERDUE:
            return (today - self.planned_date).days
        return 0


class ProjectMonth(models.Model):
    """A project's investment in one month: the plan, and what was reported (万元).

    `completed` is investment completed (完成投资) in the month; `funds_in_place` the
    funds that arrived (到位资金) in the month; `effect` the month's output, revenue
    or tax as named by Project.effect_metric (达效 actuals).
    """

    project = models.ForeignKey(Project, models.PROTECT, related_name="months")
    year = models.PositiveSmallIntegerField(validators=numbers.year_validators())
    month = models.PositiveSmallIntegerField(validators=numbers.range_validators(1, 12))
    planned = numbers.amount_field(_("planned investment"))
    completed = numbers.amount_field(_("investment completed"))
    funds_in_place = numbers.amount_field(_("funds in place"))
    effect = numbers.amount_field(_("effect actual"))
    reported_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["project", "year", "month"]
        verbose_name = _("project month")
        verbose_name_plural = _("project months")
        constraints = [
            models.UniqueConstraint(fields=["project", "year", "month"], name="uniq_project_month"),
            models.CheckConstraint(
                condition=models.Q(month__gte=1, month__lte=12), name="project_month_1_12"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.project.code} {self.year}-{self.month:02d}"


class ProjectEventKind(models.TextChoices):
    REGISTERED = "project.registered", _("Registered")
    UPDATED = "project.updated", _("Edited")
    PLANNED = "project.planned", _("Stage dates planned")
    STAGE_REACHED = "project.stage_reached", _("Stage reached")
    PLAN_SET = "project.plan_set", _("Investment plan set")
    MONTH_REPORTED = "project.month_reported", _("Month reported")
    STATUS_CHANGED = "project.status_changed", _("Status changed")
    PROBLEM_RAISED = "project.problem_raised", _("Problem raised")


class ProjectEvent(AppendOnlyModel):
    """One change to a project: who, when, what. Appended by services, never changed."""

    # hash chain per subject (luoshi.lib.eventchain)
    chain_by = "project"

    project = models.ForeignKey(Project, models.PROTECT, related_name="events")
    kind = models.CharField(_("kind"), max_length=32, choices=ProjectEventKind.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, related_name="+")
    at = models.DateTimeField(auto_now_add=True)
    comment = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("project event")
        verbose_name_plural = _("project events")
        indexes = [models.Index(fields=["project", "at"], name="project_event_at")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d} {self.get_kind_display()}"


class ProjectProblem(models.Model):
    """A problem a project met, raised as a matter (its blocking issue in the one loop)."""

    matter = models.OneToOneField("matters.Matter", models.PROTECT, related_name="project_problem")
    project = models.ForeignKey(Project, models.PROTECT, related_name="problems")

    class Meta:
        verbose_name = _("project problem")
        verbose_name_plural = _("project problems")

    def __str__(self) -> str:
        return f"{self.project.code}: {self.matter_id}"


class ProjectPolicy(SingleRow, models.Model):
    """How the office counts project figures (one row, edited in the admin)."""

    count_in_approvals = models.BooleanField(
        _("count signed projects still in approvals in the contract performance rate"),
        default=True,
    )
    investment_tolerance_percent = models.PositiveSmallIntegerField(
        _("investment behind plan: tolerated shortfall (%)"),
        default=0,
        validators=numbers.range_validators(0, numbers.PERCENT_MAX),
    )

    class Meta:
        verbose_name = _("project policy")
        verbose_name_plural = _("project policy")

    def __str__(self) -> str:
        return str(_("Project counting rules"))
