"""The pure readers of documents.parsing: every deadline wording, unit lists, headers."""

import datetime as dt

import pytest

from luoshi.documents.importer import TASK_SCHEMA
from luoshi.documents.parsing import (
    DeadlineError,
    TimeLimit,
    UnitName,
    bracket_parts,
    closest,
    describe_deadline,
    match_heading,
    name_variants,
    parse_deadline,
    person_key,
    read_units,
    similarity,
    split_units,
    year_in,
)
from luoshi.lib.workdays import WorkCalendar

CAL = WorkCalendar()
D = dt.date


def read(text, year=2026):
    return parse_deadline(text, year=year, calendar=CAL)


@pytest.mark.parametrize(
    ("text", "day"),
    [
        ("2026年6月30日", D(2026, 6, 30)),
        ("2026年6月底", D(2026, 6, 30)),
        ("6月底", D(2026, 6, 30)),
        ("6月末", D(2026, 6, 30)),
        ("6月30日前", D(2026, 6, 30)),
        ("6月30号", D(2026, 6, 30)),
        ("2026.6.30", D(2026, 6, 30)),
        ("2026-06-30", D(2026, 6, 30)),
        ("2026/6/30", D(2026, 6, 30)),
        ("6.30", D(2026, 6, 30)),
        ("２０２６年６月３０日", D(2026, 6, 30)),  # full-width digits
        ("六月底", D(2026, 6, 30)),
        ("十二月底前", D(2026, 12, 31)),
        ("二〇二六年十月底", D(2026, 10, 30)),  # 10-31 is a Saturday
        # A month alone: its last working day (2026-01-31 is a Saturday).
        ("2026年12月", D(2026, 12, 31)),
        ("2026年1月", D(2026, 1, 30)),
        ("2026年10月", D(2026, 10, 30)),
        ("2026.06", D(2026, 6, 30)),
        ("2026年6月份", D(2026, 6, 30)),
        ("10月中旬", D(2026, 10, 20)),
        ("10月下旬", D(2026, 10, 30)),
        ("三季度末", D(2026, 9, 30)),
        ("第三季度", D(2026, 9, 30)),
        ("3季度", D(2026, 9, 30)),
        ("一季度末", D(2026, 3, 31)),
        ("第四季度", D(2026, 12, 31)),
        ("2027年二季度", D(2027, 6, 30)),
        ("上半年", D(2026, 6, 30)),
        ("年中", D(2026, 6, 30)),
        ("下半年", D(2026, 12, 31)),
        ("年底前", D(2026, 12, 31)),
        ("年底", D(2026, 12, 31)),
        ("年内", D(2026, 12, 31)),
        ("全年", D(2026, 12, 31)),
        ("2026年底", D(2026, 12, 31)),
        ("2026年", D(2026, 12, 31)),
        ("明年3月底", D(2027, 3, 31)),
        ("次年6月", D(2027, 6, 30)),
        ("2027年3月", D(2027, 3, 31)),
        ("力争9月底前完成", D(2026, 9, 30)),
    ],
)
def test_dates(text, day):
    deadline = read(text)
    assert deadline.day == day, text
    assert not deadline.ongoing


@pytest.mark.parametrize("month", range(1, 13))
def test_first_ten_days_end_on_the_last_working_day_by_the_tenth(month):
    tenth = D(2026, month, 10)
    expected = tenth if CAL.is_workday(tenth) else CAL.add_workdays(tenth, -1)
    assert read(f"{month}月上旬").day == expected
    assert CAL.is_workday(expected)


def test_excel_date_cells():
    assert read(dt.datetime(2026, 8, 31, 0, 0)) == TimeLimit(D(2026, 8, 31))
    assert read(D(2026, 8, 31)) == TimeLimit(D(2026, 8, 31))
    assert read(2026) == TimeLimit(D(2026, 12, 31))  # a year typed as a number


def test_empty_cell_is_no_deadline():
    assert read(None).is_empty
    assert read("  ").is_empty


@pytest.mark.parametrize(
    ("text", "milestones", "cycle"),
    [
        # A date, then ongoing: the date is a milestone, the matter has no deadline.
        ("2026年6月持续跟踪", (D(2026, 6, 30),), ""),
        ("9月持续跟踪", (D(2026, 9, 30),), ""),
        ("6月底前完成，持续跟踪", (D(2026, 6, 30),), ""),
        ("6月底前出台方案，长期坚持", (D(2026, 6, 30),), ""),
        # A cadence alone: ongoing, reported on that cycle.
        ("每月", (), "monthly"),
        ("按月推进", (), "monthly"),
        ("每季度", (), "quarterly"),
        ("每季度末", (), "quarterly"),
        ("每两周调度一次", (), "biweekly"),
        ("每月25日前报送进展", (), "monthly"),
        # Open-ended wordings.
        ("长期坚持", (), ""),
        ("持续推进", (), ""),
        ("常态化", (), ""),
        ("常态化推进", (), ""),
        ("长期", (), ""),
        ("持续开展", (), ""),
        ("持续跟踪", (), ""),
    ],
)
def test_ongoing_limits_have_no_deadline(text, milestones, cycle):
    limit = read(text)
    assert limit.ongoing, text
    assert limit.day is None
    assert limit.milestones == milestones
    assert limit.cycle == cycle


def test_a_cadence_beside_a_date_is_the_report_cycle():
    limit = read("12月底前完成，每季度报送进展")
    assert (limit.day, limit.ongoing, limit.cycle) == (D(2026, 12, 31), False, "quarterly")


@pytest.mark.parametrize(
    ("text", "day", "milestones"),
    [
        ("2026年6月、12月", D(2026, 12, 31), (D(2026, 6, 30),)),
        ("2027年6月、12月", D(2027, 12, 31), (D(2027, 6, 30),)),  # the year carries over
        (
            "第一季度完成招标，第三季度开工，年底前建成",
            D(2026, 12, 31),
            (D(2026, 3, 31), D(2026, 9, 30)),
        ),
        ("6月底前完成主体工程，年底前竣工验收", D(2026, 12, 31), (D(2026, 6, 30),)),
    ],
)
def test_several_dates_latest_is_the_deadline_earlier_are_milestones(text, day, milestones):
    limit = read(text)
    assert (limit.day, limit.milestones, limit.ongoing) == (day, milestones, False)


def test_working_days_after_assignment():
    deadline = read("交办后30个工作日内")
    assert deadline.day is None and deadline.workdays == 30
    assert not deadline.is_empty
    assert read("交办后十个工作日内").workdays == 10


@pytest.mark.parametrize("text", ["春节前", "尽快", "汛期前完成", "第5周", "立即"])
def test_unreadable_wordings_are_refused_with_a_suggestion(text):
    with pytest.raises(DeadlineError) as caught:
        read(text)
    assert text in caught.value.message
    assert "2026年6月30日" in caught.value.suggestion


@pytest.mark.parametrize("text", ["6月31日", "2026年2月30日", "13月底"])
def test_impossible_dates_are_refused(text):
    with pytest.raises(DeadlineError):
        read(text)


def test_describe_reads_back_to_the_same_deadline():
    for day, recurring, workdays in [(D(2026, 6, 30), False, None), (None, False, 30)]:
        text = describe_deadline(day, recurring, workdays)
        back = read(text)
        assert (back.day, back.ongoing, back.workdays) == (day, False, workdays), text
    for text in (describe_deadline(None, True), describe_deadline(None, False, ongoing=True)):
        assert read(text) == TimeLimit(None, ongoing=True), text
    dated_then_ongoing = read(describe_deadline(D(2026, 9, 30), True))
    assert dated_then_ongoing == TimeLimit(None, ongoing=True, milestones=(D(2026, 9, 30),))


def test_year_in_title():
    assert year_in("2026年政府工作报告重点任务分解表") == 2026
    assert year_in("重点任务分解表") is None


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("市发改委、市工信局", ["市发改委", "市工信局"]),
        ("市发改委，市工信局", ["市发改委", "市工信局"]),
        ("市发改委,市工信局", ["市发改委", "市工信局"]),
        ("市发改委；市工信局;市商务局", ["市发改委", "市工信局", "市商务局"]),
        ("市发改委/市工信局／东城区", ["市发改委", "市工信局", "东城区"]),
        ("市发改委\n市工信局\r\n东城区", ["市发改委", "市工信局", "东城区"]),
        ("市发改委 市工信局", ["市发改委", "市工信局"]),
        ("各县（市、区）", ["各县（市、区）"]),
        ("市发改委（牵头）、市工信局等", ["市发改委", "市工信局"]),
        ("省财政厅等按职责分工负责", ["省财政厅"]),
        ("市市场监管局（市知识产权局）", ["市市场监管局（市知识产权局）"]),
        ("省发展改革委（省能源局）", ["省发展改革委（省能源局）"]),
        ("", []),
        (None, []),
    ],
)
def test_split_units(text, names):
    assert split_units(text) == names


@pytest.mark.parametrize(
    "text", ["无", "—", "——", "-", "/", "／", " 无 ", "暂无", "不涉及", "", None]
)
def test_cells_meaning_no_unit(text):
    assert read_units(text).names == ()


@pytest.mark.parametrize("text", ["按职责分工负责", "各相关单位", "有关部门", "各成员单位"])
def test_phrases_that_are_not_units_are_noted(text):
    cell = read_units(text)
    assert cell.names == () and cell.ignored == (text,)


def test_roles_marked_in_a_cell():
    assert read_units("市发改委（牵头），市工信局、市商务局").names == (
        UnitName("市发改委", "lead"),
        UnitName("市工信局"),
        UnitName("市商务局"),
    )
    assert read_units("省发展改革委牵头，省财政厅等按职责分工负责").names == (
        UnitName("省发展改革委", "lead"),
        UnitName("省财政厅"),
    )
    assert read_units("牵头单位：市商务局；配合单位：市工信局、东城区").names == (
        UnitName("市商务局", "lead"),
        UnitName("市工信局", "co"),
        UnitName("东城区", "co"),
    )


def test_parenthesised_second_name_is_a_variant():
    assert bracket_parts("市市场监管局（市知识产权局）") == ("市市场监管局", "市知识产权局")
    assert name_variants("市市场监管局(市知识产权局)")[1:] == ["市市场监管局", "市知识产权局"]


def test_near_misses():
    assert similarity("市发展改革委", "市发改委") >= 0.8
    assert closest("市发展改革委", ["市发改委", "市工信局", "市商务局"]) == "市发改委"
    assert closest("市大数据局", ["市发改委", "市工信局", "市商务局"]) is None


def test_person_names_lose_their_titles():
    assert person_key("张伟（副市长）") == "张伟"
    assert person_key("副市长张伟") == "张伟"
    assert person_key(" 张 伟 ") == "张伟"


INDEX = TASK_SCHEMA.index()


@pytest.mark.parametrize(
    ("heading", "field"),
    [
        ("序号", "number"),
        ("编号", "number"),
        ("牵头单位", "lead"),
        ("责任单位", "lead"),
        ("牵头部门", "lead"),
        ("主责单位", "lead"),
        ("责任部门", "lead"),
        ("牵头单位*", "lead"),
        ("牵头单位\n（部门）", "lead"),
        ("配合单位", "co"),
        ("协办单位", "co"),
        ("配合部门", "co"),
        ("参与单位", "co"),
        ("责任领导", "leader"),
        ("分管领导", "leader"),
        ("市领导", "leader"),
        ("完成时限", "deadline"),
        ("时间节点", "deadline"),
        ("完成时间", "deadline"),
        ("时限要求", "deadline"),
        ("进度安排", "deadline"),
        ("完成时限（节点）", "deadline"),
        ("目标", "target"),
        ("工作目标", "target"),
        ("预期成果", "target"),
        ("权重", "weight"),
        ("督办编号", "serial"),
        ("备注", None),
        ("状态", None),
        ("2026年政府工作报告重点任务分解表", None),  # a title is no heading
        (None, None),
    ],
)
def test_header_fields(heading, field):
    assert match_heading(heading, INDEX) == field


@pytest.mark.parametrize(
    "heading",
    [
        "任务",
        "重点任务",
        "任务内容",
        "工作任务",
        "具体任务",
        "工作内容",
        "具体措施",
        "措施条目",
        "事项/重点任务",
        "一级任务",
    ],
)
def test_task_headings_are_levels(heading):
    assert match_heading(heading, INDEX) == "__level__"
