"""The calendar deadlines are computed on: package data, entered schedules, overrides, warnings."""

import datetime as dt

import time_machine
from django.urls import reverse

from luoshi.workcalendar.calendar import (
    get_calendar,
    next_year_schedule_missing,
    years_without_schedule,
)
from luoshi.workcalendar.models import DayOverride, HolidaySchedule

D = dt.date
NOV_2026 = dt.datetime(2026, 11, 27, 2, tzinfo=dt.UTC)  # Friday, 10:00 in Beijing


def test_get_calendar_honours_override_rows_in_one_query(db, django_assert_num_queries):
    DayOverride.objects.create(date=D(2027, 1, 4), is_workday=False, note="本地调整")
    DayOverride.objects.create(date=D(2027, 2, 20), is_workday=True, note="春节调休")
    with django_assert_num_queries(1):
        calendar = get_calendar()
    assert not calendar.is_workday(D(2027, 1, 4))
    assert calendar.is_workday(D(2027, 2, 20))
    # 1 January is a statutory holiday even before the schedule; the 4th is off by override.
    assert calendar.add_workdays(D(2026, 12, 30), 3) == D(2027, 1, 6)
    # A local correction does not make the year official.
    assert not calendar.is_official(2027)


def test_an_entered_schedule_makes_its_year_official(db, city):
    schedule = HolidaySchedule.objects.create(year=2027, entered_by=city.supervisor)
    DayOverride.objects.create(date=D(2027, 2, 9), is_workday=False, schedule=schedule)
    calendar = get_calendar()
    assert calendar.is_official(2027) and not calendar.is_official(2028)
    assert not calendar.is_workday(D(2027, 2, 9))
    # The statutory days are the schedule's to say once entered: only its rows count.
    assert calendar.is_workday(D(2027, 2, 10))


@time_machine.travel(NOV_2026, tick=False)
def test_years_without_schedule(db, city):
    assert years_without_schedule() == [2027]
    DayOverride.objects.create(date=D(2027, 1, 4), is_workday=False, note="本地调整")
    assert years_without_schedule() == [2027]
    HolidaySchedule.objects.create(year=2027, entered_by=city.supervisor)
    assert years_without_schedule() == []


def test_next_year_schedule_missing_from_1_november(db, city, django_assert_num_queries):
    with django_assert_num_queries(0):
        assert next_year_schedule_missing(D(2026, 10, 31)) is None
    assert next_year_schedule_missing(D(2026, 11, 1)) == 2027
    assert next_year_schedule_missing(D(2026, 12, 31)) == 2027
    # 2026's schedule is built in: no warning in November 2025.
    with django_assert_num_queries(0):
        assert next_year_schedule_missing(D(2025, 11, 20)) is None
    HolidaySchedule.objects.create(year=2027, entered_by=city.supervisor)
    assert next_year_schedule_missing(D(2026, 11, 1)) is None


@time_machine.travel(NOV_2026, tick=False)
def test_admin_changelist_warns_about_an_uncovered_year(admin_client, admin_user):
    url = reverse("admin:workcalendar_dayoverride_changelist")
    page = admin_client.get(url)
    assert page.status_code == 200
    warnings = [str(m) for m in page.context["messages"]]
    assert len(warnings) == 1 and "2027" in warnings[0] and "provisional" in warnings[0]

    HolidaySchedule.objects.create(year=2027, entered_by=admin_user)
    page = admin_client.get(url)
    assert [str(m) for m in page.context["messages"]] == []


@time_machine.travel(dt.datetime(2026, 3, 2, 2, tzinfo=dt.UTC), tick=False)
def test_admin_changelist_never_warns_about_a_covered_year(admin_client):
    # In March 2026 the horizon is 2026–2027: 2026 is in the package, only 2027 is named.
    page = admin_client.get(reverse("admin:workcalendar_dayoverride_changelist"))
    warnings = [str(m) for m in page.context["messages"]]
    assert len(warnings) == 1 and "2027" in warnings[0] and "2026" not in warnings[0]


def test_schedules_are_read_only_in_the_admin(admin_client, admin_user):
    schedule = HolidaySchedule.objects.create(year=2027, entered_by=admin_user)
    url = reverse("admin:workcalendar_holidayschedule_change", args=[schedule.pk])
    assert admin_client.get(url).status_code == 200
    assert admin_client.post(url, {"year": 2028}).status_code == 403
    delete = reverse("admin:workcalendar_holidayschedule_delete", args=[schedule.pk])
    assert admin_client.post(delete, {"post": "yes"}).status_code == 403
