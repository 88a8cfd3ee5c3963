"""The ledger export: layout checked with openpyxl, visibility, filters, queries, round trip."""

import datetime as dt
import io

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from luoshi.documents.ledger import COLUMNS, FILLS
from luoshi.matters import services
from luoshi.matters.models import Matter, PartRole
from luoshi.matters.warnings import scan
from luoshi.testing import accepted, register

D = dt.date
HEADINGS = [name for name, _width in COLUMNS]


def sheet_of(response):
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in response["Content-Disposition"]
    return load_workbook(io.BytesIO(response.content)).active


def data_rows(sheet):
    return [
        dict(zip(HEADINGS, row, strict=True))
        for row in sheet.iter_rows(min_row=3, values_only=True)
    ]


@pytest.fixture
def ledger_city(docs_city):
    """An accepted matter with a report, an overdue one, and a parent with two children."""
    city = docs_city
    city.reported = accepted(city, title="推进重点项目签约落地", deadline=D(2026, 3, 31))
    services.report_progress(
        city.reported, actor=city.lead_handler, version=None, text="已签约5个项目", percent=40
    )
    city.late = accepted(city, title="完成老旧小区改造", deadline=D(2026, 1, 20), co=False)
    city.parent = register(city, title="推进工业转型", deadline=D(2026, 12, 31), co=False)
    city.children = services.decompose_matter(
        city.parent,
        [
            services.MatterSpec(
                title="实施技术改造项目30个",
                source="work_report",
                lead_unit=city.co,
                co_units=[services.CoUnit(city.other)],
                deadline=D(2026, 9, 30),
                tags=["recurring"],
            ),
            services.MatterSpec(
                title="培育专精特新企业20家", source="work_report", lead_unit=city.co
            ),
        ],
        actor=city.supervisor,
        version=None,
    )
    return city


def test_ledger_layout(client, ledger_city):
    with time_machine.travel(dt.datetime(2026, 2, 2, 9, tzinfo=dt.UTC), tick=False):
        scan()
        client.force_login(ledger_city.supervisor)
        sheet = sheet_of(client.get(reverse("documents:ledger") + "?ordering=serial"))
    assert "A1:K1" in {str(r) for r in sheet.merged_cells.ranges}
    assert sheet["A1"].value == "督查督办事项台账（截至2026年2月2日）"
    assert [c.value for c in sheet[2]] == HEADINGS
    assert sheet.freeze_panes == "A3"
    assert sheet.page_setup.orientation == "landscape"
    assert int(sheet.page_setup.paperSize) == 9  # A4
    assert sheet.page_setup.fitToWidth == 1 and sheet.sheet_properties.pageSetUpPr.fitToPage
    assert sheet.print_title_rows == "$1:$2"
    assert sheet.column_dimensions["D"].width == 38
    assert sheet["D3"].alignment.wrap_text

    rows = data_rows(sheet)
    assert [r["序号"] for r in rows] == [1, 2, 3, 4]
    first, late = rows[0], rows[1]
    assert first["督办编号"] == ledger_city.reported.serial
    assert first["事项/重点任务"] == "推进重点项目签约落地"
    assert first["牵头单位"] == "市发改委" and first["配合单位"] == "市工信局"
    assert first["责任领导"] == "leader"
    assert first["完成时限"] == "2026年3月31日"
    assert first["状态"] == "In progress"
    assert first["最新进展"].startswith("已签约5个项目（40%")
    assert late["预警"] == "Overdue"
    assert sheet.cell(4, len(HEADINGS)).fill.fgColor.rgb == "00" + FILLS["red"]
    assert sheet.cell(3, len(HEADINGS)).fill.fgColor.rgb == "00" + FILLS["green"]
    # The parent is shown through its children: its task merged over their rows.
    children = rows[2:]
    assert [r["具体措施"] for r in children] == ["实施技术改造项目30个", "培育专精特新企业20家"]
    assert "C5:C6" in {str(r) for r in sheet.merged_cells.ranges}
    assert sheet["C5"].value == "推进工业转型"
    assert children[0]["完成时限"] == "2026年9月30日，持续跟踪"
    assert children[0]["状态"] == "Draft" and children[0]["预警"] is None


def test_api_ledger_is_the_same_export(client, ledger_city):
    client.force_login(ledger_city.supervisor)
    rows = data_rows(sheet_of(client.get("/api/documents/ledger.xlsx?ordering=serial")))
    assert len(rows) == 4


def test_filter_params_drive_the_export(client, ledger_city):
    client.force_login(ledger_city.supervisor)
    rows = data_rows(sheet_of(client.get(reverse("documents:ledger") + "?state=draft")))
    assert {r["具体措施"] for r in rows} == {"实施技术改造项目30个", "培育专精特新企业20家"}
    rows = data_rows(sheet_of(client.get(reverse("documents:ledger") + "?q=老旧小区")))
    assert [r["事项/重点任务"] for r in rows] == ["完成老旧小区改造"]
    response = client.get(reverse("documents:ledger") + "?state=bogus")
    assert response.status_code == 400 and "bogus" in response.content.decode()
    response = client.get("/api/documents/ledger.xlsx?state=bogus")
    assert response.status_code == 400 and response.json()["field"] == "state"


def test_units_export_only_what_they_see(client, ledger_city):
    client.force_login(ledger_city.lead_handler)
    rows = data_rows(sheet_of(client.get(reverse("documents:ledger"))))
    # Drafts are not visible to units; both dispatched matters are the lead's.
    assert sorted(r["事项/重点任务"] for r in rows) == ["完成老旧小区改造", "推进重点项目签约落地"]
    client.force_login(ledger_city.co_handler)
    rows = data_rows(sheet_of(client.get("/api/documents/ledger.xlsx")))
    assert [r["事项/重点任务"] for r in rows] == ["推进重点项目签约落地"]
    client.force_login(ledger_city.other_handler)
    assert data_rows(sheet_of(client.get(reverse("documents:ledger")))) == []


def test_anonymous_gets_nothing(client, ledger_city):
    assert client.get(reverse("documents:ledger")).status_code == 302
    assert client.get("/api/documents/ledger.xlsx").status_code == 401


def test_queries_do_not_grow_with_rows(client, ledger_city):
    client.force_login(ledger_city.supervisor)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("documents:ledger")).status_code == 200
        return len(queries)

    before = count()
    for n in range(6):
        accepted(ledger_city, title=f"新增事项{n}", deadline=D(2026, 6, 30))
    assert count() == before
    # session, user, memberships, matters, their parts, latest reports, policy
    assert before <= 8


def test_round_trip_export_then_import(client, ledger_city):
    """Export the ledger, then import it where those matters do not exist: same matters back."""
    client.force_login(ledger_city.supervisor)
    expected = _summary(Matter.objects.exclude(pk=ledger_city.parent.pk))
    with transaction.atomic():
        sid = transaction.savepoint_create()
        data = client.get(reverse("documents:ledger") + "?ordering=serial").content
        transaction.savepoint_rollback(sid)
    # The export itself changed nothing; now a copy city without those matters: clear them
    # by rolling back everything registered so far, keeping units and people.
    with transaction.atomic():
        sid = transaction.savepoint_create()
        _forget_matters()
        response = client.post(
            "/api/documents/imports/",
            {"file": SimpleUploadedFile("ledger.xlsx", data), "source": "meeting"},
        )
        body = response.json()
        assert body["preview"]["valid"], body["preview"]["problems"]
        assert body["preview"]["columns"]["task"] == "事项/重点任务"
        assert set(body["preview"]["ignored_columns"]) == {"状态", "最新进展", "预警"}
        assert client.post(f"/api/documents/imports/{body['id']}/confirm").status_code == 200
        imported = _summary(Matter.objects.exclude(children__isnull=False))
        parent = Matter.objects.get(title="推进工业转型")
        assert parent.children.count() == 2
        transaction.savepoint_rollback(sid)
    assert imported == expected


def test_reimporting_the_ledger_skips_matters_already_registered(client, ledger_city):
    client.force_login(ledger_city.supervisor)
    data = client.get(reverse("documents:ledger")).content
    body = client.post(
        "/api/documents/imports/", {"file": SimpleUploadedFile("ledger.xlsx", data)}
    ).json()
    assert body["preview"]["counts"]["skipped"] == 4
    assert body["preview"]["counts"]["matters"] == 0
    assert all("Already registered as 督办〔2026〕" in r["skip"] for r in body["preview"]["rows"])


def _summary(matters):
    rows = []
    for m in matters.select_related("lead_unit", "parent"):
        co = sorted(p.unit.name for p in m.parts.filter(active=True, role=PartRole.CO))
        # "2026年9月30日，持续跟踪" comes back as an ongoing matter with that date as milestone.
        first = m.milestones.order_by("deadline").first()
        day = m.deadline or (first.deadline if m.ongoing and first else None)
        rows.append(
            (
                m.parent.title if m.parent else "",
                m.title,
                m.lead_unit.name,
                tuple(co),
                day,
                "recurring" in m.tags,
            )
        )
    return sorted(rows, key=str)


def _forget_matters():
    """Inside a savepoint that the test rolls back: empty the matter tables."""
    from luoshi.matters.models import MatterEvent, MatterUnit, ProgressReport, SerialCounter
    from luoshi.notifications.models import Notification

    with connection.cursor() as cursor:
        for model in (Notification, MatterEvent, ProgressReport, MatterUnit):
            cursor.execute(f"DELETE FROM {model._meta.db_table}")
        cursor.execute(f"UPDATE {Matter._meta.db_table} SET parent_id = NULL")
        cursor.execute(f"DELETE FROM {Matter._meta.db_table}")
        cursor.execute(f"DELETE FROM {SerialCounter._meta.db_table}")
