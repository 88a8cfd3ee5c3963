"""Cells written from user text into spreadsheets and CSV files, made safe to open.

Formula injection (OWASP "CSV Injection"): Excel, WPS and LibreOffice run a cell that
starts with = + - @ (or a tab or carriage return before one) as a formula, which can
fetch data or start programs (DDE, HYPERLINK). Every export writes each cell that holds
text a user typed through `neutralise`: such text gets a leading apostrophe, as OWASP
recommends, and is shown as the literal text it is. `excel_text` also removes the
control characters an .xlsx file cannot hold (openpyxl refuses them: one vertical tab in
a title would otherwise stop the whole export). Numbers and dates pass unchanged.
"""

from __future__ import annotations

from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from luoshi.lib.text import clean_text

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: object) -> object:
    """Text that a spreadsheet would read as a formula, made literal; other values as they are."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def excel_text(value: object) -> object:
    """`neutralise`, and without the control characters an .xlsx cell cannot hold."""
    if isinstance(value, str):
        return neutralise(ILLEGAL_CHARACTERS_RE.sub("", value))
    return value


def csv_text(value: object) -> object:
    """A CSV cell: `neutralise`d, without NUL and the other control characters
    (tab, newline and carriage return inside the text are quoted by the csv module)."""
    if isinstance(value, str):
        return neutralise(clean_text(value))
    if value is not None and not isinstance(value, int | float):
        return neutralise(clean_text(str(value)))
    return value


def xml_text(value: str) -> str:
    """Text for a .docx run: without the characters XML 1.0 cannot hold (python-docx
    refuses them, so one vertical tab in a title would stop a bulletin)."""
    return ILLEGAL_CHARACTERS_RE.sub("", value)
