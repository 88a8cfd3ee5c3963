"""Project pages, API and Excel through the doors users use, with permissions and budgets."""

import datetime as dt
import io

import pytest
from openpyxl import Workbook, load_workbook

from luoshi.projects.excel import COLUMNS
from luoshi.projects.models import Project

from .helpers import month, project, reach

D = dt.date


@pytest.fixture
def projects(city):
    made = []
    for i in range(8):
        p = project(city, plans={"started": D(2026, 3, 1)}, code=f"Q{i}")
        reach(city, p, ("signed", D(2026, 1, 5)))
        month(city, p, 2, completed=5, funds=5)
        made.append(p)
    other = project(city, code="OTHER", responsible_unit=city.other, district=city.city)
    return made, other


def _login(client, user):
    client.force_login(user)
    return client


def test_list_permissions_and_query_budget(client, city, projects, django_assert_max_num_queries):
    assert client.get("/projects/").status_code == 302  # anonymous → login
    _login(client, city.supervisor)
    with django_assert_max_num_queries(12):
        page = client.get("/projects/")
    assert page.status_code == 200
    body = page.content.decode()
    assert "<td>Q7</td>" in body and "<td>OTHER</td>" in body
    _login(client, city.other_handler)
    body = client.get("/projects/").content.decode()
    # Cell markup, not bare codes: a random CSRF token may contain "Q1".
    assert "<td>OTHER</td>" in body and "<td>Q1</td>" not in body


def test_district_head_sees_projects_in_district(client, city, projects):
    _login(client, city.district_head)
    body = client.get("/projects/?stage=signed").content.decode()
    assert "<td>Q3</td>" in body and "<td>OTHER</td>" not in body


def test_detail_and_object_scope(client, city, projects, django_assert_max_num_queries):
    made, other = projects
    _login(client, city.lead_handler)
    with django_assert_max_num_queries(15):
        page = client.get(f"/projects/{made[0].pk}/")
    assert page.status_code == 200
    assert "chart-data" in page.content.decode()
    assert client.get(f"/projects/{other.pk}/").status_code == 404


def test_record_stage_through_the_page(client, city, projects):
    made, _other = projects
    p = made[0]
    _login(client, city.lead_handler)
    response = client.post(
        f"/projects/{p.pk}/stage/",
        {
            "version": p.version + 1,
            "stage": "started",
            "actual_date": "2026-02-27",
            "evidence": "x",
        },
    )
    assert response.status_code == 302
    p.refresh_from_db()
    assert p.stage == "started"
    stale = client.post(
        f"/projects/{p.pk}/stage/",
        {"version": 1, "stage": "building", "actual_date": "2026-03-27", "evidence": "x"},
        follow=True,
    )
    assert "changed by someone else" in stale.content.decode()
    _login(client, city.co_handler)
    assert client.post(f"/projects/{p.pk}/stage/", {"version": p.version}).status_code == 404


def test_figures_page(client, city, projects, django_assert_max_num_queries):
    _login(client, city.leader)
    for by in ("district", "unit", "kind", "level"):
        with django_assert_max_num_queries(12):
            assert client.get(f"/projects/figures/?by={by}").status_code == 200
    assert "东城区" in client.get("/projects/figures/?by=district").content.decode()
    # As of 2026-02-01 no project was due to start yet: no rate.
    early = client.get("/projects/figures/?by=unit&as_of=2026-02-01").context["total"]
    assert early.due_to_start == 0 and early.started_on_time_rate is None
    later = client.get("/projects/figures/?by=unit&as_of=2026-06-30").context["total"]
    assert later.due_to_start == 8 and later.started_on_time_rate == 0


def test_api_list_detail_figures_and_change(client, city, projects):
    made, _other = projects
    _login(client, city.supervisor)
    rows = client.get("/api/projects/?stage=signed").json()
    assert len(rows) == 8 and rows[0]["warnings"] == ["stage_late"]
    assert client.get("/api/projects/?kind=nope").status_code == 422
    detail = client.get(f"/api/projects/{made[0].pk}").json()
    assert [s["stage"] for s in detail["stages"]][:2] == ["signed", "started"]
    assert detail["stages"][1]["late"] is True
    figures = {f["key"]: f for f in client.get("/api/projects/figures?by=unit").json()}
    assert figures[str(city.lead.pk)]["projects"] == 8
    assert figures[str(city.lead.pk)]["by_stage"]["signed"] == 8
    assert figures[str(city.other.pk)]["projects"] == 1
    p = made[1]
    p.refresh_from_db()
    changed = client.post(
        f"/api/projects/{p.pk}/month",
        {"version": p.version, "year": 2026, "month": 5, "completed": "7.5", "funds_in_place": "1"},
        content_type="application/json",
    )
    assert changed.status_code == 200 and changed.json()["version"] == p.version + 1
    again = client.post(
        f"/api/projects/{p.pk}/month",
        {"version": p.version, "year": 2026, "month": 5, "completed": "7.5", "funds_in_place": "1"},
        content_type="application/json",
    )
    assert again.status_code == 409 and again.json()["code"] == "stale_version"


def _xlsx(rows) -> io.BytesIO:
    book = Workbook()
    book.active.append(list(COLUMNS.values()))
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    out.seek(0)
    out.name = "projects.xlsx"
    return out


ROW = ["XM-900", "智能装备产业园", "产业", "市重点", "某某集团", "市发展和改革委员会", "东城区",
       "是", 1000, 1200, "2026-07-01", "2026-09-01", None, None, None, None]  # fmt: skip


def test_import_adds_and_updates_then_refuses_a_bad_file(client, city):
    _login(client, city.supervisor)
    response = client.post("/projects/import/", {"file": _xlsx([ROW])})
    assert response.status_code == 302
    created = Project.objects.get(code="XM-900")
    assert created.responsible_unit == city.lead and created.is_contract
    assert created.stages.get(stage="started").planned_date == D(2026, 9, 1)
    bad = [*ROW[:5], "不存在的局", *ROW[6:]]
    good_update = [ROW[0], "智能装备产业园二期", *ROW[2:]]
    response = client.post("/projects/import/", {"file": _xlsx([good_update, bad])})
    assert response.status_code == 422
    assert "Row 3" in response.content.decode() and "不存在的局" in response.content.decode()
    assert Project.objects.get(code="XM-900").name == "智能装备产业园"  # nothing changed
    response = client.post("/projects/import/", {"file": _xlsx([good_update])})
    assert Project.objects.get(code="XM-900").name == "智能装备产业园二期"


def test_import_only_for_the_office(client, city):
    _login(client, city.lead_handler)
    assert client.post("/projects/import/", {"file": _xlsx([ROW])}).status_code == 403


def test_ledger_export(client, city, projects, django_assert_max_num_queries):
    _login(client, city.supervisor)
    with django_assert_max_num_queries(10):
        response = client.get("/projects/ledger.xlsx?stage=signed")
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet["A1"].value == "项目编号"
    assert sheet.max_row == 9  # header + 8 signed projects
    assert "Stage late" in sheet.cell(row=2, column=sheet.max_column).value
