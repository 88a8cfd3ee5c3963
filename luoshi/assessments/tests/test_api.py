"""The ratings API per role: the office opens and publishes, the village assesses itself,
the street reviews, the leader reads the ladder and the figures; refusals in shape."""

from __future__ import annotations

import pytest
import time_machine

from luoshi.assessments.models import Assessment, Criterion
from luoshi.matters.tests.test_api_client import Api, ok, refused

from .helpers import MONDAY, add_village, templates

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(MONDAY, tick=False) as traveller:
        yield traveller


def test_a_three_zeros_cycle_across_logins(city):
    add_village(city)
    office, village = Api(city.supervisor), Api(city.village_handler)
    street, leader = Api(city.street_handler), Api(city.leader)
    body = {
        "template": templates()["three_zeros"].pk,
        "name": "2026年度三零创建评定",
        "period_start": "2026-01-01",
        "period_end": "2026-12-31",
        "units": [city.village.pk],
    }
    refused(village.post("assessments/cycles", body), 403, "not_allowed")
    refused(
        office.post("assessments/cycles", {**body, "period_end": "2025-12-31"}),
        422,
        "invalid_input",
        "period_end",
    )
    refused(
        office.post("assessments/cycles", {**body, "units": [999999]}),
        422,
        "invalid_input",
        "units",
    )
    cycle = ok(office.post("assessments/cycles", body), 201)
    pk = Assessment.objects.get(cycle_id=cycle["id"]).pk

    mine = ok(village.get("assessments/", state="draft"))
    assert [a["id"] for a in mine] == [pk] and mine[0]["reviewing_unit"]["name"] == "东城区城关街道"
    detail = ok(village.get(f"assessments/{pk}"))
    assert detail["available_actions"] == ["self_assess"] and detail["stars_now"] == 3
    ok(
        village.post(
            f"assessments/{pk}/self-assess", {"version": detail["version"], "submit": True}
        )
    )
    refused(
        street.post(f"assessments/{pk}/review", {"version": 1, "comment": "同意"}),
        409,
        "stale_version",
    )
    version = ok(street.get(f"assessments/{pk}"))["version"]
    criterion = Criterion.objects.get(goal__code="no_cases").pk
    refused(
        street.post(
            f"assessments/{pk}/review",
            {
                "version": version,
                "comment": "同意",
                "entries": [{"criterion_id": criterion, "score": 11}],
            },
        ),
        422,
        "invalid_input",
        f"review_{criterion}",
    )
    reviewed = ok(street.post(f"assessments/{pk}/review", {"version": version, "comment": "同意"}))
    assert reviewed["state"] == "reviewed"
    published = ok(
        office.post(f"assessments/cycles/{cycle['id']}/publish", {"version": cycle["version"]})
    )
    assert published["state"] == "published"
    refused(
        office.post(f"assessments/cycles/{cycle['id']}/publish", {"version": published["version"]}),
        409,
        "illegal_transition",
    )
    ladder = ok(leader.get(f"assessments/units/{city.village.pk}/ladder"))
    assert ladder == {
        "三零创建": [
            {
                "cycle": {"id": cycle["id"], "name": "2026年度三零创建评定"},
                "period_end": "2026-12-31",
                "stars": 3,
                "goals_met": ["no_petitions", "no_accidents", "no_cases"],
                "change": None,
            }
        ]
    }
    refused(
        Api(city.lead_handler).get(f"assessments/units/{city.village.pk}/ladder"),
        403,
        "not_allowed",
    )
    refused(Api(city.lead_handler).get(f"assessments/{pk}"), 404, "not_found")


def test_activities_through_the_api(city):
    add_village(city)
    village = Api(city.village_handler)
    body = {
        "unit": city.village.pk,
        "type": "theme_day",
        "held_on": "2026-05-29",
        "topic": "主题党日",
        "attended": 20,
        "expected": 26,
        "minutes": "重温入党誓词",
    }
    made = ok(village.post("assessments/activities", body), 201)
    assert made["type"] == "theme_day" and made["unit"]["name"] == "东关村"
    refused(
        village.post("assessments/activities", {**body, "minutes": " "}),
        422,
        "invalid_input",
        "minutes",
    )
    refused(Api(city.street_handler).post("assessments/activities", body), 403, "not_allowed")
