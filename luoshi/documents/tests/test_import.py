"""Importing task tables: through the page, the API and the command, with committed fixtures."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse

from luoshi.documents.models import ImportBatch, ImportedRow, ImportState
from luoshi.matters.models import Matter, MatterEvent, PartRole, ReportCycle, Source

from .conftest import FIXTURES, fixture_bytes

D = dt.date
DECOMPOSITION = "decomposition_2026.xlsx"


def upload(client, user, name=DECOMPOSITION, **options):
    client.force_login(user)
    data = {"file": SimpleUploadedFile(name, fixture_bytes(name)), **options}
    return client.post("/api/documents/imports/", data)


def confirm(client, batch_id):
    return client.post(f"/api/documents/imports/{batch_id}/confirm")


def by_title(title):
    return Matter.objects.select_related("lead_unit", "parent").get(title=title)


def units_of(matter, role):
    return sorted(p.unit.name for p in matter.parts.filter(active=True, role=role))


# --- Page: upload → preview → confirm ---------------------------------------------------------


def test_page_upload_previews_without_saving_then_confirm_registers(client, docs_city):
    client.force_login(docs_city.supervisor)
    assert client.get(reverse("documents:import_upload")).status_code == 200
    response = client.post(
        reverse("documents:import_upload"),
        {
            "file": SimpleUploadedFile(DECOMPOSITION, fixture_bytes(DECOMPOSITION)),
            "source": Source.WORK_REPORT,
            "multi_lead": "co",
        },
    )
    assert response.status_code == 302
    batch = ImportBatch.objects.get()
    assert batch.state == ImportState.PREVIEWED
    assert Matter.objects.count() == 0  # nothing saved before confirming

    page = client.get(response.url)
    assert page.status_code == 200
    text = page.content.decode()
    assert "推进重大项目建设" in text and "李强" in text  # rows and the unknown leader note

    response = client.post(reverse("documents:import_confirm", args=[batch.pk]))
    assert response.status_code == 302
    batch.refresh_from_db()
    assert batch.state == ImportState.IMPORTED
    # 15 rows: 13 matters of their own, 2 parents of merged 重点任务, 2 of the sections 一、二、
    assert batch.created_count == Matter.objects.count() == 19
    assert "督办〔2026〕" in client.get(response.url).content.decode()


# --- What a confirmed import creates ----------------------------------------------------------


@pytest.fixture
def imported(client, docs_city):
    response = upload(client, docs_city.supervisor)
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["preview"]["valid"], body["preview"]["problems"]
    response = confirm(client, body["id"])
    assert response.status_code == 200, response.content
    return response.json()


def test_preview_reports_header_year_counts_and_notes(client, docs_city):
    body = upload(client, docs_city.supervisor).json()
    preview = body["preview"]
    assert preview["header_row"] == 3
    assert preview["year"] == 2026
    assert preview["columns"]["lead"] == "牵头单位"
    assert preview["counts"] == {
        "rows": 15,
        "ok": 15,
        "errors": 0,
        "skipped": 0,
        "matters": 19,
        "parents": 4,
        "changed": 0,
        "unchanged": 0,
        "gone": 0,
    }
    notes = {(p["row"], p["column"]): p for p in preview["problems"]}
    assert not any(p["blocking"] for p in notes.values())
    assert "李强" in notes[(10, "责任领导")]["message"]
    sections = {r["row"]: r["section"] for r in preview["rows"]}
    assert sections[5] == "扩大有效投资" and sections[10] == "促进消费"
    plan = {n["path"]: n for n in preview["plan"]}
    assert plan["一"]["title"] == "扩大有效投资" and plan["一"]["children"] == 2
    assert plan["一/1"]["title"] == "推进重大项目建设" and plan["一/1/#2"]["row"] == 6


def test_merged_task_becomes_a_parent_with_children(imported, docs_city):
    parent = by_title("推进重大项目建设")
    children = list(parent.children.order_by("serial_no"))
    assert [c.title for c in children] == [
        "完成重大项目年度投资200亿元",
        "新开工亿元以上项目50个",
        "建立重大项目周调度机制",
    ]
    assert parent.lead_unit == docs_city.lead
    assert parent.deadline == D(2026, 12, 31)  # the latest of its children
    assert parent.responsible_leader == docs_city.zhang
    # The merged 责任领导 cell applies to every child.
    assert all(c.responsible_leader == docs_city.zhang for c in children)
    assert children[1].deadline == D(2026, 9, 30)
    assert units_of(children[0], PartRole.CO) == ["市商务局", "市工信局"]
    assert units_of(children[1], PartRole.CO) == ["东城区", "市工信局"]
    assert MatterEvent.objects.filter(matter=parent, kind="matter.decomposed").count() == 1
    second = by_title("推进工业转型")
    assert second.children.count() == 2


def test_section_rows_become_parents_of_their_tasks(imported, docs_city):
    section = by_title("扩大有效投资")
    assert section.parent is None and section.lead_unit is None  # its rows have two leads
    assert [c.title for c in section.children.order_by("serial_no")] == [
        "推进重大项目建设",
        "优化营商环境",
    ]
    assert section.deadline == D(2026, 12, 31)  # never earlier than its dated children
    assert by_title("推进重大项目建设").parent == section
    assert by_title("促进消费").children.count() == 10


def test_every_matter_is_a_draft_from_the_work_report_by_the_supervisor(imported, docs_city):
    matters = Matter.objects.all()
    assert {m.state for m in matters} == {"draft"}
    assert {m.source for m in matters} == {Source.WORK_REPORT}
    assert {m.created_by_id for m in matters} == {docs_city.supervisor.pk}
    assert ImportedRow.objects.count() == 19
    serials = sorted(m.serial_no for m in matters)
    assert serials == list(range(serials[0], serials[0] + 19))  # one block of numbers
    events = MatterEvent.objects.filter(kind="matter.registered")
    assert events.count() == 19 and all(e.data["import"] == imported["id"] for e in events)


def test_units_matched_on_names_aliases_and_second_names(imported, docs_city):
    assert by_title("优化营商环境").lead_unit == docs_city.market  # 市市场监管局（市知识产权局）
    assert by_title("深化放管服改革").lead_unit == docs_city.lead  # alias 市发展和改革委员会
    assert by_title("做好政策宣传").lead_unit == docs_city.publicity  # 市新闻出版局
    assert units_of(by_title("建设智慧城市"), PartRole.CO) == ["市委宣传部（市新闻出版局）"]
    # A line break and a ；/ separate units too.
    assert units_of(by_title("深化放管服改革"), PartRole.CO) == ["东城区城关街道", "市商务局"]
    assert units_of(by_title("优化营商环境"), PartRole.CO) == ["市发改委", "市工信局"]


def test_several_lead_units_first_leads_others_share(imported, docs_city):
    matter = by_title("促进消费提质升级")
    assert matter.lead_unit == docs_city.other  # 市商务局
    shared = matter.parts.get(unit=docs_city.co)
    assert shared.role == PartRole.CO and shared.description == "共同牵头"
    assert matter.responsible_leader is None  # 李强 is no leader here


def test_several_lead_units_split_into_one_matter_each(client, docs_city):
    body = upload(client, docs_city.supervisor, multi_lead="split").json()
    assert body["preview"]["counts"]["matters"] == 20
    confirm(client, body["id"])
    matters = Matter.objects.filter(title="促进消费提质升级").order_by("serial_no")
    assert [m.lead_unit for m in matters] == [docs_city.other, docs_city.co]
    assert all(units_of(m, PartRole.CO) == ["东城区"] for m in matters)


def test_time_limits_become_dates_or_ongoing_matters(imported, docs_city):
    expected = {
        "优化营商环境": (D(2026, 6, 30), False),
        "促进消费提质升级": (D(2026, 6, 30), False),
        "建立重大项目周调度机制": (None, True),  # 每月: ongoing, reported monthly
        "实施技术改造项目30个": (None, True),  # 9月持续跟踪: a milestone, then ongoing
        "培育专精特新企业20家": (D(2026, 12, 31), False),
        "深化放管服改革": (None, True),
        "加强安全生产": (None, True),
        "建设智慧城市": (D(2026, 10, 20), False),
        "改善城市环境": (D(2026, 6, 30), False),
        "深化国企改革": (D(2026, 11, 30), False),
        "稳定外贸外资": (D(2026, 8, 31), False),
        "建设产业园区": (D(2026, 12, 31), False),
    }
    for title, (day, ongoing) in expected.items():
        matter = by_title(title)
        assert (matter.deadline, matter.ongoing) == (day, ongoing), title
        assert ("recurring" in matter.tags) is ongoing, title
        assert matter.deadline_workdays is None or not ongoing
    assert by_title("建立重大项目周调度机制").report_cycle == ReportCycle.MONTHLY
    tracked = by_title("实施技术改造项目30个").milestones.get()
    assert tracked.deadline == D(2026, 9, 30) and tracked.title == "9月持续跟踪"
    assert by_title("做好政策宣传").deadline_workdays == 30
    milestone = by_title("建设产业园区").milestones.get()
    assert milestone.deadline == D(2026, 6, 30) and milestone.title == "6月底前完成主体工程"
    # A parent is due no earlier than its latest dated child; its ongoing child has none.
    assert by_title("推进重大项目建设").deadline == D(2026, 12, 31)


def test_source_is_selectable(client, docs_city):
    body = upload(client, docs_city.supervisor, source=Source.MEETING).json()
    confirm(client, body["id"])
    assert set(Matter.objects.values_list("source", flat=True)) == {Source.MEETING}


# --- Refusals: broken files, unknown units, repeats -------------------------------------------


def test_broken_file_lists_every_problem_and_changes_nothing(client, docs_city):
    body = upload(client, docs_city.supervisor, name="broken.xlsx").json()
    preview = body["preview"]
    assert not preview["valid"]
    problems = {(p["row"], p["column"]): p for p in preview["problems"] if p["blocking"]}
    assert set(problems) == {
        (4, "牵头单位"),
        (5, "完成时限"),
        (6, "牵头单位"),
        (8, "完成时限"),
    }
    assert "市大数据局" in problems[(6, "牵头单位")]["message"]
    assert [u["name"] for u in preview["unknown_units"]] == ["市大数据局"]
    assert "春节前" in problems[(5, "完成时限")]["message"]
    assert problems[(5, "完成时限")]["suggestion"]
    # 市发展改革委 is 市发改委 written in full: read as it, no question asked.
    assert preview["rows"][4]["lead"] == ["市发改委"]
    assert preview["counts"]["ok"] == 2 and preview["counts"]["errors"] == 4
    assert {d["row"]: d["reason"] for d in preview["dated"]} == {5: "unreadable", 8: "unreadable"}

    response = confirm(client, body["id"])
    assert response.status_code == 422
    assert "row 4" in response.json()["field"]
    assert Matter.objects.count() == 0 and ImportedRow.objects.count() == 0
    assert ImportBatch.objects.get().state == ImportState.PREVIEWED


def test_accepting_suggestions_reads_near_misses_but_still_blocks_the_rest(client, docs_city):
    docs_city.lead.aliases = []
    docs_city.lead.save()
    body = upload(client, docs_city.supervisor, name="broken.xlsx", accept_suggestions=True).json()
    blocking = {p["row"] for p in body["preview"]["problems"] if p["blocking"]}
    assert blocking == {4, 5, 6, 8}
    assert confirm(client, body["id"]).status_code == 422
    assert Matter.objects.count() == 0


def test_the_same_file_again_changes_nothing(client, docs_city, imported):
    body = upload(client, docs_city.supervisor).json()
    preview = body["preview"]
    assert preview["valid"] and preview["revises"]["id"] == imported["id"]
    assert preview["counts"]["matters"] == 0 and preview["counts"]["unchanged"] == 19
    response = confirm(client, body["id"])
    assert response.status_code == 200, response.content
    assert response.json()["created_count"] == 0 and response.json()["updated_count"] == 0
    assert Matter.objects.count() == 19
    assert {m["outcome"] for m in response.json()["matters"]} == {"unchanged"}


def test_the_same_file_split_by_lead_makes_no_duplicates(client, docs_city, imported):
    body = upload(client, docs_city.supervisor, multi_lead="split").json()
    preview = body["preview"]
    assert preview["counts"]["unchanged"] == 19 and preview["counts"]["matters"] == 0
    assert any(p["code"] == "multi_lead_kept" for p in preview["problems"])
    confirm(client, body["id"])
    assert Matter.objects.filter(title="促进消费提质升级").count() == 1
    assert Matter.objects.count() == 19


def test_confirming_twice_is_refused(client, docs_city, imported):
    response = confirm(client, imported["id"])
    assert response.status_code == 409
    assert Matter.objects.count() == 19


def test_revised_table_adds_the_new_rows_under_their_parents(client, docs_city, imported):
    from .fixtures import make_fixtures as fx

    rows = list(fx.DECOMPOSITION_ROWS)
    at = rows.index(next(r for r in rows if len(r) > 2 and r[2] == "培育专精特新企业20家")) + 1
    rows.insert(at, (None, None, "建设数字化车间10个", "市工信局", "", None, "2027年3月底"))
    merges = ["A5:A7", "B5:B7", "F5:F7", "A11:A13", "B11:B13", "F11:F13"]
    workbook = _decomposition_with(fx, rows, merges)

    client.force_login(docs_city.supervisor)
    body = client.post(
        "/api/documents/imports/", {"file": SimpleUploadedFile("revised.xlsx", workbook)}
    ).json()
    counts = body["preview"]["counts"]
    assert body["preview"]["revises"]["id"] == imported["id"]
    # Its parent and the parent's section are now due when the new measure is.
    assert (counts["matters"], counts["changed"], counts["gone"]) == (1, 2, 0)
    response = confirm(client, body["id"])
    assert response.status_code == 200, response.content
    new = by_title("建设数字化车间10个")
    assert new.parent == by_title("推进工业转型")  # added under the existing parent
    assert new.deadline == D(2027, 3, 31)
    assert new.parent.deadline == new.parent.parent.deadline == D(2027, 3, 31)
    assert Matter.objects.filter(title="推进重大项目建设").count() == 1
    assert Matter.objects.count() == 20
    decomposed = MatterEvent.objects.filter(matter=new.parent, kind="matter.decomposed")
    assert decomposed.count() == 2  # the first import, then this one


def _decomposition_with(fx, rows, merges) -> bytes:
    import io

    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.cell(1, 1, "2026年政府工作报告重点任务分解表")
    sheet.merge_cells("A1:G1")
    for col, heading in enumerate(fx.HEADER, start=1):
        sheet.cell(3, col, heading)
    fx._write(sheet, 4, rows, len(fx.HEADER))
    for merge in merges:
        sheet.merge_cells(merge)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def test_variant_headers_and_blank_repeated_task(client, docs_city):
    body = upload(client, docs_city.supervisor, name="variant_headers.xlsx", year=2026).json()
    preview = body["preview"]
    assert preview["valid"], preview["problems"]
    assert preview["columns"] == {
        "number": "编号",
        "task": "工作任务",
        "measure": "主要内容",
        "lead": "责任单位",
        "co": "协办单位",
        "leader": "分管领导",
        "deadline": "时间节点",
    }
    assert preview["ignored_columns"] == ["备注"]
    confirm(client, body["id"])
    parent = by_title("推进重点项目签约")
    assert [c.deadline for c in parent.children.order_by("serial_no")] == [
        D(2026, 6, 30),
        D(2026, 12, 31),
    ]
    service = by_title("强化企业服务")
    assert service.report_cycle == ReportCycle.QUARTERLY and service.ongoing
    assert units_of(service, PartRole.CO) == ["东城区", "市商务局"]


def test_not_an_excel_file(client, docs_city):
    client.force_login(docs_city.supervisor)
    response = client.post(
        "/api/documents/imports/", {"file": SimpleUploadedFile("x.xlsx", b"not a workbook")}
    )
    assert response.status_code == 422
    assert response.json()["field"] == "file"
    assert ImportBatch.objects.count() == 0


def test_a_table_without_header_asks_for_the_columns(client, docs_city):
    import io

    from openpyxl import Workbook

    workbook = Workbook()
    workbook.active.append(["甲", "乙"])
    out = io.BytesIO()
    workbook.save(out)
    client.force_login(docs_city.supervisor)
    response = client.post(
        "/api/documents/imports/", {"file": SimpleUploadedFile("x.xlsx", out.getvalue())}
    )
    assert response.status_code == 201
    preview = response.json()["preview"]
    assert not preview["valid"] and preview["missing"]
    problem = preview["problems"][0]
    assert problem["code"] == "missing_column" and "Lead unit" in problem["message"]
    assert confirm(client, response.json()["id"]).status_code == 422


# --- The command ------------------------------------------------------------------------------


def test_command_dry_run_previews_and_saves_nothing(docs_city, capsys):
    call_command("import", str(FIXTURES / DECOMPOSITION), user="supervisor", dry_run=True)
    out = capsys.readouterr().out
    assert "15 rows: 15 understood" in out and "19 matters to register" in out
    assert Matter.objects.count() == 0 and ImportBatch.objects.count() == 0


def test_command_imports_then_finds_the_same_file_unchanged(docs_city, capsys):
    call_command("import", str(FIXTURES / DECOMPOSITION), user="supervisor")
    assert "Imported 19 matters, updated 0" in capsys.readouterr().out
    call_command("import", str(FIXTURES / DECOMPOSITION), user="supervisor")
    out = capsys.readouterr().out
    assert "0 matters to register, 0 to update, 19 unchanged" in out
    first = ImportBatch.objects.earliest("id")
    assert f"Revises import {first.pk}" in out and "Imported 0 matters, updated 0" in out
    assert Matter.objects.count() == 19


def test_command_refuses_a_broken_file(docs_city, capsys):
    with pytest.raises(CommandError):
        call_command("import", str(FIXTURES / "broken.xlsx"), user="supervisor")
    out = capsys.readouterr().out
    assert "ERROR row 6, 牵头单位: Unknown unit “市大数据局”." in out
    assert Matter.objects.count() == 0


def test_command_only_for_supervisors(docs_city):
    with pytest.raises(CommandError, match="supervisors"):
        call_command("import", str(FIXTURES / DECOMPOSITION), user="lead_handler", dry_run=True)


# --- Permissions ------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["lead_handler", "lead_head", "leader", "co_handler"])
def test_only_supervisors_import(client, docs_city, persona):
    user = getattr(docs_city, persona)
    client.force_login(user)
    assert client.get(reverse("documents:import_upload")).status_code == 403
    response = upload(client, user)
    assert response.status_code == 403
    assert ImportBatch.objects.count() == 0


def test_others_cannot_see_or_confirm_a_supervisors_import(client, docs_city):
    batch_id = upload(client, docs_city.supervisor).json()["id"]
    client.force_login(docs_city.lead_handler)
    assert client.get(f"/api/documents/imports/{batch_id}").status_code == 404
    assert confirm(client, batch_id).status_code == 404
    assert client.get(reverse("documents:import_preview", args=[batch_id])).status_code == 404
    assert Matter.objects.count() == 0


def test_anonymous(client, docs_city):
    assert client.get(reverse("documents:import_upload")).status_code == 302
    response = client.post(
        "/api/documents/imports/",
        {"file": SimpleUploadedFile(DECOMPOSITION, fixture_bytes(DECOMPOSITION))},
    )
    assert response.status_code == 401


def test_command_takes_the_only_supervisor_by_default(docs_city, capsys):
    call_command("import", str(FIXTURES / DECOMPOSITION), dry_run=True)
    assert "19 matters to register" in capsys.readouterr().out


def test_endpoints_are_documented(client, db):
    paths = client.get("/api/openapi.json").json()["paths"]
    for path in (
        "/api/documents/imports/",
        "/api/documents/imports/{batch_id}/confirm",
        "/api/documents/imports/{batch_id}/columns",
        "/api/documents/imports/{batch_id}/units",
        "/api/documents/imports/{batch_id}/dates",
        "/api/documents/imports/{batch_id}/options",
        "/api/documents/ledger.xlsx",
        "/api/documents/bulletins/{bulletin_id}/issue",
        "/api/documents/matters/{matter_id}/bulletins",
    ):
        assert path in paths, path
    upload = paths["/api/documents/imports/"]["post"]["requestBody"]["content"]
    assert "file" in upload["multipart/form-data"]["schema"]["properties"]


def test_documents_home(client, docs_city, imported):
    client.force_login(docs_city.supervisor)
    page = client.get(reverse("documents:index")).content.decode()
    assert DECOMPOSITION in page and reverse("documents:import_upload") in page
    client.force_login(docs_city.lead_handler)
    page = client.get(reverse("documents:index")).content.decode()
    assert DECOMPOSITION not in page and reverse("documents:import_upload") not in page
    assert reverse("documents:ledger") in page


def test_heading_rows_typed_in_the_task_column_are_sections(docs_city):
    import io

    from openpyxl import Workbook

    from luoshi.documents.importer import TASK_SCHEMA
    from luoshi.documents.tables import read_table

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["序号", "重点任务", "具体措施", "牵头单位", "完成时限"])
    sheet.append(["一", "一、扩大有效投资", None, None, None])
    sheet.append([1, "推进项目", "开工10个", "市发改委", "6月底"])
    sheet.append(["注：完成时限为最迟时间。"])
    out = io.BytesIO()
    workbook.save(out)
    table = read_table(out.getvalue(), TASK_SCHEMA)
    assert [(r.number, r.section) for r in table.rows] == [(3, 2)]
    assert table.sections[2].title == "扩大有效投资" and table.sections[2].number == "一"
    assert table.footnotes == ["注：完成时限为最迟时间。"]


def test_page_previews_again_accepting_suggestions(client, docs_city):
    docs_city.lead.aliases = []
    docs_city.lead.save()
    client.force_login(docs_city.supervisor)
    response = client.post(
        reverse("documents:import_upload"),
        {
            "file": SimpleUploadedFile("broken.xlsx", fixture_bytes("broken.xlsx")),
            "source": Source.WORK_REPORT,
            "multi_lead": "co",
        },
    )
    batch = ImportBatch.objects.get()
    page = client.get(response.url).content.decode()
    again = reverse("documents:import_units", args=[batch.pk])
    assert again in page and "市大数据局" in page
    response = client.post(again, {"accept_all": "1"})
    assert response.status_code == 302
    batch.refresh_from_db()
    assert batch.options["accept_suggestions"]
    assert ImportBatch.objects.count() == 1  # the same batch, previewed again
    assert Matter.objects.count() == 0
