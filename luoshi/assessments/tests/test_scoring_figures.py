"""Scoring (thresholds, activities pro rata) and the figures: stars by district over time,
the units that lost a star and why, the bottom lines; who may read them."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse

from luoshi.assessments import queries, services
from luoshi.assessments.models import Assessment, Criterion, Score
from luoshi.assessments.scoring import evaluate, expected_activities
from luoshi.matters.tests.test_api_client import Api, ok, refused

from .helpers import MONDAY, add_village, criteria, open_cycle

pytestmark = pytest.mark.django_db


def test_expected_activities_are_the_yearly_target_pro_rata():
    meetings = Criterion(activity_target=32)
    assert expected_activities(meetings, dt.date(2026, 1, 1), dt.date(2026, 12, 31)) == 32
    assert expected_activities(meetings, dt.date(2026, 1, 1), dt.date(2026, 6, 30)) == 16
    assert expected_activities(meetings, dt.date(2026, 1, 1), dt.date(2026, 1, 2)) == 1
    assert (
        expected_activities(
            Criterion(activity_target=0), dt.date(2026, 1, 1), dt.date(2026, 12, 31)
        )
        == 0
    )


def test_a_star_needs_its_total_and_every_criterion_at_its_threshold(city):
    add_village(city)
    cycle = open_cycle(city, "five_stars", name="五星")
    assessment = Assessment.objects.get(cycle=cycle)
    scores = list(Score.objects.filter(assessment=assessment).select_related("criterion__goal"))
    industry = [s for s in scores if s.criterion.goal.code == "thriving_industry"]
    industry[0].self_score, industry[1].self_score = Decimal(10), Decimal("5.9")  # 15.9 < 16
    result = evaluate(scores, [], {}, cycle.period_start, cycle.period_end)
    goal = next(g for g in result.goals if g.goal.code == "thriving_industry")
    assert not goal.met and goal.total == Decimal("15.9")
    industry[1].self_score = Decimal(8)  # 18 ≥ 16, both ≥ 6
    assert next(
        g
        for g in evaluate(scores, [], {}, cycle.period_start, cycle.period_end).goals
        if g.goal.code == "thriving_industry"
    ).met
    industry[0].self_score = Decimal(5)  # 13 and one under its threshold of 6
    goal = next(
        g
        for g in evaluate(scores, [], {}, cycle.period_start, cycle.period_end).goals
        if g.goal.code == "thriving_industry"
    )
    assert not goal.met and any("村集体经济" in reason for reason in goal.why_not())
    held = {
        "members_meeting": 8,
        "committee_meeting": 12,
        "group_meeting": 10,
        "party_lecture": 2,
        "theme_day": 12,
    }
    strong = next(
        g
        for g in evaluate(scores, [], held, cycle.period_start, cycle.period_end).goals
        if g.goal.code == "strong_branch"
    )
    assert [c.score for c in strong.criteria][:2] == [Decimal("10.0"), Decimal("6.0")]


def publish(city, cycle, scores_by_goal: dict[str, str] | None = None) -> Assessment:
    """Assess (every manual criterion at 9, or as given per goal), review, publish."""
    assessment = Assessment.objects.get(cycle=cycle)
    entries = []
    for score in assessment.scores.select_related("criterion__goal"):
        if score.criterion.feed == "manual":
            value = (scores_by_goal or {}).get(score.criterion.goal.code, "9")
            value = min(Decimal(value), score.criterion.points)
            entries.append(services.SelfEntry(score.criterion_id, value, "见台账"))
    services.self_assess(
        assessment,
        actor=city.village_handler,
        version=assessment.version,
        entries=entries,
        submit=True,
    )
    assessment = Assessment.objects.get(pk=assessment.pk)
    review = [
        services.ReviewEntry(c.pk, c.points, "按纸质记录核定")
        for c in Criterion.objects.filter(goal__template=cycle.template, feed="activities")
    ]
    services.review_assessment(
        assessment,
        actor=city.street_handler,
        version=assessment.version,
        entries=review,
        comment="同意",
    )
    services.publish_cycle(cycle, actor=city.supervisor, version=cycle.version)
    return Assessment.objects.get(pk=assessment.pk)


@pytest.fixture
def two_years(city):
    """东关村: five stars in 2025; in 2026 an accident (平安法治 lost) and a weak industry."""
    add_village(city)
    with time_machine.travel(dt.datetime(2026, 1, 10, 2, tzinfo=dt.UTC), tick=False):
        last = open_cycle(
            city,
            "five_stars",
            start=dt.date(2025, 1, 1),
            end=dt.date(2025, 12, 31),
            name="2025年度五星支部创建评定",
        )
        publish(city, last)
    with time_machine.travel(MONDAY, tick=False):
        this = open_cycle(city, "five_stars", name="2026年度五星支部创建评定")
        services.record_incident(
            services.IncidentRecord(
                kind="casualty_accident",
                unit=city.village,
                occurred_on=dt.date(2026, 4, 8),
                title="东关村砖厂坍塌事故",
                severity="general",
            ),
            actor=city.supervisor,
        )
        publish(city, this, {"thriving_industry": "5"})
    return last, this


def test_units_that_lost_a_star_and_why(city, two_years):
    last, this = two_years
    assert Assessment.objects.get(cycle=last).stars == 5
    assert Assessment.objects.get(cycle=this).stars == 3
    (lost,) = queries.stars_lost(this)
    assert (lost.unit, lost.before, lost.now) == (city.village, 5, 3)
    assert [g.code for g in lost.goals] == ["thriving_industry", "safety_rule_of_law"]
    assert lost.reasons["safety_rule_of_law"] == ["东关村砖厂坍塌事故"]
    assert any("村集体经济" in r for r in lost.reasons["thriving_industry"])
    steps = queries.ladder(city.village)["五星支部创建"]
    assert [(s.stars, s.change) for s in steps] == [(5, None), (3, -2)]


def test_figures_page_and_api_for_leaders_only(
    client, city, two_years, django_assert_max_num_queries
):
    client.force_login(city.leader)
    with time_machine.travel(MONDAY, tick=False), django_assert_max_num_queries(20):
        response = client.get(reverse("assessments:figures"))
    page = response.content.decode()
    assert response.status_code == 200
    assert "东城区" in page and "<strong>5.0</strong>" in page and "<strong>3.0</strong>" in page
    assert "东关村砖厂坍塌事故" in page  # why the star was lost
    client.force_login(city.village_handler)
    assert client.get(reverse("assessments:figures")).status_code == 403
    with time_machine.travel(MONDAY, tick=False):
        figures = ok(Api(city.supervisor).get("assessments/figures"))
        refused(Api(city.street_handler).get("assessments/figures"), 403, "not_allowed")
    district = figures["districts"][0]
    assert district["district"]["name"] == "东城区"
    assert [c["average"] for c in district["cycles"].values()] == [5.0, 3.0]
    assert figures["lost"][0]["goals"] == ["thriving_industry", "safety_rule_of_law"]
    lines = {line["name"]: line["breaches"] for line in figures["bottom_lines"]}
    assert lines["不发生较大及以上生产安全事故"] == []  # a general accident breaches no line


def test_stars_lost_names_nothing_without_a_previous_cycle(city):
    add_village(city)
    with time_machine.travel(MONDAY, tick=False):
        cycle = open_cycle(city, "five_stars")
    assert queries.stars_lost(cycle) == []
    assert criteria("five_stars")["strong_branch"].feed == "activities"
