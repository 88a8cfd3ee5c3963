"""Who may do what in enterprise service, through the pages and the API, role by role.

The enterprise lies in 东城区; its problem was transferred to 市发改委 (the lead unit).
The office (supervisor) manages everything; a city leader reads everything and
approves the whitelist; the lead unit's handler reads the problem it handles but not
the enterprise; the district's head reads the enterprise in its territory; another
unit's handler (市工信局) reads neither; the liaison cadre sends problems in; the
enterprise acts through its tokened link only; anonymous users are sent to log in.
A form without the version is refused (422), a stale one too (409), changing nothing.
"""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from luoshi.enterprises import services
from luoshi.enterprises.models import EnterpriseEvent, EnterpriseProblem, Liaison

from .helpers import answered, enterprise, received, transfer, whitelisted

D = dt.date


@pytest.fixture
def ent(city):
    return enterprise(city)


@pytest.fixture
def handled(city, ent):
    """A problem transferred to the lead unit and in its hands."""
    problem = received(city, ent)
    transfer(city, problem)
    problem.refresh_from_db()
    return problem


@pytest.fixture
def entry(city, ent):
    return whitelisted(city, ent, D(2026, 6, 30))


def _as(client, user):
    if user is not None:
        client.force_login(user)
    return client


READS = [
    # (persona, list, enterprise page, problem page, problem list, service days)
    (None, 302, 302, 302, 302, 302),
    ("supervisor", 200, 200, 200, 200, 200),
    ("leader", 200, 200, 200, 200, 200),
    ("lead_handler", 200, 404, 200, 200, 200),
    ("district_head", 200, 200, 404, 200, 200),
    ("co_handler", 200, 404, 404, 200, 200),
]


@pytest.mark.parametrize(("who", "listing", "page", "problem", "problems", "days"), READS)
def test_page_reads_per_role(
    client, city, ent, handled, who, listing, page, problem, problems, days
):
    _as(client, getattr(city, who) if who else None)
    assert client.get("/enterprises/").status_code == listing
    assert client.get(f"/enterprises/{ent.pk}/").status_code == page
    assert client.get(f"/enterprises/problems/{handled.pk}/").status_code == problem
    assert client.get("/enterprises/problems/").status_code == problems
    assert client.get("/enterprises/service-days/").status_code == days


WRITES = [
    # (persona, assign a liaison, approve a whitelist entry, new link, send in a problem)
    (None, 302, 302, 302, 302),
    ("supervisor", 302, 302, 302, 302),
    ("leader", 403, 302, 403, 403),
    ("district_head", 403, 403, 403, 403),
    ("co_handler", 404, 404, 404, 404),
]


@pytest.mark.parametrize(("who", "liaison", "whitelist", "token", "problem"), WRITES)
def test_enterprise_page_writes_per_role(
    client, city, ent, who, liaison, whitelist, token, problem
):
    _as(client, getattr(city, who) if who else None)
    url = f"/enterprises/{ent.pk}/act"
    v = {"version": ent.version}
    assert client.post(f"{url}/liaison/", {**v, "cadre": city.co_handler.pk}).status_code == (
        liaison
    )
    ent.refresh_from_db()
    period = {"guarantee": "funding", "valid_from": "2026-06-01", "valid_to": "2026/12/31"}
    assert client.post(f"{url}/whitelist/", period).status_code == whitelist
    assert client.post(f"{url}/token/", {"version": ent.version}).status_code == token
    sent = {"title": "招工难", "category": "labour", "tier": "ordinary"}
    assert client.post(f"{url}/problem/", sent).status_code == problem
    assert Liaison.objects.filter(enterprise=ent).exists() == (liaison == 302 and who is not None)


def test_the_liaison_sends_problems_in_for_its_enterprise(client, city, ent):
    services.assign_liaison(ent, city.co_handler, actor=city.supervisor, version=ent.version)
    client.force_login(city.co_handler)
    assert client.get(f"/enterprises/{ent.pk}/").status_code == 200
    sent = {"title": "招工难", "category": "labour", "tier": "ordinary"}
    assert client.post(f"/enterprises/{ent.pk}/act/problem/", sent).status_code == 302
    assert EnterpriseProblem.objects.get(title="招工难").received_by == city.co_handler
    # Not the office: no liaison, link or whitelist changes.
    ent.refresh_from_db()
    assert client.post(
        f"/enterprises/{ent.pk}/act/token/", {"version": ent.version}
    ).status_code == (403)


PROBLEM_WRITES = [
    # (persona, transfer, reopen)
    (None, 302, 302),
    ("supervisor", 302, 302),
    ("leader", 403, 403),
    ("lead_handler", 404, 403),  # cannot see an untransferred problem; may not reopen
    ("co_handler", 404, 404),
]


@pytest.mark.parametrize(("who", "transferring", "reopening"), PROBLEM_WRITES)
def test_problem_page_writes_per_role(client, city, ent, who, transferring, reopening):
    waiting = received(city, ent, title="待转办")
    unsatisfied = answered(city, ent, title="已答复")
    services.rate_problem(unsatisfied, "unsatisfied", version=unsatisfied.version)
    unsatisfied.matter.refresh_from_db()
    _as(client, getattr(city, who) if who else None)
    form = {"version": waiting.version, "lead_unit": city.lead.pk, "category": "land"}
    response = client.post(
        f"/enterprises/problems/{waiting.pk}/act/transfer/", {**form, "tier": "major"}
    )
    assert response.status_code == transferring
    revisit = {"version": unsatisfied.matter.version, "comment": "回访：仍未解决"}
    response = client.post(f"/enterprises/problems/{unsatisfied.pk}/act/reopen/", revisit)
    assert response.status_code == reopening


def test_service_day_schedule_per_role(client, city):
    form = {
        "form": "schedule",
        "unit": city.district.pk,
        "day": "2026-06-10",
        "place": "区政务大厅",
    }
    client.force_login(city.street_handler)
    assert client.post("/enterprises/service-days/", form).status_code == 403  # not its head
    client.force_login(city.district_head)
    assert client.post("/enterprises/service-days/", form).status_code == 302
    assert EnterpriseEvent.objects.filter(kind="service_day.scheduled").count() == 1


def test_the_enterprise_through_its_token(client, city, ent, handled):
    """The enterprise needs no account; its link shows its own problems only."""
    other = enterprise(city, 2)
    theirs = received(city, other, title="别家的问题")
    page = client.get(f"/enterprises/e/{ent.token}/")
    assert page.status_code == 200 and "别家的问题" not in page.content.decode()
    assert client.get(f"/enterprises/{ent.pk}/").status_code == 302  # no account: log in
    sent = client.post(
        f"/enterprises/e/{ent.token}/", {"title": "用电增容", "category": "utilities"}
    )
    assert sent.status_code == 302
    assert EnterpriseProblem.objects.get(title="用电增容").channel == "enterprise"
    rate = {f"p{theirs.pk}-grade": "satisfied", f"p{theirs.pk}-version": theirs.version}
    assert client.post(f"/enterprises/e/{ent.token}/rate/{theirs.pk}/", rate).status_code == 404
    assert client.get(f"/api/enterprises/{ent.pk}").status_code == 401


# -- stale and unversioned forms ------------------------------------------------------


def test_stale_and_unversioned_enterprise_forms_are_refused(client, city, ent):
    client.force_login(city.supervisor)
    url = f"/enterprises/{ent.pk}/act/liaison/"
    missing = client.post(url, {"cadre": city.co_handler.pk})
    assert missing.status_code == 422 and "reload the page" in missing.content.decode()
    seen = ent.version
    services.reissue_token(ent, actor=city.supervisor, version=ent.version)  # someone else
    stale = client.post(url, {"cadre": city.co_handler.pk, "version": seen})
    assert stale.status_code == 409 and "changed by someone else" in stale.content.decode()
    assert not Liaison.objects.exists()


def test_stale_and_unversioned_whitelist_forms_are_refused(client, city, ent, entry):
    client.force_login(city.leader)
    url = f"/enterprises/whitelist/{entry.pk}/renew/"
    prefix = f"renew-{entry.pk}"
    missing = client.post(url, {f"{prefix}-valid_to": "2026-12-31"})
    assert missing.status_code == 422
    renewed = client.post(url, {f"{prefix}-valid_to": "2026-12-31", f"{prefix}-version": 1})
    assert renewed.status_code == 302
    stale = client.post(url, {f"{prefix}-valid_to": "2027-06-30", f"{prefix}-version": 1})
    assert stale.status_code == 409
    entry.refresh_from_db()
    assert entry.valid_to == D(2026, 12, 31) and entry.version == 2
    client.force_login(city.district_head)
    revoke = {f"revoke-{entry.pk}-version": 2, f"revoke-{entry.pk}-reason": "企业停产"}
    assert client.post(f"/enterprises/whitelist/{entry.pk}/revoke/", revoke).status_code == 403


def test_stale_and_unversioned_problem_forms_are_refused(client, city, ent):
    problem = received(city, ent)
    client.force_login(city.supervisor)
    url = f"/enterprises/problems/{problem.pk}/act/transfer/"
    form = {"lead_unit": city.lead.pk, "category": "logistics", "tier": "ordinary"}
    assert client.post(url, form).status_code == 422
    assert client.post(url, {**form, "version": problem.version + 1}).status_code == 409
    problem.refresh_from_db()
    assert problem.matter is None


# -- the API --------------------------------------------------------------------------

API = [
    # (persona, read the enterprise, assign a liaison, renew a whitelist entry)
    (None, 401, 401, 401),
    ("supervisor", 200, 200, 200),
    ("leader", 200, 403, 200),
    ("district_head", 200, 403, 403),
    ("co_handler", 404, 404, 404),
]


@pytest.mark.parametrize(("who", "read", "liaison", "renew"), API)
def test_api_per_role(client, city, ent, entry, who, read, liaison, renew):
    _as(client, getattr(city, who) if who else None)
    assert client.get(f"/api/enterprises/{ent.pk}").status_code == read
    body = {"version": ent.version, "cadre": city.co_handler.pk}
    response = client.post(
        f"/api/enterprises/{ent.pk}/liaisons", body, content_type="application/json"
    )
    assert response.status_code == liaison
    body = {"version": entry.version, "valid_to": "2026-12-31"}
    response = client.post(
        f"/api/enterprises/whitelist/{entry.pk}/renew", body, content_type="application/json"
    )
    assert response.status_code == renew


def test_api_refuses_missing_and_stale_versions(client, city, ent, entry):
    client.force_login(city.supervisor)
    url = f"/api/enterprises/{ent.pk}/liaisons"
    missing = client.post(url, {"cadre": city.co_handler.pk}, content_type="application/json")
    assert missing.status_code == 422 and missing.json()["field"] == "version"
    body = {"cadre": city.co_handler.pk, "version": ent.version}
    assert client.post(url, body, content_type="application/json").status_code == 200
    stale = client.post(url, body, content_type="application/json")
    assert stale.status_code == 409 and stale.json()["code"] == "stale_version"
    liaison = Liaison.objects.get()
    ended = client.post(
        f"{url}/{liaison.pk}/end", {"version": ent.version + 1}, content_type="application/json"
    )
    assert ended.status_code == 200 and ended.json()["id"] == liaison.pk
    revoke = {"version": entry.version, "reason": "企业停产"}
    response = client.post(
        f"/api/enterprises/whitelist/{entry.pk}/revoke", revoke, content_type="application/json"
    )
    assert response.status_code == 200 and response.json()["revoked_at"]


def test_api_and_page_filter_alike(client, city, ent, entry):
    """One filter class: the same search gives the same enterprises on the page and API."""
    enterprise(city, 2, name="示例物流供应链有限公司", industry="现代物流")
    enterprise(city, 3, name="示例食品股份有限公司", district=city.other, size="large")
    client.force_login(city.supervisor)
    for query, expected in [
        ("q=物流", {"示例物流供应链有限公司"}),
        (f"q={ent.credit_code[-6:].lower()}", {ent.name}),
        ("size=large", {"示例食品股份有限公司"}),
        ("industry=物流", {"示例物流供应链有限公司"}),
        (f"district={city.other.pk}", {"示例食品股份有限公司"}),
        ("whitelisted=1", {ent.name}),
    ]:
        page = client.get(f"/enterprises/?{query}").context["enterprises"]
        api = client.get(f"/api/enterprises/?{query}").json()
        assert {e.name for e in page} == {e["name"] for e in api} == expected, query
    assert client.get("/api/enterprises/?size=huge").status_code == 422
    assert client.get("/api/enterprises/problems?show=nothing").status_code == 422


# -- query counts ---------------------------------------------------------------------


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200, url
    return len(captured)


def test_query_counts_do_not_grow_with_rows(client, city, ent):
    """The enterprise pages cost the same with one or five of each row."""
    answered(city, ent)
    services.assign_liaison(ent, city.co_handler, actor=city.supervisor, version=ent.version)
    client.force_login(city.supervisor)
    urls = [
        "/enterprises/",
        f"/enterprises/{ent.pk}/",
        "/enterprises/problems/",
        f"/enterprises/e/{ent.token}/",
        "/enterprises/service-days/",
    ]
    _queries(client, urls[0])  # the first request of all creates the policy row
    before = [_queries(client, url) for url in urls]
    for i in range(4):
        answered(city, ent, title=f"问题{i}")
        whitelisted(city, ent, D(2026, 6, 20 + i), actor=city.supervisor, guarantee="funding")
        enterprise(city, 20 + i)
        services.schedule_service_day(city.lead, D(2026, 6, 2 + i), actor=city.supervisor)
    ent.refresh_from_db()
    services.assign_liaison(ent, city.lead_handler, actor=city.supervisor, version=ent.version)
    assert [_queries(client, url) for url in urls] == before
