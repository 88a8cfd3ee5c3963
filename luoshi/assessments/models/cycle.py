"""A rating cycle and each unit's assessment in it: self-assessment → review → publication."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from luoshi.lib import numbers
from luoshi.lib.eventlog import AppendOnlyModel

from .records import Incident
from .templates import AssessmentTemplate, Criterion


class CycleState(models.TextChoices):
    OPEN = "open", _("Open")  # units assess themselves, reviewers review
    PUBLISHED = "published", _("Published")


class AssessmentCycle(models.Model):
    """One round of a template (2026年度五星支部创建评定) over a period, published at the end."""

    template = models.ForeignKey(
        AssessmentTemplate, models.PROTECT, related_name="cycles", verbose_name=_("template")
    )
    name = models.CharField(_("name"), max_length=200)
    period_start = models.DateField(_("period from"))
    period_end = models.DateField(_("period to"))
    self_due = models.DateField(_("self-assessment by"), null=True, blank=True)
    review_due = models.DateField(_("review by"), null=True, blank=True)
    state = models.CharField(
        _("state"), max_length=16, choices=CycleState.choices, default=CycleState.OPEN
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+"
    )
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    version = models.PositiveIntegerField(_("version"), default=1)

    class Meta:
        ordering = ["-period_end", "-id"]
        verbose_name = _("assessment cycle")
        verbose_name_plural = _("assessment cycles")
        indexes = [models.Index(fields=["template", "period_end"], name="cycle_template_end")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(period_end__gte=models.F("period_start")),
                name="cycle_period_order",
            )
        ]

    def __str__(self) -> str:
        return self.name


class AssessmentState(models.TextChoices):
    DRAFT = "draft", _("Self-assessment in progress")  # 自评中
    SUBMITTED = "submitted", _("Submitted for review")  # 待审核
    REVIEWED = "reviewed", _("Reviewed")  # 已审核
    PUBLISHED = "published", _("Published")  # 已公布


STATE_COLOURS = {
    AssessmentState.DRAFT: "grey",
    AssessmentState.SUBMITTED: "yellow",
    AssessmentState.REVIEWED: "yellow",
    AssessmentState.PUBLISHED: "green",
}


class Assessment(models.Model):
    """One unit's rating for one cycle (评定): it assesses itself, its reviewing unit scores
    and comments, the office publishes the stars (or goals) it earned.

    `stars` and `goals_met` are set at publication from the final scores; they are
    the unit's standing until the next cycle of the template is published.
    """

    cycle = models.ForeignKey(
        AssessmentCycle, models.PROTECT, related_name="assessments", verbose_name=_("cycle")
    )
    unit = models.ForeignKey(
        "org.Unit", models.PROTECT, related_name="assessments", verbose_name=_("unit")
    )
    reviewing_unit = models.ForeignKey(
        "org.Unit",
        models.PROTECT,
        related_name="assessments_reviewed",
        verbose_name=_("reviewing unit"),
    )
    state = models.CharField(
        _("state"), max_length=16, choices=AssessmentState.choices, default=AssessmentState.DRAFT
    )
    comment = models.TextField(_("reviewer's comment"), blank=True)
    stars = models.PositiveSmallIntegerField(_("stars"), null=True, blank=True)
    goals_met = models.JSONField(_("goals met"), default=list, blank=True)
    final_total = models.DecimalField(
        _("final score"), max_digits=7, decimal_places=1, null=True, blank=True
    )
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    version = models.PositiveIntegerField(_("version"), default=1)

    class Meta:
        ordering = ["cycle", "unit__path"]
        verbose_name = _("assessment")
        verbose_name_plural = _("assessments")
        constraints = [
            models.UniqueConstraint(fields=["cycle", "unit"], name="uniq_assessment_per_cycle")
        ]
        indexes = [
            models.Index(fields=["unit", "state"], name="assessment_unit_state"),
            models.Index(fields=["reviewing_unit", "state"], name="assessment_reviewer"),
            models.Index(fields=["cycle", "state"], name="assessment_cycle_state"),
        ]

    def __str__(self) -> str:
        return f"{self.cycle} · {self.unit}"


class Score(models.Model):
    """A criterion's score in an assessment: the unit's, the reviewer's, the published one."""

    assessment = models.ForeignKey(Assessment, models.PROTECT, related_name="scores")
    criterion = models.ForeignKey(Criterion, models.PROTECT, related_name="+")
    self_score = models.DecimalField(
        _("self-assessed"),
        max_digits=6,
        decimal_places=1,
        null=True,
        blank=True,
        validators=numbers.points_validators(),
    )
    self_note = models.TextField(_("evidence and explanation"), blank=True)
    review_score = models.DecimalField(
        _("reviewed"),
        max_digits=6,
        decimal_places=1,
        null=True,
        blank=True,
        validators=numbers.points_validators(),
    )
    review_comment = models.TextField(_("reviewer's comment"), blank=True)
    final_score = models.DecimalField(
        _("published score"),
        max_digits=6,
        decimal_places=1,
        null=True,
        blank=True,
        validators=numbers.points_validators(),
    )

    class Meta:
        ordering = ["assessment", "criterion__goal__order", "criterion__order", "criterion_id"]
        verbose_name = _("score")
        verbose_name_plural = _("scores")
        constraints = [
            models.UniqueConstraint(fields=["assessment", "criterion"], name="uniq_score")
        ]

    def __str__(self) -> str:
        return f"{self.criterion}: {self.final_score}"


class EvidenceFile(models.Model):
    """A file the unit gives as evidence for a criterion; private, served after a check."""

    score = models.ForeignKey(Score, models.PROTECT, related_name="files")
    file = models.FileField(upload_to="evidence/%Y/%m/")
    name = models.CharField(_("file name"), max_length=255)
    size = models.PositiveIntegerField(_("size"))
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["uploaded_at", "id"]
        verbose_name = _("evidence file")
        verbose_name_plural = _("evidence files")

    def __str__(self) -> str:
        return self.name


class FindingRuling(models.TextChoices):
    PENDING = "pending", _("Counts until the reviewer rules")
    CONFIRMED = "confirmed", _("Confirmed by the reviewer")
    OVERRULED = "overruled", _("Overruled by the reviewer")


class Finding(models.Model):
    """An incident that drops a criterion of an assessment (零事故 lost by an accident …).

    Attached automatically when the incident is recorded (or the cycle opens); it
    counts until the reviewer overrules it, with a reason.
    """

    assessment = models.ForeignKey(Assessment, models.PROTECT, related_name="findings")
    criterion = models.ForeignKey(Criterion, models.PROTECT, related_name="+")
    incident = models.ForeignKey(Incident, models.PROTECT, related_name="findings")
    ruling = models.CharField(
        _("ruling"), max_length=16, choices=FindingRuling.choices, default=FindingRuling.PENDING
    )
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    ruled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+"
    )
    ruled_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["assessment", "created_at", "id"]
        verbose_name = _("finding")
        verbose_name_plural = _("findings")
        constraints = [
            models.UniqueConstraint(
                fields=["assessment", "criterion", "incident"], name="uniq_finding"
            )
        ]

    def __str__(self) -> str:
        return f"{self.criterion}: {self.incident}"

    @property
    def counts(self) -> bool:
        return self.ruling != FindingRuling.OVERRULED and self.incident.voided_at is None


class AssessmentEventKind(models.TextChoices):
    OPENED = "assessment.opened", _("Cycle opened")
    SAVED = "assessment.saved", _("Self-assessment saved")
    SUBMITTED = "assessment.submitted", _("Self-assessment submitted")
    RETURNED = "assessment.returned", _("Returned for more evidence")
    REVIEWED = "assessment.reviewed", _("Reviewed")
    FINDING_ADDED = "assessment.finding_added", _("Incident record attached")
    FINDING_CONFIRMED = "assessment.finding_confirmed", _("Incident record confirmed")
    FINDING_OVERRULED = "assessment.finding_overruled", _("Incident record overruled")
    PUBLISHED = "assessment.published", _("Published")


class AssessmentEvent(AppendOnlyModel):
    """One step in an assessment's life: who, when, what. Appended by services only."""

    # hash chain per subject (luoshi.lib.eventchain)
    chain_by = "assessment"

    assessment = models.ForeignKey(Assessment, models.PROTECT, related_name="events")
    kind = models.CharField(_("kind"), max_length=32, choices=AssessmentEventKind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        related_name="+",
        verbose_name=_("actor"),
    )
    at = models.DateTimeField(_("at"), auto_now_add=True)
    comment = models.TextField(_("comment"), blank=True)
    data = models.JSONField(_("data"), default=dict, blank=True)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("assessment event")
        verbose_name_plural = _("assessment events")
        indexes = [models.Index(fields=["assessment", "at"], name="assessment_event_at")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.get_kind_display()}"
