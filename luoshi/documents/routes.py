"""Who may use the documents pages and API operations (luoshi.lib.routes).

Imports are the office's (others do not see them: 404); issued bulletins are read by
staff holding a role, drafts only by the office; the ledger shows each user the
matters they see, and a background ledger export is its requester's alone (anyone
else, the office too, gets 404: it was built with the requester's visibility).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile

from luoshi.lib.routes import (
    OFFICE,
    OFFICE_OBJECT,
    SIGNED_IN,
    STAFF_OBJECT,
    VISIBLE,
    Policy,
    Route,
)

# An issued bulletin: staff read it, only the office may change it (and it may not).
OFFICE_ON_ISSUED = Policy(
    "the office, on an issued bulletin",
    allowed="supervisor",
    refused={"lead_handler": 403, "nobody": 404},
)

# A background ledger export: only who asked for it reads it (documents.exports.exports_for).
OWN_EXPORT = Policy(
    "the export's requester",
    allowed="lead_handler",
    refused={"other_handler": 404, "supervisor": 404},
)
BATCH = {"pk": "batch"}

ROUTES = {
    "documents:index": Route(SIGNED_IN),
    "documents:import_upload": Route(OFFICE),
    "documents:import_preview": Route(OFFICE_OBJECT, pk="batch"),
    "documents:import_confirm": Route(OFFICE_OBJECT, method="POST", pk="batch"),
    **{
        f"documents:import_{step}": Route(OFFICE_OBJECT, method="POST", **BATCH)
        for step in ("columns", "units", "dates", "options")
    },
    "documents:import_accept_suggestions": Route(OFFICE_OBJECT, method="POST", pk="batch"),
    "documents:import_cancel": Route(OFFICE_OBJECT, method="POST", pk="batch"),
    "documents:ledger": Route(SIGNED_IN),
    "documents:export_list": Route(SIGNED_IN, note="each user their own exports"),
    "documents:export_file": Route(OWN_EXPORT, pk="export"),
    "documents:bulletin_list": Route(SIGNED_IN),
    "documents:bulletin_detail": Route(STAFF_OBJECT, pk="bulletin"),
    "documents:bulletin_issue": Route(OFFICE_OBJECT, method="POST", pk="draft"),
    "documents:bulletin_file": Route(STAFF_OBJECT, pk="bulletin"),
    "POST /api/documents/imports/": Route(OFFICE, body={"file": lambda world: _table()}),
    "GET /api/documents/imports/{batch_id}": Route(OFFICE_OBJECT, batch_id="batch"),
    **{
        f"POST /api/documents/imports/{{batch_id}}/{step}": Route(OFFICE_OBJECT, batch_id="batch")
        for step in ("columns", "units", "dates", "options")
    },
    "POST /api/documents/imports/{batch_id}/confirm": Route(OFFICE_OBJECT, batch_id="batch"),
    "POST /api/documents/imports/{batch_id}/cancel": Route(OFFICE_OBJECT, batch_id="batch"),
    "GET /api/documents/ledger.xlsx": Route(SIGNED_IN),
    "GET /api/documents/exports/{export_id}": Route(OWN_EXPORT, export_id="export"),
    "GET /api/documents/exports/{export_id}/file": Route(OWN_EXPORT, export_id="export"),
    "GET /api/documents/bulletins/": Route(SIGNED_IN),
    "POST /api/documents/bulletins/": Route(OFFICE),
    "GET /api/documents/bulletins/{bulletin_id}": Route(STAFF_OBJECT, bulletin_id="bulletin"),
    "PATCH /api/documents/bulletins/{bulletin_id}": Route(OFFICE_ON_ISSUED, bulletin_id="bulletin"),
    "POST /api/documents/bulletins/{bulletin_id}/issue": Route(OFFICE_OBJECT, bulletin_id="draft"),
    "GET /api/documents/bulletins/{bulletin_id}/file": Route(STAFF_OBJECT, bulletin_id="bulletin"),
    "GET /api/documents/matters/{matter_id}/bulletins": Route(VISIBLE, matter_id="matter"),
}


def _table() -> SimpleUploadedFile:
    """A file to upload: the API asks for one before it asks who uploads (the file is optional
    in the schema so that its absence is answered with the field's name)."""
    return SimpleUploadedFile("样例.xlsx", b"PK")


def sample(world: Any) -> None:
    """A previewed import, the lead handler's built ledger export, an issued bulletin and
    a draft."""
    from pathlib import Path

    from luoshi.documents import exports, services
    from luoshi.documents.importer import TaskOptions

    table = Path(__file__).parent / "tests" / "fixtures" / "decomposition_2026.xlsx"
    world.batch = services.upload_import(
        table.read_bytes(),
        filename=table.name,
        options=TaskOptions(source="work_report"),
        actor=world.supervisor,
    )
    period = {"period_start": dt.date(2026, 1, 1), "period_end": dt.date(2026, 3, 31)}
    issued = services.draft_bulletin(actor=world.supervisor, **period)
    world.bulletin = services.issue_bulletin(issued, actor=world.supervisor, version=None)
    world.draft = services.draft_bulletin(actor=world.supervisor, **period)
    # Built here, not after commit: the sample runs inside the test's transaction.
    export = exports.request_export(actor=world.lead_handler, params={})
    world.export = exports.build_export(export.pk)
