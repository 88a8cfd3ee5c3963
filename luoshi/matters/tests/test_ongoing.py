"""Ongoing matters (持续推进): no invented deadline, never overdue, but they can stall."""

import datetime as dt

import pytest
import time_machine

from luoshi.lib.errors import InvalidInput
from luoshi.matters import services
from luoshi.matters.models import Matter, MatterWarning
from luoshi.matters.warnings import scan
from luoshi.testing import register

pytestmark = pytest.mark.django_db

MONDAY = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def clock():
    with time_machine.travel(MONDAY, tick=False) as traveller:
        yield traveller


def test_an_ongoing_matter_gets_no_deadline_and_is_never_overdue(city, clock):
    matter = register(city, title="常态化开展营商环境监测", ongoing=True, report_cycle="monthly")
    matter = services.assign_matter(matter, actor=city.supervisor, version=matter.version)
    assert matter.deadline is None and matter.ongoing
    clock.move_to(dt.datetime(2027, 6, 1, 9, 0, tzinfo=dt.UTC))
    scan()
    assert Matter.objects.get(pk=matter.pk).warning == MatterWarning.STALLED  # never reported


def test_an_ongoing_matter_with_a_deadline_is_refused_naming_the_field(city, clock):
    with pytest.raises(InvalidInput) as refused:
        register(city, ongoing=True, deadline=dt.date(2026, 6, 30))
    assert refused.value.field == "deadline"
    assert not Matter.objects.exists()


def test_the_api_registers_an_ongoing_matter_and_lists_it_as_such(city, clock, client):
    client.force_login(city.supervisor)
    body = {
        "title": "持续推进河湖长制落实",
        "source": "work_report",
        "lead_unit": city.lead.pk,
        "ongoing": True,
        "report_cycle": "quarterly",
    }
    created = client.post("/api/matters/", body, content_type="application/json")
    assert created.status_code in (200, 201), created.content
    pk = created.json()["matter"]["id"]
    detail = client.get(f"/api/matters/{pk}").json()
    assert detail["ongoing"] is True and detail["deadline"] is None
    page = client.get(f"/matters/{pk}/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert "持续推进" in page.content.decode()
