"""Understanding a task table against the city's units and leaders, and saving it as matters.

`build_preview` reads the table (documents.tables), matches every unit and leader, reads
every deadline (documents.parsing) and plans the matters: a 重点任务 spanning several
具体措施 rows becomes a parent with one child per row. Nothing is written. `save_preview`
writes the plan through matters.services (register_matter, decompose_matter) and records
each row's key so the same row is never imported twice. documents.services wraps both.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections import defaultdict
from dataclasses import dataclass, field

from django.contrib.auth.models import User
from django.db.models import Q
from django.utils.translation import gettext as _

from luoshi.lib.errors import DomainError, InvalidInput
from luoshi.lib.workdays import WorkCalendar
from luoshi.matters import services as matter_services
from luoshi.matters.models import Matter, MatterKind, ReportCycle, Source
from luoshi.matters.services import CoUnit, MatterSpec, MilestoneSpec
from luoshi.org.models import Role, Unit
from luoshi.workcalendar.calendar import get_calendar, today

from .models import ImportedRow, MultiLead
from .parsing import (
    Deadline,
    DeadlineError,
    closest,
    name_variants,
    normalise,
    parse_deadline,
    person_key,
    split_units,
)
from .tables import Row, Table

RECURRING_TAG = "recurring"
CO_LEAD_NOTE = "共同牵头"  # the part description of a unit that shares the lead
TITLE_MAX = 300
SERIAL_RE = re.compile(r"(\d{4})\D+?(\d+)\s*号")


@dataclass
class ImportOptions:
    source: str = Source.WORK_REPORT
    multi_lead: str = MultiLead.CO_UNITS
    accept_suggestions: bool = False
    year: int | None = None  # the table's year when its title names none

    def as_dict(self) -> dict:
        return {
            "source": self.source,
            "multi_lead": self.multi_lead,
            "accept_suggestions": self.accept_suggestions,
            "year": self.year,
        }

    def validate(self) -> None:
        if self.source not in Source.values:
            raise InvalidInput(_("Unknown source: %(v)s") % {"v": self.source}, field="source")
        if self.multi_lead not in MultiLead.values:
            raise InvalidInput(
                _("Unknown choice for several lead units: %(v)s") % {"v": self.multi_lead},
                field="multi_lead",
            )


@dataclass
class Problem:
    """What is wrong with a cell; `blocking` problems stop the import, notes do not."""

    row: int
    column: str
    message: str
    suggestion: str = ""
    blocking: bool = True
    code: str = ""  # "unit_suggestion": a near-miss unit the office may accept


@dataclass
class RowResult:
    """One row as understood: units, leader and deadline read, its problems, its status."""

    row: Row
    task: str = ""
    measure: str = ""
    leads: list[Unit] = field(default_factory=list)
    co_units: list[Unit] = field(default_factory=list)
    leader: User | None = None
    deadline: Deadline = field(default_factory=lambda: Deadline(None))
    problems: list[Problem] = field(default_factory=list)
    skip: str = ""  # why the row is not imported again (already imported or registered)
    keys: list[str] = field(default_factory=list)  # one per matter the row becomes

    @property
    def has_errors(self) -> bool:
        return any(p.blocking for p in self.problems)

    @property
    def status(self) -> str:
        return "error" if self.has_errors else ("skip" if self.skip else "ok")


@dataclass
class Plan:
    """A matter to create (or an existing parent to add children to), and the rows behind it."""

    row: int
    key: str
    spec: MatterSpec | None
    children: list[Plan] = field(default_factory=list)
    existing: Matter | None = None


@dataclass
class Preview:
    table: Table
    options: ImportOptions
    year: int
    rows: list[RowResult]
    plans: list[Plan]
    file_problems: list[Problem] = field(default_factory=list)

    @property
    def problems(self) -> list[Problem]:
        return self.file_problems + [p for r in self.rows for p in r.problems]

    @property
    def is_valid(self) -> bool:
        return not any(p.blocking for p in self.problems)

    @property
    def matters_to_create(self) -> int:
        return sum((p.existing is None) + len(p.children) for p in self.plans)

    def as_dict(self) -> dict:
        """What the page, the API and the stored batch show: rows, problems and counts."""
        return {
            "sheet": self.table.sheet,
            "title": self.table.title,
            "header_row": self.table.header_row,
            "columns": self.table.columns,
            "ignored_columns": self.table.ignored,
            "year": self.year,
            "rows": [_row_dict(r) for r in self.rows],
            "problems": [_problem_dict(p) for p in self.problems],
            "counts": {
                "rows": len(self.rows),
                "ok": sum(r.status == "ok" for r in self.rows),
                "errors": sum(r.status == "error" for r in self.rows),
                "skipped": sum(r.status == "skip" for r in self.rows),
                "matters": self.matters_to_create,
                "parents": sum(bool(p.children) and p.existing is None for p in self.plans),
            },
            "valid": self.is_valid,
        }


def _row_dict(result: RowResult) -> dict:
    day = result.deadline.day
    return {
        "row": result.row.number,
        "group": result.row.group,
        "section": result.row.section,
        "status": result.status,
        "task": result.task,
        "measure": result.measure,
        "lead": [u.name for u in result.leads],
        "co": [u.name for u in result.co_units],
        "leader": person_name(result.leader) if result.leader else "",
        "deadline": day.isoformat() if day else None,
        "recurring": result.deadline.recurring,
        "skip": result.skip,
    }


def _problem_dict(problem: Problem) -> dict:
    return {
        "row": problem.row,
        "column": problem.column,
        "message": problem.message,
        "suggestion": problem.suggestion,
        "blocking": problem.blocking,
        "code": problem.code,
    }


def person_name(user: User) -> str:
    return f"{user.last_name}{user.first_name}".strip() or user.username


# --- Directories: units and leaders, each read in one query -----------------------------------


class UnitDirectory:
    """Active units by every name they go by: name, aliases, and parenthesised second names."""

    def __init__(self) -> None:
        self.by_key: dict[str, Unit] = {}
        for unit in Unit.objects.filter(is_active=True).only("id", "name", "aliases"):
            for name in unit.names():
                for variant in name_variants(name):
                    self.by_key.setdefault(variant, unit)

    def find(self, name: str) -> Unit | None:
        return next((self.by_key[v] for v in name_variants(name) if v in self.by_key), None)

    def suggest(self, name: str) -> Unit | None:
        for variant in name_variants(name):
            found = closest(variant, self.by_key)
            if found:
                return self.by_key[found]
        return None


class LeaderDirectory:
    """Users holding the leader role, by the ways a table writes a person's name."""

    def __init__(self) -> None:
        self.by_key: dict[str, User] = {}
        leaders = User.objects.filter(memberships__role=Role.LEADER, is_active=True).distinct()
        for user in leaders:
            for name in (
                person_name(user),
                user.username,
                user.get_full_name(),
                f"{user.first_name}{user.last_name}",
            ):
                if name.strip():
                    self.by_key.setdefault(person_key(name), user)

    def find(self, text: str) -> User | None:
        return self.by_key.get(person_key(text))


# --- Understanding rows -----------------------------------------------------------------------


def build_preview(table: Table, options: ImportOptions, *, actor: User) -> Preview:
    """Every row understood and every matter planned; nothing is written."""
    options.validate()
    year = table.year or options.year or today().year
    units, leaders, calendar = UnitDirectory(), LeaderDirectory(), get_calendar()
    rows = [_understand(row, table, units, leaders, calendar, year, options) for row in table.rows]
    _mark_repeats(rows, options)
    _mark_already_imported(rows, actor)
    plans = _plan(rows, options)
    return Preview(table=table, options=options, year=year, rows=rows, plans=plans)


def _understand(
    row: Row,
    table: Table,
    units: UnitDirectory,
    leaders: LeaderDirectory,
    calendar: WorkCalendar,
    year: int,
    options: ImportOptions,
) -> RowResult:
    result = RowResult(row=row, task=row.text("task"), measure=row.text("measure"))
    heading = table.columns.get

    def problem(column: str, message: str, suggestion: str = "", blocking=True, code="") -> None:
        result.problems.append(
            Problem(row.number, heading(column, column), message, suggestion, blocking, code)
        )

    if not (result.task or result.measure):
        problem("task", _("The row names no task."), _("Fill in the task or the measure."))
    result.leads = _units(row.text("lead"), "lead", units, options, problem)
    if not result.leads and not any(p.column == heading("lead") for p in result.problems):
        problem("lead", _("No lead unit."), _("Name the unit that leads this task."))
    co = _units(row.text("co"), "co", units, options, problem)
    result.co_units = [u for u in dict.fromkeys(co) if u not in result.leads]
    _read_leader(result, row.text("leader"), leaders, problem)
    _read_deadline(result, row.cells.get("deadline"), calendar, year, problem)
    return result


def _units(text: str, column: str, units: UnitDirectory, options: ImportOptions, problem):
    found: list[Unit] = []
    for name in split_units(text):
        unit = units.find(name)
        if unit is None:
            guess = units.suggest(name)
            if guess and options.accept_suggestions:
                problem(
                    column,
                    _("“%(name)s” read as %(unit)s.") % {"name": name, "unit": guess.name},
                    blocking=False,
                )
                unit = guess
            else:
                hint = (
                    _("Did you mean %(unit)s? Use its name, or accept the suggestions.")
                    % {"unit": guess.name}
                    if guess
                    else _("Add the unit (or this name as an alias of it) in the unit list.")
                )
                code = "unit_suggestion" if guess else ""
                problem(column, _("Unknown unit “%(name)s”.") % {"name": name}, hint, code=code)
                continue
        if unit not in found:
            found.append(unit)
    return found


def _read_leader(result: RowResult, text: str, leaders: LeaderDirectory, problem) -> None:
    if not text:
        return
    names = split_units(text)
    result.leader = leaders.find(names[0]) if names else None
    if result.leader is None:
        problem(
            "leader",
            _("No leader called “%(name)s”: the matter is registered without one.")
            % {"name": text},
            _("Check the name against the leaders' accounts."),
            blocking=False,
        )
    elif len(names) > 1:
        problem(
            "leader",
            _("Only the first leader, %(name)s, is recorded.") % {"name": names[0]},
            blocking=False,
        )


def _read_deadline(result: RowResult, value, calendar, year: int, problem) -> None:
    try:
        result.deadline = parse_deadline(value, year=year, calendar=calendar)
    except DeadlineError as error:
        problem("deadline", error.message, error.suggestion)
        return
    day = result.deadline.day
    if day and day < today():
        problem(
            "deadline",
            _("The deadline %(day)s is already past.") % {"day": day},
            _("Give a date from today on, or set the table's year."),
        )
    elif result.deadline.is_empty:
        problem(
            "deadline",
            _("No deadline: the source's default time limit applies."),
            blocking=False,
        )


def _row_key(result: RowResult, unit: Unit | None = None) -> str:
    text = "|".join(
        normalise(part)
        for part in (result.task, result.measure, "、".join(u.name for u in result.leads))
    )
    if unit is not None:
        text += f"|{unit.pk}"
    return hashlib.sha256(text.encode()).hexdigest()


def _group_key(result: RowResult) -> str:
    lead = result.leads[0].name if result.leads else ""
    text = f"group|{normalise(result.task)}|{lead}"
    return hashlib.sha256(text.encode()).hexdigest()


def _mark_repeats(rows: list[RowResult], options: ImportOptions) -> None:
    """Give each row its key(s); a row repeating an earlier one in the file is skipped."""
    seen: dict[str, int] = {}
    for result in rows:
        if result.has_errors:
            continue
        split = options.multi_lead == MultiLead.SPLIT and len(result.leads) > 1
        result.keys = [_row_key(result, u) for u in result.leads] if split else [_row_key(result)]
        first = seen.get(result.keys[0])
        if first is not None:
            result.skip = _("Repeats row %(row)s.") % {"row": first}
        seen.setdefault(result.keys[0], result.row.number)


def _mark_already_imported(rows: list[RowResult], actor: User) -> None:
    """Skip rows an earlier import created, and rows naming an existing matter's serial.

    Two queries whatever the number of rows.
    """
    keys = [k for r in rows for k in r.keys]
    done = {
        row.key: row
        for row in ImportedRow.objects.filter(key__in=keys).select_related("matter", "batch")
    }
    for result in rows:
        earlier = next((done[k] for k in result.keys if k in done), None)
        if earlier and not result.skip:
            result.skip = _("Already imported on %(day)s as %(serial)s.") % {
                "day": earlier.batch.created_at.date(),
                "serial": earlier.matter.serial,
            }
    _mark_registered_serials(rows, actor)


def _mark_registered_serials(rows: list[RowResult], actor: User) -> None:
    wanted: dict[tuple[int, int], list[RowResult]] = defaultdict(list)
    for result in rows:
        match = SERIAL_RE.search(normalise(result.row.text("serial")))
        if match and not result.skip:
            wanted[(int(match.group(1)), int(match.group(2)))].append(result)
    if not wanted:
        return
    query = Q(pk__in=[])
    for year, number in wanted:
        query |= Q(serial_year=year, serial_no=number)
    existing = Matter.objects.visible_to(actor).filter(query).exclude(state="withdrawn")
    for matter in existing.only("serial_year", "serial_no"):
        for result in wanted[(matter.serial_year, matter.serial_no)]:
            result.skip = _("Already registered as %(serial)s.") % {"serial": matter.serial}


# --- Planning matters -------------------------------------------------------------------------


def _plan(rows: list[RowResult], options: ImportOptions) -> list[Plan]:
    """Rows grouped by their 重点任务: one row → one matter; several → a parent with children."""
    groups: dict[int, list[RowResult]] = defaultdict(list)
    for result in rows:
        groups[result.row.group].append(result)
    existing = _existing_parents([g for g in groups.values() if len(g) > 1])
    plans = []
    for members in groups.values():
        good = [r for r in members if r.status == "ok"]
        if not good:
            continue
        if len(members) == 1 or not good[0].task or not any(r.measure for r in members):
            plans += [p for r in good for p in _single_plans(r, options)]
            continue
        parent = _parent_plan(members, good, existing, options)
        parent.children = [p for r in good for p in _single_plans(r, options, child=True)]
        plans.append(parent)
    return plans


def _existing_parents(groups: list[list[RowResult]]) -> dict[str, Matter]:
    keys = [_group_key(g[0]) for g in groups if g[0].leads]
    rows = ImportedRow.objects.filter(key__in=keys).select_related("matter")
    return {row.key: row.matter for row in rows}


def _parent_plan(members, good, existing: dict[str, Matter], options: ImportOptions) -> Plan:
    first = good[0]
    key = _group_key(first)
    if key in existing:
        return Plan(row=first.row.number, key=key, spec=None, existing=existing[key])
    days = [r.deadline.day for r in good]
    spec = MatterSpec(
        title=_title(first.task),
        content="",
        source=options.source,
        kind=MatterKind.TASK,
        lead_unit=first.leads[0],
        responsible_leader=first.leader,
        deadline=max(days) if all(days) else None,
        tags=[RECURRING_TAG] if all(r.deadline.recurring for r in good) else [],
    )
    return Plan(row=members[0].row.number, key=key, spec=spec)


def _single_plans(result: RowResult, options: ImportOptions, child: bool = False) -> list[Plan]:
    """The matter(s) one row becomes: one, or one per lead unit when the office splits them."""
    if child or not result.task:
        title, content = _title(result.measure or result.task), result.measure
    else:
        title, content = _title(result.task), result.measure
    if content == title:
        content = ""
    if options.multi_lead == MultiLead.SPLIT and len(result.leads) > 1:
        pairs = [(unit, [CoUnit(u) for u in result.co_units if u != unit]) for unit in result.leads]
    else:
        shared = [CoUnit(u, CO_LEAD_NOTE) for u in result.leads[1:]]
        pairs = [(result.leads[0], shared + [CoUnit(u) for u in result.co_units])]
    return [
        Plan(row=result.row.number, key=key, spec=_spec(result, options, title, content, lead, co))
        for key, (lead, co) in zip(result.keys, pairs, strict=True)
    ]


def _spec(result: RowResult, options, title: str, content: str, lead, co) -> MatterSpec:
    deadline = result.deadline
    return MatterSpec(
        title=title,
        content=content,
        source=options.source,
        kind=MatterKind.TASK,
        lead_unit=lead,
        co_units=co,
        responsible_leader=result.leader,
        deadline=deadline.day,
        deadline_workdays=deadline.workdays,
        report_cycle=deadline.cycle or ReportCycle.MONTHLY,
        tags=[RECURRING_TAG] if deadline.recurring else [],
        milestones=_milestones(result),
    )


def _milestones(result: RowResult) -> list[MilestoneSpec]:
    """Earlier dates in the deadline cell ("6月底前完成主体，年底前竣工") become milestones."""
    if not result.deadline.earlier:
        return []
    text = str(result.row.cells.get("deadline") or "")
    clauses = [c for c in re.split(r"[，,；;。]", text) if c.strip()]
    calendar = get_calendar()
    specs = []
    for day in result.deadline.earlier:
        clause = next((c for c in clauses if _names_day(c, day, calendar)), text)
        specs.append(MilestoneSpec(title=clause.strip()[:200], deadline=day))
    return [s for s in specs if s.deadline >= today()]


def _names_day(clause: str, day: dt.date, calendar: WorkCalendar) -> bool:
    try:
        return parse_deadline(clause, year=day.year, calendar=calendar).day == day
    except DeadlineError:
        return False


def _title(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= TITLE_MAX else text[: TITLE_MAX - 1] + "…"


# --- Saving -----------------------------------------------------------------------------------


def save_preview(preview: Preview, *, actor: User, batch) -> list[Matter]:
    """Create every planned matter through the matter services; the caller holds the transaction.

    A refusal by a service names the row it came from and undoes everything.
    """
    created: list[Matter] = []
    for plan in preview.plans:
        try:
            created += _save_plan(plan, actor, batch)
        except DomainError as error:
            raise InvalidInput(
                _("Row %(row)s: %(error)s") % {"row": plan.row, "error": error.message},
                field=f"row {plan.row}",
            ) from error
    return created


def _save_plan(plan: Plan, actor: User, batch) -> list[Matter]:
    if not plan.children:
        matter = matter_services.register_matter(plan.spec, actor=actor)
        _remember(batch, plan, matter)
        return [matter]
    created = []
    parent = plan.existing
    if parent is None:
        parent = matter_services.register_matter(plan.spec, actor=actor)
        _remember(batch, plan, parent)
        created.append(parent)
    children = matter_services.decompose_matter(
        parent, [c.spec for c in plan.children], actor=actor, version=None
    )
    for child_plan, child in zip(plan.children, children, strict=True):
        _remember(batch, child_plan, child)
    return created + children


def _remember(batch, plan: Plan, matter: Matter) -> None:
    ImportedRow.objects.create(batch=batch, row_number=plan.row, key=plan.key, matter=matter)
