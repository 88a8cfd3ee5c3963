"""The hazard ledger (隐患台账): the filtered register as the office's Excel table.

Title row, frozen header, one row per hazard, the level and the re-inspection
warning filled in their declared colours, A4 landscape with the header on every
page. The headings are those hazards.intake reads, so a ledger can come back in.

Every text cell that a spreadsheet would take for a formula (starting with = + - @,
a tab or a carriage return) is written as text with a leading apostrophe: a hazard
described as "=HYPERLINK(…)" must not run when the office opens the file.
"""

from __future__ import annotations

import datetime as dt
import io

from django.db.models import OuterRef, QuerySet, Subquery
from django.utils import timezone, translation
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from luoshi.lib.cells import excel_text

from .models import (
    LEVEL_COLOURS,
    LEVEL_WORDS,
    WARNING_COLOURS,
    Hazard,
    HazardLevel,
    HazardWarning,
    Verification,
)

COLUMNS = [
    ("序号", 6),
    ("隐患编号", 16),
    ("隐患名称", 30),
    ("隐患类别", 12),
    ("隐患等级", 8),
    ("属地", 16),
    ("隐患地点", 22),
    ("发现方式", 10),
    ("排查单位", 14),
    ("排查人", 9),
    ("发现时间", 11),
    ("责任单位", 14),
    ("整改措施", 30),
    ("整改时限", 11),
    ("挂牌督办", 14),
    ("状态", 11),
    ("验收情况", 26),
    ("复查", 16),
]
LEVEL_COLUMN, CHECK_COLUMN = 5, len(COLUMNS)
FILLS = {"green": "C6EFCE", "yellow": "FFEB9C", "red": "FFC7CE", "grey": "D9D9D9"}
THIN = Side(style="thin", color="000000")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
FONT = "宋体"


def ledger_hazards(queryset: QuerySet[Hazard]) -> list[Hazard]:
    """The hazards with what the ledger shows: one query, the last check as a subquery."""
    last = Verification.objects.filter(hazard=OuterRef("pk")).order_by("-at", "-id")
    return list(
        queryset.select_related(
            "category", "unit", "found_by_unit", "responsible_unit", "matter", "responsible_leader"
        ).annotate(
            check_passed=Subquery(last.values("passed")[:1]),
            check_on=Subquery(last.values("checked_on")[:1]),
            check_record=Subquery(last.values("record")[:1]),
        )
    )


def build_ledger(queryset: QuerySet[Hazard], *, title: str = "风险隐患排查整治台账") -> bytes:
    """The .xlsx bytes of the ledger of `queryset` (already visible and filtered).

    An office document: written in Chinese whatever the reader's UI language.
    """
    with translation.override("zh-hans"):
        return _build(queryset, title)


def _build(queryset: QuerySet[Hazard], title: str) -> bytes:
    today = timezone.localdate()
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "隐患台账"
    _title(sheet, f"{title}（截至{today.year}年{today.month}月{today.day}日）")
    _header(sheet)
    for serial, hazard in enumerate(ledger_hazards(queryset), start=1):
        row = serial + 2
        for col, value in enumerate(_cells(hazard, serial, today), start=1):
            cell = sheet.cell(row, col, excel_text(value))
            if isinstance(cell.value, str):
                cell.data_type = "s"  # never a formula, whatever the text
            cell.font = Font(name=FONT, size=10)
            cell.alignment = Alignment(vertical="center", wrap_text=True)
            cell.border = BORDER
        _fill(sheet.cell(row, LEVEL_COLUMN), LEVEL_COLOURS[hazard.level])
        if hazard.warning != HazardWarning.NORMAL:
            _fill(sheet.cell(row, CHECK_COLUMN), WARNING_COLOURS[HazardWarning(hazard.warning)])
    _print_setup(sheet)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _cells(hazard: Hazard, serial: int, today: dt.date) -> list:
    matter = hazard.matter
    deadline = matter.deadline.isoformat() if matter and matter.deadline else ""
    listed = ""
    if hazard.listed_supervision:
        leader = hazard.responsible_leader
        listed = f"是（{leader.get_full_name() or leader.get_username()}）" if leader else "是"
    return [
        serial,
        hazard.serial,
        hazard.title,
        hazard.category.name,
        LEVEL_WORDS[HazardLevel(hazard.level)],
        hazard.unit.name,
        hazard.address,
        hazard.get_discovery_display(),
        hazard.found_by_unit.name,
        hazard.finder,
        hazard.found_on.isoformat(),
        hazard.responsible_unit.name,
        hazard.measures,
        deadline,
        listed,
        hazard.status.label + ("（逾期）" if hazard.overdue else ""),
        _check(hazard),
        _reinspection(hazard, today),
    ]


def _check(hazard: Hazard) -> str:
    if hazard.check_on is None:
        return ""
    result = "通过" if hazard.check_passed else "未通过"
    return f"{hazard.check_on.isoformat()} {result}：{hazard.check_record}"


def _reinspection(hazard: Hazard, today: dt.date) -> str:
    if hazard.reinspection_due is None:
        return ""
    text = f"{hazard.reinspection_due.isoformat()}前"
    if hazard.warning != HazardWarning.NORMAL:
        text += f"（{HazardWarning(hazard.warning).label}）"
    return text


def _fill(cell, colour: str) -> None:
    cell.fill = PatternFill("solid", fgColor=FILLS[colour])


def _title(sheet, text: str) -> None:
    sheet.merge_cells(start_row=1, end_row=1, start_column=1, end_column=len(COLUMNS))
    cell = sheet.cell(1, 1, excel_text(text))
    cell.font = Font(name=FONT, size=16, bold=True)
    cell.alignment = Alignment(horizontal="center", vertical="center")
    sheet.row_dimensions[1].height = 32


def _header(sheet) -> None:
    for col, (heading, width) in enumerate(COLUMNS, start=1):
        cell = sheet.cell(2, col, heading)
        cell.font = Font(name=FONT, size=11, bold=True)
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        cell.fill = PatternFill("solid", fgColor="D9E1F2")
        cell.border = BORDER
        sheet.column_dimensions[get_column_letter(col)].width = width
    sheet.freeze_panes = "A3"


def _print_setup(sheet) -> None:
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.orientation = sheet.ORIENTATION_LANDSCAPE
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.print_title_rows = "1:2"
    sheet.oddFooter.center.text = "第 &P 页，共 &N 页"
