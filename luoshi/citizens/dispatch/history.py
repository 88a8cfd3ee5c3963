"""What dispatch learns from: the platform's own history and an office's exported one.

A dispatched request teaches once its lead unit has accepted it: by then any 退单
has been ruled on, so its category and its matter's lead unit are the final ones.
Past dispatches imported from a file (`luoshi dispatch import-history`) count too.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

from django.contrib.auth.models import User
from django.db import transaction
from django.utils.translation import gettext as _

from luoshi.lib.dates import parse_date
from luoshi.lib.errors import InvalidInput
from luoshi.org.models import Unit

from ..models import Category, CitizenRequest, PastDispatch

MAX_ROWS = 500_000


@dataclass
class Examples:
    texts: list[str]
    categories: list[object]
    units: list[object]

    def __len__(self) -> int:
        return len(self.texts)


def platform_history() -> Examples:
    """Texts with their final category and lead unit (ids); two queries."""
    rows = CitizenRequest.objects.filter(matter__accepted_at__isnull=False).values_list(
        "text", "category_id", "matter__lead_unit_id"
    )
    past = PastDispatch.objects.values_list("text", "category_id", "unit_id")
    texts, categories, units = [], [], []
    for text, category, unit in [*rows.iterator(), *past.iterator()]:
        texts.append(text)
        categories.append(category)
        units.append(unit)
    return Examples(texts, categories, units)


# -- files -----------------------------------------------------------------------------


def read_table(path: Path) -> tuple[list[str], list[list[str]]]:
    """Header and rows of an .xlsx or a .csv (UTF-8 or GB18030, as offices save them)."""
    if not path.is_file():
        raise InvalidInput(_("No file at %(path)s.") % {"path": path}, field="file")
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        return _read_xlsx(path)
    if path.suffix.lower() in (".csv", ".txt"):
        return _read_csv(path)
    raise InvalidInput(_("Give an .xlsx or a .csv file."), field="file")


def _read_xlsx(path: Path) -> tuple[list[str], list[list[str]]]:
    from luoshi.documents.spreadsheet import Limits, read_sheets  # the used range only

    # A year's hotline history, read by an administrator's command: wider than an upload.
    limits = Limits(
        upload_bytes=256 * 1024 * 1024,
        unzipped_bytes=2048 * 1024 * 1024,
        rows=MAX_ROWS + 1,
        cells=(MAX_ROWS + 1) * 20,
    )
    sheet = next(read_sheets(path.read_bytes(), limits), None)
    rows = iter(sheet.rows if sheet else [])
    header = [str(c or "").strip() for c in next(rows, ())]
    body = [["" if c is None else str(c).strip() for c in row] for row in rows]
    return header, body[:MAX_ROWS]


def _read_csv(path: Path) -> tuple[list[str], list[list[str]]]:
    raw = path.read_bytes()
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise InvalidInput(_("The file is neither UTF-8 nor GB18030 text."), field="file")
    reader = csv.reader(io.StringIO(text))
    header = [c.strip() for c in next(reader, [])]
    return header, [[c.strip() for c in row] for row in reader][:MAX_ROWS]


def column(header: list[str], name: str, option: str) -> int:
    wanted = (name or "").strip()
    if wanted in header:
        return header.index(wanted)
    raise InvalidInput(
        _("No column “%(name)s” in the file; its columns are: %(columns)s.")
        % {"name": wanted, "columns": "、".join(h for h in header if h)},
        field=option,
    )


def labelled(path: Path, text_column: str, label_column: str) -> tuple[list[str], list[str], int]:
    """Texts and labels of a file (any column names); rows without either are skipped."""
    header, rows = read_table(path)
    t, lab = (
        column(header, text_column, "text_column"),
        column(header, label_column, "label_column"),
    )
    texts, labels, skipped = [], [], 0
    for row in rows:
        text = row[t] if t < len(row) else ""
        label = row[lab] if lab < len(row) else ""
        if text and label and label not in ("无", "-", "—"):
            texts.append(text)
            labels.append(label)
        else:
            skipped += 1
    return texts, labels, skipped


# -- import ------------------------------------------------------------------------------


@dataclass
class ImportResult:
    imported: int
    skipped: int
    errors: list[str]


def _unit_index() -> dict[str, Unit]:
    index = {}
    for unit in Unit.objects.filter(is_active=True):
        for name in unit.names():
            index[name.strip()] = unit
    return index


def _find_unit(name: str, index: dict[str, Unit]) -> Unit | None:
    """A unit by name or alias; a cell naming several units (、/，) counts the first."""
    for part in name.replace("，", "、").replace(",", "、").replace("/", "、").split("、"):
        if part.strip() in index:
            return index[part.strip()]
    return None


def import_history(
    path: Path,
    *,
    text_column: str,
    unit_column: str = "",
    category_column: str = "",
    date_column: str = "",
    actor: User | None = None,
    skip_invalid: bool = False,
) -> ImportResult:
    """Load an exported history as past dispatches; nothing is loaded if a row is wrong,
    unless `skip_invalid` (then the wrong rows are skipped and listed)."""
    if not (unit_column or category_column):
        raise InvalidInput(
            _("Name the unit column, the category column, or both."), field="unit_column"
        )
    header, rows = read_table(path)
    cols = {
        "text": column(header, text_column, "text_column"),
        "unit": column(header, unit_column, "unit_column") if unit_column else None,
        "category": column(header, category_column, "category_column") if category_column else None,
        "date": column(header, date_column, "date_column") if date_column else None,
    }
    units, categories = _unit_index(), {c.name: c for c in Category.objects.all()}
    made, errors, skipped = [], [], 0
    for number, row in enumerate(rows, start=2):  # row 1 is the header
        try:
            item = _past(row, cols, units, categories, path.name, number, actor)
        except InvalidInput as error:
            errors.append(_("Row %(n)s: %(error)s") % {"n": number, "error": error.message})
            continue
        if item is None:
            skipped += 1
        else:
            made.append(item)
    if errors and not skip_invalid:
        return ImportResult(0, skipped, errors)
    with transaction.atomic():
        PastDispatch.objects.bulk_create(made, batch_size=2000)
    return ImportResult(len(made), skipped, errors)


def _cell(row: list[str], index: int | None) -> str:
    return row[index].strip() if index is not None and index < len(row) else ""


def _past(row, cols, units, categories, file_name, number, actor) -> PastDispatch | None:
    text = _cell(row, cols["text"])
    if not text:
        return None
    unit_name, category_name = _cell(row, cols["unit"]), _cell(row, cols["category"])
    unit = _find_unit(unit_name, units) if unit_name else None
    if unit_name and unit is None:
        raise InvalidInput(_("no unit is named “%(name)s”.") % {"name": unit_name[:50]})
    category = categories.get(category_name) if category_name else None
    if category_name and category is None:
        raise InvalidInput(_("no category is named “%(name)s”.") % {"name": category_name[:50]})
    if unit is None and category is None:
        return None
    day = _cell(row, cols["date"]).split(" ")[0]  # Excel's "2025-03-04 10:22:00" too
    received = parse_date(day, field="date") if day else None
    return PastDispatch(
        text=text[:4000],
        unit=unit,
        category=category,
        received_on=received,
        source_file=file_name[:255],
        row=number,
        imported_by=actor,
    )
