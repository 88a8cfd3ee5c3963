"""Reading a holiday schedule as offices receive it: the notice's text, or a table; the checks."""

import datetime as dt
import io

import chinese_calendar
from openpyxl import Workbook

from luoshi.workcalendar.schedule import check, read_notice, read_table

D = dt.date

# 国务院办公厅关于2026年部分节假日安排的通知, as published (the package has the same days).
NOTICE_2026 = """国务院办公厅关于2026年部分节假日安排的通知
国办发明电〔2025〕7号
各省、自治区、直辖市人民政府，国务院各部委、各直属机构：
经国务院批准，现将2026年元旦、春节、清明节、劳动节、端午节、中秋节和国庆节放假调休日期的具体安排通知如下。
一、元旦：1月1日（周四）至3日（周六）放假调休，共3天。1月4日（周日）上班。
二、春节：2月15日（农历腊月二十八、周日）至23日（农历正月初七、周一）放假调休，共9天。2月14日（周六）、2月28日（周六）上班。
三、清明节：4月4日（周六）至6日（周一）放假，共3天。
四、劳动节：5月1日（周五）至5日（周二）放假调休，共5天。5月9日（周六）上班。
五、端午节：6月19日（周五）至21日（周日）放假，共3天。
六、中秋节：9月25日（周五）至27日（周日）放假，共3天。
七、国庆节：10月1日（周四）至7日（周三）放假调休，共7天。9月20日（周日）、10月10日（周六）上班。
节假日期间，各地区、各部门要妥善安排好值班和安全、保卫、疫情防控等工作。
"""

# A plausible 2027 notice for the tests (the real one is published late in 2026).
NOTICE_2027 = """一、元旦：1月1日（周五）至3日（周日）放假，共3天。
二、春节：2月5日（农历除夕、周五）至11日（农历正月初七、周四）放假调休，共7天。2月14日（周日）、2月20日（周六）上班。
三、清明节：4月3日（周六）至5日（周一）放假，共3天。
四、劳动节：5月1日（周六）至5日（周三）放假调休，共5天。4月25日（周日）、5月8日（周六）上班。
五、端午节：6月9日（周三）放假，共1天。
六、中秋节：9月15日（周三）放假，共1天。
七、国庆节：10月1日（周五）至7日（周四）放假调休，共7天。9月26日（周日）、10月9日（周六）上班。"""


def test_the_2026_notice_reads_as_the_package_has_it():
    draft = check(read_notice(NOTICE_2026, 2026))
    assert draft.problems == []
    assert len(draft.holidays) == 33 and len(draft.workdays) == 6
    for entry in draft.days:
        assert chinese_calendar.is_workday(entry.day) == entry.is_workday, entry
    spring = [d.day for d in draft.holidays if d.festival == "春节"]
    assert spring[0] == D(2026, 2, 15) and spring[-1] == D(2026, 2, 23)
    assert [d.day for d in draft.workdays if d.festival == "国庆节"] == [
        D(2026, 9, 20),
        D(2026, 10, 10),
    ]


def test_plain_lines_read_back_to_the_same_days():
    draft = check(read_notice(NOTICE_2027, 2027))
    assert draft.problems == []
    again = check(read_notice(draft.as_text(), 2027))
    assert again.problems == [] and sorted(again.days, key=lambda d: d.day) == sorted(
        (type(d)(d.day, d.is_workday, d.festival, n) for n, d in enumerate(again.days, 1)),
        key=lambda d: d.day,
    )
    assert {(d.day, d.is_workday, d.festival) for d in again.days} == {
        (d.day, d.is_workday, d.festival) for d in draft.days
    }


def test_new_year_may_start_in_the_year_before():
    draft = check(read_notice("一、元旦：12月30日至1月1日放假调休，共3天。", 2024))
    assert [d.day for d in draft.holidays] == [D(2023, 12, 30), D(2023, 12, 31), D(2024, 1, 1)]
    explicit = read_notice("元旦：2023年12月30日至2024年1月1日放假调休，共3天。", 2024)
    assert [d.day for d in explicit.holidays] == [D(2023, 12, 30), D(2023, 12, 31), D(2024, 1, 1)]


def test_problems_name_the_line_and_what_is_wrong():
    text = NOTICE_2027.replace("共7天。2月14日", "共8天。2月14日").replace(
        "9月26日（周日）", "9月27日（周一）"
    )
    text = text.replace("五、端午节：6月9日（周三）放假，共1天。", "五、端午节：放假一天。")
    draft = check(read_notice(text, 2027))
    assert draft.problems == [
        "Line 2 (春节): the dates make 7 days, the notice says 8.",
        "Line 5 (端午节): no date found.",
        "2027-09-27 is a 星期一: a make-up working day (调休上班) falls on a Saturday or Sunday.",
        "2027-06-09 (端午节) is a statutory holiday and must be among the days off.",
    ]


def test_a_day_said_twice_and_a_day_outside_the_year():
    draft = check(
        read_notice(
            NOTICE_2027 + "\n2027-10-09 放假 国庆节\n2028-01-01 放假 元旦\n2027-02-30 放假", 2027
        )
    )
    assert "2027-10-09 is given both as a day off and as a working day." in draft.problems
    assert "2028-01-01 is not in 2027." in draft.problems
    assert any(p.startswith("Line 10: 2027-02-30") for p in draft.problems)


def test_an_empty_text_has_no_day_off():
    assert "No day off was read." in check(read_notice("经国务院批准，现通知如下。", 2027)).problems


def _xlsx(rows) -> bytes:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_a_table_with_date_cells_text_dates_and_row_problems():
    draft = check(read_notice(NOTICE_2027, 2027))
    rows = [["2027年节假日安排"], ["日期", "类型", "节日"]]
    rows += [[d.day, "上班" if d.is_workday else "放假", d.festival] for d in draft.days]
    good = check(read_table(_xlsx(rows), "2027.xlsx", 2027))
    assert good.problems == [] and len(good.days) == len(draft.days)
    bad = rows[:5] + [["2027/2/31", "放假", "春节"], ["2027-02-20", "调班?", "春节"]]
    problems = read_table(_xlsx(bad), "2027.xlsx", 2027).problems
    assert problems == [
        "Row 6: “2027/2/31” is not a date (write it like 2027-02-05).",
        "Row 7: the type “调班?” should be 放假 or 上班.",
    ]


def test_a_csv_table_in_gbk_and_a_table_without_its_columns():
    text = "日期,类型,节日\n2027-01-01,休,元旦\n2027-02-20,班,春节\n"
    draft = read_table(text.encode("gb18030"), "schedule.csv", 2027)
    assert [(d.day, d.is_workday, d.line) for d in draft.days] == [
        (D(2027, 1, 1), False, 2),
        (D(2027, 2, 20), True, 3),
    ]
    assert read_table("日期,节日\n2027-01-01,元旦\n".encode(), "x.csv", 2027).problems == [
        "No 类型 column saying 放假 or 上班 for each day."
    ]
    assert read_table(b"\x00\x01junk", "x.xlsx", 2027).problems == [
        "The file is neither an Excel workbook (.xlsx) nor a CSV file."
    ]


def test_the_preview_groups_the_days_as_the_notice_writes_them():
    draft = check(read_notice(NOTICE_2027, 2027))
    rows = {festival: (off, work) for festival, off, work in draft.by_festival()}
    assert rows["春节"] == ("2月5日至11日", "2月14日、2月20日")
    assert rows["劳动节"] == ("5月1日至5日", "4月25日、5月8日")
    assert rows["端午节"] == ("6月9日", "")
