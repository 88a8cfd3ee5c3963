"""The import engine: what every kind of import shares, and how a kind plugs in.

An import is a batch (documents.models.ImportBatch) that goes upload → preview →
(column mapping, unit mapping, time-limit choices: each a new preview) → confirm.
The engine's generic parts, used by every kind:

- reading, in its own modules: `spreadsheet` reads the file with bounded
  cost; `tables` finds the header with the kind's Schema (synonyms per field),
  classifies rows (data, sections, footnotes) and groups them; `parsing` reads cells
  (time limits, unit cells, people); `unitnames` finds units and suggests them;
- this module: the options every kind takes (`ImportOptions`: the user's column
  mapping, time-limit choices, near-miss units), the problems and decisions a preview
  lists (`Problem`, `UnknownName`, `DatedRow`), the `Preview` the page, the API and the
  stored batch show, and the registry of kinds;
- documents.services: the batch's lifecycle (upload, remap, map a unit, choose a
  date, confirm), one function per verb, the batch's state changed in one place.

A kind of import (task tables today; hazard findings next) is an `ImportKind`:

1. `name`, `label` and a `schema` (documents.tables.Schema: its fields, the headings
   offices give them, which are required, which nest as levels);
2. `options_class`: ImportOptions plus its own choices (the task kind adds the
   matters' source and what several lead units mean);
3. `build_preview(table, options, actor=, batch=)`: understand every row and plan what
   the batch will write, writing nothing; it fills the Preview's problems, unknown
   unit names and dated rows, and its own `rows`, `plan` and `counts` (JSON: they are
   stored on the batch); what `save` needs as objects goes in `extra` under keys that
   start with "_" (never stored);
4. `save(preview, actor=, batch=)`: write the plan through the kind's own services
   (bulk ones for speed) and record each row (ImportedRow); returns how many records
   it created.

Register it in `KINDS` (documents.apps does so for the task kind); the pages, API
and command then offer it by its name (`?kind=…`).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, ClassVar, Protocol

from django.utils.translation import gettext as _

from luoshi.lib.errors import InvalidInput

from .tables import ColumnChoice, Schema, Table

if TYPE_CHECKING:
    from django.contrib.auth.models import User

    from .models import ImportBatch
    from .unitnames import Suggestion


@dataclass
class ImportOptions:
    """What the user chose for a batch; stored on it (ImportBatch.options) as a dict.

    `columns`: the user's mapping ({"header_row": n, "fields": {field: column}}), or
    None for the header found by the engine. `deadlines`: per sheet row, a new date
    ("2026-09-30") or "ongoing" for a row whose limit is past or unreadable;
    `past_deadlines`: one new date for every past limit without its own choice.
    `accept_suggestions`: read an unknown unit name as its best suggestion.
    """

    accept_suggestions: bool = False
    year: int | None = None  # the table's year when its title names none
    columns: dict | None = None
    deadlines: dict[str, str] = field(default_factory=dict)
    past_deadlines: str = ""

    def as_dict(self) -> dict:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> ImportOptions:
        names = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in (data or {}).items() if k in names})

    def validate(self) -> None:
        for row, value in self.deadlines.items():
            _check_choice(value, f"deadlines[{row}]")
        if self.past_deadlines:
            _check_choice(self.past_deadlines, "past_deadlines")

    def column_choice(self) -> ColumnChoice | None:
        if not self.columns:
            return None
        return ColumnChoice(
            header_row=int(self.columns.get("header_row") or 1),
            fields={k: int(v) for k, v in self.columns.get("fields", {}).items() if v is not None},
            sheet=self.columns.get("sheet", ""),
        )


def _check_choice(value: str, name: str) -> None:
    if value == "ongoing":
        return
    try:
        dt.date.fromisoformat(value)
    except (TypeError, ValueError):
        raise InvalidInput(
            _("“%(value)s” is not a date (write 2026-09-30).") % {"value": value}, field=name
        ) from None


@dataclass
class Problem:
    """What is wrong with a cell; `blocking` problems stop the import, notes do not."""

    row: int
    column: str
    message: str
    suggestion: str = ""
    blocking: bool = True
    code: str = ""  # unknown_unit, past_deadline, unreadable_deadline, missing_column …

    def as_dict(self) -> dict:
        return dataclasses.asdict(self)


@dataclass
class UnknownName:
    """A unit name no unit goes by: listed once, with the rows naming it and suggestions."""

    name: str
    rows: list[int] = field(default_factory=list)
    suggestions: list[Suggestion] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "name": self.name,
            "rows": self.rows,
            "count": len(self.rows),
            "suggestions": [
                {"id": s.unit.pk, "name": s.unit.name, "score": s.score} for s in self.suggestions
            ],
        }


@dataclass
class DatedRow:
    """A row whose time limit asks for a decision: already past, or unreadable."""

    row: int
    title: str
    written: str
    day: dt.date | None
    reason: str  # "past" or "unreadable"
    choice: str = ""  # what the user chose: a date, "ongoing", or "" (as written)

    def as_dict(self) -> dict:
        return {**dataclasses.asdict(self), "day": self.day.isoformat() if self.day else None}


@dataclass
class Preview:
    """A batch understood: what the page, the API and the stored batch show."""

    kind: str
    table: Table
    options: ImportOptions
    year: int
    labels: dict[str, str]
    problems: list[Problem] = field(default_factory=list)
    unknown: dict[str, UnknownName] = field(default_factory=dict)
    dated: list[DatedRow] = field(default_factory=list)
    rows: list[dict] = field(default_factory=list)  # the kind's rows as read
    plan: list = field(default_factory=list)  # the kind's records to write
    counts: dict[str, int] = field(default_factory=dict)
    extra: dict = field(default_factory=dict)

    @property
    def is_valid(self) -> bool:
        return not self.table.missing and not any(p.blocking for p in self.problems)

    def as_dict(self) -> dict:
        table = self.table
        return {
            "kind": self.kind,
            "sheet": table.sheet,
            "title": table.title,
            "preamble": table.preamble,
            "footnotes": table.footnotes,
            "header_row": table.header_row,
            "columns": table.headings,
            "ignored_columns": table.ignored,
            "headings": [
                {"index": c.index, "text": c.heading, "field": c.field} for c in table.columns
            ],
            "fields": self.labels,
            "missing": [sorted(need) for need in table.missing],
            "signature": table.signature,
            "year": self.year,
            "rows": self.rows,
            "plan": self.plan,
            "problems": [p.as_dict() for p in self.problems],
            "unknown_units": [u.as_dict() for u in self.unknown.values()],
            "dated": [d.as_dict() for d in self.dated],
            "counts": self.counts,
            "valid": self.is_valid,
            **{k: v for k, v in self.extra.items() if not k.startswith("_")},  # _: not stored
        }


def missing_problem(table: Table, labels: dict[str, str]) -> Problem:
    """The file-level problem of a table whose required columns were not found."""
    found = [f"{labels.get(c.field, c.field)}（{c.heading}）" for c in table.columns if c.field]
    wanted = ["／".join(labels.get(n, n) for n in sorted(need)) for need in table.missing]
    return Problem(
        row=table.header_row,
        column="",
        message=_("No column found for %(missing)s. Columns recognised: %(found)s.")
        % {"missing": "、".join(wanted), "found": "、".join(found) or _("none")},
        suggestion=_("Choose the column of each field below; the choice is remembered."),
        code="missing_column",
    )


class ImportKind(Protocol):
    """A kind of import (see the module doc)."""

    name: ClassVar[str]
    label: ClassVar[str]
    schema: ClassVar[Schema]
    options_class: ClassVar[type[ImportOptions]]

    def build_preview(
        self, table: Table, options: ImportOptions, *, actor: User, batch: ImportBatch | None
    ) -> Preview: ...

    def save(self, preview: Preview, *, actor: User, batch: ImportBatch) -> int: ...


KINDS: dict[str, ImportKind] = {}


def register_kind(kind: ImportKind) -> ImportKind:
    KINDS[kind.name] = kind
    return kind


def kind_for(name: str) -> ImportKind:
    if name not in KINDS:
        raise InvalidInput(_("Unknown kind of import: %(kind)s") % {"kind": name}, field="kind")
    return KINDS[name]
