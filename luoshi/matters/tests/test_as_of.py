"""The matter list as of a past day, and two stocktakes compared (page, API, export)."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine

from luoshi.matters import services
from luoshi.matters.models import Matter, MatterStanding, MatterWarning, State
from luoshi.matters.warnings import scan
from luoshi.testing import accepted

D = dt.date
TZ = ZoneInfo("Asia/Shanghai")


def at(day: dt.date, hour: int = 10):
    return time_machine.travel(
        dt.datetime(day.year, day.month, day.day, hour, tzinfo=TZ), tick=False
    )


def fresh(matter: Matter) -> Matter:
    return Matter.objects.get(pk=matter.pk)


@pytest.fixture
def march(city):
    """A: overdue from Mar 11, asks for completion on the 18th, approved on the 25th.
    B: on time all month. C: registered on the 20th."""
    with at(D(2026, 3, 2)):
        a = accepted(city, title="甲事项", deadline=D(2026, 3, 10), report_cycle="none")
        b = accepted(city, title="乙事项", deadline=D(2026, 12, 31), report_cycle="none")
        services.report_progress(
            fresh(b), actor=city.lead_handler, version=None, text="进展", percent=50
        )
    for day in (D(2026, 3, 11), D(2026, 3, 12)):
        with at(day, 7):
            scan()
    with at(D(2026, 3, 18)):
        services.request_completion(fresh(a), actor=city.lead_handler, version=None, text="完成")
    with at(D(2026, 3, 20)):
        c = accepted(city, title="丙事项", deadline=D(2026, 6, 30), report_cycle="none")
    with at(D(2026, 3, 25)):
        services.review_completion(fresh(a), actor=city.supervisor, version=None, outcome="approve")
    return {"a": a, "b": b, "c": c}


def api_ids(client, user, **params) -> list[int]:
    client.force_login(user)
    with at(D(2026, 3, 30)):
        response = client.get("/api/matters/", params)
    assert response.status_code == 200, response.content
    return [item["id"] for item in response.json()["items"]]


def test_the_list_as_of_a_past_day_shows_the_matters_as_they_stood(client, city, march):
    a = march["a"]
    assert api_ids(client, city.supervisor, as_of="2026-03-12", warning="overdue") == [a.pk]
    assert api_ids(client, city.supervisor, as_of="2026-03-10", warning="overdue") == []
    assert api_ids(client, city.supervisor, as_of="2026-03-19", warning="awaiting_office") == [a.pk]
    assert api_ids(client, city.supervisor, warning="overdue") == []  # today: completed
    # C did not exist yet on the 12th.
    assert march["c"].pk not in api_ids(client, city.supervisor, as_of="2026-03-12")
    with at(D(2026, 3, 30)):
        item = client.get("/api/matters/", {"as_of": "2026-03-12", "q": "甲"}).json()["items"][0]
    assert item["state"] == State.COMPLETED
    assert item["as_of"] == {
        "state": State.ACCEPTED,
        "warning": "overdue",
        "deadline": "2026-03-10",
    }


def test_the_page_and_its_facets_count_the_standings_of_that_day(client, city, march):
    client.force_login(city.supervisor)
    with at(D(2026, 3, 30)):
        page = client.get("/matters/", {"as_of": "2026-03-12", "open": "1"}).content.decode()
    assert "甲事项" in page and "乙事项" in page and "丙事项" not in page
    assert "Overdue 1" in page  # the facet counts that day's warnings


def test_two_stocktakes_compared_keep_what_changed(client, city, march):
    a, b = march["a"], march["b"]
    ids = api_ids(client, city.supervisor, since="2026-03-12", as_of="2026-03-26", changed="1")
    assert sorted(ids) == sorted([a.pk, march["c"].pk])  # A moved; C is new; B stayed
    with at(D(2026, 3, 30)):
        items = client.get(
            "/api/matters/", {"since": "2026-03-12", "as_of": "2026-03-26", "q": "甲"}
        ).json()["items"]
    assert items[0]["since"] == {"state": State.ACCEPTED, "warning": "overdue", "deadline": None}
    assert items[0]["as_of"]["state"] == State.COMPLETED
    assert b.pk in api_ids(client, city.supervisor, since="2026-03-12", as_of="2026-03-26")


def test_the_export_shows_the_day_s_state(client, city, march):
    client.force_login(city.supervisor)
    with at(D(2026, 3, 30)):
        response = client.get("/matters/export.csv", {"as_of": "2026-03-19", "q": "甲"})
    text = b"".join(response.streaming_content).decode()
    assert "2026-03-19" in text.splitlines()[0]
    assert "申请办结" in text or "Completion requested" in text


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"as_of": "2026-04-30"}, "as_of"),  # later than today
        ({"as_of": "2026-03-12", "since": "2026-03-20"}, "since"),
        ({"as_of": "99999-01-01"}, "as_of"),
        ({"since": "yesterday"}, "since"),
    ],
)
def test_bad_stocktakes_are_refused_naming_the_field(client, city, march, params, field):
    client.force_login(city.supervisor)
    with at(D(2026, 3, 30)):
        response = client.get("/api/matters/", params)
    assert response.status_code == 422
    assert response.json()["field"] == field


def test_a_unit_sees_only_its_own_matters_as_of_a_day(client, city, march):
    assert api_ids(client, city.other_handler, as_of="2026-03-12") == []
    assert march["a"].pk in api_ids(client, city.lead_handler, as_of="2026-03-12")


def test_each_matter_has_one_current_standing(city, march):
    assert MatterStanding.objects.filter(valid_to__isnull=True).count() == Matter.objects.count()
    assert (
        MatterStanding.objects.on(D(2026, 3, 12)).filter(warning=MatterWarning.OVERDUE).count() == 1
    )


@pytest.mark.parametrize("ordering", ["deadline", "-deadline"])
def test_a_past_day_is_ordered_by_that_day_s_deadlines(client, city, march, ordering):
    """The list as of a day is ordered by the deadlines of that day, not today's: here A's
    deadline has since moved past B's."""
    a, b = march["a"], march["b"]
    Matter.objects.filter(pk=a.pk).update(deadline=D(2027, 1, 31))
    ids = api_ids(client, city.supervisor, as_of="2026-03-19", ordering=ordering)
    expected = [a.pk, b.pk] if ordering == "deadline" else [b.pk, a.pk]
    assert ids == expected
