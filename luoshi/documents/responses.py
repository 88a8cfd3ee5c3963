"""The files documents serves, built once for the pages and the API alike."""

from __future__ import annotations

import tempfile
from collections.abc import Mapping

from django.contrib.auth.models import User
from django.http import FileResponse, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from luoshi.lib.errors import NotFound
from luoshi.lib.storage import open_stored

from . import exports
from .ledger import describe_filter, write_ledger
from .models import Bulletin, LedgerExport

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def ledger(user: User, params: Mapping) -> HttpResponse | LedgerExport:
    """The ledger of the list the user filtered, as the matter list shows it.

    Up to LUOSHI["LEDGER_INTERACTIVE_ROWS"] matters it is written now (streamed into a
    temporary file); past that a background export is recorded and returned instead, for
    the page to point at the exports page and the API to answer 202. An unreadable
    filter is refused (InvalidInput naming the field).
    """
    matter_filter = exports.parse_filter(params)
    queryset = exports.ledger_queryset(user, matter_filter, params)
    # Only whether the ledger is longer than the limit matters: count at most limit + 1
    # rows, so the supervisor's unfiltered ledger does not count a million matters.
    limit = exports.interactive_limit()
    if queryset.order_by()[: limit + 1].count() > limit:
        return exports.request_export(actor=user, params=params)
    out = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)  # noqa: SIM115 (FileResponse closes it)
    write_ledger(
        queryset,
        out,
        filter_text=describe_filter(matter_filter),
        as_of=matter_filter.as_of,
        since=matter_filter.since,
    )
    out.seek(0)
    name = f"督查督办台账-{timezone.localdate():%Y%m%d}.xlsx"
    return FileResponse(out, as_attachment=True, filename=name, content_type=XLSX)


def export_json(export: LedgerExport) -> dict:
    return {
        "id": export.pk,
        "state": export.state,
        "filter": export.filter_text,
        "row_count": export.row_count,
        "created_at": export.created_at.isoformat(),
        "file": f"/api/documents/exports/{export.pk}/file" if export.file else None,
    }


def export_file(export: LedgerExport) -> FileResponse:
    """A background ledger's .xlsx; NotFound while it is being prepared."""
    if not export.file:
        raise NotFound(_("This export is not ready."))
    name = f"督查督办台账-{timezone.localtime(export.created_at):%Y%m%d-%H%M}.xlsx"
    return FileResponse(
        open_stored(export.file), as_attachment=True, filename=name, content_type=XLSX
    )


def bulletin_file(bulletin: Bulletin) -> FileResponse:
    """The issued bulletin's .docx; NotFound while it is a draft."""
    if not bulletin.file:
        raise NotFound(_("This bulletin has not been issued yet."))
    name = f"督查通报{bulletin.number_label}.docx"
    return FileResponse(
        open_stored(bulletin.file), as_attachment=True, filename=name, content_type=DOCX
    )
