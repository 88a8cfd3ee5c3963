"""Reading an office's Excel task table into plain rows: header found, merged cells filled.

No database here: `read_table` turns .xlsx bytes into a `Table` whose rows carry, per
field (task, measure, lead, …), the cell value as the reader sees it on screen: a merged
cell's value in every cell it covers. documents.importer gives the rows their meaning.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass, field

from django.utils.translation import gettext as _
from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.worksheet.worksheet import Worksheet

from luoshi.lib.errors import InvalidInput

from .parsing import header_field, year_in

HEADER_SCAN_ROWS = 12  # title rows and notes above the header
MAX_ROWS = 5000
# Fields a table must have: something to call the matter, and who does it.
REQUIRED = ({"task", "measure"}, {"lead"})


@dataclass
class Row:
    """One data row: its number in the sheet and its cells by field.

    `group` identifies the 重点任务 the row belongs to: rows under one merged (or
    repeated) task cell share it and become children of one parent matter.
    """

    number: int
    cells: dict[str, object]
    group: int
    section: str = ""

    def text(self, name: str) -> str:
        value = self.cells.get(name)
        return "" if value is None else str(value).strip()


@dataclass
class Table:
    sheet: str
    header_row: int
    columns: dict[str, str]  # field → heading as written
    ignored: list[str]
    title: str
    rows: list[Row] = field(default_factory=list)

    @property
    def year(self) -> int | None:
        return year_in(self.title) or year_in(self.sheet)


def read_table(data: bytes) -> Table:
    """The first sheet that has a recognisable header, read into rows."""
    workbook = _open(data)
    tried = []
    for sheet in workbook.worksheets:
        grid = _grid(sheet)
        found = _find_header(grid)
        if found is not None:
            return _table(sheet, grid, *found)
        tried.append(sheet.title)
    raise InvalidInput(
        _(
            "No header row found in sheet(s) %(sheets)s: the table needs columns such as "
            "重点任务 or 具体措施, and 牵头单位."
        )
        % {"sheets": "、".join(tried)},
        field="file",
    )


def _open(data: bytes):
    try:
        return load_workbook(io.BytesIO(data), data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError) as error:
        raise InvalidInput(
            _("The file is not an Excel workbook (.xlsx): %(error)s") % {"error": error},
            field="file",
        ) from error


def _grid(sheet: Worksheet) -> list[list[object]]:
    """The sheet's values with every merged range's value copied into all its cells."""
    rows = min(sheet.max_row, MAX_ROWS + HEADER_SCAN_ROWS)
    grid = [
        [cell.value for cell in row]
        for row in sheet.iter_rows(min_row=1, max_row=rows, max_col=sheet.max_column)
    ]
    for merged in sheet.merged_cells.ranges:
        top, left = merged.min_row - 1, merged.min_col - 1
        if top >= len(grid):
            continue
        value = grid[top][left]
        for r in range(top, min(merged.max_row, len(grid))):
            for c in range(left, merged.max_col):
                grid[r][c] = value
    return grid


def _merged_groups(sheet: Worksheet, column: int) -> dict[int, int]:
    """Row number → first row of the vertical merge covering it in `column` (1-based)."""
    groups = {}
    for merged in sheet.merged_cells.ranges:
        if merged.min_col <= column <= merged.max_col and merged.max_row > merged.min_row:
            for r in range(merged.min_row, merged.max_row + 1):
                groups[r] = merged.min_row
    return groups


def _find_header(grid: list[list[object]]) -> tuple[int, dict[int, str]] | None:
    """The row (0-based) whose cells name the most fields, if it names the required ones."""
    best = None
    for index, row in enumerate(grid[:HEADER_SCAN_ROWS]):
        mapping: dict[int, str] = {}
        for col, value in enumerate(row):
            name = header_field(value)
            if name and name not in mapping.values():
                mapping[col] = name
        names = set(mapping.values())
        if all(names & need for need in REQUIRED) and (best is None or len(mapping) > len(best[1])):
            best = (index, mapping)
    return best


def _table(sheet: Worksheet, grid, header_index: int, mapping: dict[int, str]) -> Table:
    header = grid[header_index]
    title = next((str(v) for row in grid[:header_index] for v in row if v and str(v).strip()), "")
    table = Table(
        sheet=sheet.title,
        header_row=header_index + 1,
        columns={name: str(header[col]).strip() for col, name in mapping.items()},
        ignored=[
            str(v).strip() for c, v in enumerate(header) if c not in mapping and v not in (None, "")
        ],
        title=title.strip(),
    )
    task_col = next((c for c, n in mapping.items() if n == "task"), None)
    merged = _merged_groups(sheet, task_col + 1) if task_col is not None else {}
    _read_rows(table, grid[header_index + 1 :], header_index + 2, mapping, merged)
    return table


def _read_rows(table: Table, grid, first: int, mapping, merged: dict[int, int]) -> None:
    """Data rows with their task group; a row whose cells all say one thing is a section."""
    previous_task, group, section = None, 0, ""
    for offset, values in enumerate(grid):
        number = first + offset
        cells = {name: _clean(values[col]) for col, name in mapping.items() if col < len(values)}
        filled = [v for v in values if v not in (None, "")]
        if not filled:
            continue
        if len(values) > 1 and len({str(v).strip() for v in filled}) == 1 and len(filled) > 1:
            section = str(filled[0]).strip()
            continue
        if _is_section(filled, cells):
            section = str(filled[-1]).strip()
            continue
        task = cells.get("task")
        if task in (None, "") and previous_task and cells.get("measure"):
            cells["task"] = task = previous_task  # the office left the repeated task blank
        key = merged.get(number)
        if key is None and not (task and task == previous_task):
            group = number
        elif key is not None:
            group = key
        previous_task = task
        table.rows.append(Row(number=number, cells=cells, group=group, section=section))


SECTION_HEADING = re.compile(r"^[一二三四五六七八九十]+[、.．]")
WORK_FIELDS = ("measure", "lead", "co", "deadline")


def _is_section(filled: list, cells: dict) -> bool:
    """A heading row: one lone value, or a "一、…" task with nothing else to do."""
    if len(filled) == 1 and not (cells.get("task") or cells.get("measure")):
        return True
    task = str(cells.get("task") or "")
    return bool(SECTION_HEADING.match(task)) and not any(cells.get(f) for f in WORK_FIELDS)


def _clean(value: object) -> object:
    if isinstance(value, str):
        value = value.strip()
        return value or None
    return value
