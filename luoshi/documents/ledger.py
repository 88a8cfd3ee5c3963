"""The ledger (台账): a filtered list of matters as the office's Excel table.

Title row, the filter applied under it, a frozen header with an autofilter, one row per
matter (a sub-matter shows its parent's task in a merged 事项/重点任务 cell, as in the
decomposition table it came from), dates as date cells, warning cells filled in the
colour declared in matters.models.choices, column widths and wrapping that print on A4
landscape with the header repeated on every page. The importer reads the file back.

The sheet is written row by row (openpyxl write-only mode) into a temporary file:
`write_ledger` reads the matters' ids and parents in one query, then their details a
batch at a time (five queries a batch), so rows and model objects never pile up; what
grows with the ledger is the table of distinct texts every .xlsx keeps (sharedStrings)
— about 3 KB a matter (docs/benchmarks.md). Every cell of user text goes through lib.cells.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import OrderedDict
from collections.abc import Iterable, Iterator
from typing import IO

from django.db.models import F, OuterRef, Prefetch, QuerySet, Subquery
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Border, Font, NamedStyle, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.cell_range import CellRange
from openpyxl.worksheet.page import PageMargins
from openpyxl.worksheet.worksheet import Worksheet

from luoshi.lib.cells import excel_text
from luoshi.matters.fairness import days_overdue, days_past
from luoshi.matters.filters import MatterFilter, as_shown
from luoshi.matters.models import (
    OPEN_STATES,
    Matter,
    MatterKind,
    MatterUnit,
    MatterWarning,
    Milestone,
    PartRole,
    Policy,
    Priority,
    ProgressReport,
    Source,
    State,
)
from luoshi.org.models import Unit

from .importer import person_name
from .models import ImportedRow
from .parsing import describe_deadline
from .plan import CO_LEAD_NOTE, RECURRING_TAG

# (heading, width in characters). The headings are the ones documents.parsing reads back;
# 原表序号 and 反馈日期 are not among them, so an import passes over them.
COLUMNS = [
    ("序号", 6),
    ("原表序号", 8),
    ("督办编号", 17),
    ("事项/重点任务", 26),
    ("具体措施", 38),
    ("牵头单位", 16),
    ("配合单位", 18),
    ("责任领导", 10),
    ("完成时限", 16),
    ("状态", 10),
    ("最新进展", 36),
    ("反馈日期", 12),
    ("预警", 9),
]
TASK_COLUMN = 4
DEADLINE_COLUMN = 9
WARNING_COLUMN = len(COLUMNS)
HEADER_ROW = 3  # title, the filter, then the header
CO_LEAD_MARK = f"（{CO_LEAD_NOTE}）"
ONGOING = "持续推进"
# Date formats: the deadline says when it is provisional or recurring, still a date cell.
DATE_FORMAT = 'yyyy"年"m"月"d"日"'
DEADLINE_FORMATS = {
    (False, False): DATE_FORMAT,
    (True, False): DATE_FORMAT + '"（暂定）"',
    (False, True): DATE_FORMAT + '"，持续跟踪"',
    (True, True): DATE_FORMAT + '"（暂定），持续跟踪"',
}
REPORT_DATE_FORMAT = "yyyy-mm-dd"
# Excel fills for the colour names of matters.models.choices.WARNING_COLOURS.
FILLS = {
    "green": "C6EFCE",
    "yellow": "FFEB9C",
    "red": "FFC7CE",
    "grey": "D9D9D9",
    "blue": "DDEBF7",  # awaiting the office
}
WARNING_FILLS = {name: PatternFill("solid", fgColor=rgb) for name, rgb in FILLS.items()}
CENTRED_COLUMNS = {1, 2, 3, 8, 9, 10, 12, WARNING_COLUMN}
THIN = Side(style="thin", color="000000")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
FONT_NAME = "宋体"
LINE_HEIGHT = 13.5  # points per line of 10 pt text
BATCH = 1000
# What a MatterFilter history list (as_of / since) annotates on its rows.
HISTORY_FIELDS = ("as_of_state", "as_of_warning", "as_of_deadline", "since_state", "since_warning")


# --- Which matters, in which order ------------------------------------------------------------


def original_number(row: ImportedRow | None) -> str | None:
    """The 序号 the matter had in the table it was imported from ("3", "（二）1"), or None.

    The importer records the row's own 序号 on the ImportedRow (`number`); a matter that
    was not imported, or whose row had no 序号, has none.
    """
    return (getattr(row, "number", None) or None) if row is not None else None


def in_original_order(queryset: QuerySet[Matter]) -> QuerySet[Matter]:
    """Imported matters in the order of their tables (import, then row), then the others.

    The ledger's default order: an office reads its 台账 in the order of the 分工 table.
    """
    latest = ImportedRow.objects.filter(matter=OuterRef("pk")).order_by("-batch_id", "-id")
    return queryset.annotate(
        import_batch=Subquery(latest.values("batch_id")[:1]),
        import_row=Subquery(latest.values("row_number")[:1]),
    ).order_by(
        F("import_batch").asc(nulls_last=True),
        F("import_row").asc(nulls_last=True),
        "serial_year",
        "serial_no",
    )


def arrange(pairs: Iterable[tuple[int, int | None]]) -> list[list[int]]:
    """Groups of matter ids: a sub-matter joins its siblings under their parent's task.

    A parent whose sub-matters are listed is shown through them (its task is their
    merged cell), not as a row of its own. `pairs` are (id, parent id) in list order.
    """
    pairs = list(pairs)
    shown_parents = {parent for _pk, parent in pairs if parent}
    groups: OrderedDict = OrderedDict()
    for pk, parent in pairs:
        if pk in shown_parents:
            groups.setdefault(("parent", pk), [])
            continue
        key = ("parent", parent) if parent else ("single", pk)
        groups.setdefault(key, []).append(pk)
    return [ids for ids in groups.values() if ids]


def _details(ids: list[int]) -> dict[int, Matter]:
    """The matters with units, leader, parent, open milestones, latest report and import
    row: five queries."""
    latest = ProgressReport.objects.filter(matter=OuterRef("pk")).order_by("-created_at", "-id")
    parts = MatterUnit.objects.filter(active=True).select_related("unit").order_by("-role", "id")
    open_milestones = Milestone.objects.filter(done_at__isnull=True).order_by("deadline", "id")
    matters = (
        Matter.objects.filter(pk__in=ids)
        .select_related("lead_unit", "responsible_leader", "parent")
        .prefetch_related(
            Prefetch("parts", queryset=parts, to_attr="active_parts"),
            Prefetch("milestones", queryset=open_milestones, to_attr="open_milestones"),
        )
        .annotate(latest_report_id=Subquery(latest.values("id")[:1]))
        .in_bulk()
    )
    report_ids = [m.latest_report_id for m in matters.values() if m.latest_report_id]
    reports = ProgressReport.objects.only("id", "text", "percent", "created_at").in_bulk(report_ids)
    imported = {}
    for row in ImportedRow.objects.filter(matter_id__in=ids).order_by("batch_id", "id"):
        imported[row.matter_id] = row  # the latest import of the matter wins
    for matter in matters.values():
        matter.latest_report = reports.get(matter.latest_report_id)
        matter.imported_row = imported.get(matter.pk)
    return matters


def ledger_groups(queryset: QuerySet[Matter]) -> Iterator[list[Matter]]:
    """The groups of rows in order, their matters read a batch at a time.

    A history list (MatterFilter's as_of / since) keeps its rows' annotations: what
    each matter was on those days (one more query a batch).
    """
    groups = arrange(queryset.values_list("pk", "parent_id"))
    history = [name for name in HISTORY_FIELDS if name in queryset.query.annotations]
    for start in range(0, len(groups), BATCH):
        batch = groups[start : start + BATCH]
        ids = [pk for group in batch for pk in group]
        matters = _details(ids)
        if history:
            for row in queryset.filter(pk__in=ids).values("pk", *history):
                for name in history:
                    setattr(matters[row["pk"]], name, row[name])
        for group in batch:
            yield [matters[pk] for pk in group if pk in matters]


# --- The filter, in words ---------------------------------------------------------------------


def describe_filter(matter_filter: MatterFilter) -> str:
    """The filter applied, as the line under the title says it ("筛选条件：…")."""
    parts = []
    for name, label, choices in (
        ("state", "状态", State),
        ("warning", "预警", MatterWarning),
        ("kind", "类别", MatterKind),
        ("source", "来源", Source),
        ("priority", "紧急程度", Priority),
    ):
        values = getattr(matter_filter, name)
        if values:
            parts.append(f"{label}：{'、'.join(str(choices(v).label) for v in values)}")
    parts += _named_filters(matter_filter)
    if matter_filter.deadline_from or matter_filter.deadline_to:
        start = matter_filter.deadline_from.isoformat() if matter_filter.deadline_from else "…"
        end = matter_filter.deadline_to.isoformat() if matter_filter.deadline_to else "…"
        parts.append(f"完成时限：{start}至{end}")
    if matter_filter.open:
        parts.append("仅未办结事项")
    if matter_filter.q:
        parts.append(f"关键词：{matter_filter.q}")
    return "筛选条件：" + ("；".join(parts) if parts else "全部事项")


def _named_filters(matter_filter: MatterFilter) -> list[str]:
    """Units, leader and parent by name: one query for the units, one for the others."""
    unit_ids = {i for i in (matter_filter.unit, matter_filter.lead_unit) if i is not None}
    names = dict(Unit.objects.filter(pk__in=unit_ids).values_list("pk", "name"))
    parts = []
    if matter_filter.unit is not None:
        parts.append(f"承办单位：{names.get(matter_filter.unit, matter_filter.unit)}")
    if matter_filter.lead_unit is not None:
        parts.append(f"牵头单位：{names.get(matter_filter.lead_unit, matter_filter.lead_unit)}")
    if matter_filter.leader is not None:
        from django.contrib.auth.models import User

        leader = User.objects.filter(pk=matter_filter.leader).first()
        parts.append(f"责任领导：{person_name(leader) if leader else matter_filter.leader}")
    if matter_filter.parent is not None:
        parent = Matter.objects.filter(pk=matter_filter.parent).only("title").first()
        parts.append(f"上级事项：{parent.title if parent else matter_filter.parent}")
    return parts


# --- The sheet --------------------------------------------------------------------------------


def write_ledger(
    queryset: QuerySet[Matter],
    out: IO[bytes],
    *,
    filter_text: str = "筛选条件：全部事项",
    title: str = "督查督办事项台账",
    as_of: dt.date | None = None,
    since: dt.date | None = None,
) -> int:
    """Write the .xlsx of `queryset` (already visible_to, filtered, ordered) to `out`.

    `as_of`: the list is MatterFilter's as of that day; rows show the matters as they
    stood then (matters.filters.as_shown) and the title says so. `since`: two stocktakes
    compared; a warning cell also says what the matter was on that earlier day.
    Returns the number of matters written.
    """
    today = as_of or timezone.localdate()
    red_points = Policy.current().behind_plan_red_points
    workbook = Workbook(write_only=True)
    _add_styles(workbook)
    sheet = workbook.create_sheet("台账")
    _layout(sheet)
    compared = f"，与{since.year}年{since.month}月{since.day}日对比" if since else ""
    stocktake = f"（截至{today.year}年{today.month}月{today.day}日{compared}）"
    _heading(sheet, f"{title}{stocktake}", filter_text)
    row = HEADER_ROW + 1
    serial = 0
    labels = _labels()
    for group in ledger_groups(queryset):
        first = row
        for row_matter in group:
            matter = as_shown(row_matter)
            serial += 1
            values = _cells(matter, serial, labels, today)
            sheet.row_dimensions[row].height = _row_height(values)
            if row > first:  # the task is written once, in its merged cell
                values[TASK_COLUMN - 1] = None
            sheet.append(_styled(sheet, matter, values, red_points, today))
            del sheet.row_dimensions[row]  # written: the sheet keeps no row behind it
            row += 1
        if row - first > 1:
            column = get_column_letter(TASK_COLUMN)
            # Into the range set directly: MultiCellRange.add scans every range first.
            sheet.merged_cells.ranges.add(CellRange(f"{column}{first}:{column}{row - 1}"))
    last = get_column_letter(len(COLUMNS))
    sheet.auto_filter.ref = f"A{HEADER_ROW}:{last}{max(row - 1, HEADER_ROW)}"
    workbook.save(out)
    return serial


def _layout(sheet) -> None:
    """Widths, frozen header, print setup: all set before the first row is written."""
    for col, (_heading_text, width) in enumerate(COLUMNS, start=1):
        sheet.column_dimensions[get_column_letter(col)].width = width
    sheet.freeze_panes = f"A{HEADER_ROW + 1}"
    sheet.page_setup.paperSize = Worksheet.PAPERSIZE_A4
    sheet.page_setup.orientation = Worksheet.ORIENTATION_LANDSCAPE
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.print_title_rows = f"1:{HEADER_ROW}"
    sheet.page_margins = PageMargins(left=0.4, right=0.4, top=0.6, bottom=0.6)
    sheet.print_options.horizontalCentered = True
    sheet.oddFooter.center.text = "第 &P 页，共 &N 页"


def _heading(sheet, title: str, filter_text: str) -> None:
    last = get_column_letter(len(COLUMNS))
    title_cell = WriteOnlyCell(sheet, title)
    title_cell.font = Font(name=FONT_NAME, size=16, bold=True)
    title_cell.alignment = Alignment(horizontal="center", vertical="center")
    sheet.row_dimensions[1].height = 32
    sheet.append([title_cell])
    note = WriteOnlyCell(sheet, excel_text(filter_text))
    note.font = Font(name=FONT_NAME, size=10)
    note.alignment = Alignment(horizontal="left", vertical="center", wrap_text=True)
    sheet.row_dimensions[2].height = 20
    sheet.append([note])
    header = []
    for heading_text, _width in COLUMNS:
        cell = WriteOnlyCell(sheet, heading_text)
        cell.font = Font(name=FONT_NAME, size=11, bold=True)
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        cell.fill = PatternFill("solid", fgColor="D9E1F2")
        cell.border = BORDER
        header.append(cell)
    sheet.row_dimensions[HEADER_ROW].height = 24
    sheet.append(header)
    sheet.merged_cells.add(f"A1:{last}1")
    sheet.merged_cells.add(f"A2:{last}2")


def _labels() -> dict[str, dict[str, str]]:
    """State and warning labels in the active language, translated once per ledger.

    (get_FOO_display translates and hashes every choice on every call: a third of the
    time of a long ledger.)
    """
    return {
        "state": {value: str(label) for value, label in State.choices},
        "warning": {value: str(label) for value, label in MatterWarning.choices},
    }


def _cells(matter: Matter, serial: int, labels: dict[str, dict[str, str]], today: dt.date) -> list:
    parts = getattr(matter, "active_parts", [])
    co_leads = [
        p.unit.name for p in parts if p.role == PartRole.CO and p.description == CO_LEAD_NOTE
    ]
    co = [p.unit.name for p in parts if p.role == PartRole.CO and p.description != CO_LEAD_NOTE]
    if matter.parent_id:
        task, measure = matter.parent.title, matter.content or matter.title
    else:
        task, measure = matter.title, matter.content
    leads = [matter.lead_unit.name] if matter.lead_unit else []
    leads += [f"{name}{CO_LEAD_MARK}" for name in co_leads]
    report = matter.latest_report
    return [
        serial,
        original_number(matter.imported_row),
        matter.serial,
        task,
        measure,
        "、".join(leads),
        "、".join(co),
        person_name(matter.responsible_leader) if matter.responsible_leader else "",
        _deadline(matter),
        labels["state"].get(matter.state, matter.state),
        f"{report.text}（{report.percent}%）" if report else "",
        timezone.localdate(report.created_at) if report else None,
        _warning_text(matter, today, labels),
    ]


def _warning_text(matter: Matter, today: dt.date, labels: dict[str, dict[str, str]]) -> str:
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
        text = labels["warning"].get(matter.warning, matter.warning)
    if hasattr(matter, "since_state"):
        earlier = _standing_label(matter.since_state, matter.since_warning, labels)
        text += f"（对比日：{earlier}）"
    return text


def _standing_label(state: str | None, warning: str | None, labels: dict) -> str:
    if state is None:
        return "尚未登记"
    if state in OPEN_STATES and warning:
        return labels["warning"].get(warning, warning)
    return labels["state"].get(state, state)


def _deadline(matter: Matter) -> object:
    """A date cell when there is a date; 持续推进 for an ongoing matter; else the wording.

    An ongoing matter with a date to reach first ("2026年6月持续跟踪" in its table) says so
    in words — "2026年6月30日，持续跟踪" — which an import of the ledger reads back as such.
    """
    if matter.ongoing:
        first = next(iter(getattr(matter, "open_milestones", [])), None)
        if first is not None and RECURRING_TAG in (matter.tags or []):
            return describe_deadline(first.deadline, True)
        return ONGOING
    if matter.deadline is not None:
        return matter.deadline
    return describe_deadline(None, RECURRING_TAG in (matter.tags or []), matter.deadline_workdays)


def _styled(sheet, matter: Matter, values: list, red_points: int, today: dt.date) -> list:
    cells = []
    for col, value in enumerate(values, start=1):
        cell = WriteOnlyCell(sheet, excel_text(value))
        cell.style = "ledger-centre" if col in CENTRED_COLUMNS else "ledger-left"
        if isinstance(value, dt.date):
            cell.number_format = (
                _date_format(matter) if col == DEADLINE_COLUMN else REPORT_DATE_FORMAT
            )
        cells.append(cell)
    if matter.state in OPEN_STATES:
        cells[WARNING_COLUMN - 1].fill = WARNING_FILLS[matter.warning_colour(red_points, today)]
    return cells


def _date_format(matter: Matter) -> str:
    recurring = RECURRING_TAG in (matter.tags or [])
    return DEADLINE_FORMATS[(matter.deadline_provisional, recurring)]


def _add_styles(workbook) -> None:
    """Two named cell styles: assigning a name per cell is far cheaper than style objects."""
    for name, horizontal in (("ledger-left", "left"), ("ledger-centre", "center")):
        style = NamedStyle(name=name)
        style.font = Font(name=FONT_NAME, size=10)
        style.alignment = Alignment(horizontal=horizontal, vertical="center", wrap_text=True)
        style.border = BORDER
        workbook.add_named_style(style)


def _row_height(values: list) -> float:
    """Points for the tallest wrapped cell: Excel does not grow rows written by a program.

    A Chinese character takes two units of column width, a Latin one one unit: counted
    from the UTF-8 length (three bytes for a Chinese character, one for ASCII), which
    is done in C and matters on a long ledger.
    """
    lines = 1
    for value, (_heading_text, width) in zip(values, COLUMNS, strict=True):
        if isinstance(value, dt.date):
            continue
        text = str(value or "")
        units = (len(text.encode()) + len(text)) // 2
        lines = max(lines, math.ceil(units / max(width - 1, 1)))
    return min(lines, 30) * LINE_HEIGHT + 4
