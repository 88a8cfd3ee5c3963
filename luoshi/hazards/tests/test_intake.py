"""Bulk intake of a campaign's findings from Excel as inspectors really fill it in, and
the 隐患台账 export (formulas neutralised, read back by the intake)."""

from __future__ import annotations

import datetime as dt
import io

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from luoshi.hazards import intake, services
from luoshi.hazards.models import Hazard, HazardLevel, InspectionCampaign
from luoshi.matters.tests.test_api_client import Api, ok, refused

from .helpers import MONDAY, assigned, category

pytestmark = pytest.mark.django_db

HEADER = [
    "序号",
    "存在问题",
    "隐患类别",
    "隐患级别",
    "所属乡镇（街道）",
    "具体位置",
    "责任主体",
    "检查日期",
    "整改措施",
    "检查人员",
]


def workbook(rows: list[list], *, header=HEADER, title="2026年消防安全专项排查隐患清单") -> bytes:
    """A table as an office fills it: a merged title row above the header, section rows."""
    book = Workbook()
    sheet = book.active
    sheet.title = "Sheet1"
    sheet.append([title])
    sheet.merge_cells(start_row=1, end_row=1, start_column=1, end_column=len(header))
    sheet.append(header)
    for row in rows:
        sheet.append(row)
        if len(row) == 1:  # a section heading merged across the table
            sheet.merge_cells(
                start_row=sheet.max_row,
                end_row=sheet.max_row,
                start_column=1,
                end_column=len(header),
            )
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


MESSY = [
    ["一、东城区城关街道"],
    [
        1,
        "幸福小区消防通道被私家车占用",
        "消防安全",
        "一般隐患",
        "",
        "幸福小区北门",
        "",
        "2026.5.20",
        "施划禁停标线",
        "张伟",
    ],
    [
        2,
        "农贸市场燃气管线老化",
        "燃气",
        "较大",
        "东城区城关街道",
        "农贸市场东区",
        "市发改委、市工信局",
        dt.datetime(2026, 5, 21),
        "更换管线",
        "李强",
    ],
    [],
    [3, "无", "", "", "东城区城关街道", "", "", "", "无", ""],
    ["二、市本级"],
    [
        4,
        "  危化品仓库无防泄漏设施  ",
        "安全生产（危化品）",
        "重大隐患",
        "市工信局",
        "化工园区",
        "市工信局",
        "5月22日",
        "/",
        "",
    ],
]


@pytest.fixture
def campaign(city):
    with time_machine.travel(MONDAY, tick=False):
        return services.start_campaign(
            actor=city.supervisor,
            name="2026年消防安全专项排查",
            organiser=city.co,
            started_on=dt.date(2026, 5, 18),
        )


def test_a_messy_table_comes_in_once(city, campaign):
    category()  # the default categories
    with time_machine.travel(MONDAY, tick=False):
        result = intake.import_file(campaign, workbook(MESSY), actor=city.co_handler)
        assert result.is_valid, [p.message for p in result.blocking]
        assert result.columns["place"] == "所属乡镇（街道）" and result.sheet == "Sheet1"
        rows = {h.title: h for h in result.created}
        assert len(rows) == 3  # the "无" row adds nothing
        first = rows["幸福小区消防通道被私家车占用"]
        assert first.unit == city.street  # from the section heading
        assert first.responsible_unit == city.street  # 属地负责, noted
        assert first.found_on == dt.date(2026, 5, 20) and first.finder == "张伟"
        assert first.category.code == "fire" and first.level == HazardLevel.GENERAL
        second = rows["农贸市场燃气管线老化"]
        assert second.responsible_unit == city.lead and second.category.code == "building_gas"
        third = rows["危化品仓库无防泄漏设施"]
        assert third.level == HazardLevel.MAJOR and third.measures == ""
        assert third.found_on == dt.date(2026, 5, 22) and third.found_by_unit == city.co
        notes = {(p.row, p.column) for p in result.notes}
        assert (4, "responsible") in notes  # place taken as responsible
        assert (5, "responsible") in notes  # several units named
        again = intake.import_file(campaign, workbook(MESSY), actor=city.co_handler)
    assert again.is_valid and again.created == []
    assert Hazard.objects.count() == 3 and {h.serial_no for h in Hazard.objects.all()} == {1, 2, 3}


BAD = [
    [1, "配电房漏水", "其他", "一般", "东城区城关街道", "配电房", "市发改局", "2026-05-20", "", ""],
    [2, "楼顶违建", "建筑施工", "Ⅱ级", "东城区城关街道", "楼顶", "市发改委", "2026-05-20", "", ""],
    [
        3,
        "地下车库积水",
        "防汛",
        "一般",
        "东城区城关街道",
        "车库",
        "市发改委",
        "2026年13月5日",
        "",
        "",
    ],
    [4, "电梯困人", "特种设备", "一般", "东城区城关街道", "电梯", "市发改委", "2026-06-30", "", ""],
]


def test_a_bad_table_changes_nothing_and_names_each_row(client, city, campaign):
    category()
    client.force_login(city.co_handler)
    with time_machine.travel(MONDAY, tick=False):
        response = client.post(
            reverse("hazards:campaign", args=[campaign.pk]),
            {"file": SimpleUploadedFile("排查清单.xlsx", workbook(BAD))},
        )
    page = response.content.decode()
    assert response.status_code == 422 and not Hazard.objects.exists()
    assert "Unknown category “其他”" in page
    assert "Did you mean 市发改委" in page
    assert "The level must be 重大, 较大 or 一般 (found “Ⅱ级”)" in page
    assert "2026-13-5 is not a date" in page.replace("2026-13-05", "2026-13-5")
    assert "“2026-06-30” is not a past date." in page


def test_the_api_answers_422_with_every_problem(city, campaign):
    category()
    api = Api(city.co_handler)
    with time_machine.travel(MONDAY, tick=False):
        upload = SimpleUploadedFile("排查清单.xlsx", workbook(BAD))
        body = refused(
            api.form(f"hazards/campaigns/{campaign.pk}/import", {"file": upload}),
            422,
            "invalid_input",
            "rows[3].responsible",
        )
        assert len([p for p in body["problems"] if p["blocking"]]) == 5
        good = SimpleUploadedFile("排查清单.xlsx", workbook(MESSY))
        done = ok(api.form(f"hazards/campaigns/{campaign.pk}/import", {"file": good}))
    assert len(done["imported"]) == 3 and done["code"] is None
    # A unit that did not organise the campaign cannot import into it.
    refused(
        Api(city.other_handler).form(
            f"hazards/campaigns/{campaign.pk}/import", {"file": SimpleUploadedFile("a.xlsx", b"x")}
        ),
        403,
        "not_allowed",
    )


def test_not_an_excel_file_and_no_header(city, campaign):
    with pytest.raises(Exception) as error:
        intake.import_file(campaign, b"not a workbook", actor=city.co_handler)
    assert getattr(error.value, "field", None) == "file"
    with pytest.raises(Exception) as error:
        intake.import_file(campaign, workbook([], header=["甲", "乙"]), actor=city.co_handler)
    assert "No header row found" in str(error.value)


def test_the_ledger_is_the_filtered_register_and_runs_no_formula(client, city):
    with time_machine.travel(MONDAY, tick=False):
        assigned(city, title='=HYPERLINK("http://evil","点击")', measures="+cmd|' /C calc'!A0")
        assigned(city, title="燃气管道锈蚀", level="serious", category_code="building_gas")
    client.force_login(city.supervisor)
    response = client.get(reverse("hazards:ledger"), {"level": "general"})
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet["A1"].value.startswith("风险隐患排查整治台账")
    assert [c.value for c in sheet[2]][:5] == [
        "序号",
        "隐患编号",
        "隐患名称",
        "隐患类别",
        "隐患等级",
    ]
    rows = list(sheet.iter_rows(min_row=3, values_only=True))
    assert len(rows) == 1  # the filter: general only
    assert rows[0][2] == '\'=HYPERLINK("http://evil","点击")'
    assert rows[0][12] == "'+cmd|' /C calc'!A0"
    assert rows[0][4] == "一般" and rows[0][11] == "市发改委"
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)


def test_a_ledger_comes_back_in_through_the_intake(client, city):
    with time_machine.travel(MONDAY, tick=False):
        assigned(city, title="消防通道堵塞")
        assigned(city, title="燃气管道锈蚀", level="serious", category_code="building_gas")
        client.force_login(city.supervisor)
        data = client.get(reverse("hazards:ledger")).content
        campaign = InspectionCampaign.objects.create(
            name="复核",
            organiser=city.office,
            started_on=dt.date(2026, 5, 1),
            created_by=city.supervisor,
        )
        result = intake.import_file(campaign, data, actor=city.supervisor)
    assert result.is_valid and len(result.created) == 2
    assert {h.level for h in result.created} == {"general", "serious"}
