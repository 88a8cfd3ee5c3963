"""The hotline's time limits and thresholds (one row, edited in the admin)."""

from __future__ import annotations

import datetime as dt

from django.db import models
from django.utils.translation import gettext_lazy as _

from luoshi.lib import numbers
from luoshi.lib.single_row import SingleRow
from luoshi.matters.services.reopening import Rating

from .choices import RequestType


class CitizenPolicy(SingleRow, models.Model):
    """Time limits by request type (defaults to check against the city's own rules).

    Dispatch within 30 minutes of working time; acceptance within the matters policy's
    working day; an inquiry answered within 1 working day, other types within 15
    (5 when urgent). The answer's deadline is the matter's, so the warning scan
    warns of it like of any deadline.
    """

    dispatch_minutes = models.PositiveSmallIntegerField(
        _("minutes of working time to dispatch"),
        default=30,
        validators=numbers.range_validators(0, 10000),
    )
    work_starts = models.TimeField(_("working hours start"), default=dt.time(8, 30))
    work_ends = models.TimeField(_("working hours end"), default=dt.time(17, 30))
    inquiry_workdays = models.PositiveSmallIntegerField(
        _("working days to answer an inquiry"), default=1, validators=numbers.workday_validators()
    )
    normal_workdays = models.PositiveSmallIntegerField(
        _("working days to handle other requests"),
        default=15,
        validators=numbers.workday_validators(),
    )
    urgent_workdays = models.PositiveSmallIntegerField(
        _("working days to handle urgent requests"),
        default=5,
        validators=numbers.workday_validators(),
    )
    duplicate_days = models.PositiveSmallIntegerField(
        _("days within which a similar request is a duplicate"),
        default=7,
        validators=numbers.range_validators(0, numbers.DAYS_MAX),
    )
    duplicate_similarity = models.PositiveSmallIntegerField(
        _("text similarity (%) for a duplicate"),
        default=40,
        validators=numbers.range_validators(0, numbers.PERCENT_MAX),
    )
    duplicate_metres = models.PositiveIntegerField(
        _("distance (metres) within which two places are the same"),
        default=150,
        validators=numbers.range_validators(0, 100_000),
    )
    rating_days = models.PositiveSmallIntegerField(
        _("days to rate before 'basically satisfied' is given"),
        default=7,
        validators=numbers.range_validators(0, numbers.DAYS_MAX),
    )
    default_rating = models.CharField(
        _("rating given by default"),
        max_length=24,
        choices=Rating.choices,
        default=Rating.BASICALLY_SATISFIED,
    )
    reopen_workdays = models.PositiveSmallIntegerField(
        _("working days to handle a reopened request"),
        default=5,
        validators=numbers.workday_validators(),
    )
    max_reopens = models.PositiveSmallIntegerField(
        _("reopens before the supervisor"), default=1, validators=numbers.range_validators(0, 100)
    )
    hotspot_weeks = models.PositiveSmallIntegerField(
        _("weeks shown in hot spots"), default=8, validators=numbers.range_validators(1, 520)
    )
    hotspot_rise_percent = models.PositiveSmallIntegerField(
        _("a hot spot is rising when a week exceeds the mean of the weeks before by (%)"),
        default=50,
        validators=numbers.range_validators(0, 10000),
    )
    hotspot_min_count = models.PositiveSmallIntegerField(
        _("a rising hot spot has at least this many requests in the week"),
        default=3,
        validators=numbers.range_validators(0, 10000),
    )

    class Meta:
        verbose_name = _("hotline policy")
        verbose_name_plural = _("hotline policy")

    def __str__(self) -> str:
        return str(_("Hotline time limits"))

    def limit_workdays(self, request_type: str, urgent: bool) -> int:
        if request_type == RequestType.INQUIRY:
            return self.inquiry_workdays
        return self.urgent_workdays if urgent else self.normal_workdays
