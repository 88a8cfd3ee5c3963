"""The key project list in and the project ledger (台账) out, as Excel (openpyxl).

Import: one row per project under a header row; columns are found by their
header, so their order does not matter. Every row is checked before anything is
written; one bad row refuses the whole file with a message naming row and column.
A code already on the list updates that project; a new code registers one.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill

from luoshi.documents.spreadsheet import read_sheets
from luoshi.lib.cells import excel_text
from luoshi.lib.dates import parse_date
from luoshi.lib.errors import InvalidInput
from luoshi.org.models import Unit

from . import queries, services
from .models import (
    STAGE_ORDER,
    WARNING_COLOURS,
    Project,
    ProjectKind,
    ProjectLevel,
    ProjectWarning,
    Stage,
    StageTiming,
)
from .queries import ZERO

STAGE_CN = {"signed": "签约", "started": "开工", "building": "在建", "built": "竣工",
            "producing": "投产", "effective": "达效"}  # fmt: skip
COLUMNS = {
    "code": "项目编号",
    "name": "项目名称",
    "kind": "项目类型",
    "level": "项目级别",
    "owner_name": "业主单位",
    "responsible_unit": "责任单位",
    "district": "所在区",
    "is_contract": "招商签约",
    "contracted_investment": "合同投资(万元)",
    "planned_investment": "计划总投资(万元)",
    **{f"plan_{s}": f"计划{STAGE_CN[s]}日期" for s in STAGE_ORDER},
}
REQUIRED = ["code", "name", "kind", "level", "responsible_unit", "district"]
KIND_WORDS = {
    "产业": "industrial",
    "工业": "industrial",
    "基础设施": "infrastructure",
    "社会事业": "social",
    "民生": "social",
    "服务业": "services",
    "其他": "other",
}
LEVEL_WORDS = {"省重点": "province", "省级": "province", "市重点": "city", "市级": "city"}
YES = {"是", "y", "yes", "true", "1", "签约"}
MAX_ROWS = 5000
IMPORTED_FIELDS = [
    "name",
    "kind",
    "level",
    "owner_name",
    "responsible_unit",
    "district",
    "is_contract",
    "contracted_investment",
    "planned_investment",
]


@dataclass
class ImportResult:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)


def _unit_index() -> dict[str, Unit]:
    index = {}
    for unit in Unit.objects.filter(is_active=True):
        for name in unit.names():
            index[name.strip()] = unit
    return index


def _date(value, where: str) -> dt.date | None:
    try:
        return parse_date(value)
    except InvalidInput as error:
        raise InvalidInput(f"{where}: {error.message}", field="file") from None


def _choice(value, words: dict, choices, where: str) -> str:
    text = str(value or "").strip()
    found = words.get(text) or (text if text in choices.values else None)
    if found is None:
        labels = "、".join(sorted(set(words)))
        raise InvalidInput(
            _("%(where)s: “%(value)s” is not one of %(labels)s.")
            % {"where": where, "value": text, "labels": labels},
            field="file",
        )
    return found


def _header(rows: list[list]) -> dict[str, int]:
    first = rows[0] if rows else []
    by_title = {str(v).strip(): i for i, v in enumerate(first) if v not in (None, "")}
    columns = {key: by_title[title] for key, title in COLUMNS.items() if title in by_title}
    missing = [COLUMNS[k] for k in REQUIRED if k not in columns]
    if missing:
        raise InvalidInput(
            _("The first row lacks the column(s): %(names)s.") % {"names": "、".join(missing)},
            field="file",
        )
    return columns


def _spec(values: dict, row: int, units: dict[str, Unit]) -> services.ProjectSpec:
    def where(key: str) -> str:
        return _("Row %(row)s, column %(col)s") % {"row": row, "col": COLUMNS[key]}

    for key in REQUIRED:
        if values.get(key) in (None, ""):
            raise InvalidInput(_("%(where)s is empty.") % {"where": where(key)}, field="file")
    found = {}
    for key in ("responsible_unit", "district"):
        name = str(values[key]).strip()
        if name not in units:
            raise InvalidInput(
                _("%(where)s: no unit is called “%(name)s”.") % {"where": where(key), "name": name},
                field="file",
            )
        found[key] = units[name]
    spec = services.ProjectSpec(
        code=str(values["code"]).strip(),
        name=str(values["name"]).strip(),
        kind=_choice(values["kind"], KIND_WORDS, ProjectKind, where("kind")),
        level=_choice(values["level"], LEVEL_WORDS, ProjectLevel, where("level")),
        owner_name=str(values.get("owner_name") or "").strip(),
        is_contract=str(values.get("is_contract") or "").strip().lower() in YES,
        stage_plans={s: _date(values.get(f"plan_{s}"), where(f"plan_{s}")) for s in STAGE_ORDER},
        **found,
    )
    for key in ("contracted_investment", "planned_investment"):
        try:
            setattr(spec, key, services.amount(values.get(key), key))
        except InvalidInput as error:
            raise InvalidInput(f"{where(key)}: {error.message}", field="file") from error
    return spec


def read_rows(upload) -> list[tuple[int, services.ProjectSpec]]:
    """Every row as a spec, or InvalidInput naming the first bad row and column."""
    # The bounded reader (documents.spreadsheet): the used range only, with limits on
    # size, sheets, rows, columns and cells checked before a grid is built.
    data = upload.read() if hasattr(upload, "read") else bytes(upload)
    sheet = next(read_sheets(data), None)
    rows = sheet.rows if sheet else []
    columns, units, specs, codes = _header(rows), _unit_index(), [], set()
    for row, cells in enumerate(rows[1:], start=2):
        if not any(c not in (None, "") for c in cells):
            continue
        if len(specs) >= MAX_ROWS:
            message = _("At most %(n)s projects per file.") % {"n": MAX_ROWS}
            raise InvalidInput(message, field="file")
        values = {k: cells[i] if i < len(cells) else None for k, i in columns.items()}
        spec = _spec(values, row, units)
        if spec.code in codes:
            raise InvalidInput(
                _("Row %(row)s: code %(code)s appears twice.") % {"row": row, "code": spec.code},
                field="file",
            )
        codes.add(spec.code)
        specs.append((row, spec))
    if not specs:
        raise InvalidInput(_("The file holds no projects."), field="file")
    return specs


@transaction.atomic
def import_projects(upload, *, actor: User) -> ImportResult:
    """Register new projects and update known ones; all rows or none."""
    services.require_office(actor)
    specs = read_rows(upload)
    existing = {p.code: p for p in Project.objects.filter(code__in=[s.code for _r, s in specs])}
    result = ImportResult()
    for row, spec in specs:
        try:
            _apply(spec, existing.get(spec.code), actor, result)
        except InvalidInput as error:
            raise InvalidInput(
                _("Row %(row)s: %(error)s") % {"row": row, "error": error.message}, field="file"
            ) from error
    return result


def _apply(spec, project: Project | None, actor: User, result: ImportResult) -> None:
    if project is None:
        services.register_project(spec, actor=actor)
        result.created.append(spec.code)
        return
    fields = {f: getattr(spec, f) for f in IMPORTED_FIELDS}
    project = services.update_project(project, actor=actor, version=project.version, **fields)
    plans = {s: d for s, d in spec.stage_plans.items() if d}
    if plans:
        services.plan_stages(project, plans, actor=actor, version=project.version)
    result.updated.append(spec.code)


# -- the ledger ---------------------------------------------------------------------------

FILLS = {
    "red": PatternFill("solid", fgColor="F8D7DA"),
    "yellow": PatternFill("solid", fgColor="FFF3CD"),
}
TIMING_FILLS = {StageTiming.REACHED_LATE: FILLS["yellow"], StageTiming.OVERDUE: FILLS["red"]}


def _late_text(views) -> str:
    """The late stages in words, for a printed ledger without colours: 开工逾期5天."""
    words = {StageTiming.REACHED_LATE: "逾期完成", StageTiming.OVERDUE: "逾期未完成"}
    return "、".join(
        f"{STAGE_CN[v.row.stage]}{words[v.timing]}{v.days_late}天" for v in views if v.late
    )


LEDGER_HEADS = ["项目编号", "项目名称", "项目类型", "项目级别", "业主单位", "责任单位", "所在区",
                "当前阶段", "合同投资(万元)", "本年到位资金(万元)", "本年计划投资(万元)",
                "本年完成投资(万元)",
                *(f"{STAGE_CN[s]}{kind}" for s in STAGE_ORDER for kind in ("计划", "实际")),
                "阶段逾期", "预警"]  # fmt: skip
FIRST_STAGE_COLUMN = LEDGER_HEADS.index("签约计划") + 1


def _ledger_row(project: Project, views, warnings: list[str]) -> list:
    dates = [d for v in views for d in (v.row.planned_date, v.row.actual_date)]
    return [  # user text through lib.cells: no formula, no character an .xlsx refuses
        excel_text(project.code),
        excel_text(project.name),
        project.get_kind_display(),
        project.get_level_display(),
        excel_text(project.owner_name),
        excel_text(project.responsible_unit.name),
        excel_text(project.district.name),
        str(Stage(project.stage).label) if project.stage else "",
        project.contracted_investment,
        project.funds_total or ZERO,
        project.year_planned or ZERO,
        project.year_completed or ZERO,
        *dates,
        _late_text(views),
        "、".join(str(ProjectWarning(w).label) for w in warnings),
    ]


def _colour_row(sheet, views, warnings: list[str]) -> None:
    """Late stages: the actual date cell (reached late) or the planned one (overdue)."""
    row = sheet.max_row
    for index, view in enumerate(views):
        if view.late:
            reached = view.timing == StageTiming.REACHED_LATE
            column = FIRST_STAGE_COLUMN + 2 * index + (1 if reached else 0)
            sheet.cell(row=row, column=column).fill = TIMING_FILLS[view.timing]
    if warnings:
        colour = WARNING_COLOURS[ProjectWarning(warnings[0])]
        sheet.cell(row=row, column=len(LEDGER_HEADS)).fill = FILLS[colour]


def export_ledger(queryset: QuerySet[Project], today: dt.date, tolerance: int) -> bytes:
    """The project ledger (重点项目台账) as an .xlsx file."""
    book = Workbook()
    sheet = book.active
    sheet.title = "重点项目台账"
    sheet.append(LEDGER_HEADS)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for project in queries.ledger_rows(queryset, today):
        warnings = queries.warnings_of(project, tolerance)
        views = queries.stage_views(project.stages.all(), today)
        sheet.append(_ledger_row(project, views, warnings))
        _colour_row(sheet, views, warnings)
    for column in sheet.iter_cols(min_row=2):
        for cell in column:
            if isinstance(cell.value, dt.date):
                cell.number_format = "yyyy-mm-dd"
            elif isinstance(cell.value, Decimal):
                cell.number_format = "#,##0.00"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def template_workbook() -> bytes:
    """An empty import file with the expected headers."""
    book = Workbook()
    book.active.append(list(COLUMNS.values()))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
