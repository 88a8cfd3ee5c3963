"""The documents API: imports (upload, preview, confirm), the ledger, bulletins and mentions.

Endpoints only translate HTTP to documents.services and documents.queries (the files come
from documents.responses, shared with the pages); authentication and refusals are the
API's own (luoshi/api.py): 401, and {"code", "message", "field"} with the error's status.
"""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest, HttpResponse, JsonResponse
from ninja import File, Form, Router, Schema
from ninja.files import UploadedFile

from luoshi.matters.queries import get_matter_for_user

from . import exports, responses, services
from .importer import ImportOptions
from .models import Bulletin, ImportBatch, LedgerExport
from .queries import (
    get_batch_for_user,
    get_bulletin_for_user,
    mentions_of_matter,
    visible_bulletins,
)

router = Router(tags=["documents"])


# --- Imports ----------------------------------------------------------------------------------


def _batch(batch: ImportBatch) -> dict:
    return {
        "id": batch.pk,
        "filename": batch.filename,
        "sha256": batch.sha256,
        "state": batch.state,
        "options": batch.options,
        "created_count": batch.created_count,
        "preview": batch.preview,
    }


@router.post("/imports/", summary="Upload a task table and get its preview")
def upload_import(
    request,
    file: File[UploadedFile],
    source: Form[str] = "work_report",
    multi_lead: Form[str] = "co",
    accept_suggestions: Form[bool] = False,
    year: Form[int | None] = None,
):
    options = ImportOptions(
        source=source, multi_lead=multi_lead, accept_suggestions=accept_suggestions, year=year
    )
    batch = services.upload_import(
        file.read(), filename=file.name or "table.xlsx", options=options, actor=request.user
    )
    return JsonResponse(_batch(batch), status=201)


@router.get("/imports/{batch_id}", summary="An import with its preview")
def get_import(request, batch_id: int):
    return _batch(get_batch_for_user(request.user, batch_id))


@router.post("/imports/{batch_id}/confirm", summary="Save the previewed table, all or nothing")
def confirm_import(request, batch_id: int):
    batch = services.confirm_import(get_batch_for_user(request.user, batch_id), actor=request.user)
    rows = services.created_matters(batch)
    return {
        **_batch(batch),
        "matters": [
            {
                "row": r.row_number,
                "id": r.matter_id,
                "serial": r.matter.serial,
                "title": r.matter.title,
                "parent": r.matter.parent_id,
            }
            for r in rows
        ],
    }


class CancelIn(Schema):
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


class BulletinPeriodIn(Schema):
    period_start: dt.date
    period_end: dt.date


class BulletinEdit(Schema):
    version: int
    title: str | None = None
    overall: str | None = None
    praised: str | None = None
    named: str | None = None
    office_backlog: str | None = None
    next_steps: str | None = None


class VersionIn(Schema):
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
def issue_bulletin(request, bulletin_id: int, payload: VersionIn):
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
