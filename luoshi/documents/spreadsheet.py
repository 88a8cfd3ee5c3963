"""Reading an uploaded .xlsx with bounded cost: the cells that hold something, nothing more.

An .xlsx is a zip of XML parts. openpyxl builds every cell of the sheet's *declared*
dimension, so one stray cell at XFD600 costs 31 s and 1.3 GB. This reader instead:

1. inspects the zip before reading anything: number of entries, declared sizes of the
   parts it needs (a zip bomb is refused before one byte is inflated);
2. inflates each part through a counter that stops at the decompressed-size limit
   (declared sizes can lie);
3. streams each sheet's XML (ElementTree.iterparse, elements cleared as they are read)
   and keeps only cells with a value, checking the row, column and cell limits as it
   goes, so the grid it finally builds is the *used* range and never larger than the
   limits allow;
4. returns values as the reader sees them on screen: shared strings, numbers, dates
   (from the cell's number format), booleans; a formula gives its cached result, or
   its own text when the file carries none — formulas are never evaluated.

Generic: nothing here knows about matters. documents.tables reads the grids.
"""

from __future__ import annotations

import datetime as dt
import io
import posixpath
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Literal
from xml.etree import ElementTree

from django.conf import settings
from django.utils.translation import gettext as _
from openpyxl.styles.numbers import BUILTIN_FORMATS, is_date_format
from openpyxl.utils.cell import column_index_from_string, get_column_letter
from openpyxl.utils.datetime import CALENDAR_MAC_1904, CALENDAR_WINDOWS_1900, from_excel

from luoshi.lib.errors import InvalidInput

CHUNK = 64 * 1024
CELL_REF = re.compile(r"^([A-Z]{1,3})(\d+)$")


@dataclass(frozen=True)
class Limits:
    """What one uploaded workbook may hold; settings.LUOSHI["IMPORT_LIMITS"] overrides."""

    upload_bytes: int = 10 * 1024 * 1024
    unzipped_bytes: int = 80 * 1024 * 1024  # all parts read, once inflated
    zip_entries: int = 2000
    sheets: int = 30
    rows: int = 20_000  # the last row holding a value
    columns: int = 100  # the last column holding a value
    cells: int = 500_000  # cells holding a value, over the sheets read

    @classmethod
    def from_settings(cls) -> Limits:
        return cls(**getattr(settings, "LUOSHI", {}).get("IMPORT_LIMITS", {}))


class TooLarge(InvalidInput):
    """The file is over one of the limits; nothing was built from it."""

    status = 413
    code = "too_large"


@dataclass
class Sheet:
    """One worksheet's used range: `rows[r][c]` (0-based) and its merged ranges.

    `merges` are (first_row, first_col, last_row, last_col), 1-based and inclusive,
    clipped to the used range.
    """

    name: str
    rows: list[list[object]] = field(default_factory=list)
    merges: list[tuple[int, int, int, int]] = field(default_factory=list)

    @property
    def width(self) -> int:
        return len(self.rows[0]) if self.rows else 0


def read_sheets(data: bytes, limits: Limits | None = None) -> Iterator[Sheet]:
    """The visible sheets of the workbook, in order, each read only when asked for."""
    limits = limits or Limits.from_settings()
    if len(data) > limits.upload_bytes:
        raise TooLarge(_too_big_message(limits), field="file")
    book = _Book(data, limits)
    for name, part in book.sheet_parts():
        yield book.read_sheet(name, part)


def _too_big_message(limits: Limits) -> str:
    return _("The file is larger than %(mb)s MB.") % {"mb": limits.upload_bytes // (1024 * 1024)}


def _local(tag: str) -> str:
    """The element's name without its namespace (transitional and strict OOXML alike)."""
    return tag.rsplit("}", 1)[-1]


# The names of the elements read per cell, in both namespaces a workbook may use.
NAMESPACES = (
    "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}",
    "{http://purl.oclc.org/ooxml/spreadsheetml/main}",
    "",
)
ROW_TAGS = frozenset(f"{ns}row" for ns in NAMESPACES)
MERGE_TAGS = frozenset(f"{ns}mergeCell" for ns in NAMESPACES)
VALUE_TAGS = frozenset(f"{ns}v" for ns in NAMESPACES)
FORMULA_TAGS = frozenset(f"{ns}f" for ns in NAMESPACES)
INLINE_TAGS = frozenset(f"{ns}is" for ns in NAMESPACES)


class _Budget:
    """Counts what has been inflated and read against the limits, over all parts."""

    def __init__(self, limits: Limits):
        self.limits = limits
        self.inflated = 0
        self.cells = 0

    def inflate(self, amount: int) -> None:
        self.inflated += amount
        if self.inflated > self.limits.unzipped_bytes:
            raise TooLarge(
                _("The workbook unpacks to more than %(mb)s MB; save a smaller copy.")
                % {"mb": self.limits.unzipped_bytes // (1024 * 1024)},
                field="file",
            )


class _LimitedReader(io.RawIOBase):
    """A zip member's inflated bytes, refused past the budget."""

    def __init__(self, stream, budget: _Budget):
        self.stream = stream
        self.budget = budget
        self.first = True

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        chunk = self.stream.read(min(len(buffer), CHUNK))
        if self.first and b"<!DOCTYPE" in chunk[:1024]:
            # Office never writes one; entity tricks are refused before parsing.
            raise InvalidInput(
                _("The workbook contains a document type declaration."), field="file"
            )
        self.first = False
        self.budget.inflate(len(chunk))
        buffer[: len(chunk)] = chunk
        return len(chunk)


class _Book:
    """The workbook's parts: sheets, shared strings, styles (which cells are dates)."""

    def __init__(self, data: bytes, limits: Limits):
        self.limits = limits
        self.budget = _Budget(limits)
        self.zip = _open_zip(data, limits)
        self.names = set(self.zip.namelist())
        self._check_declared_sizes()
        self.epoch = CALENDAR_WINDOWS_1900
        self.sheets = self._read_workbook()
        self.strings = self._read_shared_strings()
        self.date_styles = self._read_date_styles()

    def _check_declared_sizes(self) -> None:
        wanted = [i for i in self.zip.infolist() if i.filename.startswith("xl/")]
        declared = sum(i.file_size for i in wanted if i.filename.endswith(".xml"))
        if declared > self.limits.unzipped_bytes:
            self.budget.inflate(declared)  # refuses with the message

    def _parse(
        self, name: str, events: tuple[Literal["start", "end"], ...] = ("start", "end")
    ) -> Iterator[tuple[str, ElementTree.Element]]:
        stream = io.BufferedReader(_LimitedReader(self.zip.open(name), self.budget), CHUNK)
        try:
            yield from ElementTree.iterparse(stream, events=events)
        except ElementTree.ParseError as error:
            raise InvalidInput(
                _("The workbook is damaged (%(part)s): %(error)s") % {"part": name, "error": error},
                field="file",
            ) from error

    def _read_workbook(self) -> list[tuple[str, str]]:
        relations = self._relations("xl/_rels/workbook.xml.rels")
        sheets = []
        for event, element in self._parse(_require(self.names, "xl/workbook.xml")):
            name = _local(element.tag)
            if event == "end" and name == "workbookPr" and element.get("date1904") in ("1", "true"):
                self.epoch = CALENDAR_MAC_1904
            if event != "end" or name != "sheet":
                continue
            rel = next((v for k, v in element.attrib.items() if _local(k) == "id"), "")
            state = element.get("state", "visible")
            if rel in relations and state == "visible":
                sheets.append((element.get("name", ""), relations[rel]))
        if len(sheets) > self.limits.sheets:
            raise TooLarge(
                _("The workbook has %(n)s sheets; at most %(max)s are read.")
                % {"n": len(sheets), "max": self.limits.sheets},
                field="file",
            )
        return sheets

    def _relations(self, part: str) -> dict[str, str]:
        if part not in self.names:
            return {}
        found = {}
        for event, element in self._parse(part):
            if event == "end" and _local(element.tag) == "Relationship":
                target = element.get("Target", "")
                path = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
                found[element.get("Id", "")] = posixpath.normpath(path)
        return found

    def _read_shared_strings(self) -> list[str]:
        part = "xl/sharedStrings.xml"
        strings: list[str] = []
        if part not in self.names:
            return strings
        for _event, element in self._parse(part, events=("end",)):
            if _local(element.tag) == "si":
                strings.append(_text_of(element))
                element.clear()
        return strings

    def _read_date_styles(self) -> set[int]:
        """Indexes of the cell styles (cellXfs) whose number format shows a date."""
        part = "xl/styles.xml"
        if part not in self.names:
            return set()
        formats: dict[int, str] = dict(BUILTIN_FORMATS)
        styles, in_xfs = [], False
        for event, element in self._parse(part):
            name = _local(element.tag)
            if name == "cellXfs":
                in_xfs = event == "start"
            elif event == "end" and name == "numFmt":
                formats[int(element.get("numFmtId", "0"))] = element.get("formatCode", "")
            elif event == "end" and name == "xf" and in_xfs:
                styles.append(int(element.get("numFmtId", "0")))
        return {i for i, fmt in enumerate(styles) if is_date_format(formats.get(fmt, "") or "")}

    def sheet_parts(self) -> list[tuple[str, str]]:
        return [(name, part) for name, part in self.sheets if part in self.names]

    def read_sheet(self, name: str, part: str) -> Sheet:
        """Cells with a value and the merged ranges; each row handled once, at its end."""
        cells: dict[tuple[int, int], object] = {}
        merges: list[tuple[int, int, int, int]] = []
        row_number = 0
        for element in self._ends(part):
            tag = element.tag
            if tag in ROW_TAGS:
                row_number = int(element.get("r") or row_number + 1)
                self._read_row(name, element, row_number, cells)
                element.clear()
            elif tag in MERGE_TAGS:
                merge = _range(element.get("ref", ""))
                if merge and len(merges) < self.limits.cells:
                    merges.append(merge)
        return _build_sheet(name, cells, merges)

    def _ends(self, part: str) -> Iterator[ElementTree.Element]:
        for _event, element in self._parse(part, events=("end",)):
            yield element

    def _read_row(self, sheet: str, row: ElementTree.Element, number: int, cells: dict) -> None:
        limits, column = self.limits, 0
        for cell in row:
            ref = cell.get("r")
            if ref:
                number, column = _position(ref, number, column + 1)
            else:
                column += 1
            value = self._value(cell)
            if value is None:
                continue
            self.budget.cells += 1
            if number > limits.rows or column > limits.columns or self.budget.cells > limits.cells:
                self._over(sheet, number, column)
            cells[(number, column)] = value

    def _over(self, sheet: str, row: int, column: int) -> None:
        limits = self.limits
        where = {"sheet": sheet, "cell": f"{get_column_letter(min(column, 16384))}{row}"}
        if row > limits.rows:
            raise TooLarge(
                _(
                    "Sheet %(sheet)s has content in cell %(cell)s, past row %(max)s: at most "
                    "%(max)s rows are read. Delete what lies below the table."
                )
                % {**where, "max": limits.rows},
                field="file",
            )
        if column > limits.columns:
            raise TooLarge(
                _(
                    "Sheet %(sheet)s has content in cell %(cell)s, past column %(max)s: at most "
                    "%(max)s columns are read. Delete what lies right of the table."
                )
                % {**where, "max": limits.columns},
                field="file",
            )
        raise TooLarge(
            _("The workbook has more than %(max)s filled cells.") % {"max": limits.cells},
            field="file",
        )

    def _value(self, element: ElementTree.Element) -> object:
        kind = element.get("t", "n")
        raw, formula = None, None
        for child in element:
            tag = child.tag
            if tag in VALUE_TAGS:
                raw = child.text
            elif tag in FORMULA_TAGS:
                formula = child.text
            elif tag in INLINE_TAGS:
                raw = _text_of(child)
        if raw is None:
            # A formula without a cached result is kept as its text, never evaluated.
            return f"={formula}" if formula else None
        return self._convert(kind, raw, element.get("s"))

    def _convert(self, kind: str, raw: str, style: str | None) -> object:
        if kind == "s":
            index = int(raw) if raw.strip().isdigit() else -1
            text = self.strings[index] if 0 <= index < len(self.strings) else ""
            return text if text.strip() else None
        if kind in ("str", "inlineStr"):
            return raw if raw.strip() else None
        if kind == "b":
            return raw.strip() in ("1", "true")
        if kind == "e":
            return None  # #N/A, #REF!: nothing to read
        if kind == "d":
            return _iso_date(raw)
        return self._number(raw, style)

    def _number(self, raw: str, style: str | None) -> object:
        try:
            number = float(raw)
        except ValueError:
            return raw
        if style and int(style) in self.date_styles:
            try:
                return from_excel(number, self.epoch)
            except (ValueError, OverflowError):
                return number
        return int(number) if number.is_integer() and abs(number) < 2**53 else number


def _open_zip(data: bytes, limits: Limits) -> zipfile.ZipFile:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError, ValueError) as error:
        head = data[:8]
        hint = (
            _("It looks like an old .xls workbook: save it as .xlsx (Excel 2007 or later).")
            if head.startswith(b"\xd0\xcf\x11\xe0")
            else _("Upload an Excel workbook (.xlsx).")
        )
        raise InvalidInput(
            _("The file is not an Excel workbook (.xlsx). %(hint)s") % {"hint": hint}, field="file"
        ) from error
    if len(archive.infolist()) > limits.zip_entries:
        raise TooLarge(
            _("The workbook holds more than %(max)s parts.") % {"max": limits.zip_entries},
            field="file",
        )
    return archive


def _require(names: set[str], part: str) -> str:
    if part not in names:
        raise InvalidInput(
            _("The file is not an Excel workbook (.xlsx): %(part)s is missing.") % {"part": part},
            field="file",
        )
    return part


def _text_of(element: ElementTree.Element) -> str:
    """A rich or plain string's text, without its phonetic runs (rPh)."""
    parts = []
    for child in element.iter():
        tag = _local(child.tag)
        if tag == "rPh":
            for sub in child.iter():
                sub.text = None
        elif tag == "t" and child.text:
            parts.append(child.text)
    return "".join(parts)


def _position(ref: str | None, row: int, column: int) -> tuple[int, int]:
    match = CELL_REF.match(ref or "")
    if not match:
        return row, column
    return int(match.group(2)), column_index_from_string(match.group(1))


def _range(ref: str) -> tuple[int, int, int, int] | None:
    first, _sep, last = ref.partition(":")
    a, b = CELL_REF.match(first), CELL_REF.match(last or first)
    if not (a and b):
        return None
    return (
        int(a.group(2)),
        column_index_from_string(a.group(1)),
        int(b.group(2)),
        column_index_from_string(b.group(1)),
    )


def _iso_date(raw: str) -> object:
    try:
        value = dt.datetime.fromisoformat(raw.strip().rstrip("Z"))
    except ValueError:
        return raw
    return value


def _build_sheet(name: str, cells: dict, merges: list) -> Sheet:
    """The dense used range, from A1 to the last row and column holding a value."""
    if not cells:
        return Sheet(name=name)
    height = max(r for r, _c in cells)
    width = max(c for _r, c in cells)
    rows: list[list[object]] = [[None] * width for _ in range(height)]
    for (r, c), value in cells.items():
        rows[r - 1][c - 1] = value
    clipped = []
    for top, left, bottom, right in merges:
        if top <= height and left <= width:
            clipped.append((top, left, min(bottom, height), min(right, width)))
    return Sheet(name=name, rows=rows, merges=clipped)
