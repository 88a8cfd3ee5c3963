"""A branch rated through the pages: it records its activities and assesses itself with
evidence, the street reviews and comments, the office publishes, the stars go on the
unit's ladder. Each role at its own door."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from luoshi.assessments.models import Assessment, AssessmentState, BranchActivity, Score

from .helpers import MONDAY, add_village, criteria, open_cycle

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(MONDAY, tick=False) as traveller:
        yield traveller


@pytest.fixture
def five_stars(city):
    add_village(city)
    return open_cycle(city, "five_stars", name="2026年度五星支部创建评定")


def self_form(assessment: Assessment, scores: dict, *, submit: bool, notes=None, files=None):
    data = {"version": assessment.version}
    if submit:
        data["submit"] = "1"
    for criterion_id, value in scores.items():
        data[f"score_{criterion_id}"] = value
    for criterion_id, text in (notes or {}).items():
        data[f"note_{criterion_id}"] = text
    for criterion_id, upload in (files or {}).items():
        data[f"files_{criterion_id}"] = upload
    return data


def manual_scores(assessment: Assessment, value: str = "9") -> dict:
    rows = assessment.scores.filter(criterion__feed="manual").select_related("criterion")
    return {s.criterion_id: min(value, str(s.criterion.points)) for s in rows}


def errors(response) -> list[str]:
    """The messages a refused form shows (for assertion messages)."""
    return re.findall(r'role="alert"><li>(.*?)</li>', response.content.decode())


def fresh(assessment: Assessment) -> Assessment:
    return Assessment.objects.get(pk=assessment.pk)


def record_activities(client, city, kind: str, count: int) -> None:
    for n in range(count):
        response = client.post(
            reverse("assessments:activities"),
            {
                "unit": city.village.pk,
                "type": kind,
                "held_on": f"2026-0{1 + n % 5}-1{n % 9}",
                "topic": "学习贯彻会议精神",
                "attended": 20,
                "expected": 25,
                "minutes": "支部书记主持。",
            },
        )
        assert response.status_code == 302, errors(response)


def test_assessed_reviewed_published_with_stars(client, city, five_stars):
    assessment = Assessment.objects.get(cycle=five_stars)
    url = reverse("assessments:action", args=[assessment.pk, "self_assess"])
    client.force_login(city.village_handler)
    record_activities(client, city, "committee_meeting", 14)  # 三会一课 half the year's target
    record_activities(client, city, "theme_day", 5)
    # Submitting with a criterion unscored is refused, named on its field.
    scores = manual_scores(assessment)
    missing = next(iter(scores))
    partial = {k: v for k, v in scores.items() if k != missing}
    response = client.post(url, self_form(assessment, partial, submit=True))
    assert response.status_code == 422 and "before submitting" in response.content.decode()
    assert fresh(assessment).state == AssessmentState.DRAFT
    # Saved, then submitted with evidence.
    evidence = {missing: SimpleUploadedFile("集体经济台账.pdf", b"%PDF-1.4")}
    client.post(url, self_form(assessment, partial, submit=False))
    short = client.post(url, self_form(fresh(assessment), scores, submit=True, files=evidence))
    assert short.status_code == 422 and "needs its evidence" in short.content.decode()
    # The refused submission stored nothing, its file neither: the unit sends it again.
    notes = {k: "佐证材料已存档" for k in scores if k != missing}
    evidence = {missing: SimpleUploadedFile("集体经济台账.pdf", b"%PDF-1.4")}
    response = client.post(
        url, self_form(fresh(assessment), scores, submit=True, notes=notes, files=evidence)
    )
    assert response.status_code == 302, errors(response)
    assessment = fresh(assessment)
    assert assessment.state == AssessmentState.SUBMITTED
    assert Score.objects.get(assessment=assessment, criterion_id=missing).files.count() == 1
    # The unit cannot review itself; the street can.
    review_url = reverse("assessments:action", args=[assessment.pk, "review"])
    assert (
        client.post(review_url, {"version": assessment.version, "comment": "好"}).status_code == 403
    )
    client.force_login(city.street_handler)
    page = client.get(reverse("assessments:detail", args=[assessment.pk])).content.decode()
    assert "14 of 32 held" in page and "5 of 12 held" in page
    meetings = criteria("five_stars")["strong_branch"]
    refused = client.post(
        review_url,
        {
            "version": assessment.version,
            "comment": "基本达标",
            f"review_{meetings.pk}": "10",
        },
    )
    assert refused.status_code == 422 and "give the reason" in refused.content.decode()
    response = client.post(
        review_url,
        {
            "version": assessment.version,
            "comment": "材料齐全，同意",
            f"review_{meetings.pk}": "10",
            f"review_comment_{meetings.pk}": "另有纸质记录12次",
        },
    )
    assert response.status_code == 302
    assessment = fresh(assessment)
    assert assessment.state == AssessmentState.REVIEWED and assessment.comment == "材料齐全，同意"
    # The office publishes; the stars go on the village's ladder.
    client.force_login(city.supervisor)
    cycle_url = reverse("assessments:cycle", args=[five_stars.pk])
    response = client.post(cycle_url, {"version": five_stars.version})
    assert response.status_code == 302
    assessment = fresh(assessment)
    assert assessment.state == AssessmentState.PUBLISHED
    # 9/10 on the manual criteria, the meetings overruled to 10, 5 of 12 theme days (2.5/6):
    # 支部过硬 = 10 + 2.5 + 4 = 16.5 ≥ 16 with every criterion at its threshold but the
    # theme days (2.5 < 4) — so it is not a star; the four others are.
    assert assessment.stars == 4
    assert "strong_branch" not in assessment.goals_met
    client.force_login(city.village_handler)
    ladder = client.get(reverse("assessments:ladder", args=[city.village.pk])).content.decode()
    assert "2026年度五星支部创建评定" in ladder and 'class="rung h4"' in ladder


def test_the_reviewer_returns_it_for_more_evidence(client, city, five_stars):
    assessment = Assessment.objects.get(cycle=five_stars)
    client.force_login(city.village_handler)
    url = reverse("assessments:action", args=[assessment.pk, "self_assess"])
    scores = manual_scores(assessment)
    notes = dict.fromkeys(scores, "见附件")
    client.post(url, self_form(assessment, scores, submit=True, notes=notes))
    assessment = fresh(assessment)
    assert assessment.state == AssessmentState.SUBMITTED
    client.force_login(city.street_handler)
    response = client.post(
        reverse("assessments:action", args=[assessment.pk, "return"]),
        {"return-version": assessment.version, "return-reason": "缺少集体经济收入凭证"},
    )
    assert response.status_code == 302
    assessment = fresh(assessment)
    assert assessment.state == AssessmentState.DRAFT
    assert assessment.events.last().comment == "缺少集体经济收入凭证"


@pytest.mark.parametrize(
    ("name", "status"),
    [
        ("village_handler", 200),
        ("street_handler", 200),
        ("district_head", 200),
        ("leader", 200),
        ("supervisor", 200),
        ("lead_handler", 404),
        ("other_village", 404),
    ],
)
def test_who_sees_an_assessment(client, city, five_stars, name, status):
    add_village(city, "西关村", "other_village")
    user = getattr(city, f"{name}_handler" if name == "other_village" else name)
    client.force_login(user)
    assessment = Assessment.objects.get(cycle=five_stars)
    assert client.get(reverse("assessments:detail", args=[assessment.pk])).status_code == status


def test_a_branch_records_only_its_own_activities(client, city, five_stars):
    add_village(city, "西关村", "west")
    client.force_login(city.other_handler)  # 市商务局: not a branch of 东关村
    response = client.post(
        reverse("assessments:activities"),
        {
            "unit": city.village.pk,
            "type": "theme_day",
            "held_on": "2026-05-20",
            "topic": "主题党日",
            "attended": 10,
            "expected": 12,
            "minutes": "开展志愿服务",
        },
    )
    assert response.status_code == 422 and not BranchActivity.objects.exists()
    client.force_login(city.village_handler)
    response = client.post(
        reverse("assessments:activities"),
        {
            "unit": city.village.pk,
            "type": "theme_day",
            "held_on": "2026-05-20",
            "topic": "主题党日",
            "attended": 30,
            "expected": 25,
            "minutes": "开展志愿服务",
        },
    )
    assert response.status_code == 422 and "Attendance must be from 0 to the 25" in (
        response.content.decode()
    )


def test_publication_is_final(client, city, five_stars, frozen):
    from luoshi.assessments import services

    assessment = Assessment.objects.get(cycle=five_stars)
    services.self_assess(
        assessment,
        actor=city.village_handler,
        version=assessment.version,
        entries=[services.SelfEntry(k, v, "见附件") for k, v in manual_scores(assessment).items()],
        submit=True,
    )
    assessment = fresh(assessment)
    services.review_assessment(
        assessment,
        actor=city.street_handler,
        version=assessment.version,
        entries=[],
        comment="同意",
    )
    services.publish_cycle(five_stars, actor=city.supervisor, version=five_stars.version)
    frozen.move_to(MONDAY + dt.timedelta(days=1))
    client.force_login(city.street_handler)
    page = client.get(reverse("assessments:detail", args=[assessment.pk])).content.decode()
    assert 'id="review-form"' not in page and "Published" in page
