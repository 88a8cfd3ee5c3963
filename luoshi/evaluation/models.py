"""Evaluation (考核): published schemes, periods, manual items, the scorecards, and the
event log of every change (EvaluationEvent)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from luoshi.lib import numbers
from luoshi.lib.eventlog import AppendOnlyModel


class PeriodKind(models.TextChoices):
    MONTH = "month", _("Month")
    QUARTER = "quarter", _("Quarter")
    YEAR = "year", _("Year")


class PeriodState(models.TextChoices):
    """open → (computed, any number of times) → reviewed → closed.

    A change to a reviewed period's results (a recomputation, a new or withdrawn item)
    sends it back to open: what was reviewed is what gets closed.
    """

    OPEN = "open", _("Open (provisional results)")
    REVIEWED = "reviewed", _("Reviewed (awaiting close)")
    CLOSED = "closed", _("Closed (results frozen)")


class AdjustmentKind(models.TextChoices):
    COMMENDATION = "commendation", _("Leader commendation")
    BONUS = "bonus", _("Bonus")
    PENALTY = "penalty", _("Penalty")


class Scheme(models.Model):
    """One published version of an evaluation scheme (考核办法).

    A unit starts at `base` and each rule adds points: `{"indicator": "rework",
    "points": -2}` adds points per unit of the indicator, `{"indicator":
    "on_time_rate", "weight": 20}` adds weight × rate / 100. A change publishes a new
    version; a period keeps the version it was opened with.
    """

    name = models.CharField(_("name"), max_length=100)
    version = models.PositiveIntegerField(_("version"))
    base = models.DecimalField(
        _("starting score"),
        max_digits=7,
        decimal_places=2,
        default=100,
        validators=numbers.range_validators(0, 1000),
    )
    rules = models.JSONField(_("rules"), default=list)
    unit_kinds = models.JSONField(_("kinds of unit evaluated"), default=list)
    honour_count = models.PositiveSmallIntegerField(
        _("places on each list"), default=3, validators=numbers.range_validators(1, 50)
    )
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    published_at = models.DateTimeField(_("published at"), auto_now_add=True)

    class Meta:
        ordering = ["name", "-version"]
        verbose_name = _("evaluation scheme")
        verbose_name_plural = _("evaluation schemes")
        constraints = [
            models.UniqueConstraint(fields=["name", "version"], name="uniq_scheme_version")
        ]

    def __str__(self) -> str:
        return f"{self.name} v{self.version}"


class Period(models.Model):
    """A month, quarter or year over which units are evaluated by one scheme version."""

    kind = models.CharField(_("kind"), max_length=8, choices=PeriodKind.choices)
    start = models.DateField(_("first day"))
    end = models.DateField(_("last day"))
    scheme = models.ForeignKey(Scheme, models.PROTECT, related_name="periods")
    state = models.CharField(
        _("state"), max_length=8, choices=PeriodState.choices, default=PeriodState.OPEN
    )
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+"
    )
    computed_at = models.DateTimeField(_("results computed at"), null=True, blank=True)
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+"
    )
    version = models.PositiveIntegerField(_("version"), default=1)

    class Meta:
        ordering = ["-start", "kind"]
        verbose_name = _("evaluation period")
        verbose_name_plural = _("evaluation periods")
        constraints = [
            models.UniqueConstraint(fields=["kind", "start"], name="uniq_period_kind_start")
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        if self.kind == PeriodKind.MONTH:
            return f"{self.start.year}年{self.start.month}月"
        if self.kind == PeriodKind.QUARTER:
            return f"{self.start.year}年第{(self.start.month - 1) // 3 + 1}季度"
        return f"{self.start.year}年"

    @property
    def is_closed(self) -> bool:
        return self.state == PeriodState.CLOSED

    @property
    def is_reviewed(self) -> bool:
        return self.state == PeriodState.REVIEWED


class Adjustment(models.Model):
    """A manual bonus or penalty item (加减分) for a unit in a period, with its reason.

    A commendation carries no points of its own: the scheme's `commendations` rule
    prices it, so every commendation weighs the same. A mistaken item is withdrawn
    (with its reason) while the period is open, never deleted.
    """

    period = models.ForeignKey(Period, models.PROTECT, related_name="adjustments")
    unit = models.ForeignKey("org.Unit", models.PROTECT, related_name="+")
    kind = models.CharField(_("kind"), max_length=16, choices=AdjustmentKind.choices)
    points = models.DecimalField(
        _("points"),
        max_digits=6,
        decimal_places=2,
        default=0,
        validators=numbers.range_validators(-100, 100),
    )
    reason = models.TextField(_("reason"))
    matter = models.ForeignKey(
        "matters.Matter", models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+"
    )
    withdrawal_reason = models.TextField(_("reason for withdrawal"), blank=True)

    class Meta:
        ordering = ["period", "unit", "id"]
        verbose_name = _("bonus or penalty item")
        verbose_name_plural = _("bonus and penalty items")
        indexes = [models.Index(fields=["period", "unit"], name="adjustment_period_unit")]

    def __str__(self) -> str:
        return f"{self.unit} {self.get_kind_display()} {self.points:+}"

    @property
    def is_withdrawn(self) -> bool:
        return self.withdrawn_at is not None


class Scorecard(models.Model):
    """A unit's result for a period: each indicator, the points it earned, score and rank.

    `figures` and `points` map indicator → value; `matter_ids` maps indicator → the
    matters behind the figure, so every number can be opened as a list. Once the
    period is closed the row is never recomputed.
    """

    period = models.ForeignKey(Period, models.PROTECT, related_name="scorecards")
    unit = models.ForeignKey("org.Unit", models.PROTECT, related_name="scorecards")
    group = models.CharField(_("group"), max_length=16)
    score = models.DecimalField(_("score"), max_digits=7, decimal_places=2)
    rank = models.PositiveIntegerField(_("rank"))
    rank_change = models.IntegerField(_("rank change"), null=True, blank=True)
    figures = models.JSONField(default=dict)
    points = models.JSONField(default=dict)
    matter_ids = models.JSONField(default=dict)
    computed_at = models.DateTimeField(_("computed at"))

    class Meta:
        ordering = ["period", "group", "rank", "unit_id"]
        verbose_name = _("scorecard")
        verbose_name_plural = _("scorecards")
        constraints = [
            models.UniqueConstraint(fields=["period", "unit"], name="uniq_scorecard_unit")
        ]
        indexes = [models.Index(fields=["unit", "period"], name="scorecard_unit_period")]

    def __str__(self) -> str:
        return f"{self.period} {self.unit}: {self.score}"


class EvaluationEventKind(models.TextChoices):
    SCHEME_PUBLISHED = "scheme.published", _("Scheme published")
    PERIOD_OPENED = "period.opened", _("Period opened")
    PERIOD_COMPUTED = "period.computed", _("Results computed")
    PERIOD_REVIEWED = "period.reviewed", _("Results reviewed")
    PERIOD_CLOSED = "period.closed", _("Period closed")
    ADJUSTMENT_ADDED = "adjustment.added", _("Item added")
    ADJUSTMENT_WITHDRAWN = "adjustment.withdrawn", _("Item withdrawn")


class EvaluationEvent(AppendOnlyModel):
    """One change to the evaluation: who, when, what, why. Appended by services only.

    `period`, `scheme`, `unit` and `adjustment` say what it concerns (some are empty);
    a system recomputation (the nightly `luoshi evaluate`) has no actor.
    """

    # no natural subject: one hash chain per day (luoshi.lib.eventchain)
    chain_by = None

    kind = models.CharField(_("kind"), max_length=32, choices=EvaluationEventKind.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, related_name="+")
    at = models.DateTimeField(auto_now_add=True)
    scheme = models.ForeignKey(Scheme, models.PROTECT, null=True, related_name="events")
    period = models.ForeignKey(Period, models.PROTECT, null=True, related_name="events")
    unit = models.ForeignKey("org.Unit", models.PROTECT, null=True, related_name="+")
    adjustment = models.ForeignKey(Adjustment, models.PROTECT, null=True, related_name="events")
    comment = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("evaluation event")
        verbose_name_plural = _("evaluation events")
        indexes = [models.Index(fields=["period", "at"], name="evaluation_event_period_at")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d} {self.get_kind_display()}"
