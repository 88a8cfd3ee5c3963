"""The calendar every deadline is computed on: the official schedule plus overrides."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from luoshi.lib.workdays import WorkCalendar, official_years

from .models import DayOverride


def get_calendar() -> WorkCalendar:
    """The current calendar. One small query: the override table holds a few dozen rows."""
    return WorkCalendar(dict(DayOverride.objects.values_list("date", "is_workday")))


def today() -> dt.date:
    return timezone.localdate()


def years_without_schedule(horizon_years: int = 1) -> list[int]:
    """This year and the next `horizon_years` when neither package nor overrides describe them.

    A year counts as entered in the override table once it has any override row:
    the admin enters the published schedule's holidays and 调休 days together.
    """
    this_year = today().year
    entered = {d.year for d in DayOverride.objects.dates("date", "year")}
    years = range(this_year, this_year + horizon_years + 1)
    return [y for y in years if y not in official_years() and y not in entered]
