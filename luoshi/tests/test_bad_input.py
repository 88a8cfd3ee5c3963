"""Issue 10 D and 14 A: bad input is refused with 422 naming the field, never a 500.

Each case goes through the API a client uses, logged in as the supervisor who may do it;
a refused request changes nothing.
"""

import datetime as dt

import pytest
import time_machine

from luoshi.evaluation.models import Period
from luoshi.matters.models import Matter


@pytest.fixture(autouse=True)
def november():
    with time_machine.travel(dt.datetime(2026, 11, 16, 10, tzinfo=dt.UTC), tick=False):
        yield


@pytest.fixture
def office(client, city):
    client.raise_request_exception = False
    client.force_login(city.supervisor)
    return client


def post(client, url, body):
    return client.post(url, body, content_type="application/json")


def refused(response, field):
    assert response.status_code == 422, (response.status_code, response.content[:300])
    body = response.json()
    assert body["code"] == "invalid_input" and body["field"] == field, body
    return body


def publish_scheme(client):
    scheme = post(client, "/api/evaluation/schemes", {"name": "月度考核"})
    assert scheme.status_code == 200, scheme.content
    return scheme.json()["id"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"kind": "month", "year": 2026, "number": 13}, "number"),
        ({"kind": "month", "year": 0, "number": 1}, "year"),
        ({"kind": "quarter", "year": 2026, "number": 5}, "number"),
        ({"kind": "month", "year": 99999999999999999999, "number": 1}, "year"),
    ],
)
def test_an_evaluation_period_that_does_not_exist_is_refused(office, body, field):
    publish_scheme(office)
    refused(post(office, "/api/evaluation/periods", body), field)
    assert not Period.objects.exists()


@pytest.mark.parametrize("year", ["99999", "0", "-1", "2" * 30])
def test_the_cockpit_trend_of_an_impossible_year_is_refused(office, year):
    refused(office.get("/api/cockpit/trend", {"year": year}), "year")
    assert office.get("/api/cockpit/trend", {"year": "2026"}).status_code == 200


def matter(city, **extra):
    return {"title": "推进老旧小区改造", "source": "meeting", "lead_unit": city.lead.pk, **extra}


def test_a_working_day_limit_of_three_million_is_refused(office, city):
    before = Matter.objects.count()
    refused(
        post(office, "/api/matters/", matter(city, deadline_workdays=3_000_000)),
        "deadline_workdays",
    )
    refused(post(office, "/api/matters/", matter(city, deadline_workdays=0)), "deadline_workdays")
    assert Matter.objects.count() == before
    made = post(office, "/api/matters/", matter(city, deadline_workdays=20))
    assert made.status_code == 201, made.content


def test_a_date_and_a_working_day_limit_together_are_refused(office, city):
    before = Matter.objects.count()
    both = matter(city, deadline="2026-12-31", deadline_workdays=10)
    body = refused(post(office, "/api/matters/", both), "deadline_workdays")
    assert "deadline" in body["message"]
    assert Matter.objects.count() == before


@pytest.mark.parametrize(
    ("url", "body", "field"),
    [
        ("/api/matters/", {"titel": "typo"}, "titel"),
        ("/api/evaluation/periods", {"kind": "month", "year": 2026, "monht": 3}, "monht"),
        ("/api/targets/months/close", {"year": 2026, "month": 3, "force": True}, "force"),
    ],
)
def test_unknown_fields_in_a_json_body_are_refused_naming_them(office, city, url, body, field):
    if url == "/api/matters/":
        body = matter(city, **body)
    before = Matter.objects.count(), Period.objects.count()
    body = refused(post(office, url, body), field)
    assert (Matter.objects.count(), Period.objects.count()) == before
