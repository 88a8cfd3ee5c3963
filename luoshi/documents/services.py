"""Every operation of documents that changes state: imports and bulletins.

Imports: `upload_import` stores the file with its preview; `confirm_import` saves it,
all or nothing, through the matter services. Bulletins: `draft_bulletin` computes a
draft from the data, `update_bulletin` edits it, `issue_bulletin` numbers it, renders the
Word file and records whom it praises and names. Only supervisors (and admins) act.
"""

from __future__ import annotations

import datetime as dt
import hashlib

from django.conf import settings
from django.contrib.auth.models import User
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from luoshi.lib.errors import IllegalTransition, InvalidInput
from luoshi.lib.eventlog import bump_and_save, lock_for_change
from luoshi.matters.models import SerialCounter
from luoshi.org.models import Membership, Role

from . import official_document, permissions
from .importer import ImportOptions, Preview, build_preview, save_preview
from .models import (
    Bulletin,
    BulletinEvent,
    BulletinEventKind,
    BulletinMention,
    BulletinState,
    ImportBatch,
    ImportedRow,
    ImportEvent,
    ImportEventKind,
    ImportState,
    MentionKind,
    bulletin_reference,
)
from .queries import BACKLOG_WORDS, PeriodFigures, backlog_line, lag_reason, period_figures
from .tables import read_table

MAX_UPLOAD_BYTES = 10 * 1024 * 1024


def require_supervisor(actor: User, action: str) -> None:
    permissions.require(permissions.may_act, actor, action)


# --- Imports ----------------------------------------------------------------------------------


def preview_file(data: bytes, options: ImportOptions, *, actor: User) -> Preview:
    """Read and understand a table without writing anything (the command's --dry-run)."""
    require_supervisor(actor, _("import tables"))
    if len(data) > MAX_UPLOAD_BYTES:
        raise InvalidInput(_("The file is larger than 10 MB."), field="file")
    preview = build_preview(read_table(data), options, actor=actor)
    earlier = _imported_batch(_sha256(data))
    if earlier:
        preview.file_problems.append(_already_imported(earlier))
    return preview


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _imported_batch(sha256: str) -> ImportBatch | None:
    return ImportBatch.objects.filter(sha256=sha256, state=ImportState.IMPORTED).first()


def _already_imported(batch: ImportBatch):
    from .importer import Problem

    return Problem(
        row=0,
        column="",
        message=_("This file was already imported on %(day)s (import %(id)s); nothing to do.")
        % {"day": timezone.localdate(batch.imported_at), "id": batch.pk},
        suggestion=_("Import only a revised table: rows already imported are skipped."),
    )


@transaction.atomic
def upload_import(
    data: bytes, *, filename: str, options: ImportOptions, actor: User
) -> ImportBatch:
    """Keep an uploaded table with its preview, so the supervisor can check it before saving."""
    preview = preview_file(data, options, actor=actor)
    batch = ImportBatch(
        filename=filename[:255],
        sha256=_sha256(data),
        source=options.source,
        options=options.as_dict(),
        preview=preview.as_dict(),
        created_by=actor,
    )
    batch.file.save(filename, ContentFile(data), save=False)
    batch.save()
    counts = batch.preview.get("counts", {})
    ImportEvent.objects.create(
        batch=batch, kind=ImportEventKind.PREVIEWED, actor=actor, data={"counts": counts}
    )
    return batch


def preview_again(batch: ImportBatch, *, actor: User, **changes) -> ImportBatch:
    """The same file previewed anew with other options (e.g. accepting unit suggestions)."""
    require_supervisor(actor, _("import tables"))
    options = ImportOptions(**{**batch.options, **changes})
    with batch.file.open("rb") as handle:
        data = handle.read()
    return upload_import(data, filename=batch.filename, options=options, actor=actor)


def confirm_import(batch: ImportBatch, *, actor: User) -> ImportBatch:
    """Save the table as matters, all or nothing; the preview is recomputed first.

    Refused (nothing changes) when the file was already imported, or when any row still
    has a problem. Rows an earlier import created are skipped.
    """
    require_supervisor(actor, _("import tables"))
    try:
        with transaction.atomic():
            return _confirm(batch, actor)
    except IntegrityError as error:  # a parallel confirm of the same file or rows
        raise IllegalTransition(_("This file or some of its rows were just imported.")) from error


def _confirm(batch: ImportBatch, actor: User) -> ImportBatch:
    batch = ImportBatch.objects.select_for_update().get(pk=batch.pk)
    if batch.state == ImportState.IMPORTED:
        raise IllegalTransition(_("This import was already saved."))
    if batch.state == ImportState.CANCELLED:
        raise IllegalTransition(_("This import was cancelled: upload the table again."))
    earlier = _imported_batch(batch.sha256)
    if earlier:
        raise IllegalTransition(_already_imported(earlier).message)
    with batch.file.open("rb") as handle:
        data = handle.read()
    preview = build_preview(read_table(data), ImportOptions(**batch.options), actor=actor)
    batch.preview = preview.as_dict()
    if not preview.is_valid:
        first = next(p for p in preview.problems if p.blocking)
        raise InvalidInput(
            _("Nothing was imported: row %(row)s, %(column)s: %(message)s")
            % {"row": first.row, "column": first.column, "message": first.message},
            field=f"row {first.row}",
        )
    created = save_preview(preview, actor=actor, batch=batch)
    batch.state, batch.imported_at, batch.created_count = (
        ImportState.IMPORTED,
        timezone.now(),
        len(created),
    )
    batch.save()
    ImportEvent.objects.create(
        batch=batch, kind=ImportEventKind.CONFIRMED, actor=actor, data={"created": len(created)}
    )
    return batch


@transaction.atomic
def cancel_import(batch: ImportBatch, *, actor: User, comment: str = "") -> ImportBatch:
    """Set a previewed table aside: it can no longer be confirmed (the file is kept)."""
    require_supervisor(actor, _("import tables"))
    batch = ImportBatch.objects.select_for_update().get(pk=batch.pk)
    if batch.state != ImportState.PREVIEWED:
        raise IllegalTransition(
            _("Only a previewed import can be cancelled (it is %(state)s).")
            % {"state": batch.get_state_display()}
        )
    batch.state = ImportState.CANCELLED
    batch.save(update_fields=["state"])
    ImportEvent.objects.create(
        batch=batch, kind=ImportEventKind.CANCELLED, actor=actor, comment=comment
    )
    return batch


def created_matters(batch: ImportBatch):
    return ImportedRow.objects.filter(batch=batch).select_related("matter", "matter__lead_unit")


# --- Bulletins --------------------------------------------------------------------------------

TEXT_FIELDS = ("title", "overall", "praised", "named", "office_backlog", "next_steps")


@transaction.atomic
def draft_bulletin(*, actor: User, period_start: dt.date, period_end: dt.date) -> Bulletin:
    """A draft bulletin for the period, its text written from the period's figures."""
    require_supervisor(actor, _("draft bulletins"))
    if period_end < period_start:
        raise InvalidInput(_("The period ends before it starts."), field="period_end")
    figures = period_figures(actor, period_start, period_end)
    texts = draft_texts(figures)
    bulletin = Bulletin.objects.create(
        period_start=period_start,
        period_end=period_end,
        year=period_end.year,
        figures=figures.as_dict(),
        created_by=actor,
        **texts,
    )
    BulletinEvent.objects.create(bulletin=bulletin, kind=BulletinEventKind.DRAFTED, actor=actor)
    return bulletin


def draft_texts(figures: PeriodFigures) -> dict[str, str]:
    """The draft's title and sections, written in the office's words by text templates."""
    context = {
        "f": figures,
        "named": [
            (unit, [(m, lag_reason(m, figures.today)) for m in matters])
            for unit, matters in figures.named.items()
        ],
        "backlog": "、".join(
            f"{words}{figures.backlog[kind]['pending']}项"
            for kind, words in BACKLOG_WORDS.items()
            if figures.backlog.get(kind, {}).get("pending")
        ),
        "backlog_late": [backlog_line(item) for item in figures.backlog_late],
    }
    return {
        name: render_to_string(f"documents/bulletin/{name}.txt", context).strip()
        for name in TEXT_FIELDS
    }


def _lock_draft(bulletin: Bulletin, version: int | None) -> Bulletin:
    fresh = lock_for_change(
        Bulletin.objects.all(),
        bulletin.pk,
        version,
        current=bulletin.version,
        describe=lambda b: str(_("The bulletin")),
    )
    if fresh.state != BulletinState.DRAFT:
        raise IllegalTransition(_("The bulletin is already issued and cannot change."))
    return fresh


@transaction.atomic
def update_bulletin(
    bulletin: Bulletin, *, actor: User, version: int | None, **texts: str
) -> Bulletin:
    """Edit a draft's title and sections."""
    require_supervisor(actor, _("edit bulletins"))
    bulletin = _lock_draft(bulletin, version)
    for name, value in texts.items():
        if name not in TEXT_FIELDS:
            raise InvalidInput(_("%(field)s cannot be changed.") % {"field": name}, field=name)
        setattr(bulletin, name, (value or "").strip())
    if not bulletin.title:
        raise InvalidInput(_("The title is required."), field="title")
    bump_and_save(bulletin)
    BulletinEvent.objects.create(
        bulletin=bulletin,
        kind=BulletinEventKind.EDITED,
        actor=actor,
        data={"fields": sorted(texts)},
    )
    return bulletin


@transaction.atomic
def issue_bulletin(bulletin: Bulletin, *, actor: User, version: int | None) -> Bulletin:
    """Number the bulletin, write its .docx, record the units and matters it mentions."""
    require_supervisor(actor, _("issue bulletins"))
    bulletin = _lock_draft(bulletin, version)
    if not bulletin.title.strip():
        raise InvalidInput(_("The title is required."), field="title")
    now = timezone.now()
    bulletin.number = _next_number(bulletin.year)
    bulletin.reference = bulletin_reference(bulletin.year, bulletin.number)
    bulletin.state, bulletin.issued_by, bulletin.issued_at = BulletinState.ISSUED, actor, now
    bulletin.version += 1
    data = official_document.render(_document(bulletin, actor))
    bulletin.file.save(f"bulletin-{bulletin.year}-{bulletin.number}.docx", ContentFile(data))
    _record_mentions(bulletin)
    BulletinEvent.objects.create(
        bulletin=bulletin,
        kind=BulletinEventKind.ISSUED,
        actor=actor,
        data={"number": bulletin.number_label},
    )
    return bulletin


def _next_number(year: int) -> int:
    counter, _created = SerialCounter.objects.select_for_update().get_or_create(
        series="bulletin", year=year
    )
    counter.last += 1
    counter.save(update_fields=["last"])
    return counter.last


def _issuer(actor: User) -> str:
    membership = (
        Membership.objects.filter(user=actor, role__in=[Role.SUPERVISOR, Role.ADMIN])
        .select_related("unit")
        .first()
    )
    return membership.unit.name if membership else "督查室"


def _document(bulletin: Bulletin, actor: User) -> official_document.OfficialDocument:
    return official_document.OfficialDocument(
        masthead="督查通报",
        number=bulletin.number_label,
        issuer=_issuer(actor),
        date=timezone.localdate(bulletin.issued_at),
        title=bulletin.title,
        sections=[
            ("总体情况", bulletin.overall),
            ("表扬单位", bulletin.praised),
            ("通报单位", bulletin.named),
            ("督查室待办", bulletin.office_backlog),
            ("下一步工作", bulletin.next_steps),
        ],
        copy_to=settings.LUOSHI.get("BULLETIN_COPY_TO", ""),
        issue_style=settings.LUOSHI.get("BULLETIN_NUMBER_STYLE") == "issue",
    )


def _record_mentions(bulletin: Bulletin) -> list[BulletinMention]:
    """From the figures the draft was computed from: praised units, named units' matters."""
    figures = bulletin.figures
    rows = [
        BulletinMention(bulletin=bulletin, unit_id=unit_id, kind=MentionKind.PRAISED)
        for unit_id in figures.get("praised", [])
    ]
    for unit_id, matter_ids in figures.get("named", {}).items():
        rows += [
            BulletinMention(
                bulletin=bulletin, unit_id=int(unit_id), matter_id=pk, kind=MentionKind.NAMED
            )
            for pk in matter_ids
        ]
    return BulletinMention.objects.bulk_create(rows)
