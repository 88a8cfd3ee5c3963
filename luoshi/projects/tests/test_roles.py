"""Who may do what to a key project, through the pages and the API, role by role.

The project is the lead unit's (市发改委) in 东城区: the office and leaders see every
project; the responsible unit's handler sees and reports on it; another unit's
handler (市工信局) does not see it; anonymous users are sent to log in (pages) or
refused (API). A form or API call without the version is refused (422); one with a
stale version is refused (409); neither changes the project.
"""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from luoshi.projects.models import Project

from .helpers import month, project, reach

D = dt.date


@pytest.fixture
def p(city):
    made = project(city, code="XM-001", plans={"signed": D(2026, 1, 10)})
    return reach(city, made, ("signed", D(2026, 1, 12)))


def _as(client, user):
    if user is not None:
        client.force_login(user)
    return client


def _stage(p: Project, **extra) -> dict:
    return {"stage": "started", "actual_date": "2026/6/1", "evidence": "施工许可证", **extra}


def _month(p: Project, **extra) -> dict:
    return {"year": 2026, "month": 5, "completed": "120.5", "funds_in_place": "80", **extra}


PAGE_READS = [
    # (persona, list, project page, figures page, import page)
    (None, 302, 302, 302, 302),
    ("supervisor", 200, 200, 200, 200),
    ("lead_handler", 200, 200, 200, 403),
    ("co_handler", 200, 404, 200, 403),
    ("leader", 200, 200, 200, 403),
]


@pytest.mark.parametrize(("who", "listing", "detail", "figures", "imports"), PAGE_READS)
def test_page_reads_per_role(client, city, p, who, listing, detail, figures, imports):
    _as(client, getattr(city, who) if who else None)
    assert client.get("/projects/").status_code == listing
    assert client.get(f"/projects/{p.pk}/").status_code == detail
    assert client.get("/projects/figures/").status_code == figures
    assert client.get("/projects/import/").status_code == imports


PAGE_WRITES = [
    # (persona, record a stage, report a month, raise a problem)
    (None, 302, 302, 302),  # to the login page, nothing changed
    ("supervisor", 302, 302, 302),
    ("lead_handler", 302, 302, 403),
    ("co_handler", 404, 404, 404),
    ("leader", 403, 403, 403),
]


@pytest.mark.parametrize(("who", "stage", "report", "problem"), PAGE_WRITES)
def test_page_writes_per_role(client, city, p, who, stage, report, problem):
    _as(client, getattr(city, who) if who else None)
    done = client.post(f"/projects/{p.pk}/stage/", _stage(p, version=p.version))
    assert done.status_code == stage
    p.refresh_from_db()
    assert (p.stage == "started") == (stage == 302 and who is not None)
    assert client.post(f"/projects/{p.pk}/month/", _month(p, version=p.version)).status_code == (
        report
    )
    form = {"title": "施工用电未接入", "lead_unit": city.co.pk, "deadline": "2026-07-31"}
    assert client.post(f"/projects/{p.pk}/problem/", form).status_code == problem


def test_page_form_without_version_is_refused(client, city, p):
    client.force_login(city.lead_handler)
    page = client.get(f"/projects/{p.pk}/").content.decode()
    assert f'name="version" value="{p.version}"' in page  # the form carries it
    response = client.post(f"/projects/{p.pk}/stage/", _stage(p))
    assert response.status_code == 422
    assert "reload the page" in response.content.decode()
    response = client.post(f"/projects/{p.pk}/month/", _month(p, version=""))
    assert response.status_code == 422
    p.refresh_from_db()
    assert p.stage == "signed" and not p.months.exists() and p.version == 2


def test_page_stale_form_is_refused_and_shows_the_project_afresh(client, city, p):
    client.force_login(city.lead_handler)
    seen = p.version
    month(city, p, 4, completed=10)  # someone else reports meanwhile
    response = client.post(f"/projects/{p.pk}/stage/", _stage(p, version=seen))
    assert response.status_code == 409
    body = response.content.decode()
    assert "changed by someone else" in body
    assert f'name="version" value="{seen + 1}"' in body  # the fresh form
    p.refresh_from_db()
    assert p.stage == "signed"


def test_page_bad_input_names_the_field_and_keeps_what_was_typed(client, city, p):
    client.force_login(city.lead_handler)
    response = client.post(
        f"/projects/{p.pk}/stage/", _stage(p, version=p.version, actual_date="2026-13-40")
    )
    assert response.status_code == 422
    body = response.content.decode()
    assert "is not a date" in body and "施工许可证" in body
    future = client.post(
        f"/projects/{p.pk}/stage/", _stage(p, version=p.version, actual_date="2026-07-02")
    )
    assert future.status_code == 422 and "cannot be in the future" in future.content.decode()


API_WRITES = [
    # (persona, POST stage, POST month, POST problem)
    (None, 401, 401, 401),
    ("supervisor", 200, 200, 201),
    ("lead_handler", 200, 200, 403),
    ("co_handler", 404, 404, 404),
    ("leader", 403, 403, 403),
]


@pytest.mark.parametrize(("who", "stage", "report", "problem"), API_WRITES)
def test_api_per_role(client, city, p, who, stage, report, problem):
    _as(client, getattr(city, who) if who else None)
    base = f"/api/projects/{p.pk}"
    visible = client.get(base).status_code
    assert visible == {401: 401, 404: 404}.get(stage, 200)
    body = {**_stage(p), "actual_date": "2026-06-01", "version": p.version}
    assert client.post(f"{base}/stage", body, content_type="application/json").status_code == stage
    p.refresh_from_db()
    body = {**_month(p), "version": p.version}
    assert client.post(f"{base}/month", body, content_type="application/json").status_code == (
        report
    )
    body = {"title": "施工用电未接入", "lead_unit": city.co.pk}
    assert client.post(f"{base}/problem", body, content_type="application/json").status_code == (
        problem
    )


def test_api_without_version_or_stale_is_refused(client, city, p):
    client.force_login(city.lead_handler)
    url = f"/api/projects/{p.pk}/stage"
    body = {**_stage(p), "actual_date": "2026-06-01"}
    missing = client.post(url, body, content_type="application/json")
    assert missing.status_code == 422 and missing.json()["field"] == "version"
    stale = client.post(url, {**body, "version": p.version - 1}, content_type="application/json")
    assert stale.status_code == 409 and stale.json()["code"] == "stale_version"
    p.refresh_from_db()
    assert p.stage == "signed"


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_query_counts_do_not_grow_with_rows(client, city, p):
    """The list, the project page and the ledger cost the same for 1 or 8 of each row."""
    client.force_login(city.supervisor)
    urls = ["/projects/", f"/projects/{p.pk}/", "/projects/ledger.xlsx", "/projects/figures/"]
    _queries(client, urls[0])  # the first request of all creates the policy row
    before = [_queries(client, url) for url in urls]
    for i in range(7):
        other = project(city, code=f"XM-1{i}", plans={"signed": D(2026, 1, 1)})
        reach(city, other, ("signed", D(2026, 1, 3)))
        month(city, p, i % 6 + 1, completed=i, funds=i)
    from luoshi.projects import services

    for i in range(3):
        services.raise_problem(p, actor=city.supervisor, title=f"问题{i}", lead_unit=city.co)
    assert [_queries(client, url) for url in urls] == before
