"""Evaluation through its doors: the API and the pages, per role."""

import re

import pytest

from luoshi.evaluation.explain import INDICATORS
from luoshi.evaluation.models import Adjustment, Period, PeriodState, Scheme, Scorecard

from .test_scorecards import at, close, compute, fresh_period, history  # noqa: F401


@pytest.fixture
def closed(city, history):  # noqa: F811
    with at(1, 4):
        close(city, history["march"])
    return history


def card_of(unit, period):
    return Scorecard.objects.get(unit=unit, period=period)


def post(client, url, body=None):
    return client.post(url, body or {}, content_type="application/json")


# Codes a reader would never write (rework, satisfaction are English words too: the
# Chinese page is checked for every code).
CODES = [code for code in INDICATORS if "_" in code]


def visible_text(response) -> str:
    """What a reader sees: the page without its tags and attributes (links keep codes)."""
    html = response.content.decode()
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"<[^>]+>", " ", html)


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
    client.logout()
    assert client.get(f"/api/evaluation/periods/{period.pk}/ranking").status_code == 401
    assert client.get(f"/evaluation/periods/{period.pk}/").status_code == 302


def test_a_unit_sees_its_own_scorecard_explained_and_the_matters_behind_it(client, city, closed):
    period = closed["march"]
    own, other = card_of(city.lead, period), card_of(city.other, period)
    client.force_login(city.lead_handler)
    body = client.get(f"/api/evaluation/scorecards/{own.pk}").json()
    overdue = body["figures"]["overdue_matters"]
    assert overdue["value"] == 2 and overdue["points"] == -2
    assert (
        overdue["label"] == "Overdue matters" and overdue["rule"] == "deducts 1 point(s) per matter"
    )
    assert client.get(overdue["link"]).status_code == 200
    behind = client.get(f"/api/evaluation/scorecards/{own.pk}/matters/overdue_matters").json()
    assert {m["id"] for m in behind["matters"]} == {closed["b"].pk, closed["c"].pk}
    page = client.get(f"/evaluation/scorecards/{own.pk}/")
    text = visible_text(page)
    assert "2 × (-1) = -2" in text and "Sent back for rework" in text
    assert not [code for code in CODES if code in text]  # no raw indicator codes
    assert client.get(f"/api/evaluation/scorecards/{other.pk}").status_code == 403
    assert client.get(f"/evaluation/scorecards/{other.pk}/").status_code == 403
    assert client.get(f"/api/evaluation/units/{city.other.pk}/scorecards").status_code == 403
    listing = client.get("/api/evaluation/scorecards").json()["scorecards"]
    assert {c["unit"]["id"] for c in listing} == {city.lead.pk}
    page = client.get("/evaluation/")
    assert "市发改委" in page.content.decode() and "市商务局" not in page.content.decode()


def test_the_scorecard_reads_in_chinese_words(client, city, closed):
    own = card_of(city.lead, closed["march"])
    client.force_login(city.lead_handler)
    text = visible_text(
        client.get(f"/evaluation/scorecards/{own.pk}/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    )
    assert "逾期事项" in text and "每件扣1分" in text and "基础分" in text
    assert not [code for code in INDICATORS if code in text]


def test_supervisors_publish_schemes_through_the_api(client, city, closed):
    client.force_login(city.supervisor)
    created = post(
        client,
        "/api/evaluation/schemes",
        {"name": "2027年度考核办法", "rules": [{"indicator": "hastenings", "points": -0.5}]},
    )
    assert created.status_code == 200 and created.json()["version"] == 1
    assert created.json()["rules"][0]["label"] == "Hastenings received"
    again = post(client, "/api/evaluation/schemes", {"name": "2027年度考核办法"})
    assert again.status_code == 422 and again.json()["field"] == "version"
    edited = post(client, "/api/evaluation/schemes", {"name": "2027年度考核办法", "version": 1})
    assert edited.json()["version"] == 2
    stale = post(client, "/api/evaluation/schemes", {"name": "2027年度考核办法", "version": 1})
    assert stale.status_code == 409
    bad = post(
        client,
        "/api/evaluation/schemes",
        {"name": "x", "rules": [{"indicator": "online_minutes", "points": 1}]},
    )
    assert bad.status_code == 422 and bad.json()["field"] == "rules"
    client.force_login(city.lead_head)
    assert post(client, "/api/evaluation/schemes", {"name": "x"}).status_code == 403
    assert (
        client.get("/api/evaluation/schemes?name=2027&latest=1").json()["schemes"][0]["version"]
        == 2
    )


def test_a_period_through_the_api(client, city, history):  # noqa: F811
    march = history["march"]
    url = f"/api/evaluation/periods/{march.pk}"
    client.force_login(city.lead_head)
    assert post(client, f"{url}/compute", {"version": 2}).status_code == 403
    client.force_login(city.supervisor)
    with at(28):
        assert post(client, f"{url}/compute").json()["field"] == "version"
        assert post(client, f"{url}/compute", {"version": 1}).status_code == 409
        version = client.get(url).json()["version"]
        assert post(client, f"{url}/compute", {"version": version}).status_code == 200
        assert (
            post(client, f"{url}/close", {"version": version + 1}).status_code == 409
        )  # not reviewed
        assert post(client, f"{url}/review", {"version": version + 1}).status_code == 200
        early = post(client, f"{url}/close", {"version": version + 2})
        assert early.status_code == 422 and early.json()["field"] == "reason"
        done = post(client, f"{url}/close", {"version": version + 2, "reason": "年中提前考核"})
    assert done.status_code == 200 and fresh_period(march).state == PeriodState.CLOSED
    events = client.get(url).json()["events"]
    assert events[0]["kind"] == "period.closed" and events[0]["comment"] == "年中提前考核"
    month13 = post(client, "/api/evaluation/periods", {"kind": "month", "year": 2026, "number": 13})
    assert month13.status_code == 422 and month13.json()["field"] == "number"
    year0 = post(client, "/api/evaluation/periods", {"kind": "month", "year": 0, "number": 1})
    assert year0.status_code == 422 and year0.json()["field"] == "year"


def test_items_through_the_api(client, city, history):  # noqa: F811
    march = history["march"]
    client.force_login(city.supervisor)
    url = f"/api/evaluation/periods/{march.pk}/adjustments"
    body = {"unit_id": city.lead.pk, "kind": "penalty", "points": "-2", "reason": "报送不实"}
    assert post(client, url, body).json()["field"] == "version"
    item = post(client, url, {**body, "version": fresh_period(march).version}).json()
    assert item["points"] == -2.0
    withdraw = f"/api/evaluation/adjustments/{item['id']}/withdraw"
    assert (
        post(client, withdraw, {"version": fresh_period(march).version, "reason": ""}).status_code
        == 422
    )
    assert (
        post(
            client, withdraw, {"version": fresh_period(march).version, "reason": "录错单位"}
        ).status_code
        == 200
    )
    live = client.get(url).json()["adjustments"]
    everything = client.get(f"{url}?withdrawn=1").json()["adjustments"]
    assert len(everything) == len(live) + 1
    assert client.get(f"{url}?kind=prize").status_code == 422


@pytest.mark.parametrize(
    ("who", "index", "period_page", "scheme_page", "office"),
    [
        ("supervisor", 200, 200, 200, True),
        ("admin", 200, 200, 200, True),
        ("leader", 200, 200, 200, False),
        ("lead_head", 200, 403, 200, False),
        ("co_handler", 200, 403, 200, False),
        (None, 302, 302, 302, False),
    ],
)
def test_pages_per_role(client, city, history, who, index, period_page, scheme_page, office):  # noqa: F811
    march = history["march"]
    if who:
        client.force_login(getattr(city, who))
    listing = client.get("/evaluation/")
    assert listing.status_code == index
    assert client.get(f"/evaluation/periods/{march.pk}/").status_code == period_page
    scheme = client.get(f"/evaluation/schemes/{history['scheme'].pk}/")
    assert scheme.status_code == scheme_page
    if index == 200:
        assert ("periods/open/" in listing.content.decode()) == office
        assert ("Publish a new version" in scheme.content.decode()) == office
    if period_page == 200:
        page = client.get(f"/evaluation/periods/{march.pk}/").content.decode()
        assert (f"periods/{march.pk}/compute/" in page) == office
    assert client.get("/evaluation/schemes/new/").status_code == (
        200 if office else 302 if who is None else 403
    )


def test_the_office_runs_a_period_through_the_pages(client, city, history):  # noqa: F811
    march = history["march"]
    base = f"/evaluation/periods/{march.pk}"
    client.force_login(city.supervisor)
    with at(1, 4):
        refused = client.post(f"{base}/compute/", {})
        assert refused.status_code == 422 and fresh_period(march).computed_at is None
        assert client.post(f"{base}/compute/", {"compute-version": 2}).status_code == 302
        version = fresh_period(march).version
        item = {
            "adjust-unit": city.lead.pk,
            "adjust-kind": "bonus",
            "adjust-points": "1.5",
            "adjust-reason": "承办全省现场会",
            "adjust-version": version,
        }
        assert client.post(f"{base}/adjust/", item).status_code == 302
        stale = client.post(f"{base}/review/", {"review-version": version})
        assert stale.status_code == 409 and fresh_period(march).state == PeriodState.OPEN
        version += 1
        assert client.post(f"{base}/review/", {"review-version": version}).status_code == 302
        added = Adjustment.objects.get(reason="承办全省现场会")
        withdraw = {"version": version + 1, "reason": "重复录入"}
        assert client.post(f"/evaluation/items/{added.pk}/withdraw/", withdraw).status_code == 302
        assert fresh_period(march).state == PeriodState.OPEN  # the review no longer holds
        version += 2
        assert client.post(f"{base}/review/", {"review-version": version}).status_code == 302
        assert client.post(f"{base}/close/", {"close-version": version + 1}).status_code == 302
    page = client.get(f"{base}/").content.decode()
    assert "重复录入" in page and fresh_period(march).is_closed
    opened = client.post("/evaluation/periods/open/", {"kind": "month", "year": 2026, "number": 13})
    assert opened.status_code == 422
    opened = client.post(
        "/evaluation/periods/open/", {"kind": "quarter", "year": 2026, "number": 2}
    )
    assert opened.status_code == 302 and Period.objects.filter(kind="quarter").exists()


def test_the_office_publishes_a_new_version_through_the_pages(client, city, history):  # noqa: F811
    scheme = history["scheme"]
    client.force_login(city.supervisor)
    form = {
        "name": scheme.name,
        "base": "100",
        "honour_count": "3",
        "unit_kinds": ["department", "district"],
        "mode_overdue_matters": "points",
        "value_overdue_matters": "-2",
        "mode_on_time_rate": "weight",
        "value_on_time_rate": "10",
    }
    missing = client.post(f"/evaluation/schemes/{scheme.pk}/", form)
    assert missing.status_code == 422 and Scheme.objects.count() == 1
    done = client.post(f"/evaluation/schemes/{scheme.pk}/", {**form, "version": 1})
    newest = Scheme.objects.get(version=2)
    assert done.status_code == 302
    assert sorted(newest.rules, key=lambda rule: rule["indicator"]) == [
        {"indicator": "on_time_rate", "weight": 10.0},
        {"indicator": "overdue_matters", "points": -2.0},
    ]
    no_points = client.post(
        "/evaluation/schemes/new/", {**form, "name": "新办法", "value_overdue_matters": ""}
    )
    assert no_points.status_code == 422
    text = visible_text(client.get(f"/evaluation/schemes/{newest.pk}/"))
    assert "weight 10 points × the rate" in text
    assert not [code for code in CODES if code in text]


def test_pages_keep_a_query_budget(client, city, closed, django_assert_max_num_queries):
    client.force_login(city.supervisor)
    card = card_of(city.lead, closed["march"])
    for url, budget in [
        (f"/evaluation/periods/{closed['march'].pk}/", 16),
        ("/evaluation/", 12),
        ("/evaluation/schemes/", 8),
        (f"/evaluation/schemes/{closed['scheme'].pk}/", 10),
        (f"/evaluation/scorecards/{card.pk}/", 12),
    ]:
        with django_assert_max_num_queries(budget):
            assert client.get(url).status_code == 200


def test_a_long_group_shows_its_ends_unless_all_are_asked_for(client, city, closed, monkeypatch):
    from luoshi.evaluation import queries, views

    places = [queries.Place(n, n, f"单位{n}", "department", 100, n, None) for n in range(1, 251)]
    group = queries.GroupRanking("department", "部门", places, places[:3], places[-3:])
    shown = group.trimmed(50, 200)
    assert (len(shown.cards), shown.hidden, shown.cards[49].rank, shown.cards[50].rank) == (
        100,
        150,
        50,
        201,
    )
    assert group.trimmed(50, 250) is group
    monkeypatch.setattr(views, "RANKING_ENDS", 1)
    monkeypatch.setattr(views, "RANKING_LONGEST", 2)  # 3 departments: first and last shown
    client.force_login(city.leader)
    url = f"/evaluation/periods/{closed['march'].pk}/"
    assert "show every unit" in client.get(url).content.decode()
    assert "show every unit" not in client.get(f"{url}?all=1").content.decode()
