"""The documents API: imports (upload, preview, confirm), the ledger, bulletins and mentions.

Endpoints only translate HTTP to documents.services and documents.queries; a domain
error answers with its status and {"code", "message", "field"}, as everywhere in the API.
"""

from __future__ import annotations

import datetime as dt
from functools import wraps

from django.http import FileResponse, JsonResponse
from django.utils.translation import gettext as _
from ninja import File, Form, Router, Schema
from ninja.files import UploadedFile

from luoshi.lib.errors import DomainError, NotFound
from luoshi.matters.queries import get_matter_for_user

from . import services
from .importer import ImportOptions
from .models import Bulletin, ImportBatch
from .queries import (
    get_batch_for_user,
    get_bulletin_for_user,
    mentions_of_matter,
    visible_bulletins,
)
from .views import DOCX, ledger_response

router = Router(tags=["documents"])


def _error(error: DomainError) -> JsonResponse:
    body = {"code": error.code, "message": error.message, "field": error.field}
    return JsonResponse(body, status=error.status)


def endpoint(func):
    """Anonymous → 401; a DomainError → its status with the API's error body.

    (The API's own authentication and error handlers answer the same way; this keeps
    the documents endpoints self-contained.)
    """

    @wraps(func)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            body = {"code": "not_authenticated", "message": _("Log in first."), "field": None}
            return JsonResponse(body, status=401)
        try:
            return func(request, *args, **kwargs)
        except DomainError as error:
            return _error(error)

    return wrapper


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
@endpoint
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
@endpoint
def get_import(request, batch_id: int):
    return _batch(get_batch_for_user(request.user, batch_id))


@router.post("/imports/{batch_id}/confirm", summary="Save the previewed table, all or nothing")
@endpoint
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


# --- Ledger -----------------------------------------------------------------------------------


@router.get("/ledger.xlsx", summary="The ledger of the filtered matter list (MatterFilter params)")
@endpoint
def ledger(request):
    return ledger_response(request)


# --- Bulletins --------------------------------------------------------------------------------


class PeriodIn(Schema):
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
@endpoint
def list_bulletins(request):
    return {"items": [_bulletin(b) for b in visible_bulletins(request.user)[:100]]}


@router.post("/bulletins/", summary="Draft a bulletin for a period from the data")
@endpoint
def draft_bulletin(request, payload: PeriodIn):
    bulletin = services.draft_bulletin(actor=request.user, **payload.dict())
    return JsonResponse(_bulletin(bulletin), status=201)


@router.get("/bulletins/{bulletin_id}", summary="One bulletin")
@endpoint
def get_bulletin(request, bulletin_id: int):
    return _bulletin(get_bulletin_for_user(request.user, bulletin_id))


@router.patch("/bulletins/{bulletin_id}", summary="Edit a draft's title and sections")
@endpoint
def edit_bulletin(request, bulletin_id: int, payload: BulletinEdit):
    bulletin = get_bulletin_for_user(request.user, bulletin_id)
    texts = payload.dict(exclude_none=True)
    version = texts.pop("version")
    bulletin = services.update_bulletin(bulletin, actor=request.user, version=version, **texts)
    return _bulletin(bulletin)


@router.post("/bulletins/{bulletin_id}/issue", summary="Issue: number, .docx, mentions")
@endpoint
def issue_bulletin(request, bulletin_id: int, payload: VersionIn):
    bulletin = get_bulletin_for_user(request.user, bulletin_id)
    bulletin = services.issue_bulletin(bulletin, actor=request.user, version=payload.version)
    return _bulletin(bulletin)


@router.get("/bulletins/{bulletin_id}/file", summary="The issued bulletin's .docx")
@endpoint
def bulletin_file(request, bulletin_id: int):
    bulletin = get_bulletin_for_user(request.user, bulletin_id)
    if not bulletin.file:
        raise NotFound(_("This bulletin has not been issued yet."))
    name = f"督查通报{bulletin.number_label}.docx"
    return FileResponse(
        bulletin.file.open("rb"), as_attachment=True, filename=name, content_type=DOCX
    )


@router.get("/matters/{matter_id}/bulletins", summary="The bulletins that name a matter")
@endpoint
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
