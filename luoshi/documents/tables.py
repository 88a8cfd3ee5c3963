"""Finding the table in a sheet: its header, its columns' fields, and what each row is.

Generic: a kind of import describes its table with a `Schema` (fields, the headings
offices give them, which are required, which nest as levels); `read_table` finds the
header under a merged title and preamble lines, maps the columns (or takes the
user's mapping), and classifies every row below it:

- a data row, with its cells by field and, per grouping level, the group it belongs
  to (a vertical merge, a repeated value, or a value left blank under the one above);
- a section row ("一、…", "（一）…", or one value across the row), with its level;
- footnotes and the signature line below the table (注：…, 填表人, the issuer and date).

No database here; documents.importer (task tables) gives the rows their meaning.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from .parsing import clean_text, heading_index, heading_key, match_heading, year_in
from .spreadsheet import Limits, Sheet, read_sheets

HEADER_SCAN_ROWS = 15  # title, document number, notes above the header
ATTACHMENT = re.compile(r"^附件\s*\d*\s*[:：]?$")  # "附件1" above the title is not the title
LEVEL = "__level__"  # the pseudo-field of every heading that names a level


@dataclass(frozen=True)
class Field:
    """A column a kind of table may have: its name in code, its label, its headings."""

    name: str
    label: str
    synonyms: tuple[str, ...] = ()


@dataclass(frozen=True)
class Schema:
    """How a kind of table looks (see documents.engine for how a kind plugs in).

    `levels`: the nested title fields, outermost first (e.g. 措施条目 → 重点任务 → 具体
    措施); any heading among `level_synonyms` is a level, and k such columns take the
    first k names of `level_fill`, in the order of `levels`. `required`: each set needs
    one of its fields mapped. `work`: fields whose presence makes a row a data row.
    """

    fields: tuple[Field, ...]
    levels: tuple[str, ...] = ()
    level_fill: tuple[str, ...] = ()
    level_synonyms: tuple[str, ...] = ()
    required: tuple[frozenset[str], ...] = ()
    work: tuple[str, ...] = ()
    number: str = "number"  # the 序号 field

    def index(self) -> dict[str, str]:
        synonyms = {f.name: f.synonyms for f in self.fields}
        return {**heading_index({LEVEL: self.level_synonyms}), **heading_index(synonyms)}

    def labels(self) -> dict[str, str]:
        return {f.name: str(f.label) for f in self.fields}


@dataclass(frozen=True)
class Column:
    index: int  # 0-based
    heading: str
    field: str | None


@dataclass
class Section:
    """A heading row: "一、扩大有效投资" (level 1), "（一）…" (2), "1.…" without units (3)."""

    row: int
    number: str
    title: str
    level: int
    parent: int | None = None  # the enclosing section's row
    cells: dict[str, object] = field(default_factory=dict)  # units, time limit… if it has any


@dataclass
class Row:
    """A data row: its sheet row, its cells by field, its groups and its section."""

    number: int
    cells: dict[str, object]
    groups: dict[str, int] = field(default_factory=dict)  # level field → first row of group
    section: int | None = None

    def text(self, name: str) -> str:
        return clean_text(self.cells.get(name))


@dataclass
class Table:
    sheet: str
    header_row: int  # 1-based; 0 when no header row was found
    columns: list[Column]
    title: str = ""
    preamble: list[str] = field(default_factory=list)
    footnotes: list[str] = field(default_factory=list)
    rows: list[Row] = field(default_factory=list)
    sections: dict[int, Section] = field(default_factory=dict)
    missing: list[frozenset[str]] = field(default_factory=list)

    @property
    def fields(self) -> dict[str, int]:
        return {c.field: c.index for c in self.columns if c.field}

    @property
    def headings(self) -> dict[str, str]:
        return {c.field: c.heading for c in self.columns if c.field}

    @property
    def ignored(self) -> list[str]:
        return [c.heading for c in self.columns if not c.field and c.heading]

    @property
    def signature(self) -> str:
        """The header's fingerprint: a mapping chosen for it is used for its next versions."""
        keys = "|".join(heading_key(c.heading) for c in self.columns)
        return hashlib.sha256(keys.encode()).hexdigest()[:32]

    @property
    def year(self) -> int | None:
        return year_in(self.title) or year_in(" ".join(self.preamble)) or year_in(self.sheet)


@dataclass(frozen=True)
class ColumnChoice:
    """The user's mapping: the header row (1-based) and the column index of each field."""

    header_row: int
    fields: dict[str, int]
    sheet: str = ""


def read_table(
    data: bytes, schema: Schema, choice: ColumnChoice | None = None, limits: Limits | None = None
) -> Table:
    """The table of the first sheet with a recognisable header (or the user's mapping).

    Without one, the best guess is returned with `missing` naming what was not found,
    so the preview can ask for the mapping instead of refusing the file.
    """
    guess: tuple[Sheet, list[list[object]], int, dict[int, str]] | None = None
    for sheet in read_sheets(data, limits):
        if choice and choice.sheet and sheet.name != choice.sheet:
            continue
        grid = filled_grid(sheet)
        if choice:
            return _build(sheet, grid, choice.header_row - 1, _chosen(choice), schema)
        found = find_header(grid, schema)
        if found and not _missing(schema, found[1]):
            return _build(sheet, grid, found[0], found[1], schema)
        if guess is None and sheet.rows:
            guess = (sheet, grid, *(found or (_likely_header(grid), {})))
    if guess is None:
        raise _empty()
    sheet, grid, index, mapping = guess
    return _build(sheet, grid, index, mapping, schema)


def _empty():
    from luoshi.lib.errors import InvalidInput

    return InvalidInput(_("The workbook has no sheet with any content."), field="file")


def _chosen(choice: ColumnChoice) -> dict[int, str]:
    return {col: name for name, col in choice.fields.items() if col is not None and col >= 0}


def filled_grid(sheet: Sheet) -> list[list[object]]:
    """The sheet's values, each merged range's value copied into all the cells it covers."""
    grid = [list(row) for row in sheet.rows]
    for top, left, bottom, right in sheet.merges:
        value = grid[top - 1][left - 1]
        for r in range(top - 1, bottom):
            row = grid[r]
            for c in range(left - 1, right):
                row[c] = value
    return grid


def find_header(grid: list[list[object]], schema: Schema) -> tuple[int, dict[int, str]] | None:
    """The row (0-based) whose cells name the most fields, with its column → field map.

    A blank heading takes the one above it (two-row headers: 责任单位 over 牵头单位 and
    配合单位). A row naming all required fields wins over one that names more but not them.
    """
    index = schema.index()
    best: tuple[tuple[bool, int], int, dict[int, str]] | None = None
    for row in range(min(HEADER_SCAN_ROWS, len(grid))):
        headings = _headings(grid, row)
        mapping = _map_columns(headings, index, schema)
        if not mapping:
            continue
        score = (not _missing(schema, mapping), len(set(mapping.values())))
        if best is None or score > best[0]:
            best = (score, row, mapping)
    return (best[1], best[2]) if best else None


def _headings(grid: list[list[object]], row: int) -> list[str]:
    above = grid[row - 1] if row > 0 else []
    out = []
    for col, value in enumerate(grid[row]):
        text = clean_text(value)
        if not text and col < len(above):
            text = clean_text(above[col])
        out.append(text if len(text) <= 30 else "")  # a title or a note is no heading
    return out


def _map_columns(headings: list[str], index: dict[str, str], schema: Schema) -> dict[int, str]:
    mapping: dict[int, str] = {}
    levels: list[int] = []
    for col, text in enumerate(headings):
        name = match_heading(text, index)
        if name == LEVEL:
            levels.append(col)
        elif name and name not in mapping.values():
            mapping[col] = name
    names = [n for n in schema.levels if n in schema.level_fill[: len(levels)]]
    for col, name in zip(levels, names, strict=False):
        mapping[col] = name
    return mapping


def _missing(schema: Schema, mapping: dict[int, str]) -> list[frozenset[str]]:
    present = set(mapping.values())
    return [need for need in schema.required if not need & present]


def _likely_header(grid: list[list[object]]) -> int:
    """Without a recognisable header: the first of the top rows with the most short texts."""
    top = grid[:HEADER_SCAN_ROWS]
    counts = [
        len({v for v in row if isinstance(v, str) and 0 < len(v.strip()) <= 30}) for row in top
    ]
    return counts.index(max(counts)) if counts else 0


def _build(sheet: Sheet, grid, header: int, mapping: dict[int, str], schema: Schema) -> Table:
    header = max(0, min(header, len(grid) - 1)) if grid else 0
    headings = _headings(grid, header) if grid else []
    width = max(len(headings), max(mapping, default=-1) + 1)
    headings += [""] * (width - len(headings))
    top = header
    if header > 0 and len(_map_columns(_headings(grid, header - 1), schema.index(), schema)) > 1:
        top = header - 1  # the upper row of a two-row header
    above = _lines(grid[:top])
    titles = [line for line in above if not ATTACHMENT.match(line)]
    table = Table(
        sheet=sheet.name,
        header_row=header + 1 if grid else 0,
        columns=[Column(i, h, mapping.get(i)) for i, h in enumerate(headings)],
        title=titles[0] if titles else "",
        preamble=[line for line in above if not titles or line != titles[0]],
        missing=_missing(schema, mapping),
    )
    merged = _vertical_merges(sheet, {c for c, n in mapping.items() if n in schema.levels})
    _Reader(table, schema, mapping, merged).read(grid[header + 1 :], header + 2)
    return table


def _lines(rows: list[list[object]]) -> list[str]:
    lines = []
    for row in rows:
        text = " ".join(dict.fromkeys(clean_text(v) for v in row if clean_text(v)))
        if text:
            lines.append(text)
    return lines


def _vertical_merges(sheet: Sheet, columns: set[int]) -> dict[tuple[int, int], int]:
    """(row, column) → first row of the vertical merge covering it, for the level columns."""
    covered = {}
    for top, left, bottom, right in sheet.merges:
        if bottom > top:
            for col in range(left - 1, right):
                if col in columns:
                    for r in range(top, bottom + 1):
                        covered[(r, col)] = top
    return covered


# --- Rows -------------------------------------------------------------------------------------

FOOTNOTE = re.compile(
    r"^(注|备注|说明|附注|填表说明|填报说明|填表人|填报人|填报单位|制表|制表人|审核人|联系人|"
    r"联系电话|抄送|印发|附件)[:：\s0-9一二三四五六七八九十、.．]"
)
SECTION_NUMBER = (
    (re.compile(r"^第[一二三四五六七八九十]+(部分|章|篇|编)"), 1),
    (re.compile(r"^[一二三四五六七八九十]+[、.．\s]"), 1),
    (re.compile(r"^[一二三四五六七八九十]+$"), 1),
    (re.compile(r"^[（(][一二三四五六七八九十]+[）)]"), 2),
    (re.compile(r"^\d+[、.．](?!\d)"), 3),
    (re.compile(r"^[（(]\d+[）)]"), 4),
)


def section_level(text: str) -> int:
    """The heading level its numbering gives ("一、" 1, "（一）" 2, "1." 3), 0 if none."""
    text = text.strip()
    return next((level for pattern, level in SECTION_NUMBER if pattern.match(text)), 0)


def strip_number(text: str) -> tuple[str, str]:
    """ "（一）扩大有效投资" → ("（一）", "扩大有效投资")."""
    match = re.match(
        r"^(第[一二三四五六七八九十]+(?:部分|章|篇|编)|[一二三四五六七八九十]+[、.．]|"
        r"[（(][一二三四五六七八九十\d]+[）)]|\d+[、.．](?!\d))\s*",
        text.strip(),
    )
    if not match:
        return "", text.strip()
    return match.group(1).rstrip("、.．"), text.strip()[match.end() :].strip()


class _Reader:
    """Walks the rows below the header once, classifying them (see the module doc)."""

    def __init__(self, table: Table, schema: Schema, mapping, merged):
        self.table, self.schema, self.mapping, self.merged = table, schema, mapping, merged
        self.levels = [n for n in schema.levels if n in mapping.values()]
        self.columns = {n: c for c, n in mapping.items()}
        self.stack: list[Section] = []
        self.previous: Row | None = None
        self.pending: list[tuple[int, list[str]]] = []  # single-value rows not yet placed

    def read(self, grid: list[list[object]], first: int) -> None:
        for offset, values in enumerate(grid):
            number = first + offset
            filled = [clean_text(v) for v in values]
            if not any(filled) or (offset == 0 and _column_numbers(values)):
                continue
            self._row(number, values, filled)
        self.table.footnotes += [" ".join(t) for _n, t in self.pending]

    def _row(self, number: int, values: list[object], filled: list[str]) -> None:
        cells = {n: _value(values[c]) for c, n in self.mapping.items() if c < len(values)}
        distinct = list(dict.fromkeys(t for t in filled if t))
        if len(distinct) == 1 and sum(1 for t in filled if t) > 1:
            cells = {}  # one value merged across the row: a heading or a note, not work
        has_work = any(cells.get(f) not in (None, "") for f in self.schema.work)
        if not has_work and (self.table.footnotes or FOOTNOTE.match(distinct[0])):
            self.table.footnotes.append(" ".join(distinct))
            return
        if self._is_section(cells, distinct, has_work):
            self._flush_pending_as_sections()
            self._section(number, cells, distinct)
            return
        if len(distinct) == 1 and not has_work:
            self.pending.append((number, distinct))  # a section, unless nothing follows
            return
        self._flush_pending_as_sections()
        self._data(number, cells)

    def _is_section(self, cells: dict, distinct: list[str], has_work: bool) -> bool:
        """A heading: numbered 一 / （一） (units and all), or numbered text with no work."""
        number = clean_text(cells.get(self.schema.number))
        title = next((clean_text(cells.get(n)) for n in self.levels if cells.get(n)), "")
        if section_level(number) in (1, 2) and title:
            return True
        return not has_work and len(distinct) <= 2 and section_level(title or distinct[0]) > 0

    def _flush_pending_as_sections(self) -> None:
        for number, texts in self.pending:
            self._section(number, {}, texts)
        self.pending = []

    def _section(self, row: int, cells: dict, distinct: list[str]) -> None:
        number = clean_text(cells.get(self.schema.number))
        title = next((clean_text(cells.get(n)) for n in self.levels if cells.get(n)), "")
        title = title or distinct[-1]
        level = section_level(number) or section_level(title) or 1
        written, title = strip_number(title)
        number = number if section_level(number) else written
        while self.stack and self.stack[-1].level >= level:
            self.stack.pop()
        parent = self.stack[-1].row if self.stack else None
        work = {f: cells[f] for f in self.schema.work if cells.get(f) not in (None, "")}
        section = Section(row, number, title, level, parent, work)
        self.table.sections[row] = section
        self.stack.append(section)
        self.previous = None  # a group never runs across a section

    def _data(self, number: int, cells: dict) -> None:
        row = Row(number=number, cells=cells, section=self.stack[-1].row if self.stack else None)
        outer_same = True
        for depth, name in enumerate(self.levels[:-1]):
            outer_same = self._group(row, name, depth, outer_same)
        self.table.rows.append(row)
        self.previous = row

    def _group(self, row: Row, name: str, depth: int, outer_same: bool) -> bool:
        """Give the row its group at this level; True if it continues the previous one."""
        previous, value = self.previous, clean_text(row.cells.get(name))
        top = self.merged.get((row.number, self.columns[name]))
        inner = any(clean_text(row.cells.get(n)) for n in self.levels[depth + 1 :])
        same = (
            previous is not None
            and outer_same
            and (
                (top is not None and previous.groups.get(name) == top)
                or (value and value == clean_text(previous.cells.get(name)))
                or (not value and inner and clean_text(previous.cells.get(name)))
            )
        )
        if same and previous is not None:  # `same` holds only with a previous row
            row.groups[name] = previous.groups[name]
            row.cells[name] = previous.cells.get(name)  # the office left it blank or merged
            return True
        row.groups[name] = top or row.number
        return False


def _column_numbers(values: list[Any]) -> bool:  # cells as read: numbers, text, None
    """A row of column numbers under the header (1, 2, 3 …) is not data."""
    numbers = [v for v in values if v not in (None, "")]
    try:
        return len(numbers) >= 3 and [int(v) for v in numbers] == list(range(1, len(numbers) + 1))
    except (TypeError, ValueError):
        return False


def _value(value: object) -> object:
    if isinstance(value, str):
        return clean_text(value) or None
    return value
