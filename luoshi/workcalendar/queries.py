"""Reads for the calendar page: each year's status and the deadlines counted provisionally."""

from __future__ import annotations

from dataclasses import dataclass

from luoshi.lib.workdays import official_years, statutory_holidays
from luoshi.matters.services.deadlines import provisional_count

from .calendar import today
from .models import HolidaySchedule
from .schedule import date_runs


@dataclass
class YearRow:
    """A year as the page shows it: built in, entered by the office, or provisional."""

    year: int
    status: str  # "built_in", "entered", "provisional"
    schedule: HolidaySchedule | None = None
    statutory: list[tuple[str, str]] | None = None


def year_rows() -> list[YearRow]:
    """Last year to two years ahead, and every year the office entered: three queries at most."""
    this_year = today().year
    entered = {s.year: s for s in HolidaySchedule.objects.select_related("entered_by")}
    rows = []
    for year in sorted(set(range(this_year - 1, this_year + 3)) | set(entered)):
        if year in entered:
            rows.append(YearRow(year, "entered", entered[year]))
        elif year in official_years():
            rows.append(YearRow(year, "built_in"))
        else:
            rows.append(YearRow(year, "provisional", statutory=festivals(year)))
    return rows


def festivals(year: int) -> list[tuple[str, str]]:
    """The statutory holidays by festival, as a notice writes them: ("春节", "2月5日至8日")."""
    grouped: dict[str, list] = {}
    for day, festival in statutory_holidays(year).items():
        grouped.setdefault(festival, []).append(day)
    return [(festival, date_runs(days)) for festival, days in grouped.items()]


def form_initial() -> dict:
    """The first provisional year from this one on, the one the office will enter next."""
    rows = [r for r in year_rows() if r.status == "provisional" and r.year >= today().year]
    return {"year": rows[0].year if rows else today().year + 1}


def provisional_matters() -> int:
    return provisional_count()
