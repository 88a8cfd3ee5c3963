"""Times for generated rows, drawn from pools made once (no per-row date arithmetic).

A generated time is an hour offset from today's local midnight (negative: the past).
`Clock` turns it into the value the database takes, the canonical UTC text the event
hash chain reads (luoshi.lib.eventchain, step 2) and the local day; and counts working
days on the office's calendar (luoshi.workcalendar) by table lookup, as
WorkCalendar.add_workdays would.
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_right
from typing import Any


class Clock:
    """Hours and days from `first_day` (≤ 0) to `last_day` days from `today`."""

    def __init__(self, today: dt.date, first_day: int, last_day: int, calendar, ops) -> None:
        from django.utils import timezone

        self.today, self.first = today, first_day
        days = [today + dt.timedelta(o) for o in range(first_day, last_day + 1)]
        self.days = [ops.adapt_datefield_value(d) for d in days]
        self.iso_days = [d.isoformat() for d in days]
        self.hours: list[Any] = []
        self.iso_hours: list[str] = []
        zone = timezone.get_current_timezone()
        for day in days:
            midnight = dt.datetime.combine(day, dt.time(), tzinfo=zone)
            for hour in range(24):
                at = midnight + dt.timedelta(hours=hour)
                self.hours.append(ops.adapt_datetimefield_value(at))
                self.iso_hours.append(at.astimezone(dt.UTC).isoformat(timespec="microseconds"))
        # Working days as offsets, in order: the n-th working day after a day is a lookup.
        offsets = range(first_day, last_day + 1)
        self.workdays = [o for o, d in zip(offsets, days, strict=True) if calendar(d)]

    def at(self, hour: int) -> Any:
        """The database value of the time `hour` hours from today's midnight."""
        return self.hours[hour - self.first * 24]

    def iso(self, hour: int) -> str:
        return self.iso_hours[hour - self.first * 24]

    def day(self, offset: int) -> Any:
        return self.days[offset - self.first]

    def iso_day(self, offset: int) -> str:
        return self.iso_days[offset - self.first]

    def add_workdays(self, start: int, n: int) -> int:
        """The n-th working day after day `start` (n ≥ 1), as WorkCalendar.add_workdays."""
        return self.workdays[bisect_right(self.workdays, start) + n - 1]

    def workdays_between(self, start: int, end: int) -> int:
        """Working days in (start, end], as WorkCalendar.workdays_between (start ≤ end)."""
        return bisect_right(self.workdays, end) - bisect_right(self.workdays, start)
