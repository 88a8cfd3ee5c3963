"""The ledger (台账): a filtered list of matters as the office's Excel table.

Title row, frozen header, one row per matter (a sub-matter shows its parent's task in
a merged 事项/重点任务 cell, as in the decomposition table it came from), warning
cells filled in the colour declared in matters.models.choices, column widths and
wrapping that print on A4 landscape with the header repeated on every page. The rows
come from a queryset that already went through `visible_to(user)` and MatterFilter;
reading them costs four queries whatever their number. The importer reads the file back.
"""

from __future__ import annotations

import datetime as dt
import io
import math
from collections import OrderedDict

from django.db.models import OuterRef, Prefetch, QuerySet, Subquery
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, NamedStyle, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.merge import MergedCellRange
from openpyxl.worksheet.page import PageMargins

from luoshi.matters.fairness import days_overdue, days_past
from luoshi.matters.filters import as_shown
from luoshi.matters.models import (
    OPEN_STATES,
    Matter,
    MatterUnit,
    MatterWarning,
    PartRole,
    Policy,
    ProgressReport,
    State,
)

from .importer import RECURRING_TAG, person_name
from .parsing import describe_deadline

# (heading, width in characters). The headings are the ones documents.parsing reads back.
COLUMNS = [
    ("序号", 6),
    ("督办编号", 17),
    ("事项/重点任务", 26),
    ("具体措施", 38),
    ("牵头单位", 14),
    ("配合单位", 18),
    ("责任领导", 10),
    ("完成时限", 16),
    ("状态", 10),
    ("最新进展", 38),
    ("预警", 9),
]
TASK_COLUMN = 3
WARNING_COLUMN = len(COLUMNS)
# Excel fills for the colour names of matters.models.choices.WARNING_COLOURS.
FILLS = {
    "green": "C6EFCE",
    "yellow": "FFEB9C",
    "red": "FFC7CE",
    "grey": "D9D9D9",
    "blue": "DDEBF7",  # awaiting the office
}
WARNING_FILLS = {name: PatternFill("solid", fgColor=rgb) for name, rgb in FILLS.items()}
CENTRED_COLUMNS = {1, 2, 7, 8, 9, WARNING_COLUMN}
THIN = Side(style="thin", color="000000")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
FONT_NAME = "宋体"
LINE_HEIGHT = 13.5  # points per line of 10 pt text


def ledger_matters(queryset: QuerySet[Matter]) -> list[Matter]:
    """The matters with their units, leader, parent and latest report: four queries."""
    latest = ProgressReport.objects.filter(matter=OuterRef("pk")).order_by("-created_at", "-id")
    parts = MatterUnit.objects.filter(active=True).select_related("unit").order_by("-role", "id")
    matters = list(
        queryset.select_related("lead_unit", "responsible_leader", "parent")
        .prefetch_related(Prefetch("parts", queryset=parts, to_attr="active_parts"))
        .annotate(latest_report_id=Subquery(latest.values("id")[:1]))
    )
    ids = [m.latest_report_id for m in matters if m.latest_report_id]
    reports = ProgressReport.objects.only("id", "text", "percent", "created_at").in_bulk(ids)
    for matter in matters:
        matter.latest_report = reports.get(matter.latest_report_id)
    return matters


def arrange(matters: list[Matter]) -> list[list[Matter]]:
    """Groups of rows: a sub-matter joins its siblings under their parent's task.

    A parent whose sub-matters are listed is shown through them (its task is their
    merged cell), not as a row of its own.
    """
    shown_parents = {m.parent_id for m in matters if m.parent_id}
    groups: OrderedDict = OrderedDict()
    for matter in matters:
        if matter.pk in shown_parents:
            groups.setdefault(("parent", matter.pk), [])
            continue
        key = ("parent", matter.parent_id) if matter.parent_id else ("single", matter.pk)
        groups.setdefault(key, []).append(matter)
    return [rows for rows in groups.values() if rows]


def build_ledger(
    queryset: QuerySet[Matter],
    *,
    title: str = "督查督办事项台账",
    as_of: dt.date | None = None,
    since: dt.date | None = None,
) -> bytes:
    """The .xlsx bytes of the ledger of `queryset` (already visible_to and filtered).

    `as_of`: the list is MatterFilter's as of that day; rows show the matters as they
    stood then (matters.filters.as_shown) and the title says so. `since`: two stocktakes
    compared; a warning cell also says what the matter was on that earlier day.
    """
    today = as_of or timezone.localdate()
    red_points = Policy.current().behind_plan_red_points
    workbook = Workbook()
    _add_styles(workbook)
    sheet = workbook.active
    sheet.title = "台账"
    compared = f"，与{since.year}年{since.month}月{since.day}日对比" if since else ""
    _title(sheet, f"{title}（截至{today.year}年{today.month}月{today.day}日{compared}）")
    _header(sheet)
    row = 3
    serial = 0
    for group in arrange(ledger_matters(queryset)):
        first = row
        for row_matter in group:
            matter = as_shown(row_matter)
            serial += 1
            values = _cells(matter, serial, today)
            sheet.row_dimensions[row].height = _row_height(values)
            if row > first:  # the task is written once, in its merged cell
                values[TASK_COLUMN - 1] = None
            _write(sheet, row, values)
            _warning_fill(sheet.cell(row, WARNING_COLUMN), matter, red_points, today)
            row += 1
        if row - first > 1:
            _merge_task(sheet, first, row - 1)
    _print_setup(sheet)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _title(sheet, text: str) -> None:
    sheet.merge_cells(start_row=1, end_row=1, start_column=1, end_column=len(COLUMNS))
    cell = sheet.cell(1, 1, text)
    cell.font = Font(name=FONT_NAME, size=16, bold=True)
    cell.alignment = Alignment(horizontal="center", vertical="center")
    sheet.row_dimensions[1].height = 32


def _header(sheet) -> None:
    for col, (heading, width) in enumerate(COLUMNS, start=1):
        cell = sheet.cell(2, col, heading)
        cell.font = Font(name=FONT_NAME, size=11, bold=True)
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        cell.fill = PatternFill("solid", fgColor="D9E1F2")
        cell.border = BORDER
        sheet.column_dimensions[get_column_letter(col)].width = width
    sheet.row_dimensions[2].height = 24
    sheet.freeze_panes = "A3"


def _cells(matter: Matter, serial: int, today: dt.date) -> list:
    parts = getattr(matter, "active_parts", [])
    co = [p.unit.name for p in parts if p.role == PartRole.CO]
    if matter.parent_id:
        task, measure = matter.parent.title, matter.content or matter.title
    else:
        task, measure = matter.title, matter.content
    report = matter.latest_report
    progress = (
        f"{report.text}（{report.percent}%，{timezone.localdate(report.created_at):%Y-%m-%d}）"
        if report
        else ""
    )
    recurring = RECURRING_TAG in (matter.tags or [])
    return [
        serial,
        matter.serial,
        task,
        measure,
        matter.lead_unit.name if matter.lead_unit else "",
        "、".join(co),
        person_name(matter.responsible_leader) if matter.responsible_leader else "",
        describe_deadline(matter.deadline, recurring, matter.deadline_workdays),
        matter.get_state_display(),
        progress,
        _warning_text(matter, today),
    ]


def _warning_text(matter: Matter, today: dt.date) -> str:
    """The warning cell; an overdue matter says for how many days (the fair clock's count).

    In a comparison of two stocktakes, what the matter was on the earlier day follows.
    """
    if hasattr(matter, "as_of_state"):  # as it stood that day: its warning then says
        late = matter.warning == MatterWarning.OVERDUE and matter.deadline
        days = days_past(matter.deadline, today) if late else 0
    else:
        days = days_overdue(matter, today) if matter.state in OPEN_STATES else 0
    text = f"逾期{days}天" if days else ""
    if matter.state in OPEN_STATES and not days:
        text = matter.get_warning_display()
    if hasattr(matter, "since_state"):
        text += f"（对比日：{_standing_label(matter.since_state, matter.since_warning)}）"
    return text


def _standing_label(state: str | None, warning: str | None) -> str:
    if state is None:
        return "尚未登记"
    if state in OPEN_STATES and warning:
        return str(MatterWarning(warning).label)
    return str(State(state).label)


def _merge_task(sheet, first: int, last: int) -> None:
    """Merge the task cells of a parent's rows.

    Added to the sheet's merged ranges directly: Worksheet.merge_cells re-checks and
    re-formats every range already merged and grows quadratically on long ledgers.
    """
    column = get_column_letter(TASK_COLUMN)
    sheet.merged_cells.ranges.add(MergedCellRange(sheet, f"{column}{first}:{column}{last}"))


def _add_styles(workbook) -> None:
    """Two named cell styles: assigning a name per cell is far cheaper than style objects."""
    for name, horizontal in (("ledger-left", "left"), ("ledger-centre", "center")):
        style = NamedStyle(name=name)
        style.font = Font(name=FONT_NAME, size=10)
        style.alignment = Alignment(horizontal=horizontal, vertical="center", wrap_text=True)
        style.border = BORDER
        workbook.add_named_style(style)


def _write(sheet, row: int, values: list) -> None:
    for col, value in enumerate(values, start=1):
        cell = sheet.cell(row, col, value)
        cell.style = "ledger-centre" if col in CENTRED_COLUMNS else "ledger-left"


def _row_height(values: list) -> float:
    """Points for the tallest wrapped cell: Excel does not grow rows written by a program.

    A Chinese character takes two units of column width, a Latin one one unit.
    """
    lines = 1
    for value, (_heading, width) in zip(values, COLUMNS, strict=True):
        units = sum(2 if ord(c) > 0x2E7F else 1 for c in str(value or ""))
        lines = max(lines, math.ceil(units / max(width - 1, 1)))
    return min(lines, 30) * LINE_HEIGHT + 4


def _warning_fill(cell, matter: Matter, red_points: int, today: dt.date) -> None:
    if matter.state not in OPEN_STATES:
        return
    cell.fill = WARNING_FILLS[matter.warning_colour(red_points, today)]


def _print_setup(sheet) -> None:
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.orientation = sheet.ORIENTATION_LANDSCAPE
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.print_title_rows = "1:2"
    sheet.page_margins = PageMargins(left=0.4, right=0.4, top=0.6, bottom=0.6)
    sheet.print_options.horizontalCentered = True
    sheet.oddFooter.center.text = "第 &P 页，共 &N 页"
