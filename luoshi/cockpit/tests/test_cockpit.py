"""The cockpit's endpoints against direct counts, its page, and who may see it."""

import datetime as dt

import pytest
import time_machine
from django.db.models import Count

from luoshi.evaluation import services as evaluation
from luoshi.matters import services
from luoshi.matters.models import OPEN_STATES, Matter
from luoshi.targets import services as targets

from .test_rollups import START, fresh, play_history

LATER = START + dt.timedelta(days=20)


@pytest.fixture
def history(city):
    matters = play_history(city)
    with time_machine.travel(START, tick=False):
        goal = matters["draft"]
        services.assign_matter(fresh(goal), actor=city.supervisor, version=None)
        children = services.decompose_matter(
            fresh(goal),
            [
                services.MatterSpec(title="子任务一", source="meeting", lead_unit=city.co),
                services.MatterSpec(title="子任务二", source="meeting", lead_unit=city.other),
            ],
            actor=city.supervisor,
            version=None,
        )
        for child in children:
            services.assign_matter(fresh(child), actor=city.supervisor, version=None)
        targets.create_target(
            actor=city.supervisor,
            unit=city.lead,
            year=2026,
            name="固定资产投资",
            yearly_value=120,
            measure="亿元",
        )
        evaluation.publish_scheme(actor=city.supervisor, name="考核办法")
        period = evaluation.open_period(actor=city.supervisor, kind="month", year=2026, number=3)
    with time_machine.travel(LATER, tick=False):
        evaluation.compute_scorecards(period)
    return {**matters, "goal": goal, "children": children}


def direct_open_by_unit():
    rows = (
        Matter.objects.filter(state__in=OPEN_STATES)
        .values_list("lead_unit_id", "warning")
        .annotate(n=Count("pk"))
        .order_by()
    )
    out = {}
    for unit, warning, n in rows:
        out.setdefault(unit, {}).setdefault(warning, 0)
        out[unit][warning] += n
    return out


def test_summary_and_units_equal_direct_counts(client, city, history):
    client.force_login(city.leader)
    with time_machine.travel(LATER, tick=False):
        summary = client.get("/api/cockpit/summary").json()
        units = client.get("/api/cockpit/units").json()["units"]
    direct = direct_open_by_unit()
    open_total = sum(sum(w.values()) for w in direct.values())
    overdue_total = sum(w.get("overdue", 0) for w in direct.values())
    assert summary["figures"]["open"]["value"] == open_total
    assert summary["figures"]["overdue"]["value"] == overdue_total == 1
    assert summary["figures"]["completed_this_year"]["value"] == 1
    by_id = {row["unit"]["id"]: row for row in units}
    for unit_id, warnings in direct.items():
        assert by_id[unit_id]["open"]["value"] == sum(warnings.values())
        assert by_id[unit_id]["overdue"]["value"] == warnings.get("overdue", 0)
    lead = by_id[city.lead.pk]
    assert lead["overdue"]["link"] == f"/matters/?open=1&lead_unit={city.lead.pk}&warning=overdue"


def test_trend_blueprint_targets_ranking(client, city, history):
    client.force_login(city.supervisor)
    with time_machine.travel(LATER, tick=False):
        trend = client.get("/api/cockpit/trend?year=2026").json()["months"]
        goals = client.get("/api/cockpit/blueprint").json()["goals"]
        target_list = client.get("/api/cockpit/targets?year=2026").json()["targets"]
        ranking = client.get("/api/cockpit/ranking").json()
    march = trend[2]
    assert march["completed"]["value"] == 1
    assert march["newly_overdue"]["value"] == 1
    assert march["overdue_at_end"]["value"] == 1
    assert trend[1]["overdue_at_end"]["value"] == 0
    assert [g["id"] for g in goals] == [history["goal"].pk]
    assert [c["title"] for c in goals[0]["children"]] == ["子任务一", "子任务二"]
    assert target_list[0]["months"][0]["planned"] == 10
    assert {g["group"] for g in ranking["groups"]} == {"department", "district"}


def test_flow_matters_list_the_matters_behind_a_figure(client, city, history):
    client.force_login(city.leader)
    with time_machine.travel(LATER, tick=False):
        body = client.get(
            "/api/cockpit/matters?metric=completed&from=2026-03-01&to=2026-03-31"
        ).json()
        page = client.get("/cockpit/matters/?metric=completed&from=2026-03-01&to=2026-03-31")
    assert [m["id"] for m in body["matters"]] == [history["done"].pk]
    assert "办结事项" in page.content.decode()


def test_changes_since_an_earlier_day(client, city, history):
    client.force_login(city.leader)
    with time_machine.travel(LATER, tick=False):
        body = client.get("/api/cockpit/changes?since=2026-03-05").json()
        bad = client.get("/api/cockpit/changes?since=yesterday")
    with time_machine.travel(LATER, tick=False):
        then = client.get("/api/cockpit/units?as_of=2026-03-05").json()["units"]
    lead_then = next(r for r in then if r["unit"]["id"] == city.lead.pk)
    assert (lead_then["open"]["value"], lead_then["overdue"]["value"]) == (3, 0)
    assert body["newly_overdue"]["value"] == 1
    assert body["completed"]["value"] == 1
    assert body["totals"]["overdue"] == {
        "then": 0,
        "now": 1,
        "then_link": "/matters/?open=1&warning=overdue&as_of=2026-03-05",
        "link": "/matters/?open=1&warning=overdue",
    }
    assert bad.status_code == 422 and bad.json()["field"] == "since"


def test_cockpit_page_and_screen(client, city, history, django_assert_max_num_queries):
    client.force_login(city.leader)
    # Cold: the change stamp (3 queries) before each cached group of figures; warm: fewer.
    with time_machine.travel(LATER, tick=False), django_assert_max_num_queries(41):
        page = client.get("/cockpit/?since=2026-03-05")
    with time_machine.travel(LATER, tick=False), django_assert_max_num_queries(28):
        assert "子任务一" in client.get("/cockpit/?since=2026-03-05").content.decode()
    html = page.content.decode()
    assert page.status_code == 200
    assert "vendor/echarts/echarts.min.js" in html
    assert f'href="/matters/?open=1&amp;lead_unit={city.lead.pk}&amp;warning=overdue"' in html
    assert "子任务一" in html
    with time_machine.travel(LATER, tick=False):
        assert client.get("/cockpit/screen/").status_code == 200


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("leader", 200),
        ("supervisor", 200),
        ("admin", 200),
        ("lead_handler", 403),
        ("district_head", 403),
    ],
)
def test_who_sees_the_cockpit(client, city, persona, status):
    client.force_login(getattr(city, persona))
    assert client.get("/cockpit/").status_code == status
    for endpoint in ("summary", "units", "trend", "blueprint", "targets", "ranking", "changes"):
        assert client.get(f"/api/cockpit/{endpoint}").status_code == status, endpoint
    # the menu offers it to those it lets in (a unit head followed it to a 403)
    menu = client.get("/").content.decode()
    assert ('href="/cockpit/"' in menu) == (status == 200)


def test_anonymous_is_sent_to_log_in(client, city):
    assert client.get("/cockpit/").status_code == 302
    assert client.get("/api/cockpit/summary").status_code == 401


def test_endpoints_keep_a_query_budget(client, city, history, django_assert_max_num_queries):
    client.force_login(city.leader)
    with time_machine.travel(LATER, tick=False):
        for endpoint, budget in [
            # Cold cache: each cached figure reads its change stamp first (3 queries).
            ("summary", 11),  # + the office backlog: the policy and one UNION count
            ("units", 9),
            ("trend", 9),
            ("blueprint", 7),
            ("targets", 7),  # plans, actuals and closed months: one query each
            ("ranking", 6),
        ]:
            with django_assert_max_num_queries(budget):
                assert client.get(f"/api/cockpit/{endpoint}").status_code == 200


def test_a_since_of_blank_marks_is_refused_naming_the_field(client, city, history):
    """`since` of spaces once made a 500; it is refused as any invisible-only text is (422)."""
    client.force_login(city.leader)
    with time_machine.travel(LATER, tick=False):
        blank = client.get("/api/cockpit/changes?since=%20%20")
        default = client.get("/api/cockpit/changes")
    assert blank.status_code == 422, blank.content
    assert blank.json()["field"] == "since"
    assert default.status_code == 200
