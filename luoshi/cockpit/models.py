"""Rollups of matters for the cockpit (驾驶舱): counts kept current so a dashboard never
groups raw matters.

Three tables, all derived (rebuilt by `luoshi rebuild_rollups`, never edited by hand)
from the moves of matters' standings (matters.history: what each matter was last
counted as, so a change moves exactly one count from the old bucket to the new one):

- UnitCount: the live count per lead unit × state × warning (plus the city totals,
  CITY_TOTAL).
- DailyChange: the net change of those counts per day, so the counts as of an earlier
  day are the live counts minus the changes after it.
- DailyFlow: what happened per day and unit — matters completed, matters newly overdue,
  matters assigned — for the trend charts and the "what changed since" list.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

# unit_id values that are not a unit: a matter with no lead unit yet, and the city total.
NO_UNIT = 0
ALL_UNITS = -1
# The city total of a bucket is kept in CITY_STRIPES rows (unit_id -1 … -8), each change
# adding to the stripe of its first matter (rollups.apply): with one row, every change
# anywhere in the city updated that row and held its lock to commit, so concurrent
# writers queued on it. Readers sum the stripes (CITY_TOTAL); rebuilds write stripe -1.
CITY_STRIPES = 8
CITY_TOTAL = tuple(range(ALL_UNITS, ALL_UNITS - CITY_STRIPES, -1))


class FlowMetric(models.TextChoices):
    COMPLETED = "completed", _("Completed")
    OVERDUE = "overdue", _("Became overdue")
    ASSIGNED = "assigned", _("Assigned")


class UnitCount(models.Model):
    """How many matters a lead unit holds in one state with one warning, right now."""

    unit_id = models.BigIntegerField()
    state = models.CharField(max_length=24)
    warning = models.CharField(max_length=16)
    n = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = _("unit count")
        verbose_name_plural = _("unit counts")
        constraints = [
            models.UniqueConstraint(
                fields=["unit_id", "state", "warning"], name="uniq_unitcount_bucket"
            )
        ]

    def __str__(self) -> str:
        return f"{self.unit_id}/{self.state}/{self.warning}: {self.n}"


class DailyChange(models.Model):
    """The net change, on one day, of a lead unit's count in one state × warning bucket."""

    day = models.DateField()
    unit_id = models.BigIntegerField()
    state = models.CharField(max_length=24)
    warning = models.CharField(max_length=16)
    delta = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = _("daily change")
        verbose_name_plural = _("daily changes")
        constraints = [
            models.UniqueConstraint(
                fields=["unit_id", "day", "state", "warning"], name="uniq_dailychange_bucket"
            )
        ]
        indexes = [models.Index(fields=["day", "unit_id"], name="dailychange_day_unit")]

    def __str__(self) -> str:
        return f"{self.day} {self.unit_id}/{self.state}/{self.warning}: {self.delta:+}"


class DailyFlow(models.Model):
    """How many of a unit's matters were completed, became overdue or were assigned on a day."""

    day = models.DateField()
    unit_id = models.BigIntegerField()
    metric = models.CharField(max_length=16, choices=FlowMetric.choices)
    n = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = _("daily flow")
        verbose_name_plural = _("daily flows")
        constraints = [
            models.UniqueConstraint(fields=["unit_id", "day", "metric"], name="uniq_dailyflow")
        ]
        indexes = [models.Index(fields=["day", "metric"], name="dailyflow_day_metric")]

    def __str__(self) -> str:
        return f"{self.day} {self.unit_id} {self.metric}: {self.n}"
