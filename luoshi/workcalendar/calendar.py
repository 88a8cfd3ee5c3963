"""The calendar every deadline is computed on: the official schedule plus overrides."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from luoshi.lib.workdays import WorkCalendar

from .models import DayOverride, HolidaySchedule


def get_calendar() -> WorkCalendar:
    """The current calendar. One small query: the override table holds a few dozen rows
    a year, and a schedule's year comes with its days."""
    rows = DayOverride.objects.values_list("date", "is_workday", "schedule__year")
    overrides, scheduled = {}, set()
    for day, is_workday, year in rows:
        overrides[day] = is_workday
        if year is not None:
            scheduled.add(year)
    return WorkCalendar(overrides, frozenset(scheduled))


def today() -> dt.date:
    return timezone.localdate()


def years_without_schedule(horizon_years: int = 1) -> list[int]:
    """This year and the next `horizon_years` when neither package nor office describe them."""
    this_year = today().year
    calendar = WorkCalendar(scheduled_years=frozenset(scheduled_years()))
    years = range(this_year, this_year + horizon_years + 1)
    return [y for y in years if not calendar.is_official(y)]


def scheduled_years() -> set[int]:
    return set(HolidaySchedule.objects.values_list("year", flat=True))


def next_year_schedule_missing(day: dt.date | None = None) -> int | None:
    """From 1 November: next year, while its official schedule is neither built in nor
    entered (the supervisor desk warns); None otherwise. A query only in Nov–Dec."""
    day = day or today()
    if day.month < 11:
        return None
    year = day.year + 1
    if WorkCalendar().is_official(year) or HolidaySchedule.objects.filter(year=year).exists():
        return None
    return year
