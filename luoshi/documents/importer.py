"""The task-table kind of import (任务分解表): rows understood as matters, in their tree.

Plugged into the engine (documents.engine) as kind "task". `build_preview` reads every
row against the city's units and leaders, reads each time limit, and plans the matters
(documents.plan builds the tree: sections, groups, rows); documents.revisions pairs the
plan with the matters an earlier version of the table created. Nothing is written
until `save`, which registers the new matters in bulk (matters.services.register_matters),
updates the changed ones through update_matter, and records each row (ImportedRow).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import ClassVar

from django.contrib.auth.models import User
from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from luoshi.lib.errors import DomainError, InvalidInput
from luoshi.matters.models import Matter, Source
from luoshi.org.models import Role, Unit
from luoshi.workcalendar.calendar import get_calendar, today

from . import plan as planning
from . import revisions
from .engine import DatedRow, ImportOptions, Preview, Problem, UnknownName, missing_problem
from .headings import TASK_SCHEMA
from .models import ImportBatch, MultiLead
from .parsing import (
    DeadlineError,
    TimeLimit,
    UnitCell,
    clean_text,
    normalise,
    parse_deadline,
    person_key,
    read_units,
    split_units,
)
from .tables import Row, Schema, Table
from .unitnames import UnitDirectory

RECURRING_TAG = "recurring"  # ongoing and "date, then ongoing" matters (the ledger reads it)
SERIAL_RE = re.compile(r"(\d{4})\D+?(\d+)\s*号")
SUGGESTION_ACCEPTED = 0.75  # accept_suggestions reads a name as a suggestion this good
FIRST_LEADS = re.compile(r"(排名|排在|列|名列)?第一(位|个|名)?的?(单位)?(为|是)牵头")


@dataclass
class TaskOptions(ImportOptions):
    source: str = Source.WORK_REPORT
    multi_lead: str = MultiLead.CO_UNITS

    def validate(self) -> None:
        super().validate()
        if self.source not in Source.values:
            raise InvalidInput(_("Unknown source: %(v)s") % {"v": self.source}, field="source")
        if self.multi_lead not in MultiLead.values:
            raise InvalidInput(
                _("Unknown choice for several lead units: %(v)s") % {"v": self.multi_lead},
                field="multi_lead",
            )


def person_name(user: User) -> str:
    return f"{user.last_name}{user.first_name}".strip() or user.username


class LeaderDirectory:
    """Users holding the leader role, by the ways a table writes a person's name."""

    def __init__(self) -> None:
        self.by_key: dict[str, User] = {}
        leaders = User.objects.filter(memberships__role=Role.LEADER, is_active=True).distinct()
        for user in leaders:
            names = (
                person_name(user),
                user.username,
                user.get_full_name(),
                f"{user.first_name}{user.last_name}",
            )
            for name in names:
                if name.strip():
                    self.by_key.setdefault(person_key(name), user)

    def find(self, text: str) -> User | None:
        return self.by_key.get(person_key(text))


@dataclass
class Reading:
    """One row (or a section row with units) as understood; its problems go to the preview."""

    row: int
    number: str = ""
    texts: dict[str, str] = field(default_factory=dict)  # level field → title text
    target: str = ""
    leads: list[Unit] = field(default_factory=list)
    co: list[tuple[Unit, str]] = field(default_factory=list)
    first_leads: bool = False  # several leads: the first leads, the others are co-units
    leader: User | None = None
    limit: TimeLimit = field(default_factory=lambda: TimeLimit(None))
    written_limit: str = ""
    weight: Decimal | None = None
    serial: str = ""
    problems: list[Problem] = field(default_factory=list)
    skip: str = ""

    @property
    def has_errors(self) -> bool:
        return any(p.blocking for p in self.problems)


class _Context:
    """Everything reading rows needs, loaded once per preview."""

    def __init__(self, table: Table, options: TaskOptions, preview: Preview):
        self.table, self.options, self.preview = table, options, preview
        self.units, self.leaders = UnitDirectory(), LeaderDirectory()
        self.calendar, self.today, self.year = get_calendar(), today(), preview.year
        self.levels = [n for n in TASK_SCHEMA.levels if n in table.fields]
        notes = " ".join(table.footnotes + table.preamble)
        self.first_leads = bool(FIRST_LEADS.search(normalise(notes)))
        # Tables repeat the same unit cells and time limits on many rows: each is read once.
        self.cells: dict[str, UnitCell] = {}
        self.names: dict[str, tuple[str, list]] = {}
        self.limits: dict[object, TimeLimit | DeadlineError] = {}
        self.unknown_leaders: set[str] = set()

    def read_units(self, text: str) -> UnitCell:
        if text not in self.cells:
            self.cells[text] = read_units(text)
        return self.cells[text]

    def resolve(self, name: str) -> tuple[str, list]:
        """("unit", [unit]), ("collective", units), ("suggested", [unit]) or ("unknown", …)."""
        if name not in self.names:
            self.names[name] = self._resolve(name)
        return self.names[name]

    def _resolve(self, name: str) -> tuple[str, list]:
        unit = self.units.find(name)
        if unit is not None:
            return "unit", [unit]
        everyone = self.units.collective(name)
        if everyone:
            return "collective", everyone
        suggestions = self.units.suggest(name)
        best = suggestions[0] if suggestions else None
        if best and self.options.accept_suggestions and best.score >= SUGGESTION_ACCEPTED:
            return "suggested", [best.unit]
        return "unknown", suggestions

    def limit(self, value) -> TimeLimit | DeadlineError:
        key = value if isinstance(value, str | int | float | dt.date) else repr(value)
        if key not in self.limits:
            try:
                self.limits[key] = parse_deadline(value, year=self.year, calendar=self.calendar)
            except DeadlineError as error:
                self.limits[key] = error
        return self.limits[key]


class TaskImport:
    """Kind "task": decomposition tables become matters (see the module doc)."""

    name: ClassVar[str] = "task"
    label: ClassVar[str] = gettext_lazy("Task decomposition table")
    schema: ClassVar[Schema] = TASK_SCHEMA
    options_class: ClassVar[type[ImportOptions]] = TaskOptions

    def build_preview(
        self, table: Table, options: TaskOptions, *, actor: User, batch: ImportBatch | None
    ) -> Preview:
        options.validate()
        year = table.year or options.year or today().year
        preview = Preview(self.name, table, options, year, TASK_SCHEMA.labels())
        if table.missing:
            preview.problems.append(missing_problem(table, preview.labels))
        ctx = _Context(table, options, preview)
        readings = {r.number: read_row(r, ctx) for r in table.rows}
        sections = {
            row: read_row(_section_row(s), ctx) for row, s in table.sections.items() if s.cells
        }
        _mark_serials(list(readings.values()), actor)
        roots = planning.build(table, readings, sections, options, ctx.levels)
        revision = revisions.pair(roots, kind=self.name, batch=batch, options=options)
        earlier = revision.baseline.options.get("multi_lead") if revision.baseline else None
        if earlier in MultiLead.values and earlier != options.multi_lead:
            # A revised table is read as its first version was: no matter is split or
            # merged behind the office's back, and nothing is duplicated.
            options.multi_lead = earlier
            preview.problems.append(_kept_multi_lead(revision.baseline))
            roots = planning.build(table, readings, sections, options, ctx.levels)
            revision = revisions.pair(roots, kind=self.name, batch=batch, options=options)
        _fill(preview, readings, sections, roots, revision)
        return preview

    def save(self, preview: Preview, *, actor: User, batch: ImportBatch) -> int:
        roots = preview.extra.pop("_roots")
        revision = preview.extra.pop("_revision")
        try:
            # Changes first, parents before children: a parent whose deadline moves later
            # takes its new child, and no child is ever due after its parent.
            updated = revisions.apply(revision, actor=actor)
            created = planning.save(roots, preview, actor=actor, batch=batch)
        except DomainError as error:
            raise InvalidInput(
                _("Nothing was imported: %(error)s") % {"error": error.message}, field=error.field
            ) from error
        revisions.record_rows(roots, batch)
        batch.updated_count = updated
        return created


def _kept_multi_lead(baseline: ImportBatch) -> Problem:
    return Problem(
        row=0,
        column="",
        message=_("Several lead units are read as in import %(id)s, which this table revises.")
        % {"id": baseline.pk},
        blocking=False,
        code="multi_lead_kept",
    )


def _section_row(section) -> Row:
    cells = dict(section.cells)
    cells["task"] = section.title
    return Row(number=section.row, cells={**cells, "number": section.number})


# --- Reading one row --------------------------------------------------------------------------


def read_row(row: Row, ctx: _Context) -> Reading:
    reading = Reading(row=row.number, number=row.text("number"), serial=row.text("serial"))
    reading.texts = {n: row.text(n) for n in ctx.levels if row.text(n)}
    reading.target = row.text("target")
    heading = ctx.table.headings.get

    def problem(column: str, message: str, suggestion: str = "", blocking=True, code="") -> None:
        reading.problems.append(
            Problem(row.number, heading(column, column), message, suggestion, blocking, code)
        )

    if not reading.texts:
        problem(
            ctx.levels[-1] if ctx.levels else "task",
            _("The row names no task."),
            _("Fill in the task."),
        )
    _read_units(reading, row, ctx, problem)
    _read_leader(reading, row.text("leader"), ctx, problem)
    _read_limit(reading, row.cells.get("deadline"), ctx, problem)
    _read_weight(reading, row.cells.get("weight"), problem)
    return reading


Report = Callable[..., None]


def _read_units(reading: Reading, row: Row, ctx: _Context, problem: Report) -> None:
    leads, co = [], []
    for name, role in _units(row.text("lead"), "lead", reading, ctx, problem):
        (co if role == "co" else leads).append((name, role))
    marked = [u for u, role in leads if role == "lead"]
    if marked and len(marked) < len(leads):  # "市发改委（牵头）、市工信局": the rest help
        co += [(u, "") for u, role in leads if role != "lead"]
        leads = [(u, "lead") for u in marked]
    reading.leads = list(dict.fromkeys(u for u, _role in leads))
    reading.first_leads = ctx.first_leads
    co += list(_units(row.text("co"), "co", reading, ctx, problem))
    seen = set(reading.leads)
    for unit, _role in co:
        if unit not in seen:
            reading.co.append((unit, ""))
            seen.add(unit)
    has_lead_problem = any(
        p.code == "unknown_unit" and p.column == ctx.table.headings.get("lead")
        for p in reading.problems
    )
    if not reading.leads and not has_lead_problem and row.cells:
        problem(
            "lead", _("No lead unit."), _("Name the unit that leads this task."), code="no_lead"
        )


def _units(text: str, column: str, reading: Reading, ctx: _Context, problem: Report):
    cell = ctx.read_units(text)
    for phrase in cell.ignored:
        problem(
            column,
            _("“%(text)s” names no unit: read as none.") % {"text": phrase},
            blocking=False,
            code="not_a_unit",
        )
    for written in cell.names:
        for unit in _resolve(written.name, column, reading, ctx, problem):
            yield unit, written.role


def _resolve(name: str, column: str, reading: Reading, ctx: _Context, problem: Report):
    how, found = ctx.resolve(name)
    if how == "unit":
        return found
    if how == "collective":
        problem(
            column,
            _("“%(name)s” read as %(n)s units: %(units)s.")
            % {"name": name, "n": len(found), "units": "、".join(u.name for u in found)},
            blocking=False,
            code="collective",
        )
        return found
    if how == "suggested":
        problem(
            column,
            _("“%(name)s” read as %(unit)s.") % {"name": name, "unit": found[0].name},
            blocking=False,
            code="suggestion_accepted",
        )
        return found
    unknown = ctx.preview.unknown.setdefault(name, UnknownName(name, suggestions=found))
    unknown.rows.append(reading.row)
    best = found[0] if found else None
    hint = (
        _("Did you mean %(unit)s? Map the name below.") % {"unit": best.unit.name}
        if best
        else _("Map the name to a unit, or create the unit, below.")
    )
    problem(column, _("Unknown unit “%(name)s”.") % {"name": name}, hint, code="unknown_unit")
    return []


def _read_leader(reading: Reading, text: str, ctx: _Context, problem: Report) -> None:
    if not text:
        return
    names = split_units(text)
    reading.leader = ctx.leaders.find(names[0]) if names else None
    if reading.leader is None and text not in ctx.unknown_leaders:  # said once per name
        ctx.unknown_leaders.add(text)
        problem(
            "leader",
            _("No leader called “%(name)s”: matters naming them are registered without one.")
            % {"name": text},
            _("Check the name against the leaders' accounts."),
            blocking=False,
            code="unknown_leader",
        )
    elif len(names) > 1:
        problem(
            "leader",
            _("Only the first leader, %(name)s, is recorded.") % {"name": names[0]},
            blocking=False,
        )


def _read_limit(reading: Reading, value, ctx: _Context, problem: Report) -> None:
    """The cell's time limit, or the user's choice for it; past and unreadable ones listed."""
    reading.written_limit = clean_text(
        value if not isinstance(value, dt.date) else value.strftime("%Y-%m-%d")
    )
    title = next(iter(reversed(reading.texts.values())), "")
    choice = ctx.options.deadlines.get(str(reading.row), "")
    written = ctx.limit(value)
    if isinstance(written, DeadlineError):
        error = written
        ctx.preview.dated.append(
            DatedRow(reading.row, title, reading.written_limit, None, "unreadable", choice)
        )
        if not choice:
            problem("deadline", error.message, error.suggestion, code="unreadable_deadline")
            return
        written = TimeLimit(None)
    past = written.day is not None and written.day < ctx.today
    if past:
        choice = choice or ctx.options.past_deadlines
        ctx.preview.dated.append(
            DatedRow(reading.row, title, reading.written_limit, written.day, "past", choice)
        )
        problem(
            "deadline",
            _(
                "The time limit %(day)s is already past: imported as written "
                "unless you set a new date below."
            )
            % {"day": written.day},
            blocking=False,
            code="past_deadline",
        )
    reading.limit = _chosen(written, choice) if choice else written
    if reading.limit.is_empty:
        problem(
            "deadline",
            _("No time limit: the source's default time limit applies."),
            blocking=False,
            code="no_deadline",
        )


def _chosen(written: TimeLimit, choice: str) -> TimeLimit:
    if choice == "ongoing":
        return TimeLimit(
            None,
            ongoing=True,
            cycle=written.cycle,
            milestones=(*written.milestones, *([written.day] if written.day else [])),
        )
    day = dt.date.fromisoformat(choice)
    return TimeLimit(
        day, cycle=written.cycle, milestones=tuple(m for m in written.milestones if m < day)
    )


def _read_weight(reading: Reading, value, problem: Report) -> None:
    text = clean_text(value).rstrip("%％分")
    if not text:
        return
    try:
        weight = Decimal(text)
    except InvalidOperation:
        weight = None
    if weight is None or not Decimal(0) < weight <= Decimal(10000):
        problem(
            "weight",
            _("The weight “%(v)s” cannot be read: equal weights are used.") % {"v": value},
            blocking=False,
        )
        return
    reading.weight = weight.quantize(Decimal("0.01"))


def _mark_serials(readings: list[Reading], actor: User) -> None:
    """Rows naming an existing matter's serial (a ledger imported back) are skipped."""
    wanted: dict[tuple[int, int], list[Reading]] = {}
    for reading in readings:
        match = SERIAL_RE.search(normalise(reading.serial))
        if match:
            wanted.setdefault((int(match.group(1)), int(match.group(2))), []).append(reading)
    if not wanted:
        return
    query = Q(pk__in=[])
    for year, number in wanted:
        query |= Q(serial_year=year, serial_no=number)
    existing = Matter.objects.visible_to(actor).filter(query).exclude(state="withdrawn")
    for matter in existing.only("serial_year", "serial_no"):
        for reading in wanted[(matter.serial_year, matter.serial_no)]:
            reading.skip = _("Already registered as %(serial)s.") % {"serial": matter.serial}


# --- The preview's content --------------------------------------------------------------------


def _fill(preview: Preview, readings, sections, roots, revision) -> None:
    for reading in [*sections.values(), *readings.values()]:
        preview.problems += reading.problems
    preview.problems.sort(key=lambda p: (p.row, p.column))
    section_of = {r.number: r.section for r in preview.table.rows}
    preview.rows = [_row_dict(r, preview.table, section_of) for r in readings.values()]
    nodes = list(planning.flatten(roots))
    preview.plan = [planning.node_dict(n) for n in nodes]
    statuses = [n.status for n in nodes]
    preview.counts = {
        "rows": len(readings),
        "ok": sum(not r.has_errors and not r.skip for r in readings.values()),
        "errors": sum(r.has_errors for r in readings.values()),
        "skipped": sum(bool(r.skip) for r in readings.values()),
        "matters": statuses.count("new"),
        "parents": sum(bool(n.children) and n.status == "new" for n in nodes),
        "changed": statuses.count("changed"),
        "unchanged": statuses.count("unchanged"),
        "gone": len(revision.gone),
    }
    preview.extra.update(revisions.as_dict(revision))
    preview.extra["_roots"], preview.extra["_revision"] = roots, revision


def _row_dict(reading: Reading, table: Table, section_of: dict[int, int | None]) -> dict:
    limit = reading.limit
    section = table.sections.get(section_of.get(reading.row))
    status = "error" if reading.has_errors else ("skip" if reading.skip else "ok")
    return {
        "row": reading.row,
        "number": reading.number,
        "section": section.title if section else "",
        "task": reading.texts.get("task") or reading.texts.get("parent", ""),
        "measure": reading.texts.get("measure", ""),
        "lead": [u.name for u in reading.leads],
        "co": [u.name for u, _d in reading.co],
        "leader": person_name(reading.leader) if reading.leader else "",
        "deadline": limit.day.isoformat() if limit.day else None,
        "ongoing": limit.ongoing,
        "recurring": limit.ongoing,
        "milestones": [d.isoformat() for d in limit.milestones],
        "written_deadline": reading.written_limit,
        "status": status,
        "skip": reading.skip,
    }
