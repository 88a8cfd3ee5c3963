"""A revised table imported again: matched row by row, shown as a diff, changed by services."""

import datetime as dt

import pytest
from django.urls import reverse

from luoshi.documents.models import ImportBatch, ImportedRow
from luoshi.matters import services
from luoshi.matters.models import Matter, MatterEvent

from .test_import_tables import imported, matter, units, upload

D = dt.date
FIRST, REVISED = "measures_2026.xlsx", "measures_2026_revised.xlsx"


@pytest.fixture
def first(client, real_city):
    return imported(client, real_city.supervisor, FIRST)


def plan_by_title(preview):
    return {n["title"]: n for n in preview["plan"]}


def test_the_diff_shows_new_changed_unchanged_and_gone(client, real_city, first):
    body = upload(client, real_city.supervisor, REVISED)
    preview = body["preview"]
    assert preview["revises"]["id"] == first["id"]
    counts = preview["counts"]
    assert (counts["matters"], counts["changed"], counts["unchanged"], counts["gone"]) == (
        1,
        3,
        4,
        1,
    )
    plan = plan_by_title(preview)
    assert plan["建设算力中心一期"]["status"] == "new"
    reworded = plan["新增规模以上工业企业60家"]
    assert reworded["status"] == "changed"
    assert reworded["changes"] == {
        "title": {"old": "新增规上工业企业60家", "new": "新增规模以上工业企业60家", "applied": True}
    }
    assert plan["推进技改项目100个"]["changes"]["deadline"] == {
        "old": "2026年12月31日",
        "new": "2026年10月30日",
        "applied": True,
    }
    moved = plan["推进开发区改革"]["changes"]  # a 措施条目 of one task is that task
    assert moved["lead_unit"]["new"] == "市发改委" and "co_units" in moved
    assert plan["建成5G基站1000个"]["status"] == "unchanged"
    assert [g["title"] for g in preview["gone"]] == ["培育数字经济核心企业20家"]
    assert Matter.objects.count() == 8  # a preview changes nothing


def test_confirming_applies_the_changes_through_the_services(client, real_city, first):
    before = {m.pk: m.version for m in Matter.objects.all()}
    body = upload(client, real_city.supervisor, REVISED)
    response = client.post(f"/api/documents/imports/{body['id']}/confirm")
    assert response.status_code == 200, response.content
    result = response.json()
    assert (result["created_count"], result["updated_count"]) == (1, 3)
    assert result["revises"] == first["id"]
    assert Matter.objects.count() == 9  # nothing duplicated
    reworded = matter("新增规模以上工业企业60家")
    assert reworded.version == before[reworded.pk] + 1
    event = MatterEvent.objects.filter(matter=reworded, kind="matter.updated").get()
    assert event.data["changes"]["title"] == ["新增规上工业企业60家", "新增规模以上工业企业60家"]
    assert matter("推进技改项目100个").deadline == D(2026, 10, 30)
    reform = Matter.objects.get(title="推进开发区改革")
    assert reform.lead_unit == real_city.lead
    assert units(reform) == ["市商务局", "市委机构编制委员会办公室"]
    new = matter("建设算力中心一期")
    assert new.parent == matter("建成5G基站1000个")
    assert matter("培育数字经济核心企业20家").state == "draft"  # gone from the table: kept
    outcomes = dict(
        ImportedRow.objects.filter(batch_id=body["id"]).values_list("matter__title", "outcome")
    )
    assert outcomes["建设算力中心一期"] == "created"
    assert outcomes["推进技改项目100个"] == "updated"
    assert outcomes["建成5G基站1000个"] == "unchanged"
    assert "培育数字经济核心企业20家" not in outcomes


def test_the_same_revision_twice_changes_nothing_more(client, real_city, first):
    imported(client, real_city.supervisor, REVISED)
    body = upload(client, real_city.supervisor, REVISED)
    counts = body["preview"]["counts"]
    assert (counts["matters"], counts["changed"], counts["unchanged"]) == (0, 0, 8)
    assert client.post(f"/api/documents/imports/{body['id']}/confirm").status_code == 200
    assert Matter.objects.count() == 9


def test_after_dispatch_deadline_and_units_change_only_by_their_own_procedures(
    client, real_city, first
):
    for title in ("推进技改项目100个", "推进开发区改革"):
        m = Matter.objects.get(title=title)
        services.assign_matter(m, actor=real_city.supervisor, version=m.version)
    body = upload(client, real_city.supervisor, REVISED)
    plan = plan_by_title(body["preview"])
    assert plan["推进技改项目100个"]["changes"]["deadline"]["applied"] is False
    assert plan["推进开发区改革"]["changes"]["lead_unit"]["applied"] is False
    client.force_login(real_city.supervisor)
    page = client.get(reverse("documents:import_preview", args=[body["id"]])).content.decode()
    assert "not applied" in page or "不适用" in page or "未更新" in page
    client.post(f"/api/documents/imports/{body['id']}/confirm")
    assert matter("推进技改项目100个").deadline == D(2026, 12, 31)
    assert Matter.objects.get(title="推进开发区改革").lead_unit.name == "市商务局"


def test_the_first_version_again_puts_the_table_back(client, real_city, first):
    revised = imported(client, real_city.supervisor, REVISED)
    body = upload(client, real_city.supervisor, FIRST)
    assert body["preview"]["revises"]["id"] == revised["id"]  # the table as it is now
    assert [g["title"] for g in body["preview"]["gone"]] == ["建设算力中心一期"]
    client.post(f"/api/documents/imports/{body['id']}/confirm")
    assert matter("新增规上工业企业60家").deadline == D(2026, 12, 31)
    assert matter("推进技改项目100个").deadline == D(2026, 12, 31)
    # 培育… was never withdrawn: it is found again, not made twice.
    assert Matter.objects.filter(title="培育数字经济核心企业20家").count() == 1
    assert Matter.objects.count() == 9
    assert ImportBatch.objects.filter(state="imported").count() == 3


def test_each_matter_keeps_its_place_in_the_table_for_the_ledger(client, real_city, first):
    from luoshi.documents.queries import with_table_numbers

    imported(client, real_city.supervisor, REVISED)
    rows = with_table_numbers(Matter.objects.all()).order_by("table_batch", "table_row", "pk")
    listed = [(m.table_number, m.title) for m in rows if m.title != "培育数字经济核心企业20家"]
    assert listed == [
        ("", "着力稳定工业增长"),
        ("1", "开展工业企业“一企一策”帮扶"),
        ("1.1", "新增规模以上工业企业60家"),
        ("1.2", "推进技改项目100个"),
        ("", "加快数字经济发展"),
        ("2", "建成5G基站1000个"),
        ("2.2", "建设算力中心一期"),
        ("3", "推进开发区改革"),
    ]
    assert rows.get(title="新增规模以上工业企业60家").table_path == "#1/1/1.1"
