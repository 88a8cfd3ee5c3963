"""Evaluation through its doors: the API and the pages, and who sees what."""

import pytest

from luoshi.evaluation.models import Scorecard

from .test_scorecards import at, history  # noqa: F401  (the shared hand-built history)


@pytest.fixture
def closed(city, history):  # noqa: F811
    with at(1, 4):
        from luoshi.evaluation import services

        services.close_period(history["march"], actor=city.supervisor)
    return history


def card_of(unit, period):
    return Scorecard.objects.get(unit=unit, period=period)


def test_ranking_for_overseers_only(client, city, closed):
    period = closed["march"]
    client.force_login(city.leader)
    body = client.get(f"/api/evaluation/periods/{period.pk}/ranking").json()
    departments = next(g for g in body["groups"] if g["group"] == "department")
    assert [c["unit"]["name"] for c in departments["cards"]] == ["市商务局", "市工信局", "市发改委"]
    assert departments["honour_roll"][0] == city.other.pk
    assert departments["cards"][2]["rank_change"] == -2
    assert client.get(f"/evaluation/periods/{period.pk}/").status_code == 200
    client.force_login(city.lead_handler)
    assert client.get(f"/api/evaluation/periods/{period.pk}/ranking").status_code == 403
    assert client.get(f"/evaluation/periods/{period.pk}/").status_code == 403


def test_a_unit_sees_its_own_scorecard_and_the_matters_behind_it(client, city, closed):
    period = closed["march"]
    own, other = card_of(city.lead, period), card_of(city.other, period)
    client.force_login(city.lead_handler)
    body = client.get(f"/api/evaluation/scorecards/{own.pk}").json()
    assert body["figures"]["overdue_matters"]["value"] == 2
    link = body["figures"]["overdue_matters"]["link"]
    assert client.get(link).status_code == 200
    behind = client.get(f"/api/evaluation/scorecards/{own.pk}/matters/overdue_matters").json()
    assert {m["id"] for m in behind["matters"]} == {closed["b"].pk, closed["c"].pk}
    assert client.get(f"/evaluation/scorecards/{own.pk}/").status_code == 200
    assert client.get(f"/api/evaluation/scorecards/{other.pk}").status_code == 403
    assert client.get(f"/evaluation/scorecards/{other.pk}/").status_code == 403
    page = client.get("/evaluation/")
    assert "市发改委" in page.content.decode() and "市商务局" not in page.content.decode()


def test_supervisors_configure_through_the_api(client, city, closed):
    client.force_login(city.supervisor)
    created = client.post(
        "/api/evaluation/schemes",
        {"name": "2027年度考核办法", "rules": [{"indicator": "hastenings", "points": -0.5}]},
        content_type="application/json",
    )
    assert created.status_code == 200 and created.json()["version"] == 1
    bad = client.post(
        "/api/evaluation/schemes",
        {"name": "x", "rules": [{"indicator": "online_minutes", "points": 1}]},
        content_type="application/json",
    )
    assert bad.status_code == 422 and bad.json()["field"] == "rules"
    again = client.post(f"/api/evaluation/periods/{closed['march'].pk}/close")
    assert again.status_code == 409
    client.force_login(city.lead_head)
    denied = client.post("/api/evaluation/schemes", {"name": "x"}, content_type="application/json")
    assert denied.status_code == 403


def test_pages_keep_a_query_budget(client, city, closed, django_assert_max_num_queries):
    client.force_login(city.leader)
    with django_assert_max_num_queries(12):
        assert client.get(f"/evaluation/periods/{closed['march'].pk}/").status_code == 200
    with django_assert_max_num_queries(12):
        assert client.get("/evaluation/").status_code == 200
