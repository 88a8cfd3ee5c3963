"""The documents API: imports (upload, preview, confirm), the ledger, bulletins and mentions.

Endpoints only translate HTTP to documents.services and documents.queries (the files come
from documents.responses, shared with the pages); authentication and refusals are the
API's own (luoshi/api.py): 401, and {"code", "message", "field"} with the error's status.
"""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from ninja import Field, File, Form, Router
from ninja.files import UploadedFile

from luoshi.lib.errors import InvalidInput
from luoshi.lib.schemas import Input
from luoshi.matters.models import Matter
from luoshi.matters.queries import get_matter_for_user
from luoshi.org.models import Unit

from . import exports, responses, services, uploads
from .engine import kind_for
from .models import Bulletin, ImportBatch, LedgerExport
from .queries import (
    get_batch_for_user,
    get_bulletin_for_user,
    mentions_of_matter,
    visible_bulletins,
)
from .spreadsheet import TooLarge

router = Router(tags=["documents"])


# --- Imports ----------------------------------------------------------------------------------


def _batch(batch: ImportBatch) -> dict:
    return {
        "id": batch.pk,
        "kind": batch.kind,
        "filename": batch.filename,
        "sha256": batch.sha256,
        "state": batch.state,
        "options": batch.options,
        "created_count": batch.created_count,
        "updated_count": batch.updated_count,
        "revises": batch.revises_id,
        "preview": batch.preview,
    }


@router.post("/imports/", summary="Upload a table and get its preview")
def upload_import(
    request,
    file: File[UploadedFile | None] = None,
    kind: Form[str] = "task",
    source: Form[str] = "work_report",
    multi_lead: Form[str] = "co",
    accept_suggestions: Form[bool] = False,
    year: Form[int | None] = None,
):
    if uploads.refused(request):
        raise TooLarge(
            _("The file is larger than %(mb)s MB.")
            % {"mb": round(uploads.refused(request) / (1024 * 1024), 1)},
            field="file",
        )
    if file is None:
        raise InvalidInput(_("Attach the table as “file”."), field="file")
    options = kind_for(kind).options_class.from_dict(
        {
            "source": source,
            "multi_lead": multi_lead,
            "accept_suggestions": accept_suggestions,
            "year": year,
        }
    )
    batch = services.upload_import(
        file.read(),
        filename=file.name or "table.xlsx",
        options=options,
        actor=request.user,
        kind=kind,
    )
    return JsonResponse(_batch(batch), status=201)


@router.get("/imports/{batch_id}", summary="An import with its preview")
def get_import(request, batch_id: int):
    return _batch(get_batch_for_user(request.user, batch_id))


class ColumnsIn(Input):
    header_row: int = Field(ge=1, le=100, description="The header's row number (from 1).")
    fields: dict[str, int | None] = Field(
        description='The column (0 = A) of each field, e.g. {"task": 1, "lead": 3}.'
    )


@router.post("/imports/{batch_id}/columns", summary="Choose the column of each field")
def choose_columns(request, batch_id: int, payload: ColumnsIn):
    batch = get_batch_for_user(request.user, batch_id)
    batch = services.choose_columns(
        batch, actor=request.user, header_row=payload.header_row, fields=payload.fields
    )
    return _batch(batch)


class UnitChoiceIn(Input):
    name: str = Field(description="An unknown name as the preview lists it.")
    unit_id: int | None = Field(None, description="The unit it means (remembered as an alias).")
    parent_id: int | None = Field(None, description="Or: create a unit under this one.")
    new_name: str = Field("", description="The new unit's name (default: the name as written).")
    kind: str = Field("department", description="The new unit's kind.")


class UnitsIn(Input):
    choices: list[UnitChoiceIn]


@router.post("/imports/{batch_id}/units", summary="Map unknown unit names to units")
def map_units(request, batch_id: int, payload: UnitsIn):
    batch = get_batch_for_user(request.user, batch_id)
    choices = []
    for choice in payload.choices:
        unit = _unit(choice.unit_id, "unit_id") if choice.unit_id else None
        parent = _unit(choice.parent_id, "parent_id") if choice.parent_id else None
        if unit is None and parent is None:
            raise InvalidInput(_("Give unit_id or parent_id."), field="choices")
        choices.append(
            services.UnitChoice(
                name=choice.name,
                unit=unit,
                parent=parent,
                new_name=choice.new_name,
                kind=choice.kind,
            )
        )
    return _batch(services.map_units(batch, actor=request.user, choices=choices))


def _unit(pk: int, field: str) -> Unit:
    unit = Unit.objects.filter(pk=pk, is_active=True).first()
    if unit is None:
        raise InvalidInput(_("No active unit %(pk)s.") % {"pk": pk}, field=field)
    return unit


class DatesIn(Input):
    rows: dict[str, str] = Field(
        default_factory=dict,
        description='Per sheet row: a new date (2026-09-30), "ongoing", or "" (as written).',
    )
    past_deadlines: str = Field("", description="One new date for every past time limit.")


@router.post("/imports/{batch_id}/dates", summary="New time limits for past or unreadable ones")
def choose_dates(request, batch_id: int, payload: DatesIn):
    batch = get_batch_for_user(request.user, batch_id)
    batch = services.choose_dates(
        batch, actor=request.user, rows=payload.rows, for_all_past=payload.past_deadlines
    )
    return _batch(batch)


class OptionsIn(Input):
    source: str | None = None
    multi_lead: str | None = None
    accept_suggestions: bool | None = None
    year: int | None = Field(None, ge=2000, le=2100)


@router.post("/imports/{batch_id}/options", summary="Preview again with other options")
def change_options(request, batch_id: int, payload: OptionsIn):
    batch = get_batch_for_user(request.user, batch_id)
    changes = payload.dict(exclude_none=True)
    return _batch(services.change_options(batch, actor=request.user, **changes))


@router.post("/imports/{batch_id}/confirm", summary="Save the previewed table, all or nothing")
def confirm_import(request, batch_id: int):
    batch = services.confirm_import(get_batch_for_user(request.user, batch_id), actor=request.user)
    rows = services.created_matters(batch).values(
        "row_number",
        "number",
        "path",
        "outcome",
        "matter_id",
        "matter__serial_year",
        "matter__serial_no",
        "matter__title",
        "matter__parent_id",
    )
    return {
        **_batch(batch),
        "matters": [
            {
                "row": r["row_number"],
                "number": r["number"],
                "path": r["path"],
                "outcome": r["outcome"],
                "id": r["matter_id"],
                "serial": Matter(
                    serial_year=r["matter__serial_year"], serial_no=r["matter__serial_no"]
                ).serial,
                "title": r["matter__title"],
                "parent": r["matter__parent_id"],
            }
            for r in rows
        ],
    }


class CancelIn(Input):
    comment: str = ""


@router.post("/imports/{batch_id}/cancel", summary="Set a previewed table aside")
def cancel_import(request, batch_id: int, payload: CancelIn):
    batch = get_batch_for_user(request.user, batch_id)
    return _batch(services.cancel_import(batch, actor=request.user, comment=payload.comment))


# --- Ledger -----------------------------------------------------------------------------------


@router.get(
    "/ledger.xlsx",
    summary="The ledger of the filtered matter list (MatterFilter params); 202 with an "
    "export when it is too long to build at once",
)
def ledger(request: HttpRequest) -> HttpResponse:
    result = responses.ledger(request.user, request.GET)
    if isinstance(result, LedgerExport):
        return JsonResponse(responses.export_json(result), status=202)
    return result


@router.get("/exports/{export_id}", summary="A background ledger export: its state and file")
def get_export(request: HttpRequest, export_id: int) -> dict:
    return responses.export_json(exports.get_export_for_user(request.user, export_id))


@router.get("/exports/{export_id}/file", summary="The background ledger's .xlsx, once ready")
def export_file(request: HttpRequest, export_id: int) -> HttpResponse:
    return responses.export_file(exports.get_export_for_user(request.user, export_id))


# --- Bulletins --------------------------------------------------------------------------------


class BulletinPeriodIn(Input):
    period_start: dt.date
    period_end: dt.date


class BulletinEdit(Input):
    version: int
    title: str | None = None
    overall: str | None = None
    praised: str | None = None
    named: str | None = None
    office_backlog: str | None = None
    next_steps: str | None = None


class DocumentVersionIn(Input):
    version: int


def _bulletin(bulletin: Bulletin) -> dict:
    return {
        "id": bulletin.pk,
        "number": bulletin.number_label,
        "state": bulletin.state,
        "version": bulletin.version,
        "period_start": bulletin.period_start.isoformat(),
        "period_end": bulletin.period_end.isoformat(),
        "title": bulletin.title,
        "overall": bulletin.overall,
        "praised": bulletin.praised,
        "named": bulletin.named,
        "office_backlog": bulletin.office_backlog,
        "next_steps": bulletin.next_steps,
        "figures": bulletin.figures,
        "issued_at": bulletin.issued_at.isoformat() if bulletin.issued_at else None,
        "file": f"/api/documents/bulletins/{bulletin.pk}/file" if bulletin.file else None,
    }


@router.get("/bulletins/", summary="Bulletins (issued ones; drafts too for supervisors)")
def list_bulletins(request):
    return {"items": [_bulletin(b) for b in visible_bulletins(request.user)[:100]]}


@router.post("/bulletins/", summary="Draft a bulletin for a period from the data")
def draft_bulletin(request, payload: BulletinPeriodIn):
    bulletin = services.draft_bulletin(actor=request.user, **payload.dict())
    return JsonResponse(_bulletin(bulletin), status=201)


@router.get("/bulletins/{bulletin_id}", summary="One bulletin")
def get_bulletin(request, bulletin_id: int):
    return _bulletin(get_bulletin_for_user(request.user, bulletin_id))


@router.patch("/bulletins/{bulletin_id}", summary="Edit a draft's title and sections")
def edit_bulletin(request, bulletin_id: int, payload: BulletinEdit):
    bulletin = get_bulletin_for_user(request.user, bulletin_id)
    texts = payload.dict(exclude_none=True)
    version = texts.pop("version")
    bulletin = services.update_bulletin(bulletin, actor=request.user, version=version, **texts)
    return _bulletin(bulletin)


@router.post("/bulletins/{bulletin_id}/issue", summary="Issue: number, .docx, mentions")
def issue_bulletin(request, bulletin_id: int, payload: DocumentVersionIn):
    bulletin = get_bulletin_for_user(request.user, bulletin_id)
    bulletin = services.issue_bulletin(bulletin, actor=request.user, version=payload.version)
    return _bulletin(bulletin)


@router.get("/bulletins/{bulletin_id}/file", summary="The issued bulletin's .docx")
def bulletin_file(request: HttpRequest, bulletin_id: int) -> HttpResponse:
    return responses.bulletin_file(get_bulletin_for_user(request.user, bulletin_id))


@router.get("/matters/{matter_id}/bulletins", summary="The bulletins that name a matter")
def matter_bulletins(request, matter_id: int):
    matter = get_matter_for_user(request.user, matter_id)
    return {
        "items": [
            {
                "bulletin": m.bulletin_id,
                "number": m.bulletin.number_label,
                "title": m.bulletin.title,
                "kind": m.kind,
                "unit": m.unit.name,
                "issued_at": m.bulletin.issued_at.isoformat() if m.bulletin.issued_at else None,
            }
            for m in mentions_of_matter(matter)
        ]
    }
