"""Scores, points and attendance are held to their bounds; a bad stored one still renders."""

from __future__ import annotations

from decimal import Decimal

import pytest
import time_machine

from luoshi.assessments.models import Assessment, BranchActivity, Criterion, Goal, Score
from luoshi.matters.tests.test_api_client import Api, ok, refused

from .helpers import MONDAY, add_village, open_cycle

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(MONDAY, tick=False) as traveller:
        yield traveller


BODY = {
    "type": "theme_day",
    "held_on": "2026-05-29",
    "topic": "主题党日",
    "attended": 20,
    "expected": 26,
    "minutes": "重温入党誓词",
}


@pytest.mark.parametrize(
    ("field", "value"), [("expected", 40000), ("attended", -1), ("attended", 70000)]
)
def test_bad_input_refused_naming_the_field(city, field, value):
    add_village(city)
    village = Api(city.village_handler)
    body = {**BODY, "unit": city.village.pk, field: value}
    refused(village.post("assessments/activities", body), 422, "invalid_input", field)
    assert not BranchActivity.objects.exists()


def test_a_score_over_the_bound_refused(city):
    add_village(city)
    open_cycle(city)
    assessment = Assessment.objects.get(unit=city.village)
    score = Score.objects.filter(assessment=assessment).first()
    village = Api(city.village_handler)
    body = {
        "version": assessment.version,
        "entries": [{"criterion_id": score.criterion_id, "score": "1e9"}],
    }
    refused(
        village.post(f"assessments/{assessment.pk}/self-assess", body),
        422,
        "invalid_input",
        "entries[0].score",
    )
    score.refresh_from_db()
    assert score.self_score is None


def test_bad_stored_values_still_render(client, city):
    add_village(city)
    open_cycle(city)
    assessment = Assessment.objects.get(unit=city.village)
    Criterion.objects.update(points=Decimal("99999.9"), threshold=Decimal("99999.9"))
    Goal.objects.update(threshold=Decimal("-1"))
    Score.objects.filter(assessment=assessment).update(
        self_score=Decimal("-3"), review_score=Decimal("99999.9")
    )
    ok(Api(city.village_handler).get(f"assessments/{assessment.pk}"))
    client.force_login(city.supervisor)
    for url in (
        "/assessments/",
        f"/assessments/{assessment.pk}/",
        f"/assessments/cycles/{assessment.cycle_id}/",
        f"/assessments/units/{city.village.pk}/",
        "/assessments/figures/",
    ):
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
