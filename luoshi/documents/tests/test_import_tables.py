"""Real tables in, as they are: each fixture of fixtures/real_tables.py through the API or page.

Every table is imported without touching the file: headers under titles and preamble,
renamed columns, sections and merged parents, units as written, time limits as written.
"""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from luoshi.documents.models import ImportBatch, ImportedRow
from luoshi.matters.models import Matter, MatterEvent, PartRole, ReportCycle

from .conftest import fixture_bytes

D = dt.date


def upload(client, user, name, **options):
    client.force_login(user)
    data = {"file": SimpleUploadedFile(name, fixture_bytes(name)), **options}
    response = client.post("/api/documents/imports/", data)
    assert response.status_code == 201, response.content
    return response.json()


def imported(client, user, name, **options):
    body = upload(client, user, name, **options)
    assert body["preview"]["valid"], [p for p in body["preview"]["problems"] if p["blocking"]]
    response = client.post(f"/api/documents/imports/{body['id']}/confirm")
    assert response.status_code == 200, response.content
    return response.json()


def matter(title):
    return Matter.objects.select_related("lead_unit", "parent", "responsible_leader").get(
        title=title
    )


def units(m, role=PartRole.CO):
    return sorted(p.unit.name for p in m.parts.filter(active=True, role=role))


# --- 1. 政府工作报告 two-level split ------------------------------------------------------------


def test_work_report_through_the_page(client, real_city):
    client.force_login(real_city.supervisor)
    response = client.post(
        reverse("documents:import_upload"),
        {
            "file": SimpleUploadedFile("report.xlsx", fixture_bytes("work_report_2026.xlsx")),
            "source": "work_report",
            "multi_lead": "co",
        },
    )
    assert response.status_code == 302
    batch = ImportBatch.objects.get()
    preview = batch.preview
    assert preview["header_row"] == 4  # 责任单位 over 牵头单位 / 配合单位
    assert preview["title"] == "2026年市政府工作报告重点任务分解表"
    assert preview["preamble"] == ["（2026年1月10日市政府第12次常务会议研究通过）"]
    assert preview["columns"]["lead"] == "牵头单位" and preview["columns"]["co"] == "配合单位"
    assert preview["valid"] and preview["counts"]["rows"] == 10  # the column numbers row skipped
    page = client.get(response.url).content.decode()
    assert "实施重大项目攻坚行动" in page and "持续推进" in page
    response = client.post(reverse("documents:import_confirm", args=[batch.pk]))
    assert response.status_code == 302
    assert Matter.objects.count() == 16


@pytest.fixture
def work_report(client, real_city):
    return imported(client, real_city.supervisor, "work_report_2026.xlsx")


def test_work_report_sections_tasks_and_measures_nest(work_report, real_city):
    top = matter("坚定不移扩大有效需求")
    investment = matter("扩大有效投资")
    task = matter("实施重大项目攻坚行动")
    assert top.parent is None and investment.parent == top and task.parent == investment
    assert [c.title for c in task.children.order_by("serial_no")] == [
        "全年实施省市重点项目300个以上，完成投资1200亿元",
        "建立重大项目“周调度、月通报”机制",
        "谋划储备亿元以上项目200个",
    ]
    assert task.lead_unit == real_city.lead  # 市发展和改革委员会 is its alias
    assert task.responsible_leader == real_city.zhang  # "张伟副市长"
    assert investment.responsible_leader == real_city.zhang  # all its rows share him
    assert top.lead_unit is None and top.deadline == D(2026, 12, 31)


def test_work_report_units_as_written(work_report, real_city):
    first = matter("全年实施省市重点项目300个以上，完成投资1200亿元")
    assert units(first) == ["东城区", "南湖区", "市自然资源和规划局", "市财政局", "西城区"]
    assert matter("加快城市更新").lead_unit.name == "市住房和城乡建设局"
    assert units(matter("举办“惠民消费季”活动不少于20场")) == ["市市场监管局", "市文化和旅游局"]
    assert units(matter("谋划储备亿元以上项目200个")) == []  # "—"
    assert units(matter("强化就业优先政策")) == []  # "无"
    assert matter("强化就业优先政策").lead_unit.name == "市人力资源和社会保障局"
    assert units(matter("提升企业服务质效")) == ["市发改委", "市商务局"]  # "…等"
    assert matter("提升企业服务质效").lead_unit == real_city.co  # 市工业和信息化局 = 市工信局


def test_work_report_time_limits_as_written(work_report):
    reserve = matter("谋划储备亿元以上项目200个")  # 2026年6月、12月
    assert reserve.deadline == D(2026, 12, 31)
    assert [m.deadline for m in reserve.milestones.all()] == [D(2026, 6, 30)]
    jobs = matter("强化就业优先政策")  # 2026年6月持续跟踪: a date, then ongoing
    assert jobs.ongoing and jobs.deadline is None and jobs.deadline_workdays is None
    assert [m.deadline for m in jobs.milestones.all()] == [D(2026, 6, 30)]
    weekly = matter("建立重大项目“周调度、月通报”机制")  # 每月
    assert weekly.ongoing and weekly.report_cycle == ReportCycle.MONTHLY
    for title in ("深化“放管服”改革", "提升企业服务质效", "加强安全生产监管"):
        assert matter(title).ongoing, title  # 持续推进, 常态化, 长期坚持
    assert matter("持续优化营商环境").ongoing  # all its tasks are ongoing
    assert matter("发放消费券1亿元").deadline == D(2026, 9, 30)  # 2026年第三季度
    assert matter("举办“惠民消费季”活动不少于20场").deadline == D(2026, 6, 30)  # 上半年
    # A parent is due no earlier than its latest dated child.
    assert matter("促进消费提质扩容").deadline == D(2026, 9, 30)


# --- 2. 重点任务 list: several leads, "无", renamed columns -------------------------------------


def test_key_tasks_headings_leads_and_empty_cells(client, real_city):
    body = upload(client, real_city.supervisor, "key_tasks_2026.xlsx")
    preview = body["preview"]
    assert preview["columns"] == {
        "number": "编号",
        "task": "任务内容",
        "lead": "责任单位",
        "co": "协办单位",
        "deadline": "时间节点",
    }
    assert preview["ignored_columns"] == ["备注"]
    assert [u["name"] for u in preview["unknown_units"]] == ["市公安局交警支队"]
    assert preview["unknown_units"][0]["suggestions"][0]["name"] == "市公安局"
    notes = {p["message"] for p in preview["problems"] if p["code"] == "not_a_unit"}
    assert notes == {
        "“按职责分工负责” names no unit: read as none.",
        "“各有关部门” names no unit: read as none.",
    }
    client.post(
        f"/api/documents/imports/{body['id']}/units",
        {"choices": [{"name": "市公安局交警支队", "parent_id": real_city.units["市公安局"].pk}]},
        content_type="application/json",
    )
    assert client.post(f"/api/documents/imports/{body['id']}/confirm").status_code == 200
    signing = matter("推进重点项目签约落地，全年签约亿元以上项目50个")
    assert signing.lead_unit == real_city.other  # 市商务局 first of two leads
    shared = signing.parts.get(unit=real_city.lead)
    assert shared.role == PartRole.CO and shared.description == "共同牵头"
    drive = matter("开展招商引资“百日攻坚”行动")  # 市商务局（牵头），东城区
    assert drive.lead_unit == real_city.other
    assert drive.parts.get(unit=real_city.district).description == ""  # helps, does not lead
    service = matter("完善企业服务专员制度")  # two leads on two lines, 按职责分工负责
    assert service.lead_unit == real_city.co and units(service) == ["市商务局"]
    assert units(matter("推进老旧小区加装电梯100部")) == []  # "—"
    assert units(matter("推进重点项目签约落地，全年签约亿元以上项目50个")) == ["市发改委"]
    parking = matter("建设城市智慧停车平台")
    assert units(parking) == ["市公安局交警支队", "市大数据管理局"]
    police = real_city.units["市公安局"]
    assert parking.parts.get(unit__name="市公安局交警支队").unit.parent == police


# --- 3. 民生实事 with quarterly limits ------------------------------------------------------------


def test_livelihood_targets_and_quarterly_limits(client, real_city):
    body = upload(client, real_city.supervisor, "livelihood_2026.xlsx")
    assert body["preview"]["columns"]["target"] == "工作目标"
    assert [u["name"] for u in body["preview"]["unknown_units"]] == ["市妇联"]
    response = client.post(
        f"/api/documents/imports/{body['id']}/units",
        {"choices": [{"name": "市妇联", "parent_id": real_city.city.pk, "new_name": "市妇联"}]},
        content_type="application/json",
    )
    assert response.json()["preview"]["valid"]
    client.post(f"/api/documents/imports/{body['id']}/confirm")
    schools = matter("新建改扩建中小学、幼儿园")
    assert schools.content == "工作目标：新增学位6000个"
    assert schools.deadline == D(2026, 12, 31)
    assert [(m.title, m.deadline) for m in schools.milestones.order_by("deadline")] == [
        ("第一季度完成选址", D(2026, 3, 31)),
        ("第三季度开工", D(2026, 9, 30)),
    ]
    after_school = matter("实施课后服务提质工程")  # 每季度
    assert after_school.ongoing and after_school.report_cycle == ReportCycle.QUARTERLY
    assert matter("建设区域医疗中心").deadline == D(2026, 9, 30)
    screening = matter("开展免费“两癌”筛查")
    assert screening.deadline == D(2026, 12, 31)
    assert [m.title for m in screening.milestones.all()] == ["上半年启动"]
    assert matter("教育").children.count() == 2 and matter("教育").lead_unit.name == "市教育局"
    assert matter("养老托育").lead_unit is None  # its two projects have different leads


# --- 4. 措施条目 merged over its tasks, 1.1 under 1, weights -----------------------------------


def test_merged_parent_column_numbers_and_weights(client, real_city):
    imported(client, real_city.supervisor, "measures_2026.xlsx")
    growth = matter("着力稳定工业增长")  # the merged 措施条目
    help_ = matter("开展工业企业“一企一策”帮扶")
    assert help_.parent == growth
    assert [c.title for c in help_.children.order_by("serial_no")] == [
        "新增规上工业企业60家",
        "推进技改项目100个",
    ]
    assert help_.weight == Decimal("40.00") and matter("新增规上工业企业60家").weight == 30
    assert help_.deadline == D(2026, 12, 31)  # its own 6月底, but its children run to 12月
    assert growth.lead_unit == real_city.co
    assert matter("推进开发区改革").parent is None  # a 措施条目 of one task is that task
    rows = ImportedRow.objects.get(matter=help_.children.order_by("serial_no").first())
    assert (rows.number, rows.path) == ("1.1", "#1/1/1.1")  # the ledger's 序号


# --- 6. preamble, footnotes, signature; the first listed leads ----------------------------------


def test_notice_with_preamble_footnotes_and_signature(client, real_city):
    body = upload(client, real_city.supervisor, "notice_2026.xlsx")
    preview = body["preview"]
    assert preview["title"] == "2026年优化营商环境重点工作任务分工"
    assert preview["header_row"] == 5 and preview["counts"]["rows"] == 4
    assert preview["footnotes"][0].startswith("注：1.责任单位排名第一的为牵头单位")
    assert preview["footnotes"][-2:] == ["示例市人民政府办公室", "2026年1月12日"]
    client.post(f"/api/documents/imports/{body['id']}/confirm")
    assert Matter.objects.count() == 4  # no footnote became a matter
    plan = matter("制定全市优化营商环境三年行动方案")
    assert plan.lead_unit == real_city.lead
    assert {p.description for p in plan.parts.filter(role=PartRole.CO)} == {""}  # not co-leads
    assert units(plan) == ["市市场监管局", "市政务服务和数据管理局"]
    assert matter("建立企业诉求“接诉即办”机制").ongoing


# --- Permissions and events, whatever the table -------------------------------------------------


def test_events_say_which_import_registered_each_matter(client, real_city):
    body = imported(client, real_city.supervisor, "notice_2026.xlsx")
    events = MatterEvent.objects.filter(kind="matter.registered")
    assert {e.data["import"] for e in events} == {body["id"]}
    assert {e.actor_id for e in events} == {real_city.supervisor.pk}


def test_first_and_second_level_columns(client, docs_city):
    from openpyxl import Workbook

    from .test_spreadsheet import save

    book = Workbook()
    for row in (
        ["序号", "一级任务", "二级任务", "牵头单位", "完成时限"],
        [1, "优化营商环境", "压减审批时限", "市发改委", "6月底"],
        [2, None, "推行一网通办", "市工信局", "年底前"],  # the first level left blank
        [3, "扩大对外开放", "举办招商活动", "市商务局", "持续推进"],
    ):
        book.active.append(row)
    client.force_login(docs_city.supervisor)
    body = client.post(
        "/api/documents/imports/", {"file": SimpleUploadedFile("levels.xlsx", save(book))}
    ).json()
    assert body["preview"]["columns"]["task"] == "一级任务"
    assert body["preview"]["columns"]["measure"] == "二级任务"
    client.post(f"/api/documents/imports/{body['id']}/confirm")
    business = matter("优化营商环境")
    assert [c.title for c in business.children.order_by("serial_no")] == [
        "压减审批时限",
        "推行一网通办",
    ]
    assert business.lead_unit is None and business.deadline == D(2026, 12, 31)
    opening = matter("扩大对外开放")  # a first level of one task is that task
    assert opening.content == "举办招商活动" and opening.ongoing
