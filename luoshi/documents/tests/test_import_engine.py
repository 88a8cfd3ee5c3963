"""The engine is not the task table's: another kind of table plugs in (docs/imports.md).

A small 隐患排查 kind, written here as the hazards app would write its own: its schema,
its reading of a row with the generic readers, its save through the matter services.
The pages, the API, unit mapping and time-limit choices work for it unchanged.
"""

from dataclasses import dataclass
from typing import ClassVar

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from luoshi.documents import engine
from luoshi.documents.engine import ImportOptions, Preview, Problem, UnknownName
from luoshi.documents.models import ImportedRow
from luoshi.documents.parsing import DeadlineError, parse_deadline, read_units
from luoshi.documents.tables import Field, Schema
from luoshi.documents.unitnames import UnitDirectory
from luoshi.matters.models import Matter, MatterKind
from luoshi.matters.services import MatterSpec, NewMatter, register_matters
from luoshi.workcalendar.calendar import get_calendar

from .test_spreadsheet import save


@dataclass
class FindingOptions(ImportOptions):
    pass


class FindingImport:
    name: ClassVar[str] = "finding"
    label: ClassVar[str] = "隐患排查发现"
    options_class = FindingOptions
    schema: ClassVar[Schema] = Schema(
        fields=(
            Field("place", "地点", ("检查地点", "地点", "企业名称")),
            Field("finding", "隐患描述", ("隐患描述", "存在问题", "问题描述")),
            Field("unit", "责任单位", ("责任单位", "监管部门")),
            Field("deadline", "整改时限", ("整改时限", "整改期限")),
        ),
        required=(frozenset({"finding"}), frozenset({"unit"})),
        work=("unit", "deadline"),
    )

    def build_preview(self, table, options, *, actor, batch):
        preview = Preview(self.name, table, options, 2026, self.schema.labels())
        units, calendar, planned = UnitDirectory(), get_calendar(), []
        for row in table.rows:
            names = [u.name for u in read_units(row.text("unit"))]
            found = [units.find(n) for n in names]
            for name, unit in zip(names, found, strict=True):
                if unit is None:
                    entry = preview.unknown.setdefault(name, UnknownName(name))
                    entry.rows.append(row.number)
                    preview.problems.append(Problem(row.number, "责任单位", name))
            try:
                limit = parse_deadline(row.cells.get("deadline"), year=2026, calendar=calendar)
            except DeadlineError as error:
                preview.problems.append(Problem(row.number, "整改时限", error.message))
                continue
            if all(found) and found:
                planned.append((row, found[0], limit))
        # The stored preview is JSON; what save needs goes under an "_" key of extra.
        preview.plan = [{"row": row.number, "unit": unit.name} for row, unit, _l in planned]
        preview.extra["_plan"] = planned
        preview.counts = {"rows": len(table.rows), "matters": len(planned)}
        return preview

    def save(self, preview, *, actor, batch):
        items = [
            NewMatter(
                MatterSpec(
                    title=f"{row.text('place')}：{row.text('finding')}",
                    source="inspection",
                    kind=MatterKind.HAZARD,
                    lead_unit=unit,
                    deadline=limit.day,
                )
            )
            for row, unit, limit in preview.extra["_plan"]
        ]
        ids = register_matters(items, actor=actor, event_data={"import": batch.pk})
        ImportedRow.objects.bulk_create(
            ImportedRow(batch=batch, row_number=row.number, key=str(pk), matter_id=pk)
            for (row, _unit, _limit), pk in zip(preview.extra["_plan"], ids, strict=True)
        )
        return len(ids)


@pytest.fixture
def finding_kind():
    engine.register_kind(FindingImport())
    yield
    engine.KINDS.pop("finding")


def findings() -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    book.active.append(["2026年第一季度安全生产隐患排查情况表"])
    book.active.append(["序号", "企业名称", "存在问题", "监管部门", "整改期限"])
    book.active.append([1, "示例化工厂", "消防通道堵塞", "市应急管理局", "2026年3月31日"])
    book.active.append([2, "城关商场", "疏散指示灯损坏", "东城区", "4月底前"])
    return save(book)


def test_another_kind_of_table_through_the_same_engine(client, docs_city, finding_kind):
    client.force_login(docs_city.supervisor)
    body = client.post(
        "/api/documents/imports/",
        {"file": SimpleUploadedFile("隐患.xlsx", findings()), "kind": "finding"},
    ).json()
    preview = body["preview"]
    assert body["kind"] == "finding" and preview["header_row"] == 2
    assert preview["columns"] == {
        "place": "企业名称",
        "finding": "存在问题",
        "unit": "监管部门",
        "deadline": "整改期限",
    }
    assert [u["name"] for u in preview["unknown_units"]] == ["市应急管理局"]
    # The generic units step: create the unit, the batch is previewed again.
    response = client.post(
        reverse("documents:import_units", args=[body["id"]]),
        {"unit_0": "new", "parent_0": str(docs_city.city.pk)},
    )
    assert response.status_code == 302
    assert client.post(f"/api/documents/imports/{body['id']}/confirm").status_code == 200
    hazards = Matter.objects.filter(kind=MatterKind.HAZARD).order_by("serial_no")
    assert [m.title for m in hazards] == ["示例化工厂：消防通道堵塞", "城关商场：疏散指示灯损坏"]
    assert hazards[0].lead_unit.name == "市应急管理局"


def test_an_unknown_kind_is_refused(client, docs_city):
    client.force_login(docs_city.supervisor)
    response = client.post(
        "/api/documents/imports/",
        {"file": SimpleUploadedFile("x.xlsx", findings()), "kind": "nonsense"},
    )
    assert response.status_code == 422 and response.json()["field"] == "kind"
