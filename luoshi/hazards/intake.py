"""Bulk intake: an inspection campaign's findings (排查台账) read from Excel.

What is common to every office table — reading the workbook with bounded cost,
copying each merged cell's value into every cell it covers, normalising what people
type — comes from the documents import engine (documents.spreadsheet, documents.tables,
documents.parsing), as the matters import uses it. What is particular to hazards lives
here: which headings name which field (HEADERS), how levels, categories and ways of
finding are written, and the fallbacks offices expect (属地负责: no responsible unit
means the place's own unit). `read_grid` and `find_header` are the two seams.

Nothing is written until every row reads: `import_file` reads the whole table and
registers the findings all at once (services.import_findings) only when no row has a
blocking problem; each row is keyed so a table imported again adds only new rows.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from django.contrib.auth.models import User
from django.utils.translation import gettext as _

from luoshi.documents.parsing import (
    DeadlineError,
    closest,
    name_variants,
    normalise,
    parse_deadline,
    split_units,
    unit_key,
)
from luoshi.documents.spreadsheet import read_sheets
from luoshi.documents.tables import filled_grid
from luoshi.lib.errors import InvalidInput
from luoshi.org.access import access_for
from luoshi.org.models import Unit
from luoshi.workcalendar.calendar import get_calendar, today

from . import permissions
from .models import Discovery, Hazard, HazardCategory, HazardLevel, InspectionCampaign
from .services import FindingRow, HazardSpec, import_findings

MAX_BYTES = 10 * 1024 * 1024

# Each field of a findings table and the headings offices give it (compared without
# spaces, full-width folded): exact first, then a heading that contains one of 4+ chars.
HEADERS: dict[str, tuple[str, ...]] = {
    "number": ("序号", "编号", "序"),
    "title": (
        "隐患名称",
        "隐患内容",
        "隐患描述",
        "存在问题",
        "存在的问题",
        "隐患问题",
        "问题描述",
        "主要问题",
        "隐患情况",
        "隐患问题描述",
        "隐患",
    ),
    "category": ("隐患类别", "隐患类型", "类别", "类型", "行业领域", "所属领域", "领域"),
    "level": ("隐患等级", "隐患级别", "等级", "级别"),
    "address": ("隐患地点", "隐患部位", "所在位置", "具体位置", "详细地址", "地址", "位置", "地点"),
    "place": (
        "属地",
        "属地单位",
        "所属乡镇",
        "所在乡镇(街道)",
        "乡镇(街道)",
        "乡镇街道",
        "所在街道",
        "所属街道",
        "所在村(社区)",
        "村(社区)",
        "所属区域",
        "所在区域",
    ),
    "found_by": ("排查单位", "发现单位", "检查单位", "上报单位"),
    "finder": ("排查人", "发现人", "检查人", "排查人员", "检查人员"),
    "found_on": ("发现时间", "排查时间", "检查时间", "发现日期", "排查日期", "检查日期"),
    "responsible": ("责任单位", "整改责任单位", "整改单位", "责任主体", "整改责任主体"),
    "measures": ("整改措施", "整改要求", "防范措施", "整改措施及要求", "整改建议"),
    "discovery": ("发现方式", "隐患来源", "来源", "发现途径"),
    "description": ("备注", "情况说明", "具体情况", "说明"),
}
REQUIRED = ("title", "level")
_INDEX = {unit_key(name): name_ for name_, names in HEADERS.items() for name in names}
# Cells that say "nothing here" (无, /, —): an empty measure, or a place without hazards.
NOTHING = re.compile(r"^(无|没有|暂无|/|／|-|—|——|无隐患|未发现隐患|未发现)$")
LEVEL_WORDS = [
    ("重大", HazardLevel.MAJOR),
    ("较大", HazardLevel.SERIOUS),
    ("一般", HazardLevel.GENERAL),
]
DISCOVERY_WORDS = [
    ("举报", Discovery.REPORT),
    ("交办", Discovery.HIGHER_LEVEL),
    ("督查", Discovery.CHECK),
    ("检查", Discovery.CHECK),
    ("排查", Discovery.INSPECTION),
]


def header_field(text: object) -> str | None:
    """Which field a heading names ("隐患等级" → "level", "整改责任单位" → "responsible")."""
    if text is None:
        return None
    key = re.sub(r"[*＊:：\n]", "", unit_key(str(text)))
    if key in _INDEX:
        return _INDEX[key]
    for name, found in _INDEX.items():
        if len(name) >= 4 and name in key:
            return found
    return None


@dataclass
class Problem:
    """What is wrong with a cell; a blocking problem stops the import, a note does not."""

    row: int
    column: str
    message: str
    blocking: bool = True


@dataclass
class IntakeRow:
    number: int
    cells: dict[str, str]
    spec: HazardSpec | None = None
    key: str = ""
    skip: str = ""  # why the row adds no hazard (a place reported "无", a repeat)

    def text(self, name: str) -> str:
        return self.cells.get(name, "")


@dataclass
class Intake:
    """A findings table as understood: its columns, its rows, their problems."""

    sheet: str = ""
    columns: dict[str, str] = field(default_factory=dict)
    ignored: list[str] = field(default_factory=list)
    rows: list[IntakeRow] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    created: list[Hazard] = field(default_factory=list)

    @property
    def is_valid(self) -> bool:
        return not any(p.blocking for p in self.problems)

    @property
    def blocking(self) -> list[Problem]:
        return [p for p in self.problems if p.blocking]

    @property
    def notes(self) -> list[Problem]:
        return [p for p in self.problems if not p.blocking]

    def finding_rows(self) -> list[FindingRow]:
        return [FindingRow(r.number, r.key, r.spec) for r in self.rows if r.spec and not r.skip]


HEADER_SCAN_ROWS = 15  # a header lies under a title and a few preamble lines


# -- the two seams of the table reader --------------------------------------------------


def read_grid(data: bytes) -> Iterator[tuple[str, list[list[object]]]]:
    """Every sheet's values, merged cells filled, read with the import engine's bounded
    reader (documents.spreadsheet: the used range only, limits checked as it streams)."""
    for sheet in read_sheets(data):
        yield sheet.name, filled_grid(sheet)


def find_header(grid: list[list[object]]) -> tuple[int, dict[int, str]] | None:
    """The row (0-based) naming the most fields, if it names the required ones."""
    best = None
    for index, row in enumerate(grid[:HEADER_SCAN_ROWS]):
        mapping: dict[int, str] = {}
        for col, value in enumerate(row):
            name = header_field(value)
            if name and name not in mapping.values():
                mapping[col] = name
        if all(n in mapping.values() for n in REQUIRED) and (
            best is None or len(mapping) > len(best[1])
        ):
            best = (index, mapping)
    return best


# -- reading ------------------------------------------------------------------------------


def read_findings(
    data: bytes, campaign: InspectionCampaign, *, default_category: HazardCategory | None = None
) -> Intake:
    """Read a findings table into HazardSpecs, every problem named by row and column."""
    if len(data) > MAX_BYTES:
        raise InvalidInput(_("The file is larger than 10 MB."), field="file")
    for sheet, grid in read_grid(data):
        found = find_header(grid)
        if found is not None:
            return _read(sheet, grid, *found, Reader(campaign, default_category))
    raise InvalidInput(
        _(
            "No header row found: the table needs columns such as 隐患名称 (or 存在问题) "
            "and 隐患等级."
        ),
        field="file",
    )


def _read(sheet: str, grid, header: int, mapping: dict[int, str], reader: Reader) -> Intake:
    heading = grid[header]
    intake = Intake(
        sheet=sheet,
        columns={name: str(heading[col]).strip() for col, name in mapping.items()},
        ignored=[
            str(v).strip()
            for c, v in enumerate(heading)
            if c not in mapping and v not in (None, "")
        ],
    )
    section = ""
    for offset, values in enumerate(grid[header + 1 :]):
        number = header + 2 + offset
        filled = [str(v).strip() for v in values if v not in (None, "") and str(v).strip()]
        if not filled:
            continue
        raw = {name: values[col] for col, name in mapping.items() if col < len(values)}
        if len(set(filled)) == 1 and (len(filled) > 1 or not _text(raw.get("title"))):
            section = filled[0]  # a heading row such as "一、城关街道" (merged across)
            continue
        intake.rows.append(reader.row(number, raw, section, intake.problems))
    return intake


def _text(value: object) -> str:
    if value is None:
        return ""
    return str(value).strip()


def _something(text: str) -> str:
    """The text, or "" when it says there is nothing (无, /, —)."""
    return "" if not text or NOTHING.match(normalise(text)) else text


class Reader:
    """Reads the rows of one table against the city's units and categories (loaded once)."""

    def __init__(self, campaign: InspectionCampaign, default_category: HazardCategory | None):
        self.campaign, self.default_category = campaign, default_category
        self.units: dict[str, Unit] = {}
        for unit in Unit.objects.filter(is_active=True):
            for name in unit.names():
                for variant in name_variants(name):
                    self.units.setdefault(variant, unit)
        self.categories: dict[str, HazardCategory] = {}
        for category in HazardCategory.objects.filter(is_active=True):
            for name in category.names():
                self.categories[unit_key(name)] = category
        self.year = campaign.started_on.year
        self.calendar = get_calendar()
        self.seen: set[str] = set()

    def row(self, number: int, raw: dict, section: str, problems: list[Problem]) -> IntakeRow:
        row = IntakeRow(number=number, cells={k: _text(v) for k, v in raw.items()})
        title = row.text("title")
        if not title or NOTHING.match(normalise(title)):
            row.skip = _("no hazard reported")
            return row
        local: list[Problem] = []

        def problem(column: str, message: str, blocking: bool = True) -> None:
            local.append(Problem(number, column, message, blocking))

        place = self._place(row, section, problem)
        found_by = self._unit(row, "found_by", problem) or self.campaign.organiser
        responsible = self._unit(row, "responsible", problem)
        if responsible is None and place is not None:
            responsible = place
            note = _("No responsible unit: the place (%(unit)s) is responsible.")
            problem("responsible", note % {"unit": place}, blocking=False)
        spec = HazardSpec(
            title=title[:300],
            category=self._category(row, problem),
            level=self._level(row, problem),
            discovery=self._discovery(row),
            unit=place,
            found_by_unit=found_by,
            responsible_unit=responsible,
            found_on=self._found_on(row, raw.get("found_on"), problem),
            address=row.text("address")[:300],
            description=row.text("description"),
            measures=_something(row.text("measures")),
            finder=row.text("finder")[:100],
        )
        problems.extend(local)
        row.key = self._key(spec)
        if row.key in self.seen:
            row.skip = _("the same hazard appears in an earlier row")
        self.seen.add(row.key)
        if not any(p.blocking for p in local):
            row.spec = spec
        return row

    # -- one field each ------------------------------------------------------------------

    def _match_unit(self, name: str) -> Unit | None:
        for variant in name_variants(name):
            if variant in self.units:
                return self.units[variant]
        return None

    def _unit(self, row: IntakeRow, column: str, problem) -> Unit | None:
        names = split_units(row.text(column))
        if not names:
            return None
        unit = self._match_unit(names[0])
        if unit is None:
            near = closest(names[0], self.units)
            hint = _(" Did you mean %(unit)s?") % {"unit": self.units[near]} if near else ""
            problem(column, _("Unknown unit “%(name)s”.") % {"name": names[0]} + hint)
            return None
        if len(names) > 1:
            note = _("Several units named: %(unit)s is taken (also named: %(others)s).")
            others = "、".join(names[1:])
            problem(column, note % {"unit": unit, "others": others}, blocking=False)
        return unit

    def _place(self, row: IntakeRow, section: str, problem) -> Unit | None:
        if row.text("place"):
            return self._unit(row, "place", problem)
        from_section = self._match_unit(re.sub(r"^[一二三四五六七八九十\d]+[、.．]", "", section))
        if from_section is not None:
            return from_section
        note = _("No place: the organising unit (%(unit)s) is taken.")
        problem("place", note % {"unit": self.campaign.organiser}, blocking=False)
        return self.campaign.organiser

    def _category(self, row: IntakeRow, problem) -> HazardCategory | None:
        text = unit_key(row.text("category"))
        if not text:
            if self.default_category is None:
                problem("category", _("No category: fill it in or choose a default category."))
            return self.default_category
        if text in self.categories:
            return self.categories[text]
        for name, category in self.categories.items():
            if name in text or text in name:
                return category
        known = "、".join(sorted({c.name for c in self.categories.values()}))
        message = _("Unknown category “%(text)s” (categories: %(all)s).")
        problem("category", message % {"text": row.text("category"), "all": known})
        return None

    def _level(self, row: IntakeRow, problem) -> str:
        text = normalise(row.text("level"))
        for word, level in LEVEL_WORDS:
            if word in text:
                return level
        message = _("The level must be 重大, 较大 or 一般 (found “%(text)s”).")
        problem("level", message % {"text": row.text("level")})
        return ""

    def _discovery(self, row: IntakeRow) -> str:
        text = row.text("discovery")
        return next((d for word, d in DISCOVERY_WORDS if word in text), Discovery.INSPECTION)

    def _found_on(self, row: IntakeRow, raw: object, problem):
        if raw in (None, ""):
            note = _("No date found: the campaign's start (%(day)s) is taken.")
            problem("found_on", note % {"day": self.campaign.started_on}, blocking=False)
            return self.campaign.started_on
        try:
            day = parse_deadline(raw, year=self.year, calendar=self.calendar).day
        except DeadlineError as error:
            problem("found_on", f"{error.message} {error.suggestion}".strip())
            return None
        if day is None or day > today():
            problem(
                "found_on", _("“%(text)s” is not a past date.") % {"text": row.text("found_on")}
            )
            return None
        return day

    def _key(self, spec: HazardSpec) -> str:
        parts = [spec.title, spec.address, spec.unit.pk if spec.unit else "", spec.found_on]
        return hashlib.sha256("|".join(map(str, parts)).encode()).hexdigest()[:32]


def import_file(
    campaign: InspectionCampaign,
    data: bytes,
    *,
    actor: User,
    default_category: HazardCategory | None = None,
) -> Intake:
    """Read the table and, when no row has a blocking problem, register its findings."""
    permissions.check_register(access_for(actor), campaign.organiser_id)
    intake = read_findings(data, campaign, default_category=default_category)
    if intake.is_valid:
        intake.created = import_findings(campaign, intake.finding_rows(), actor=actor)
    return intake
