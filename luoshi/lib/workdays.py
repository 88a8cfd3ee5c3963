"""Working days on the official Chinese holiday calendar (调休 included).

The `chinesecalendar` package knows the State Council schedule for the years it
was released with and raises NotImplementedError for any other year. Deadlines
often reach into next year before its schedule is published (November or
December). For such a year the calendar is **provisional**: the statutory holidays
(全国年节及纪念日放假办法) are days off by default — 元旦, 劳动节 and 国庆 by date,
春节, 清明, 端午 and 中秋 by the lunar calendar and the solar terms — and the make-up
working days (调休上班) are unknown. A deadline counted through such a year is
marked provisional and recounted once the office enters the official schedule
(workcalendar), whose days then stand as overrides like any admin correction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache

import chinese_calendar
from lunar_python import Lunar, Solar

ONE_DAY = dt.timedelta(days=1)


@cache
def official_years() -> range:
    """The years whose official schedule the installed package carries."""
    years = [d.year for d in chinese_calendar.holidays]
    return range(min(years), max(years) + 1)


def _solar(solar: Solar) -> dt.date:
    return dt.date(solar.getYear(), solar.getMonth(), solar.getDay())


def _lunar_day(year: int, month: int, day: int) -> dt.date:
    return _solar(Lunar.fromYmd(year, month, day).getSolar())


def qingming(year: int) -> dt.date:
    """清明: the day (Beijing time) the sun reaches 15° of ecliptic longitude.

    lunar_python computes the solar terms astronomically in Beijing time; the
    lunar year that holds mid-April of `year` is `year`, so its table has the day.
    """
    return _solar(Solar.fromYmd(year, 4, 15).getLunar().getJieQiTable()["清明"])


@cache
def statutory_holidays(year: int) -> dict[dt.date, str]:
    """The statutory days off of `year` (放假办法 as revised from 2025), with their festival.

    元旦 1 day, 春节 4 days (除夕 to 正月初三), 清明 1, 劳动节 2, 端午 1, 中秋 1, 国庆 3:
    13 days, 12 in a year when 中秋 falls within 国庆.
    Only the statutory days: the bridges and the make-up working days around them are
    what the State Council's yearly notice adds, and are unknown until it is out.
    """
    new_year = _lunar_day(year, 1, 1)
    days = {dt.date(year, 1, 1): "元旦"}
    days.update({new_year + dt.timedelta(days=n): "春节" for n in range(-1, 3)})
    days[qingming(year)] = "清明节"
    days.update({dt.date(year, 5, 1): "劳动节", dt.date(year, 5, 2): "劳动节"})
    days[_lunar_day(year, 5, 5)] = "端午节"
    days.update({dt.date(year, 10, d): "国庆节" for d in (1, 2, 3)})
    days[_lunar_day(year, 8, 15)] = "中秋节"  # may fall on 1–3 October: one day, not two
    return dict(sorted(days.items()))


def _base_is_workday(day: dt.date, scheduled: bool) -> bool:
    if scheduled:
        return day.weekday() < 5
    if day.year in official_years():
        return chinese_calendar.is_workday(day)
    return day.weekday() < 5 and day not in statutory_holidays(day.year)


@cache
def _year_table(year: int, scheduled: bool) -> tuple[tuple[bool, ...], tuple[int, ...]]:
    """A year's working days before any override: a flag per day, and the running count
    (`count[i]`: working days among its first i days). The package's own lookup costs
    ~30 µs a day; an office backlog's ages counted day by day through a year took 60 ms
    a page. The table is built once a year and process, and the rules it reads are fixed."""
    first = dt.date(year, 1, 1)
    days = (dt.date(year, 12, 31) - first).days + 1  # 9999-12-31 has no next day
    flags = [_base_is_workday(first + dt.timedelta(days=n), scheduled) for n in range(days)]
    counts = [0]
    for flag in flags:
        counts.append(counts[-1] + flag)
    return tuple(flags), tuple(counts)


def _day_index(day: dt.date) -> int:
    return day.toordinal() - dt.date(day.year, 1, 1).toordinal()


@dataclass(frozen=True)
class WorkCalendar:
    """A calendar: overrides, then the office's schedule or the package, else provisional.

    1. A day in `overrides` (admin corrections, and the days of every schedule the
       office entered) is what the override says.
    2. In a year in `scheduled_years` (the office entered the State Council's notice),
       the other days count Monday–Friday: the notice's days are all overrides.
    3. In a year the package knows, the package decides.
    4. Any other year is provisional: Monday–Friday less the statutory holidays.
    """

    overrides: Mapping[dt.date, bool] = field(default_factory=dict)
    scheduled_years: frozenset[int] = frozenset()

    def is_official(self, year: int) -> bool:
        """Whether the year's official schedule is known (package or entered by the office)."""
        return year in self.scheduled_years or year in official_years()

    def is_workday(self, day: dt.date) -> bool:
        if day in self.overrides:
            return self.overrides[day]
        return self._table(day.year)[0][_day_index(day)]

    def _table(self, year: int) -> tuple[tuple[bool, ...], tuple[int, ...]]:
        return _year_table(year, year in self.scheduled_years)

    def counts_provisionally(self, start: dt.date, end: dt.date) -> bool:
        """Whether counting between the two days crosses a year without the official schedule."""
        first, last = sorted((start, end))
        return any(not self.is_official(y) for y in range(first.year, last.year + 1))

    def add_workdays(self, start: dt.date, n: int) -> dt.date:
        """The n-th working day after `start` (start itself not counted); before it if n < 0.

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
        # The base calendar's running counts, then each override in the range.
        first, last = self._table(start.year)[1], self._table(end.year)[1]
        if start.year == end.year:
            count = last[_day_index(end) + 1] - first[_day_index(start) + 1]
        else:
            count = first[-1] - first[_day_index(start) + 1] + last[_day_index(end) + 1]
            count += sum(self._table(year)[1][-1] for year in range(start.year + 1, end.year))
        for day, working in self.overrides.items():
            if start < day <= end:
                count += working - self._table(day.year)[0][_day_index(day)]
        return count

    def last_workday_of_month(self, year: int, month: int) -> dt.date:
        day = (dt.date(year + month // 12, month % 12 + 1, 1)) - ONE_DAY
        while not self.is_workday(day):
            day -= ONE_DAY
        return day
