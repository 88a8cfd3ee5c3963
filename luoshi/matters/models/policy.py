"""The office's configurable rules: time limits, thresholds, defaults by source."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from luoshi.lib import numbers
from luoshi.lib.single_row import SingleRow

from .choices import Priority, Source


class Policy(SingleRow, models.Model):
    """The office's time limits and warning thresholds (one row, edited in the admin)."""

    accept_limit_workdays = models.PositiveSmallIntegerField(
        _("working days to accept"), default=1, validators=numbers.workday_validators()
    )
    dispute_limit_workdays = models.PositiveSmallIntegerField(
        _("working days to dispute after assignment"),
        default=1,
        validators=numbers.workday_validators(),
    )
    extension_min_workdays_before = models.PositiveSmallIntegerField(
        _("extension must be asked at least this many working days before the deadline"),
        default=1,
        validators=numbers.workday_validators(),
    )
    due_soon_workdays = models.PositiveSmallIntegerField(
        _("due soon: working days before the deadline"),
        default=3,
        validators=numbers.workday_validators(),
    )
    stall_grace_workdays = models.PositiveSmallIntegerField(
        _("stalled: working days of grace after the report cycle"),
        default=2,
        validators=numbers.workday_validators(),
    )
    behind_plan_yellow_points = models.PositiveSmallIntegerField(
        _("behind plan (yellow) from this many points"),
        default=10,
        validators=numbers.range_validators(0, numbers.PERCENT_MAX),
    )
    behind_plan_red_points = models.PositiveSmallIntegerField(
        _("behind plan (red) past this many points"),
        default=30,
        validators=numbers.range_validators(0, numbers.PERCENT_MAX),
    )
    rework_min_workdays = models.PositiveSmallIntegerField(
        _("sent back for rework: at least this many working days left"),
        default=3,
        validators=numbers.workday_validators(),
    )
    office_backlog_workdays = models.PositiveSmallIntegerField(
        _("office backlog: late when waiting longer than this many working days"),
        default=3,
        validators=numbers.workday_validators(),
    )

    class Meta:
        verbose_name = _("policy")
        verbose_name_plural = _("policy")

    def __str__(self) -> str:
        return str(_("Time limits and thresholds"))


class WarningScan(SingleRow, models.Model):
    """The last nightly warning scan: its day and the stamp of the policy and calendar it
    used. A scan on a later day with the same stamp looks only at the rows whose warning
    can have moved since (matters.warnings); any other scan recomputes every row."""

    day = models.DateField(_("day"), null=True, blank=True)
    stamp = models.CharField(_("policy and calendar stamp"), max_length=64, blank=True)
    # The next nightly scan reads the matters saved since this moment (less a margin).
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)

    class Meta:
        verbose_name = _("warning scan")
        verbose_name_plural = _("warning scans")

    def __str__(self) -> str:
        return f"{self.day} {self.stamp[:8]}"


class NextWarningChange(models.Model):
    """The first day a matter's warning can change by time alone (matters.warnings
    .next_change), kept beside the matter rather than on it: the nightly scan moves this
    date for every row due, and rewriting a narrow row with one index costs a fraction of
    rewriting a matter and its twenty-odd indexes. The matter itself is rewritten only
    when its warning moves. NEVER when only a change of the matter can move it; no row
    once it stops running (suspended, closed: `warnings._park`). A matter saved since
    the last nightly scan began (updated_at) is computed by the next one; one without a
    row and not saved since, only by a full scan (a first scan, `luoshi scan --full`, a
    change of the policy or calendar)."""

    matter = models.OneToOneField(
        "matters.Matter",
        models.CASCADE,
        primary_key=True,
        related_name="+",
        verbose_name=_("matter"),
    )
    changes_on = models.DateField(_("warning changes on"), db_index=True)

    class Meta:
        verbose_name = _("next warning change")
        verbose_name_plural = _("next warning changes")

    def __str__(self) -> str:
        return f"{self.matter_id} {self.changes_on}"


# Working days allowed by source and priority when a matter is registered without
# a deadline (normal, urgent, very urgent). Offices use e.g. 20 for meeting minutes,
# 30 for documents, 1–30 for leader instructions by urgency.
DEFAULT_WORKDAYS = {
    Source.MEETING: (20, 10, 5),
    Source.INSTRUCTION: (30, 7, 1),
    Source.HIGHER_LEVEL: (30, 10, 3),
    Source.WORK_REPORT: (60, 30, 10),
    Source.PROPOSAL: (60, 30, 15),
    Source.CITIZEN: (15, 5, 1),
    Source.ENTERPRISE: (7, 3, 1),
    Source.INSPECTION: (30, 10, 3),
}


class SourcePolicy(models.Model):
    """Per source: whether a leader approves before dispatch, and the default time limits."""

    source = models.CharField(_("source"), max_length=16, choices=Source.choices, unique=True)
    requires_leader_approval = models.BooleanField(
        _("leader approves before dispatch"), default=False
    )
    normal_workdays = models.PositiveSmallIntegerField(
        _("normal: working days"), default=30, validators=numbers.workday_validators()
    )
    urgent_workdays = models.PositiveSmallIntegerField(
        _("urgent: working days"), default=10, validators=numbers.workday_validators()
    )
    very_urgent_workdays = models.PositiveSmallIntegerField(
        _("very urgent: working days"), default=3, validators=numbers.workday_validators()
    )

    class Meta:
        ordering = ["source"]
        verbose_name = _("source policy")
        verbose_name_plural = _("source policies")

    def __str__(self) -> str:
        return self.get_source_display()

    @classmethod
    def for_source(cls, source: str) -> SourcePolicy:
        stored = cls.objects.filter(source=source).first()
        if stored is not None:
            return stored
        normal, urgent, very = DEFAULT_WORKDAYS[Source(source)]
        return cls(
            source=source,
            normal_workdays=normal,
            urgent_workdays=urgent,
            very_urgent_workdays=very,
        )

    def default_workdays(self, priority: str) -> int:
        return {
            Priority.NORMAL: self.normal_workdays,
            Priority.URGENT: self.urgent_workdays,
            Priority.VERY_URGENT: self.very_urgent_workdays,
        }[Priority(priority)]


class SerialCounter(models.Model):
    """The last number issued per series and year (督办〔2026〕12号, 催办〔2026〕3号)."""

    series = models.CharField(max_length=16)
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["series", "year"], name="uniq_serial")]

    def __str__(self) -> str:
        return f"{self.series} {self.year}: {self.last}"
