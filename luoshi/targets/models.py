"""Targets (指标) and their trajectory (计程表): the planned value of each month, the
actuals the responsible unit reports against it, the months the office has closed, and
the event log of every change.

History is kept: re-planning appends a new plan version (the old rows stay), and a
closed month keeps the plan value, actual and status it was judged on, whatever plan
comes later.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from luoshi.lib import numbers
from luoshi.lib.eventlog import AppendOnlyModel


class Direction(models.TextChoices):
    HIGHER = "higher", _("Higher is better")
    LOWER = "lower", _("Lower is better")


class TargetWarning(models.TextChoices):
    NORMAL = "normal", _("On its path")
    BEHIND = "behind", _("Behind its trajectory")


class MonthStatus(models.TextChoices):
    AHEAD = "ahead", _("Ahead")
    ON_TRACK = "on_track", _("On track")
    BEHIND = "behind", _("Behind")
    NOT_REPORTED = "not_reported", _("Not reported")


# Colour of each month status for charts and badges (one place, as for matter warnings).
STATUS_COLOURS = {
    MonthStatus.AHEAD: "green",
    MonthStatus.ON_TRACK: "state",
    MonthStatus.BEHIND: "red",
    MonthStatus.NOT_REPORTED: "grey",
}


class Target(models.Model):
    """A quantitative goal (指标) of a unit for a year: GDP growth, investment in place …

    `accumulates` says whether the monthly figures are year-to-date sums (investment:
    the December value is the year's) or levels (a growth rate, a ratio). The trajectory
    and the actuals are read the same way. `margin` is how many percent a month may
    fall short of its planned value before it counts as behind. `plan_version` is the
    plan in force (PlannedMonth rows of that version); `version` rises with every
    change, so a stale form is refused.
    """

    unit = models.ForeignKey("org.Unit", models.PROTECT, related_name="targets")
    year = models.PositiveSmallIntegerField(_("year"), validators=numbers.year_validators())
    name = models.CharField(_("name"), max_length=100)
    yearly_value = models.DecimalField(
        _("yearly value"),
        max_digits=16,
        decimal_places=4,
        validators=numbers.range_validators(-numbers.FIGURE_MAX, numbers.FIGURE_MAX),
    )
    measure = models.CharField(_("unit of measure"), max_length=20)
    direction = models.CharField(
        _("direction"), max_length=8, choices=Direction.choices, default=Direction.HIGHER
    )
    accumulates = models.BooleanField(_("year-to-date sum"), default=True)
    margin = models.DecimalField(
        _("margin %"),
        max_digits=5,
        decimal_places=2,
        default=5,
        validators=numbers.range_validators(0, numbers.PERCENT_MAX),
    )
    warning = models.CharField(
        _("warning"), max_length=8, choices=TargetWarning.choices, default=TargetWarning.NORMAL
    )
    matter = models.ForeignKey(
        "matters.Matter",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("matter opened for it"),
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    plan_version = models.PositiveSmallIntegerField(_("plan in force"), default=1)
    version = models.PositiveIntegerField(_("version"), default=1)

    class Meta:
        ordering = ["year", "unit", "name"]
        verbose_name = _("target")
        verbose_name_plural = _("targets")
        constraints = [
            models.UniqueConstraint(fields=["unit", "year", "name"], name="uniq_target_unit_year")
        ]
        indexes = [models.Index(fields=["year", "warning"], name="target_year_warning")]

    def __str__(self) -> str:
        return f"{self.year} {self.name}"


class PlannedMonth(AppendOnlyModel):
    """The planned value of a target at the end of one month, in one plan version.

    Re-planning appends twelve rows of the next version; earlier versions stay.
    """

    # hash chain per subject (luoshi.lib.eventchain)
    chain_by = "target"
    chain_day = None

    target = models.ForeignKey(Target, models.PROTECT, related_name="plan")
    month = models.PositiveSmallIntegerField(_("month"))
    planned = models.DecimalField(
        _("planned"),
        max_digits=16,
        decimal_places=4,
        validators=numbers.range_validators(-numbers.FIGURE_MAX, numbers.FIGURE_MAX),
    )
    plan_version = models.PositiveSmallIntegerField(_("plan version"), default=1)

    class Meta:
        ordering = ["target", "plan_version", "month"]
        verbose_name = _("planned month")
        verbose_name_plural = _("planned months")
        constraints = [
            models.UniqueConstraint(
                fields=["target", "plan_version", "month"], name="uniq_plan_version_month"
            ),
            models.CheckConstraint(
                condition=models.Q(month__gte=1, month__lte=12), name="plan_month_1_12"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.target} v{self.plan_version} {self.month}: {self.planned}"


class ActualReport(AppendOnlyModel):
    """A unit's report of a target's actual value for a month, with source and note.

    Reports are never changed: a correction is a later report for the same month,
    and the latest one counts — until the month is closed.
    """

    # hash chain per subject (luoshi.lib.eventchain)
    chain_by = "target"
    chain_day = "reported_at"

    target = models.ForeignKey(Target, models.PROTECT, related_name="actuals")
    month = models.PositiveSmallIntegerField(_("month"))
    value = models.DecimalField(
        _("actual"),
        max_digits=16,
        decimal_places=4,
        validators=numbers.range_validators(-numbers.FIGURE_MAX, numbers.FIGURE_MAX),
    )
    source = models.CharField(_("source"), max_length=200)
    note = models.TextField(_("note"), blank=True)
    reported_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    reported_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["target", "month", "reported_at", "id"]
        verbose_name = _("actual report")
        verbose_name_plural = _("actual reports")
        indexes = [models.Index(fields=["target", "month"], name="actual_target_month")]

    def __str__(self) -> str:
        return f"{self.target} {self.month}: {self.value}"


class ClosedMonth(AppendOnlyModel):
    """A target's month after the office closed it (月度封存): the plan value, actual, gap
    and status it was judged on, frozen. Later re-plans and late reports leave it as is.
    """

    # hash chain per subject (luoshi.lib.eventchain)
    chain_by = "target"
    chain_day = "closed_at"

    target = models.ForeignKey(Target, models.PROTECT, related_name="closed_months")
    month = models.PositiveSmallIntegerField(_("month"))
    plan_version = models.PositiveSmallIntegerField(_("plan version judged on"))
    planned = models.DecimalField(_("planned"), max_digits=16, decimal_places=4, null=True)
    actual = models.DecimalField(_("actual"), max_digits=16, decimal_places=4, null=True)
    gap = models.DecimalField(_("gap %"), max_digits=12, decimal_places=2, null=True)
    status = models.CharField(_("status"), max_length=16, choices=MonthStatus.choices)
    report = models.ForeignKey(ActualReport, models.PROTECT, null=True, related_name="+")
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    closed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["target", "month"]
        verbose_name = _("closed month")
        verbose_name_plural = _("closed months")
        constraints = [
            models.UniqueConstraint(fields=["target", "month"], name="uniq_closed_target_month")
        ]

    def __str__(self) -> str:
        return f"{self.target} {self.month}: {self.status}"


class TargetEventKind(models.TextChoices):
    CREATED = "target.created", _("Target set")
    REPLANNED = "target.replanned", _("Re-planned")
    ACTUAL_REPORTED = "target.actual_reported", _("Actual reported")
    MONTH_CLOSED = "target.month_closed", _("Month closed")
    MATTER_OPENED = "target.matter_opened", _("Matter opened")


class TargetEvent(AppendOnlyModel):
    """One change to a target: who, when, what (and why). Appended by services only."""

    # hash chain per subject (luoshi.lib.eventchain)
    chain_by = "target"

    target = models.ForeignKey(Target, models.PROTECT, related_name="events")
    kind = models.CharField(_("kind"), max_length=32, choices=TargetEventKind.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, related_name="+")
    at = models.DateTimeField(auto_now_add=True)
    comment = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("target event")
        verbose_name_plural = _("target events")
        indexes = [models.Index(fields=["target", "at"], name="target_event_at")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d} {self.get_kind_display()}"
