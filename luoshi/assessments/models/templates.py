"""Assessment templates (评定标准): criteria grouped under stars or goals. Edited as data."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from luoshi.lib import numbers


class AssessmentTemplate(models.Model):
    """A rating scheme (五星支部创建, 三零创建): goals, each with its criteria.

    `unit_kinds` are the kinds of unit it rates (villages and communities by
    default). Shipped as editable data (migration 0002); archived, never deleted.
    """

    code = models.SlugField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=100)
    description = models.TextField(_("description"), blank=True)
    unit_kinds = models.JSONField(_("kinds of unit rated"), default=list)
    # 五星支部 awards a star per goal met; 三零 speaks of goals met (零上访 …).
    awards_stars = models.BooleanField(_("each goal met is a star"), default=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("assessment template")
        verbose_name_plural = _("assessment templates")

    def __str__(self) -> str:
        return self.name


class Goal(models.Model):
    """A star (支部过硬 …) or a goal (零事故 …): met when its criteria reach the threshold.

    Met when the scores of its criteria add up to `threshold` and each criterion
    reaches its own threshold (assessments.scoring).
    """

    template = models.ForeignKey(
        AssessmentTemplate, models.PROTECT, related_name="goals", verbose_name=_("template")
    )
    code = models.SlugField(_("code"), max_length=32)
    name = models.CharField(_("name"), max_length=50)
    threshold = models.DecimalField(
        _("points to meet it"),
        max_digits=6,
        decimal_places=1,
        validators=numbers.points_validators(),
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["template", "order", "id"]
        verbose_name = _("star or goal")
        verbose_name_plural = _("stars and goals")
        constraints = [models.UniqueConstraint(fields=["template", "code"], name="uniq_goal_code")]

    def __str__(self) -> str:
        return self.name


class CriterionFeed(models.TextChoices):
    """Where a criterion's score comes from."""

    MANUAL = "manual", _("Self-assessed and reviewed")
    INCIDENTS = "incidents", _("Dropped by incident records")  # 零事故, 零上访, 零案件
    ACTIVITIES = "activities", _("Counted from branch activities")  # 三会一课, 主题党日


class Criterion(models.Model):
    """One criterion (评定标准条目): points, the threshold it must reach, the evidence needed.

    A `manual` criterion is scored by the unit and the reviewer. An `incidents` one is
    worth its points unless an incident of `incident_kinds` in the unit's territory
    during the cycle drops it to zero (the reviewer may overrule, with a reason). An
    `activities` one counts the branch's activities of `activity_types` against
    `activity_target` for the cycle.
    """

    goal = models.ForeignKey(
        Goal, models.PROTECT, related_name="criteria", verbose_name=_("star or goal")
    )
    title = models.CharField(_("criterion"), max_length=200)
    points = models.DecimalField(
        _("points"), max_digits=6, decimal_places=1, validators=numbers.points_validators()
    )
    threshold = models.DecimalField(
        _("must reach"),
        max_digits=6,
        decimal_places=1,
        default=0,
        validators=numbers.points_validators(),
    )
    evidence = models.CharField(_("evidence required"), max_length=300, blank=True)
    feed = models.CharField(
        _("scored from"), max_length=16, choices=CriterionFeed.choices, default=CriterionFeed.MANUAL
    )
    incident_kinds = models.JSONField(_("incident kinds"), default=list, blank=True)
    activity_types = models.JSONField(_("activity types"), default=list, blank=True)
    activity_target = models.PositiveSmallIntegerField(
        _("activities expected"), default=0, validators=numbers.range_validators(0, 1000)
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["goal", "order", "id"]
        verbose_name = _("criterion")
        verbose_name_plural = _("criteria")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(threshold__lte=models.F("points")),
                name="criterion_threshold_le_points",
            )
        ]

    def __str__(self) -> str:
        return self.title
