"""Working days on the official calendar: 春节, 劳动节, 国庆 and their 调休 days, 2024–2026,
and the provisional calendar (Monday–Friday less the statutory holidays, computed from the
lunar calendar and the solar terms) plus overrides for a year the package does not know (2027).

The dates below were read from the chinesecalendar package data (1.11) and the State
Council notices; each assertion names a concrete day so a wrong package shows at once.
"""

import datetime as dt

import chinese_calendar
import pytest

from luoshi.lib.workdays import WorkCalendar, official_years, qingming, statutory_holidays

D = dt.date
CAL = WorkCalendar()


@pytest.mark.parametrize(
    ("day", "working"),
    [
        # 2024 春节: Feb 10–17 off; Sunday Feb 4 and Sunday Feb 18 are working days.
        (D(2024, 2, 4), True),
        (D(2024, 2, 12), False),
        (D(2024, 2, 18), True),
        # 2024 劳动节: May 1–5 off; Sunday Apr 28 and Saturday May 11 worked.
        (D(2024, 5, 2), False),
        (D(2024, 4, 28), True),
        (D(2024, 5, 11), True),
        # 2024 国庆: Oct 1–7 off; Sunday Sep 29 and Saturday Oct 12 worked.
        (D(2024, 10, 7), False),
        (D(2024, 9, 29), True),
        (D(2024, 10, 12), True),
        # 2025 春节: Jan 28–Feb 4 off; Sunday Jan 26 and Saturday Feb 8 worked.
        (D(2025, 1, 28), False),
        (D(2025, 2, 4), False),
        (D(2025, 1, 26), True),
        (D(2025, 2, 8), True),
        # 2025 劳动节 (May 1–5) with Sunday Apr 27 worked; 国庆 Oct 1–8, Sat Oct 11 worked.
        (D(2025, 5, 5), False),
        (D(2025, 4, 27), True),
        (D(2025, 10, 8), False),
        (D(2025, 10, 11), True),
        # 2026 春节: Feb 15–23 off; Saturdays Feb 14 and Feb 28 worked.
        (D(2026, 2, 23), False),
        (D(2026, 2, 14), True),
        (D(2026, 2, 28), True),
        # 2026 劳动节: May 1–5 off; Saturday May 9 worked.
        (D(2026, 5, 5), False),
        (D(2026, 5, 9), True),
        # 2026 国庆: Oct 1–7 off; Sunday Sep 20 and Saturday Oct 10 worked.
        (D(2026, 10, 1), False),
        (D(2026, 10, 7), False),
        (D(2026, 9, 20), True),
        (D(2026, 10, 10), True),
        # Ordinary days.
        (D(2026, 3, 4), True),
        (D(2026, 3, 7), False),
    ],
)
def test_official_days(day, working):
    assert CAL.is_workday(day) is working


@pytest.mark.parametrize(
    ("start", "n", "expected"),
    [
        # Across 2024 春节: Fri Feb 9 (除夕 was a working day in 2024) → Sun Feb 18 (调休).
        (D(2024, 2, 9), 1, D(2024, 2, 18)),
        (D(2024, 2, 9), 2, D(2024, 2, 19)),
        # Across 2024 国庆 into the 调休 Saturday Oct 12.
        (D(2024, 9, 30), 1, D(2024, 10, 8)),
        (D(2024, 9, 30), 5, D(2024, 10, 12)),
        # Across 2025 春节: Mon Jan 27 → Wed Feb 5.
        (D(2025, 1, 27), 1, D(2025, 2, 5)),
        (D(2025, 1, 27), 4, D(2025, 2, 8)),
        # 2025 劳动节: Wed Apr 30 → Tue May 6.
        (D(2025, 4, 30), 1, D(2025, 5, 6)),
        # 2026 春节: Fri Feb 13 → Sat Feb 14 (调休) → Tue Feb 24.
        (D(2026, 2, 13), 1, D(2026, 2, 14)),
        (D(2026, 2, 13), 2, D(2026, 2, 24)),
        # 2026 劳动节: Thu Apr 30 → Wed May 6; the 6th working day is the 调休 Saturday May 9.
        (D(2026, 4, 30), 1, D(2026, 5, 6)),
        (D(2026, 4, 30), 4, D(2026, 5, 9)),
        # 2026 国庆: Wed Sep 30 → Thu Oct 8; the third is Saturday Oct 10.
        (D(2026, 9, 30), 1, D(2026, 10, 8)),
        (D(2026, 9, 30), 3, D(2026, 10, 10)),
        # Twenty working days from Mon Sep 14, 2026: Sep 20 and Oct 10 count, 中秋 Sep 25 not.
        (D(2026, 9, 14), 20, D(2026, 10, 16)),
    ],
)
def test_add_workdays_across_holidays(start, n, expected):
    assert CAL.add_workdays(start, n) == expected
    assert CAL.workdays_between(start, expected) == n


def test_add_workdays_edge_cases():
    # Starting on a holiday: the count begins after it.
    assert CAL.add_workdays(D(2026, 10, 3), 1) == D(2026, 10, 8)
    # n = 0 is the day itself when working, else the next working day.
    assert CAL.add_workdays(D(2026, 10, 9), 0) == D(2026, 10, 9)
    assert CAL.add_workdays(D(2026, 10, 3), 0) == D(2026, 10, 8)
    assert CAL.add_workdays(D(2026, 10, 10), 0) == D(2026, 10, 10)
    # Negative n counts back, skipping the holiday.
    assert CAL.add_workdays(D(2026, 10, 8), -1) == D(2026, 9, 30)
    assert CAL.add_workdays(D(2026, 10, 12), -2) == D(2026, 10, 9)
    assert CAL.add_workdays(D(2026, 10, 4), -1) == D(2026, 9, 30)


def test_workdays_between_edge_cases():
    assert CAL.workdays_between(D(2026, 9, 30), D(2026, 9, 30)) == 0
    assert CAL.workdays_between(D(2026, 9, 30), D(2026, 10, 7)) == 0
    assert CAL.workdays_between(D(2026, 9, 30), D(2026, 10, 10)) == 3
    assert CAL.workdays_between(D(2026, 10, 10), D(2026, 9, 30)) == -3
    # Start on a holiday: (start, end] does not count the start.
    assert CAL.workdays_between(D(2026, 10, 1), D(2026, 10, 8)) == 1


def test_last_workday_of_month():
    assert CAL.last_workday_of_month(2026, 2) == D(2026, 2, 28)  # a 调休 Saturday
    assert CAL.last_workday_of_month(2026, 1) == D(2026, 1, 30)
    assert CAL.last_workday_of_month(2026, 12) == D(2026, 12, 31)
    assert CAL.last_workday_of_month(2025, 9) == D(2025, 9, 30)


def test_package_covers_2024_to_2026_not_2027():
    years = official_years()
    assert {2024, 2025, 2026} <= set(years)
    assert 2027 not in years
    assert CAL.is_official(2026) and not CAL.is_official(2027)
    assert WorkCalendar(scheduled_years=frozenset({2027})).is_official(2027)


def test_2027_is_provisional_statutory_holidays_off_make_up_days_unknown():
    # 2027-01-01 is a Friday: 元旦 is a statutory holiday, so it is off even unpublished.
    assert not CAL.is_workday(D(2027, 1, 1))
    assert not CAL.is_workday(D(2027, 1, 2))
    assert CAL.is_workday(D(2027, 1, 4))
    # Thu Dec 31, (Fri Jan 1 off), Mon Jan 4, Tue Jan 5.
    assert CAL.add_workdays(D(2026, 12, 30), 3) == D(2027, 1, 5)
    assert CAL.workdays_between(D(2026, 12, 30), D(2027, 1, 8)) == 6
    # 春节 2027: 除夕 Fri 5 Feb to 初三 Mon 8 Feb; the week after counts until the notice says.
    assert [CAL.is_workday(D(2027, 2, d)) for d in range(4, 11)] == [
        True, False, False, False, False, True, True,
    ]  # fmt: skip
    assert CAL.is_workday(D(2027, 2, 20)) is False  # a Saturday: no make-up day is assumed


def test_counting_into_an_unpublished_year_is_provisional():
    assert not CAL.counts_provisionally(D(2026, 3, 2), D(2026, 12, 31))
    assert CAL.counts_provisionally(D(2026, 12, 30), D(2027, 1, 5))
    assert CAL.counts_provisionally(D(2027, 1, 5), D(2026, 12, 30))
    scheduled = WorkCalendar(scheduled_years=frozenset({2027}))
    assert not scheduled.counts_provisionally(D(2026, 12, 30), D(2027, 1, 5))
    assert scheduled.counts_provisionally(D(2027, 12, 30), D(2028, 1, 5))


def test_statutory_holidays_of_2027_and_2028():
    days = statutory_holidays(2027)
    assert len(days) == 13
    assert days[D(2027, 1, 1)] == "元旦"
    assert [d for d, name in days.items() if name == "春节"] == [
        D(2027, 2, 5), D(2027, 2, 6), D(2027, 2, 7), D(2027, 2, 8),
    ]  # fmt: skip
    assert days[D(2027, 4, 5)] == "清明节"
    assert days[D(2027, 6, 9)] == "端午节"
    assert days[D(2027, 9, 15)] == "中秋节"
    assert [d for d, n in days.items() if n in ("劳动节", "国庆节")] == [
        D(2027, 5, 1), D(2027, 5, 2), D(2027, 10, 1), D(2027, 10, 2), D(2027, 10, 3),
    ]  # fmt: skip
    # 2028: 春节 on 26 January (除夕 the 25th); 清明 on 4 April; 中秋 on 3 October.
    days = statutory_holidays(2028)
    assert days[D(2028, 1, 25)] == "春节" and days[D(2028, 1, 28)] == "春节"
    assert days[D(2028, 4, 4)] == "清明节" and days[D(2028, 10, 3)] == "中秋节"


def test_qingming_is_the_solar_term_not_a_fixed_date():
    # The 15° solar longitude falls on 4, 5 or (rarely) 6 April, Beijing time.
    assert {qingming(y) for y in (2027, 2028, 2029, 2030)} == {
        D(2027, 4, 5), D(2028, 4, 4), D(2029, 4, 4), D(2030, 4, 5),
    }  # fmt: skip
    assert qingming(2008) == D(2008, 4, 4) and qingming(2010) == D(2010, 4, 5)


@pytest.mark.parametrize("year", range(2008, 2027))
def test_computed_festivals_are_days_off_in_every_published_schedule(year):
    """Against the package's official data: each computed festival day is a day off, and
    where the package names the festival of a day, it is the one we computed."""
    names = {
        "New Year's Day": "元旦",
        "Spring Festival": "春节",
        "Tomb-sweeping Day": "清明节",
        "Labour Day": "劳动节",
        "Dragon Boat Festival": "端午节",
        "Mid-autumn Festival": "中秋节",
        "National Day": "国庆节",
    }
    statutory = statutory_holidays(year)
    for day, festival in statutory.items():
        if festival == "春节" and day < min(d for d, n in statutory.items() if n == "春节") + (
            dt.timedelta(days=1) if year < 2025 else dt.timedelta(0)
        ):
            continue  # 除夕 became a statutory day only in 2025 (often bridged before)
        if day == D(year, 5, 2) and year < 2025:
            continue  # 劳动节 has had two statutory days since 2025 only
        assert not chinese_calendar.is_workday(day), (day, festival)
        on_holiday, name = chinese_calendar.get_holiday_detail(day)
        # When 中秋 falls on 1–3 October the package names the day either way.
        shared = {"国庆节", "中秋节"} if day.month == 10 and day.day <= 3 else {festival}
        if name is not None:
            assert names[name] in shared | {festival}, (day, name, festival)


def test_2027_overrides_are_honoured():
    calendar = WorkCalendar(
        {
            D(2027, 1, 1): False,  # 元旦
            D(2027, 2, 8): False,  # a 春节 weekday
            D(2027, 2, 20): True,  # a 调休 Saturday
        }
    )
    assert not calendar.is_workday(D(2027, 1, 1))
    assert calendar.add_workdays(D(2026, 12, 30), 3) == D(2027, 1, 5)
    assert calendar.add_workdays(D(2027, 2, 5), 1) == D(2027, 2, 9)
    assert calendar.add_workdays(D(2027, 2, 19), 1) == D(2027, 2, 20)


def test_override_beats_the_official_schedule():
    calendar = WorkCalendar({D(2026, 10, 10): False, D(2026, 3, 7): True})
    assert not calendar.is_workday(D(2026, 10, 10))
    assert calendar.is_workday(D(2026, 3, 7))
    assert calendar.add_workdays(D(2026, 9, 30), 3) == D(2026, 10, 12)


@pytest.mark.parametrize(
    "calendar",
    [
        CAL,
        # Overrides on both sides of a year boundary, one year entered by the office.
        WorkCalendar(
            {D(2026, 2, 14): True, D(2026, 3, 3): False, D(2027, 6, 5): True, D(2028, 1, 3): False},
            frozenset({2027}),
        ),
    ],
    ids=["package", "overrides"],
)
def test_counting_between_two_days_agrees_with_counting_each_day(calendar):
    """workdays_between reads running counts per year; it must give what walking the days
    one by one gives, across years, overrides and either direction."""

    def walked(start, end):
        if end < start:
            return -walked(end, start)
        day, count = start, 0
        while day < end:
            day += dt.timedelta(days=1)
            count += calendar.is_workday(day)
        return count

    starts = [D(2024, 1, 1), D(2025, 12, 31), D(2026, 2, 13), D(2026, 3, 3), D(2027, 6, 4)]
    ends = [D(2024, 1, 1), D(2026, 2, 14), D(2026, 12, 31), D(2027, 6, 5), D(2028, 1, 3)]
    for start in starts:
        for end in ends:
            assert calendar.workdays_between(start, end) == walked(start, end), (start, end)


def test_the_last_representable_year_is_counted_too():
    """A far date (a form's 9999-05-06) is a day like another: no overflow past 9999-12-31."""
    assert CAL.is_workday(D(9999, 5, 6)) is True  # a Thursday, provisional year
    assert CAL.workdays_between(D(9999, 12, 24), D(9999, 12, 31)) == 5
