"""The calendar deadlines are computed on: package data, overrides, and the admin's warning."""

import datetime as dt

import time_machine
from django.urls import reverse

from luoshi.matters import services
from luoshi.testing import register
from luoshi.workcalendar.calendar import get_calendar, years_without_schedule
from luoshi.workcalendar.models import DayOverride

D = dt.date
NOV_2026 = dt.datetime(2026, 11, 27, 2, tzinfo=dt.UTC)  # Friday, 10:00 in Beijing


def test_get_calendar_honours_override_rows(db):
    DayOverride.objects.create(date=D(2027, 1, 1), is_workday=False, note="元旦")
    DayOverride.objects.create(date=D(2027, 2, 20), is_workday=True, note="春节调休")
    calendar = get_calendar()
    assert not calendar.is_workday(D(2027, 1, 1))
    assert calendar.is_workday(D(2027, 2, 20))
    assert calendar.add_workdays(D(2026, 12, 30), 3) == D(2027, 1, 5)


@time_machine.travel(NOV_2026, tick=False)
def test_years_without_schedule(db):
    assert years_without_schedule() == [2027]
    DayOverride.objects.create(date=D(2027, 1, 1), is_workday=False, note="元旦")
    assert years_without_schedule() == []


@time_machine.travel(NOV_2026, tick=False)
def test_admin_changelist_warns_about_an_uncovered_year(admin_client):
    url = reverse("admin:workcalendar_dayoverride_changelist")
    page = admin_client.get(url)
    assert page.status_code == 200
    warnings = [str(m) for m in page.context["messages"]]
    assert len(warnings) == 1 and "2027" in warnings[0]
    assert "2027" in page.content.decode()

    DayOverride.objects.create(date=D(2027, 1, 1), is_workday=False, note="元旦")
    page = admin_client.get(url)
    assert [str(m) for m in page.context["messages"]] == []


@time_machine.travel(dt.datetime(2026, 3, 2, 2, tzinfo=dt.UTC), tick=False)
def test_admin_changelist_never_warns_about_a_covered_year(admin_client):
    # In March 2026 the horizon is 2026–2027: 2026 is in the package, only 2027 is named.
    page = admin_client.get(reverse("admin:workcalendar_dayoverride_changelist"))
    warnings = [str(m) for m in page.context["messages"]]
    assert len(warnings) == 1 and "2027" in warnings[0] and "2026" not in warnings[0]


@time_machine.travel(NOV_2026, tick=False)
def test_deadline_in_working_days_reaches_into_2027(city):
    """5 working days from Fri 2026-11-27 … Dec 31 plus 20 into 2027, Mon–Fri + overrides."""
    matter = register(city, deadline_workdays=25)
    matter = services.assign_matter(matter, actor=city.supervisor, version=matter.version)
    # Nov 30–Dec 31 holds 24 working days (no holiday in December 2026); the 25th is Jan 1.
    assert matter.deadline == D(2027, 1, 1)

    DayOverride.objects.create(date=D(2027, 1, 1), is_workday=False, note="元旦")
    matter = register(city, deadline_workdays=25)
    matter = services.assign_matter(matter, actor=city.supervisor, version=matter.version)
    assert matter.deadline == D(2027, 1, 4)
