"""Targets through their doors: the API and the pages, per role."""

import datetime as dt

import pytest
import time_machine

from luoshi.targets import services
from luoshi.targets.models import Target, TargetEventKind


@pytest.fixture(autouse=True)
def november():
    with time_machine.travel(dt.datetime(2026, 11, 30, 10, tzinfo=dt.UTC), tick=False):
        yield


def make(city, name="固定资产投资"):
    return services.create_target(
        actor=city.supervisor,
        unit=city.lead,
        year=2026,
        name=name,
        yearly_value=120,
        measure="亿元",
    )


def version(target):
    return Target.objects.get(pk=target.pk).version


def post(client, url, body):
    return client.post(url, body, content_type="application/json")


def test_the_unit_reports_through_the_api_with_the_version_it_read(client, city):
    target = make(city)
    client.force_login(city.lead_handler)
    url = f"/api/targets/{target.pk}/actuals"
    missing = post(client, url, {"month": 2, "value": "17", "source": "市统计局"})
    assert missing.status_code == 422 and missing.json()["field"] == "version"
    body = post(client, url, {"version": 1, "month": 2, "value": "17", "source": "市统计局"})
    body = body.json()
    assert body["months"][1]["status"] == "behind" and body["warning"] == "behind"
    assert body["projection"] == 102.0 and body["version"] == 2
    stale = post(client, url, {"version": 1, "month": 2, "value": "20", "source": "市统计局"})
    assert stale.status_code == 409 and stale.json()["code"] == "stale_version"
    client.force_login(city.other_handler)
    denied = post(client, url, {"version": 2, "month": 2, "value": "17", "source": "x"})
    assert denied.status_code == 403
    assert client.get(f"/api/targets/{target.pk}").status_code == 403
    assert target.actuals.count() == 1


def test_supervisor_sets_a_target_and_bad_input_names_the_field(client, city):
    client.force_login(city.supervisor)
    fields = {"unit_id": city.lead.pk, "year": 2026, "measure": "亿元"}
    created = post(
        client,
        "/api/targets/",
        {
            **fields,
            "name": "社零总额",
            "yearly_value": "600",
            "trajectory": [50 * m for m in range(1, 13)],
        },
    )
    assert created.status_code == 200 and created.json()["months"][0]["planned"] == 50
    bad = post(
        client, "/api/targets/", {**fields, "name": "x", "yearly_value": "1", "trajectory": ["1"]}
    )
    assert bad.status_code == 422 and bad.json()["field"] == "trajectory"
    client.force_login(city.lead_head)
    denied = post(client, "/api/targets/", {**fields, "name": "y", "yearly_value": "1"})
    assert denied.status_code == 403


def test_re_planning_and_closing_through_the_api(client, city):
    target = make(city)
    client.force_login(city.lead_handler)
    with time_machine.travel(dt.datetime(2026, 2, 10, 10, tzinfo=dt.UTC), tick=False):
        post(
            client,
            f"/api/targets/{target.pk}/actuals",
            {"version": 1, "month": 1, "value": "11", "source": "快报"},
        )
    assert post(client, "/api/targets/months/close", {"year": 2026, "month": 1}).status_code == 403
    replan = {"version": 2, "trajectory": "even", "yearly_value": "240", "reason": "调增目标"}
    assert post(client, f"/api/targets/{target.pk}/trajectory", replan).status_code == 403
    client.force_login(city.supervisor)
    closed = post(client, "/api/targets/months/close", {"year": 2026, "month": 1})
    assert closed.json() == {"year": 2026, "month": 1, "closed": 1}
    stale = post(client, f"/api/targets/{target.pk}/trajectory", replan)
    assert stale.status_code == 409  # closing the month raised the version
    body = post(client, f"/api/targets/{target.pk}/trajectory", {**replan, "version": 3}).json()
    january = body["months"][0]
    assert (january["status"], january["planned"], january["current_planned"]) == (
        "ahead",
        10.0,
        20.0,
    )
    assert body["plan_version"] == 2
    no_reason = post(
        client, f"/api/targets/{target.pk}/trajectory", {**replan, "version": 4, "reason": ""}
    )
    assert no_reason.status_code == 422 and no_reason.json()["field"] == "reason"
    history = client.get(f"/api/targets/{target.pk}/history").json()
    assert [p["plan_version"] for p in history["plans"]] == [2, 1]
    assert history["plans"][0]["reason"] == "调增目标"
    assert history["events"][0]["kind"] == TargetEventKind.REPLANNED


def test_the_list_filter_drives_page_and_api(client, city):
    make(city)
    services.create_target(
        actor=city.supervisor,
        unit=city.other,
        year=2026,
        name="社会消费品零售总额",
        yearly_value=600,
        measure="亿元",
    )
    client.force_login(city.leader)
    names = lambda r: [t["name"] for t in r.json()["targets"]]  # noqa: E731
    assert names(client.get("/api/targets/?year=2026&q=零售")) == ["社会消费品零售总额"]
    assert names(client.get(f"/api/targets/?unit={city.lead.pk}")) == ["固定资产投资"]
    assert client.get("/api/targets/?year=1").json()["field"] == "year"
    page = client.get("/targets/?year=2026&q=零售").content.decode()
    assert "社会消费品零售总额" in page and "固定资产投资" not in page
    assert client.get("/targets/?year=abc").status_code == 422


@pytest.mark.parametrize(
    ("who", "index", "detail", "sees_forms"),
    [
        ("supervisor", 200, 200, {"replan", "close"}),
        ("leader", 200, 200, set()),
        ("lead_handler", 200, 200, {"report"}),
        ("lead_head", 200, 200, {"report"}),
        ("co_handler", 200, 403, set()),
        ("other_handler", 200, 403, set()),
        (None, 302, 302, set()),
    ],
)
def test_pages_per_role(client, city, who, index, detail, sees_forms):
    target = make(city)
    if who:
        client.force_login(getattr(city, who))
    listing = client.get("/targets/?year=2026")
    assert listing.status_code == index
    page = client.get(f"/targets/{target.pk}/")
    assert page.status_code == detail
    if index == 200:
        html = listing.content.decode()
        assert ("固定资产投资" in html) == (detail == 200)
        assert ("months/close" in html) == ("close" in sees_forms)
    if detail == 200:
        html = page.content.decode()
        assert ("/report/" in html) == ("report" in sees_forms)
        assert ("/replan/" in html) == ("replan" in sees_forms)


def test_the_report_form_needs_the_version(client, city):
    target = make(city)
    client.force_login(city.lead_handler)
    url = f"/targets/{target.pk}/report/"
    form = {"report-month": 1, "report-value": "11", "report-source": "统计快报"}
    refused = client.post(url, form)
    assert refused.status_code == 422 and target.actuals.count() == 0
    assert client.post(url, {**form, "report-version": 1}).status_code == 302
    assert target.actuals.get().value == 11
    stale = client.post(url, {**form, "report-version": 1, "report-value": "12"})
    assert stale.status_code == 409 and target.actuals.count() == 1
    bad = client.post(url, {**form, "report-version": 2, "report-month": 14})
    assert bad.status_code == 422 and target.actuals.count() == 1
    assert client.post(f"/targets/{target.pk}/replan/", {"replan-version": 2}).status_code == 403


def test_the_office_re_plans_sets_and_closes_through_the_pages(client, city):
    target = make(city)
    client.force_login(city.supervisor)
    form = {"replan-version": 1, "replan-shape": "entered", "replan-reason": "按季度重排"}
    months = {f"replan-m{m}": str(12 * m) for m in range(1, 12)}  # December forgotten
    missing = client.post(f"/targets/{target.pk}/replan/", {**form, **months})
    assert missing.status_code == 422 and "every month" in missing.content.decode()
    done = client.post(f"/targets/{target.pk}/replan/", {**form, **months, "replan-m12": "144"})
    assert done.status_code == 302
    page = client.get(f"/targets/{target.pk}/").content.decode()
    assert "按季度重排" in page
    created = client.post(
        "/targets/new/",
        {
            "unit": city.co.pk,
            "year": 2026,
            "name": "工业技改投资",
            "yearly_value": "80",
            "measure": "亿元",
            "direction": "higher",
            "accumulates": "1",
            "margin": "5",
            "shape": "even",
        },
    )
    assert created.status_code == 302 and Target.objects.filter(name="工业技改投资").exists()
    closed = client.post("/targets/months/close/", {"year": 2026, "month": 10}, follow=True)
    assert "2 target(s)" in closed.content.decode()
    client.force_login(city.lead_handler)
    assert client.get("/targets/new/").status_code == 403
    assert client.post("/targets/months/close/", {"year": 2026, "month": 9}).status_code == 403


def test_pages_keep_a_query_budget(client, city, django_assert_max_num_queries):
    for n in range(6):
        target = make(city, name=f"指标{n}")
        services.report_actual(
            target, actor=city.lead_handler, version=None, month=1, value=10, source="快报"
        )
    client.force_login(city.supervisor)
    with django_assert_max_num_queries(12):
        assert client.get("/targets/?year=2026").status_code == 200
    with django_assert_max_num_queries(16):
        assert client.get(f"/targets/{target.pk}/").status_code == 200


def test_the_list_is_paged(client, city, monkeypatch):
    from luoshi.targets import views

    monkeypatch.setattr(views, "PAGE_SIZE", 2)
    for name in ("固定资产投资", "工业投资", "社会消费品零售总额"):
        make(city, name=name)
    client.force_login(city.supervisor)
    first = client.get("/targets/?year=2026").content.decode()
    second = client.get("/targets/?year=2026&page=2").content.decode()
    assert "1 / 2" in first and "page=2" in first
    assert sum(n in second for n in ("固定资产投资", "工业投资", "社会消费品零售总额")) == 1


def test_figures_as_statistics_print_them(client, city):
    target = make(city)
    client.force_login(city.lead_handler)
    url = f"/targets/{target.pk}/report/"
    form = {"report-version": 1, "report-month": 3, "report-source": "市统计局月报"}
    typed = client.post(url, {**form, "report-value": "１，２３４．５"})  # full-width, from an IME
    assert typed.status_code == 302 and target.actuals.get().value == 1234.5
    unit = client.post(url, {**form, "report-version": 2, "report-value": "12亿元"})
    assert unit.status_code == 422 and target.actuals.count() == 1
    assert "id_report-value_error" in unit.content.decode()  # the field is named
