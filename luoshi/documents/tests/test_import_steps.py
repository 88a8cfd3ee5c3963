"""The questions a preview asks, answered through the page (htmx) and the API.

Columns the engine did not recognise, unit names the unit list does not know, time
limits already past (a table imported mid-year) or unreadable: each is answered on the
preview, the same batch is previewed again, and the choice is remembered where it
should be (the columns for that header, the name as the unit's alias).
"""

import datetime as dt
import io

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook

from luoshi.documents.models import ColumnMapping, ImportBatch
from luoshi.matters.models import Matter, MatterEvent
from luoshi.org.models import Unit

from .conftest import fixture_bytes
from .test_import_tables import upload

D = dt.date
HTMX = {"HTTP_HX_REQUEST": "true"}


def workbook(rows) -> bytes:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def page_upload(client, user, name: str, data: bytes) -> ImportBatch:
    client.force_login(user)
    response = client.post(
        reverse("documents:import_upload"),
        {"file": SimpleUploadedFile(name, data), "source": "meeting", "multi_lead": "co"},
    )
    assert response.status_code == 302, response.content.decode()[:500]
    return ImportBatch.objects.latest("id")


# --- Columns ----------------------------------------------------------------------------------

ODD_HEADINGS = [
    ["市政府常务会议议定事项督办清单"],
    ["事项描述", "承办处室", "协助处室", "办结时间"],
    ["推进老旧小区改造", "市发改委", "东城区", "2026年6月底"],
    ["建设口袋公园10个", "东城区", "无", "年底前"],
]


def test_unrecognised_columns_are_chosen_on_the_page_and_remembered(client, docs_city):
    data = workbook(ODD_HEADINGS)
    batch = page_upload(client, docs_city.supervisor, "议定事项.xlsx", data)
    preview = batch.preview
    assert not preview["valid"] and preview["header_row"] == 2
    problem = preview["problems"][0]
    assert problem["code"] == "missing_column"
    page = client.get(reverse("documents:import_preview", args=[batch.pk])).content.decode()
    assert "事项描述" in page and 'name="field_lead"' in page

    response = client.post(
        reverse("documents:import_columns", args=[batch.pk]),
        {"header_row": 2, "field_task": 0, "field_lead": 1, "field_co": 2, "field_deadline": 3},
        **HTMX,
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert 'id="import-body"' in body and "<html" not in body  # the partial, for htmx
    batch.refresh_from_db()
    assert batch.preview["valid"], batch.preview["problems"]
    assert batch.preview["columns"] == {
        "task": "事项描述",
        "lead": "承办处室",
        "co": "协助处室",
        "deadline": "办结时间",
    }
    assert ColumnMapping.objects.get().fields == {"task": 0, "lead": 1, "co": 2, "deadline": 3}

    # The next table with that header is read with those columns without asking.
    body = client.post(
        "/api/documents/imports/", {"file": SimpleUploadedFile("again.xlsx", data)}
    ).json()
    assert body["preview"]["valid"] and body["preview"]["columns"]["lead"] == "承办处室"


def test_columns_through_the_api_and_their_refusals(client, docs_city):
    client.force_login(docs_city.supervisor)
    body = client.post(
        "/api/documents/imports/",
        {"file": SimpleUploadedFile("odd.xlsx", workbook(ODD_HEADINGS))},
    ).json()
    url = f"/api/documents/imports/{body['id']}/columns"
    refused = client.post(
        url, {"header_row": 2, "fields": {"task": 0, "lead": 0}}, content_type="application/json"
    )
    assert refused.status_code == 422 and refused.json()["field"] == "fields"
    refused = client.post(
        url, {"header_row": 2, "fields": {"task": 0}}, content_type="application/json"
    )
    assert refused.status_code == 422 and refused.json()["field"] == "lead"
    response = client.post(
        url, {"header_row": 2, "fields": {"task": 0, "lead": 1}}, content_type="application/json"
    )
    assert response.status_code == 200 and response.json()["preview"]["valid"]
    assert client.post(f"/api/documents/imports/{body['id']}/confirm").status_code == 200
    assert Matter.objects.count() == 2


# --- Unknown units ----------------------------------------------------------------------------


def test_unknown_names_mapped_and_created_on_the_page(client, real_city):
    batch = page_upload(
        client, real_city.supervisor, "key.xlsx", fixture_bytes("key_tasks_2026.xlsx")
    )
    unknown = batch.preview["unknown_units"]
    assert [u["name"] for u in unknown] == ["市公安局交警支队"]
    page = client.get(reverse("documents:import_preview", args=[batch.pk])).content.decode()
    assert "市公安局交警支队" in page and 'name="unit_0"' in page
    police = real_city.units["市公安局"]
    response = client.post(
        reverse("documents:import_units", args=[batch.pk]),
        {"unit_0": str(police.pk)},
        **HTMX,
    )
    assert response.status_code == 200
    batch.refresh_from_db()
    assert batch.preview["valid"] and not batch.preview["unknown_units"]
    police.refresh_from_db()
    assert police.aliases == ["市公安局交警支队"]  # remembered for the next table


def test_a_new_unit_under_a_chosen_parent(client, real_city):
    batch = page_upload(
        client, real_city.supervisor, "life.xlsx", fixture_bytes("livelihood_2026.xlsx")
    )
    response = client.post(
        reverse("documents:import_units", args=[batch.pk]),
        {
            "unit_0": "new",
            "new_name_0": "市妇女联合会（市妇联）",
            "parent_0": str(real_city.city.pk),
            "kind_0": "department",
        },
    )
    assert response.status_code == 302
    unit = Unit.objects.get(name="市妇女联合会")
    assert unit.parent == real_city.city and unit.aliases == ["市妇联"]
    batch.refresh_from_db()
    assert batch.preview["valid"]
    client.post(reverse("documents:import_confirm", args=[batch.pk]))
    screening = Matter.objects.get(title="开展免费“两癌”筛查")
    assert screening.parts.filter(unit=unit).exists()


def test_a_name_typed_instead_and_a_refused_one(client, real_city):
    batch = page_upload(
        client, real_city.supervisor, "key.xlsx", fixture_bytes("key_tasks_2026.xlsx")
    )
    url = reverse("documents:import_units", args=[batch.pk])
    response = client.post(url, {"other_0": "没有这个单位"}, **HTMX)
    assert response.status_code == 422 and "没有这个单位" in response.content.decode()
    response = client.post(url, {"other_0": "市公安局"}, **HTMX)
    assert response.status_code == 200
    batch.refresh_from_db()
    assert batch.preview["valid"]


def test_only_the_office_maps_units(client, real_city):
    batch = page_upload(
        client, real_city.supervisor, "key.xlsx", fixture_bytes("key_tasks_2026.xlsx")
    )
    client.force_login(real_city.lead_handler)
    url = reverse("documents:import_units", args=[batch.pk])
    assert client.post(url, {"unit_0": str(real_city.units["市公安局"].pk)}).status_code == 404
    assert real_city.units["市公安局"].aliases == []


# --- Time limits already past: a table imported mid-year --------------------------------------

JULY = dt.datetime(2026, 7, 15, 9, tzinfo=dt.UTC)


@pytest.fixture
def july(real_city):
    with time_machine.travel(JULY, tick=False):
        yield real_city


def test_past_limits_are_flagged_and_imported_as_written(client, july):
    body = upload(client, july.supervisor, "livelihood_2026.xlsx")
    client.post(
        f"/api/documents/imports/{body['id']}/units",
        {"choices": [{"name": "市妇联", "parent_id": july.city.pk}]},
        content_type="application/json",
    )
    preview = client.get(f"/api/documents/imports/{body['id']}").json()["preview"]
    past = {d["row"]: d for d in preview["dated"]}
    assert set(past) == {10}  # 2026年第二季度; a past milestone alone asks nothing
    assert all(d["reason"] == "past" for d in past.values())
    assert preview["valid"]  # never a blocking error
    assert client.post(f"/api/documents/imports/{body['id']}/confirm").status_code == 200
    centre = Matter.objects.get(title="建设社区嵌入式养老服务中心")
    assert centre.deadline == D(2026, 6, 30)  # as written
    event = MatterEvent.objects.get(matter=centre, kind="matter.registered")
    assert event.data["past_deadline"] == f"import {body['id']}"  # recorded, and why


def test_new_dates_per_row_or_for_all_on_the_page(client, july):
    batch = page_upload(client, july.supervisor, "life.xlsx", fixture_bytes("livelihood_2026.xlsx"))
    client.post(
        reverse("documents:import_units", args=[batch.pk]),
        {"unit_0": "new", "parent_0": str(july.city.pk)},
    )
    page = client.get(reverse("documents:import_preview", args=[batch.pk])).content.decode()
    assert 'name="date_10"' in page and 'name="all_past"' in page
    response = client.post(
        reverse("documents:import_dates", args=[batch.pk]),
        {"all_past": "2026-12-31"},
        **HTMX,
    )
    assert response.status_code == 200
    batch.refresh_from_db()
    assert batch.options["past_deadlines"] == "2026-12-31"
    response = client.post(
        reverse("documents:import_dates", args=[batch.pk]), {"date_10": "2026-09-30"}, **HTMX
    )
    batch.refresh_from_db()
    assert batch.options["deadlines"] == {"10": "2026-09-30"}
    assert batch.preview["dated"][0]["choice"] == "2026-09-30"
    client.post(reverse("documents:import_confirm", args=[batch.pk]))
    centre = Matter.objects.get(title="建设社区嵌入式养老服务中心")
    assert centre.deadline == D(2026, 9, 30)
    assert "past_deadline" not in MatterEvent.objects.get(matter=centre).data
    # 上半年启动，年底前完成: only its milestone is past; its deadline stands.
    assert Matter.objects.get(title="开展免费“两癌”筛查").deadline == D(2026, 12, 31)


def test_an_unreadable_limit_gets_a_date_or_becomes_ongoing(client, docs_city):
    body = upload(client, docs_city.supervisor, "broken.xlsx")
    url = f"/api/documents/imports/{body['id']}/dates"
    response = client.post(
        url, {"rows": {"5": "ongoing", "8": "2026-06-30"}}, content_type="application/json"
    )
    preview = response.json()["preview"]
    blocking = {(p["row"], p["code"]) for p in preview["problems"] if p["blocking"]}
    assert blocking == {(4, "no_lead"), (6, "unknown_unit")}
    refused = client.post(url, {"rows": {"5": "春节前"}}, content_type="application/json")
    assert refused.status_code == 422 and refused.json()["field"] == "deadlines[5]"


# --- A province's table, as a new user would import it ----------------------------------------

PROVINCE_UNITS = [
    "省发展和改革委员会",
    "省教育厅",
    "省科学技术厅",
    "省工业和信息化厅",
    "省民族宗教事务委员会",
    "省公安厅",
    "省民政厅",
    "省司法厅",
    "省财政厅",
    "省人力资源和社会保障厅",
    "省自然资源厅",
    "省生态环境厅",
    "省住房和城乡建设厅",
    "省交通运输厅",
    "省水利厅",
    "省农业农村厅",
    "省商务厅",
    "省文化和旅游厅",
    "省卫生健康委员会",
    "省退役军人事务厅",
    "省应急管理厅",
    "省审计厅",
    "省人民政府外事办公室",
    "省人民政府国有资产监督管理委员会",
    "省市场监督管理局",
    "省广播电视局",
    "省体育局",
    "省统计局",
    "省医疗保障局",
    "省林业局",
    "省粮食和物资储备局",
    "省地方金融监督管理局",
    "省政务服务和数据管理局",
    "省机关事务管理局",
    "省信访局",
    "省药品监督管理局",
    "省知识产权局",
    "省经济和信息化厅",
    "省人民防空办公室",
]


@pytest.fixture
def province(empty_database, january):
    from django.contrib.auth.models import User

    from luoshi.org.models import Membership, Role, UnitKind

    root = Unit.objects.create(name="示例省人民政府", kind=UnitKind.CITY)
    office = Unit.objects.create(name="省政府督查室", kind=UnitKind.OFFICE, parent=root)
    for name in PROVINCE_UNITS:
        Unit.objects.create(name=name, kind=UnitKind.DEPARTMENT, parent=root)
    for name in ("示例市", "北山市", "南湖市"):
        Unit.objects.create(name=name, kind=UnitKind.CITY, parent=root)
    Unit.objects.filter(name="省发展和改革委员会").update(aliases=["省能源局"])
    supervisor = User.objects.create_user("sup", password="pw")
    Membership.objects.create(user=supervisor, unit=office, role=Role.SUPERVISOR)
    return type("Province", (), {"root": root, "supervisor": supervisor})


def test_a_provinces_126_tasks_for_41_departments(client, province):
    batch = page_upload(
        client, province.supervisor, "分工方案.xlsx", fixture_bytes("provincial_2026.xlsx")
    )
    preview = batch.preview
    assert preview["counts"]["rows"] == 126
    unknown = {u["name"]: u for u in preview["unknown_units"]}
    # Most departments are found by their abbreviations; four names need the office.
    assert set(unknown) == {"省外办", "省国资委", "省乡村振兴局", "省通信管理局"}
    assert unknown["省外办"]["suggestions"][0]["name"] == "省人民政府外事办公室"
    assert unknown["省国资委"]["suggestions"][0]["score"] >= 0.85  # chosen in advance
    order = [u["name"] for u in preview["unknown_units"]]
    agriculture = Unit.objects.get(name="省农业农村厅")
    posted = {}
    for i, name in enumerate(order):
        if name in ("省外办", "省国资委"):
            posted[f"unit_{i}"] = str(unknown[name]["suggestions"][0]["id"])
        elif name == "省乡村振兴局":
            posted[f"other_{i}"] = agriculture.name
        else:
            posted.update({f"unit_{i}": "new", f"parent_{i}": str(province.root.pk)})
    response = client.post(reverse("documents:import_units", args=[batch.pk]), posted, **HTMX)
    assert response.status_code == 200
    batch.refresh_from_db()
    assert batch.preview["valid"], [p for p in batch.preview["problems"] if p["blocking"]][:3]
    response = client.post(reverse("documents:import_confirm", args=[batch.pk]))
    batch.refresh_from_db()
    assert batch.state == "imported"
    # 126 tasks, 8 sections and 14 subsections above them.
    assert Matter.objects.count() == 126 + 8 + 14
    leads = set(Matter.objects.exclude(lead_unit=None).values_list("lead_unit__name", flat=True))
    assert len(leads) == 40  # 41 names: 省乡村振兴局 was read as 省农业农村厅
    energy = Matter.objects.filter(title__contains="（第41项）").get()
    assert energy.lead_unit.name == "省发展和改革委员会"  # "省发展改革委（省能源局）"
    # "排在第一位的为牵头单位": the others help, they do not share the lead.
    assert not Matter.objects.filter(parts__description="共同牵头").exists()
    assert Unit.objects.get(name="省通信管理局").parent == province.root
    agriculture.refresh_from_db()
    assert "省乡村振兴局" in agriculture.aliases


def test_a_province_table_in_a_new_deployment_creates_its_departments(client, province):
    Unit.objects.filter(kind="department").delete()  # no department known yet
    batch = page_upload(
        client, province.supervisor, "分工方案.xlsx", fixture_bytes("provincial_2026.xlsx")
    )
    unknown = [u["name"] for u in batch.preview["unknown_units"]]
    assert len(unknown) == 41 and unknown.count("省发展改革委（省能源局）") == 1
    response = client.post(
        reverse("documents:import_units", args=[batch.pk]),
        {"create_rest": "1", "parent_rest": str(province.root.pk), "other_0": "不存在的单位"},
        **HTMX,
    )
    assert response.status_code == 200 and "不存在的单位" in response.content.decode()
    batch.refresh_from_db()
    assert [u["name"] for u in batch.preview["unknown_units"]] == [unknown[0]]
    assert Unit.objects.filter(kind="department", parent=province.root).count() == 40
    energy = Unit.objects.get(name="省发展改革委")
    assert energy.aliases == ["省能源局"]  # "省发展改革委（省能源局）": a unit with an alias
