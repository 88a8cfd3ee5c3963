"""Working days on the official Chinese holiday calendar (调休 included).

The `chinesecalendar` package knows the State Council schedule for the years it
was released with and raises NotImplementedError for any other year. Deadlines
often reach into next year before its schedule is published (November or
December), so a year the package does not cover falls back to Monday–Friday,
corrected by the admin-editable override table (workcalendar.DayOverride).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache

import chinese_calendar

ONE_DAY = dt.timedelta(days=1)


@cache
def official_years() -> range:
    """The years whose official schedule the installed package carries."""
    years = [d.year for d in chinese_calendar.holidays]
    return range(min(years), max(years) + 1)


@dataclass(frozen=True)
class WorkCalendar:
    """A calendar: the official schedule, then Mon–Fri, each corrected by overrides."""

    overrides: Mapping[dt.date, bool] = field(default_factory=dict)

    def is_workday(self, day: dt.date) -> bool:
        if day in self.overrides:
            return self.overrides[day]
        if day.year in official_years():
            return chinese_calendar.is_workday(day)
        return day.weekday() < 5

    def add_workdays(self, start: dt.date, n: int) -> dt.date:
        """The n-th working day after `start` (start itself not counted).

        n = 0 gives `start` itself when it is a working day, else the next one.
        """
        day = start
        if n == 0:
            while not self.is_workday(day):
                day += ONE_DAY
            return day
        step = ONE_DAY if n > 0 else -ONE_DAY
        remaining = abs(n)
        while remaining:
            day += step
            if self.is_workday(day):
                remaining -= 1
        return day

    def workdays_between(self, start: dt.date, end: dt.date) -> int:
        """Working days in (start, end]; negative when end is before start."""
        if end < start:
            return -self.workdays_between(end, start)
        count, day = 0, start
        while day < end:
            day += ONE_DAY
            count += self.is_workday(day)
        return count

    def last_workday_of_month(self, year: int, month: int) -> dt.date:
        day = (dt.date(year + month // 12, month % 12 + 1, 1)) - ONE_DAY
        while not self.is_workday(day):
            day -= ONE_DAY
        return day


def uncovered_years(years: range | list[int], override_years: set[int]) -> list[int]:
    """Years neither the package nor the override table describe (admins are warned)."""
    return [y for y in years if y not in official_years() and y not in override_years]
