"""The ledger export: layout checked with openpyxl, visibility, filters, order, queries,
formula injection, long ledgers built in the background, and the round trip to the importer."""

import datetime as dt
import io
from types import SimpleNamespace

import pytest
import time_machine
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from luoshi.documents.ledger import COLUMNS, FILLS, HEADER_ROW, original_number
from luoshi.documents.models import LedgerExport
from luoshi.matters import services
from luoshi.matters.models import Matter, PartRole
from luoshi.matters.warnings import scan
from luoshi.notifications.models import Notification
from luoshi.testing import accepted, register

D = dt.date
HEADINGS = [name for name, _width in COLUMNS]


def body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def sheet_of(response):
    assert response.status_code == 200, body(response)[:300]
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in response["Content-Disposition"]
    return load_workbook(io.BytesIO(body(response))).active


def data_rows(sheet):
    return [
        dict(zip(HEADINGS, row, strict=True))
        for row in sheet.iter_rows(min_row=HEADER_ROW + 1, values_only=True)
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
                co_units=[services.CoUnit(city.other), services.CoUnit(city.district, "共同牵头")],
                deadline=D(2026, 9, 30),
                tags=["recurring"],
            ),
            services.MatterSpec(
                title="培育专精特新企业20家", source="work_report", lead_unit=city.co, ongoing=True
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
    merged = {str(r) for r in sheet.merged_cells.ranges}
    assert {"A1:M1", "A2:M2"} <= merged
    assert sheet["A1"].value == "督查督办事项台账（截至2026年2月2日）"
    assert sheet["A2"].value == "筛选条件：全部事项"
    assert [c.value for c in sheet[HEADER_ROW]] == HEADINGS
    assert sheet.freeze_panes == "A4"
    assert sheet.auto_filter.ref == "A3:M7"  # the header row, over every data row
    assert sheet.page_setup.orientation == "landscape"
    assert int(sheet.page_setup.paperSize) == 9  # A4
    assert sheet.page_setup.fitToWidth == 1 and sheet.sheet_properties.pageSetUpPr.fitToPage
    assert sheet.print_title_rows == "$1:$3"
    assert sheet.column_dimensions["E"].width == 38
    assert sheet["E4"].alignment.wrap_text

    rows = data_rows(sheet)
    assert [r["序号"] for r in rows] == [1, 2, 3, 4]
    assert [r["原表序号"] for r in rows] == [None] * 4  # none of them was imported
    first, late = rows[0], rows[1]
    assert first["督办编号"] == ledger_city.reported.serial
    assert first["事项/重点任务"] == "推进重点项目签约落地"
    assert first["牵头单位"] == "市发改委" and first["配合单位"] == "市工信局"
    assert first["责任领导"] == "leader"
    assert first["状态"] == "In progress"
    assert first["最新进展"] == "已签约5个项目（40%）"
    assert first["反馈日期"] == dt.datetime(2026, 1, 15)
    assert late["预警"] == "逾期13天"  # Jan 20 to Feb 2, by the fair clock
    warning_col = len(HEADINGS)
    assert sheet.cell(5, warning_col).fill.fgColor.rgb == "00" + FILLS["red"]
    assert sheet.cell(4, warning_col).fill.fgColor.rgb == "00" + FILLS["green"]
    # The parent is shown through its children: its task merged over their rows.
    children = rows[2:]
    assert [r["具体措施"] for r in children] == ["实施技术改造项目30个", "培育专精特新企业20家"]
    assert "D6:D7" in merged and sheet["D6"].value == "推进工业转型"
    assert children[0]["状态"] == "Draft" and children[0]["预警"] is None


def test_dates_are_date_cells_with_a_date_format(client, ledger_city):
    client.force_login(ledger_city.supervisor)
    sheet = sheet_of(client.get(reverse("documents:ledger") + "?ordering=serial"))
    deadline = sheet.cell(HEADER_ROW + 1, HEADINGS.index("完成时限") + 1)
    assert deadline.is_date and deadline.value == dt.datetime(2026, 3, 31)
    assert deadline.number_format == 'yyyy"年"m"月"d"日"'
    recurring = sheet.cell(HEADER_ROW + 3, HEADINGS.index("完成时限") + 1)
    assert recurring.is_date and recurring.value == dt.datetime(2026, 9, 30)
    assert recurring.number_format.endswith('"，持续跟踪"')
    reported = sheet.cell(HEADER_ROW + 1, HEADINGS.index("反馈日期") + 1)
    assert reported.is_date and reported.number_format == "yyyy-mm-dd"


def test_co_leads_are_marked_and_ongoing_matters_say_so(client, ledger_city):
    client.force_login(ledger_city.supervisor)
    rows = data_rows(sheet_of(client.get(reverse("documents:ledger") + "?ordering=serial")))
    co_led, ongoing = rows[2], rows[3]
    assert co_led["牵头单位"] == "市工信局、东城区（共同牵头）"
    assert co_led["配合单位"] == "市商务局"
    assert ongoing["完成时限"] == "持续推进"


def test_a_provisional_deadline_says_so_and_stays_a_date(client, docs_city):
    with time_machine.travel(dt.datetime(2026, 11, 27, 2, tzinfo=dt.UTC), tick=False):
        matter = register(docs_city, deadline_workdays=50)
        services.assign_matter(matter, actor=docs_city.supervisor, version=None)
        client.force_login(docs_city.supervisor)
        sheet = sheet_of(client.get(reverse("documents:ledger")))
    cell = sheet.cell(HEADER_ROW + 1, HEADINGS.index("完成时限") + 1)
    assert cell.value == dt.datetime(2027, 2, 10) and "（暂定）" in cell.number_format


def test_the_applied_filter_is_written_under_the_title(client, ledger_city):
    client.force_login(ledger_city.supervisor)
    url = reverse("documents:ledger")
    params = f"?state=accepted,in_progress&lead_unit={ledger_city.lead.pk}&q=签约&open=1"
    sheet = sheet_of(client.get(url + params, HTTP_ACCEPT_LANGUAGE="zh-hans"))
    assert sheet["A2"].value == (
        "筛选条件：状态：已签收、办理中；牵头单位：市发改委；仅未办结事项；关键词：签约"
    )
    sheet = sheet_of(client.get(url + "?deadline_from=2026-01-01&deadline_to=2026-06-30"))
    assert sheet["A2"].value == "筛选条件：完成时限：2026-01-01至2026-06-30"


def test_user_text_never_becomes_a_formula(client, ledger_city):
    accepted(ledger_city, title='=HYPERLINK("http://evil.example","点此查看")', co=False)
    accepted(ledger_city, title="@SUM(1+1)\x0b事项", co=False)
    services.report_progress(
        Matter.objects.get(title__startswith="=HYPERLINK"),
        actor=ledger_city.lead_handler,
        version=None,
        text="-1+2 已完成",
        percent=10,
    )
    client.force_login(ledger_city.supervisor)
    response = client.get(reverse("documents:ledger") + "?ordering=serial")
    sheet = sheet_of(response)
    cells = [c for row in sheet.iter_rows(min_row=HEADER_ROW + 1) for c in row]
    assert not any(c.data_type == "f" for c in cells)
    titles = [r["事项/重点任务"] for r in data_rows(sheet)]
    assert '\'=HYPERLINK("http://evil.example","点此查看")' in titles
    assert "'@SUM(1+1)事项" in titles  # and the vertical tab is gone
    assert "'-1+2 已完成（10%）" in [r["最新进展"] for r in data_rows(sheet)]


def test_the_csv_export_neutralises_formulas_too(client, ledger_city):
    accepted(ledger_city, title="=1+2", co=False)
    client.force_login(ledger_city.supervisor)
    text = body(client.get(reverse("matters:export"))).decode("utf-8-sig")
    assert ",'=1+2," in text and ",=1+2," not in text


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
    assert response.status_code == 422 and "bogus" in response.content.decode()
    response = client.get("/api/documents/ledger.xlsx?state=bogus")
    assert response.status_code == 422 and response.json()["field"] == "state"


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
    assert client.get(reverse("documents:export_list")).status_code == 302


def test_queries_do_not_grow_with_rows(client, ledger_city):
    client.force_login(ledger_city.supervisor)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert body(client.get(reverse("documents:ledger")))[:2] == b"PK"
        return len(queries)

    before = count()
    for n in range(6):
        accepted(ledger_city, title=f"新增事项{n}", deadline=D(2026, 6, 30))
    assert count() == before
    # session, user, memberships, count, ids, matters, parts, reports, imported rows, policy
    assert before <= 11


# --- The imported table's order ---------------------------------------------------------------


def _table(rows) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(["2026年重点任务分解表"])
    sheet.append(["序号", "重点任务", "牵头单位", "配合单位", "完成时限"])
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _import(client, data: bytes) -> None:
    body_ = client.post("/api/documents/imports/", {"file": SimpleUploadedFile("t.xlsx", data)})
    batch = body_.json()
    assert batch["preview"]["valid"], batch["preview"]["problems"]
    assert client.post(f"/api/documents/imports/{batch['id']}/confirm").status_code == 200


def test_the_default_order_is_the_imported_table_s(client, docs_city):
    client.force_login(docs_city.supervisor)
    register(docs_city, title="会前登记的事项", deadline=D(2026, 2, 28), co=False)
    _import(
        client,
        _table(
            [
                [1, "建设城市更新项目", "市发改委", "", "2026年12月"],
                [2, "开展营商环境评估", "市市场监管局", "市发改委", "2026年6月30日前"],
                [3, "推进数字政府建设", "市工信局", "", "持续推进"],
            ]
        ),
    )
    rows = data_rows(sheet_of(client.get(reverse("documents:ledger"))))
    assert [r["事项/重点任务"] for r in rows] == [
        "建设城市更新项目",
        "开展营商环境评估",
        "推进数字政府建设",
        "会前登记的事项",
    ]
    by_serial = data_rows(sheet_of(client.get(reverse("documents:ledger") + "?ordering=serial")))
    assert by_serial[0]["事项/重点任务"] == "会前登记的事项"


def test_original_number_reads_the_recorded_path_or_none():
    assert original_number(None) is None
    assert original_number(SimpleNamespace()) is None  # rows imported before it was kept
    assert original_number(SimpleNamespace(number="")) is None
    assert original_number(SimpleNamespace(number="1.1")) == "1.1"


# --- Long ledgers in the background -----------------------------------------------------------


@pytest.fixture
def short_limit():
    with override_settings(LUOSHI={**settings.LUOSHI, "LEDGER_INTERACTIVE_ROWS": 2}):
        yield


def test_a_long_ledger_is_built_in_the_background(
    client, ledger_city, short_limit, django_capture_on_commit_callbacks
):
    client.force_login(ledger_city.supervisor)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.get(reverse("documents:ledger") + "?ordering=serial")
    assert response.status_code == 302 and response["Location"] == reverse("documents:export_list")
    export = LedgerExport.objects.get()
    assert (export.state, export.row_count, export.requested_by) == (
        "ready",
        4,
        ledger_city.supervisor,
    )
    assert export.filter_text == "筛选条件：全部事项"
    note = Notification.objects.get(user=ledger_city.supervisor, kind="export")
    assert "4" in note.text
    page = client.get(reverse("documents:export_list")).content.decode()
    assert reverse("documents:export_file", args=[export.pk]) in page
    sheet = sheet_of(client.get(reverse("documents:export_file", args=[export.pk])))
    assert len(data_rows(sheet)) == 4


def test_the_api_answers_202_and_the_export_is_the_requester_s_alone(
    client, ledger_city, short_limit, django_capture_on_commit_callbacks
):
    client.force_login(ledger_city.lead_handler)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.get("/api/documents/ledger.xlsx?state=bogus")
        assert response.status_code == 422  # a bad filter is refused, not queued
        accepted(ledger_city, title="第三项", deadline=D(2026, 6, 30), co=False)
        response = client.get("/api/documents/ledger.xlsx")
    assert response.status_code == 202
    export = response.json()
    status = client.get(f"/api/documents/exports/{export['id']}").json()
    assert status["state"] == "ready" and status["row_count"] == 3  # what the handler sees
    assert client.get(status["file"]).status_code == 200
    for other in (ledger_city.supervisor, ledger_city.co_handler):
        client.force_login(other)
        assert client.get(f"/api/documents/exports/{export['id']}").status_code == 404
        assert client.get(status["file"]).status_code == 404
        assert client.get(reverse("documents:export_file", args=[export["id"]])).status_code == 404
    client.logout()
    assert client.get(status["file"]).status_code == 401


def test_a_pending_export_page_refreshes_itself(client, ledger_city, short_limit):
    client.force_login(ledger_city.supervisor)
    client.get(reverse("documents:ledger"))  # not committed in the test: stays pending
    page = client.get(reverse("documents:export_list")).content.decode()
    assert 'hx-trigger="every 5s"' in page and "export_file" not in page


# --- The importer reads the ledger back -------------------------------------------------------


def test_round_trip_export_then_import(client, ledger_city):
    """Export the ledger, then import it where those matters do not exist: same matters back.

    持续跟踪 is shown by the date cell's format; the importer reads the date (the import
    stream reads number formats next), so the round trip compares dates, not that mark.
    """
    client.force_login(ledger_city.supervisor)
    expected = _summary(Matter.objects.exclude(pk=ledger_city.parent.pk))
    with transaction.atomic():
        sid = transaction.savepoint_create()
        data = body(client.get(reverse("documents:ledger") + "?ordering=serial"))
        transaction.savepoint_rollback(sid)
    with transaction.atomic():
        sid = transaction.savepoint_create()
        _forget_matters()
        response = client.post(
            "/api/documents/imports/",
            {"file": SimpleUploadedFile("ledger.xlsx", data), "source": "meeting"},
        )
        result = response.json()
        assert result["preview"]["valid"], result["preview"]["problems"]
        assert result["preview"]["columns"]["task"] == "事项/重点任务"
        assert set(result["preview"]["ignored_columns"]) == {
            "原表序号",
            "状态",
            "最新进展",
            "反馈日期",
            "预警",
        }
        assert client.post(f"/api/documents/imports/{result['id']}/confirm").status_code == 200
        imported = _summary(Matter.objects.exclude(children__isnull=False))
        parent = Matter.objects.get(title="推进工业转型")
        assert parent.children.count() == 2
        transaction.savepoint_rollback(sid)
    assert imported == expected


def test_reimporting_the_ledger_skips_matters_already_registered(client, ledger_city):
    client.force_login(ledger_city.supervisor)
    data = body(client.get(reverse("documents:ledger")))
    result = client.post(
        "/api/documents/imports/", {"file": SimpleUploadedFile("ledger.xlsx", data)}
    ).json()
    assert result["preview"]["counts"]["skipped"] == 4
    assert result["preview"]["counts"]["matters"] == 0
    assert all("Already registered as 督办〔2026〕" in r["skip"] for r in result["preview"]["rows"])


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
                m.ongoing,
            )
        )
    return sorted(rows, key=str)


def _forget_matters():
    """Inside a savepoint that the test rolls back: empty the matter tables."""
    from luoshi.lib.eventtriggers import lifted
    from luoshi.matters.models import MatterEvent, MatterUnit, ProgressReport, SerialCounter

    # The event log refuses DELETE; this test-only emptying lifts its triggers (restored
    # when the block ends, and the savepoint rollback brings every row back).
    with lifted(connection, [MatterEvent._meta.db_table]), connection.cursor() as cursor:
        for model in (Notification, MatterEvent, ProgressReport, MatterUnit):
            cursor.execute(f"DELETE FROM {model._meta.db_table}")
        cursor.execute(f"UPDATE {Matter._meta.db_table} SET parent_id = NULL")
        cursor.execute(f"DELETE FROM {Matter._meta.db_table}")
        cursor.execute(f"DELETE FROM {SerialCounter._meta.db_table}")


@pytest.mark.parametrize(("limit", "background"), [(5, False), (4, True)])
def test_a_ledger_as_long_as_the_limit_is_written_at_once_one_more_goes_to_the_background(
    client, ledger_city, limit, background
):
    # The supervisor sees the city's five matters (a parent shown through its two
    # sub-matters: four rows); the length check counts at most limit + 1.
    client.force_login(ledger_city.supervisor)
    with override_settings(LUOSHI={**settings.LUOSHI, "LEDGER_INTERACTIVE_ROWS": limit}):
        response = client.get(reverse("documents:ledger") + "?ordering=serial")
    if background:
        assert response.status_code == 302 and LedgerExport.objects.count() == 1
    else:
        assert response.status_code == 200 and not LedgerExport.objects.exists()
        assert len(data_rows(sheet_of(response))) == 4
