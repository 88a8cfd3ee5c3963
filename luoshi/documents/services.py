"""Every operation of documents that changes state: imports and bulletins.

Imports: `upload_import` stores the file with its preview; `choose_columns`,
`map_units`, `choose_dates` and `change_options` answer what the preview asks and
preview again; `confirm_import` saves it, all or nothing, through the kind of import
(documents.engine) and the matter services. Bulletins: `draft_bulletin` computes a
draft from the data, `update_bulletin` edits it, `issue_bulletin` numbers it, renders the
Word file and records whom it praises and names. Only supervisors (and admins) act.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass

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
from luoshi.org import services as org_services
from luoshi.org.models import Membership, Role, Unit, UnitKind

from . import official_document, permissions
from .engine import ImportOptions, Preview, kind_for
from .models import (
    Bulletin,
    BulletinEvent,
    BulletinEventKind,
    BulletinMention,
    BulletinState,
    ColumnMapping,
    ImportBatch,
    ImportedRow,
    ImportEvent,
    ImportEventKind,
    ImportState,
    MentionKind,
    bulletin_reference,
)
from .parsing import bracket_parts
from .queries import BACKLOG_WORDS, PeriodFigures, backlog_line, lag_reason, period_figures
from .tables import ColumnChoice, read_table


def require_supervisor(actor: User, action: str) -> None:
    permissions.require(permissions.may_act, actor, action)


# --- Imports ---------------------------------------------------------------------------------
#
# A batch goes upload → preview → (choose columns, map units, choose dates, change
# options: each a new preview of the same file) → confirm. Every step re-reads the
# file and rebuilds the preview with the kind (documents.engine), so what is confirmed
# is what was last shown; `_moved` is the one place a batch's state is recorded.


def preview_file(
    data: bytes, options: ImportOptions, *, actor: User, kind: str = "task"
) -> Preview:
    """Read and understand a table without writing anything (the command's --dry-run)."""
    require_supervisor(actor, _("import tables"))
    return _preview(data, kind_for(kind), options, actor, None)


def _preview(data: bytes, kind, options: ImportOptions, actor: User, batch) -> Preview:
    options.validate()
    table = read_table(data, kind.schema, options.column_choice())
    if options.columns is None:
        remembered = _remembered_mapping(kind.name, table.signature, actor)
        if remembered is not None:
            table = read_table(data, kind.schema, remembered)
    return kind.build_preview(table, options, actor=actor, batch=batch)


def _office_of(actor: User) -> Unit | None:
    membership = (
        Membership.objects.filter(user=actor, role__in=[Role.SUPERVISOR, Role.ADMIN])
        .select_related("unit")
        .order_by("id")
        .first()
    )
    return membership.unit if membership else None


def _remembered_mapping(kind: str, signature: str, actor: User) -> ColumnChoice | None:
    mapping = (
        ColumnMapping.objects.filter(kind=kind, signature=signature, office=_office_of(actor))
        .order_by("-updated_at")
        .first()
    )
    if mapping is None:
        return None
    return ColumnChoice(header_row=mapping.header_row, fields=mapping.fields)


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _read_file(batch: ImportBatch) -> bytes:
    with batch.file.open("rb") as handle:
        return handle.read()


def _options(batch: ImportBatch) -> ImportOptions:
    return kind_for(batch.kind).options_class.from_dict(batch.options)


# The event each step of an import leaves (a new preview of the same file is a preview).
STEP_EVENTS: dict[str, ImportEventKind] = {
    ImportState.PREVIEWED: ImportEventKind.PREVIEWED,
    ImportState.IMPORTED: ImportEventKind.CONFIRMED,
    ImportState.CANCELLED: ImportEventKind.CANCELLED,
}


def _moved(
    batch: ImportBatch, state: str, *, actor: User, step: str, comment: str = "", **data
) -> None:
    """Save the batch in its new state and append its ImportEvent: the one place an
    import's steps are recorded."""
    batch.state = state
    batch.save()
    counts = (batch.preview or {}).get("counts", {}) if state == ImportState.PREVIEWED else {}
    ImportEvent.objects.create(
        batch=batch,
        kind=STEP_EVENTS[state],
        actor=actor,
        comment=comment,
        data={"step": step, **({"counts": counts} if counts else {}), **data},
    )


@transaction.atomic
def upload_import(
    data: bytes, *, filename: str, options: ImportOptions, actor: User, kind: str = "task"
) -> ImportBatch:
    """Keep an uploaded table with its preview, so the supervisor can check it before saving.

    A table whose columns were not recognised is kept too: its preview asks for them.
    """
    preview = preview_file(data, options, actor=actor, kind=kind)
    batch = ImportBatch(
        kind=kind,
        filename=filename[:255],
        sha256=_sha256(data),
        source=getattr(options, "source", ""),
        options=options.as_dict(),
        preview=preview.as_dict(),
        created_by=actor,
    )
    batch.file.save(filename, ContentFile(data), save=False)
    _moved(batch, ImportState.PREVIEWED, actor=actor, step="uploaded")
    return batch


def _lock_previewed(batch: ImportBatch, actor: User) -> ImportBatch:
    require_supervisor(actor, _("import tables"))
    # The stored preview is rebuilt by every step: not read (it can weigh megabytes).
    batch = ImportBatch.objects.select_for_update().defer("preview").get(pk=batch.pk)
    if batch.state == ImportState.CANCELLED:
        raise IllegalTransition(_("This import was cancelled: upload the table again."))
    if batch.state != ImportState.PREVIEWED:
        raise IllegalTransition(_("This import was already saved."))
    return batch


def _refresh(batch: ImportBatch, options: ImportOptions, actor: User, step: str) -> ImportBatch:
    """The same file previewed anew with `options`; the batch keeps them."""
    preview = _preview(_read_file(batch), kind_for(batch.kind), options, actor, batch)
    batch.options = options.as_dict()
    batch.source = getattr(options, "source", batch.source)
    batch.preview = preview.as_dict()
    _moved(batch, ImportState.PREVIEWED, actor=actor, step=step)
    return batch


@transaction.atomic
def change_options(batch: ImportBatch, *, actor: User, **changes) -> ImportBatch:
    """Preview again with other options: the source, several leads, near-miss units, the
    year, new dates for rows whose time limit is past or unreadable."""
    batch = _lock_previewed(batch, actor)
    options = _options(batch)
    for name, value in changes.items():
        if not hasattr(options, name) or name == "columns":
            raise InvalidInput(_("%(field)s cannot be changed.") % {"field": name}, field=name)
        setattr(options, name, value)
    return _refresh(batch, options, actor, "options")


@transaction.atomic
def choose_dates(
    batch: ImportBatch, *, actor: User, rows: dict[str, str], for_all_past: str = ""
) -> ImportBatch:
    """New time limits for rows whose written one is past or unreadable ("" keeps it)."""
    batch = _lock_previewed(batch, actor)
    options = _options(batch)
    deadlines = {**options.deadlines, **{str(k): v for k, v in rows.items()}}
    options.deadlines = {k: v for k, v in deadlines.items() if v}
    options.past_deadlines = for_all_past or ""
    return _refresh(batch, options, actor, "dates")


@transaction.atomic
def choose_columns(
    batch: ImportBatch, *, actor: User, header_row: int, fields: dict[str, int | None]
) -> ImportBatch:
    """The user's column for each field; remembered for tables with the same header."""
    batch = _lock_previewed(batch, actor)
    kind = kind_for(batch.kind)
    known = {f.name for f in kind.schema.fields}
    chosen = {name: int(col) for name, col in fields.items() if col not in (None, "", -1)}
    _check_columns(chosen, known, header_row, kind)
    options = _options(batch)
    options.columns = {"header_row": header_row, "fields": chosen}
    batch = _refresh(batch, options, actor, "columns")
    _remember_mapping(kind.name, batch.preview["signature"], header_row, chosen, actor)
    return batch


def _check_columns(chosen: dict[str, int], known: set[str], header_row: int, kind) -> None:
    if header_row < 1:
        raise InvalidInput(_("The header row is a row number from 1."), field="header_row")
    for name, col in chosen.items():
        if name not in known:
            raise InvalidInput(_("Unknown field: %(field)s") % {"field": name}, field=name)
        if col < 0:
            raise InvalidInput(_("Choose a column."), field=name)
    columns = list(chosen.values())
    if len(set(columns)) != len(columns):
        raise InvalidInput(_("Each column can hold one field only."), field="fields")
    labels = kind.schema.labels()
    for need in kind.schema.required:
        if not need & set(chosen):
            wanted = "／".join(labels[n] for n in sorted(need))
            raise InvalidInput(
                _("Choose the column of %(field)s.") % {"field": wanted}, field=sorted(need)[0]
            )


def _remember_mapping(kind: str, signature: str, header_row: int, fields: dict, actor: User):
    office = _office_of(actor)
    mapping = ColumnMapping.objects.filter(kind=kind, signature=signature, office=office).first()
    if mapping is None:
        mapping = ColumnMapping(kind=kind, signature=signature, office=office)
    mapping.header_row, mapping.fields, mapping.updated_by = header_row, fields, actor
    mapping.save()


@dataclass
class UnitChoice:
    """What to do with an unknown unit name: read it as `unit` (remembered as its alias),
    or create a unit called `new_name` (default: the name as written) under `parent`."""

    name: str
    unit: Unit | None = None
    parent: Unit | None = None
    new_name: str = ""
    kind: str = UnitKind.DEPARTMENT


@transaction.atomic
def map_units(batch: ImportBatch, *, actor: User, choices: list[UnitChoice]) -> ImportBatch:
    """Apply each choice to the unit list (an alias, or a new unit); preview once after."""
    unknown = {u["name"] for u in batch.preview.get("unknown_units", [])}  # as the user saw
    batch = _lock_previewed(batch, actor)
    for choice in choices:
        if choice.name not in unknown:
            raise InvalidInput(
                _("“%(name)s” is not among the unknown names of this table.")
                % {"name": choice.name},
                field="name",
            )
        _apply_unit_choice(choice, actor)
    return _refresh(batch, _options(batch), actor, "units")


def _apply_unit_choice(choice: UnitChoice, actor: User) -> Unit:
    if choice.unit is not None:
        return org_services.add_alias(choice.unit, bracket_parts(choice.name)[0], actor=actor)
    base, inner = bracket_parts(choice.new_name or choice.name)
    aliases = [inner] if inner else []
    if choice.new_name and choice.new_name != choice.name:
        aliases.append(bracket_parts(choice.name)[0])
    spec = org_services.UnitSpec(base, choice.kind, choice.parent, aliases)
    return org_services.create_unit(spec, actor=actor)


def confirm_import(batch: ImportBatch, *, actor: User) -> ImportBatch:
    """Save the table, all or nothing; the preview is recomputed first.

    Refused (nothing changes) when any row still has a problem. New rows become draft
    matters; rows of an earlier import of the same table update their matters.
    """
    require_supervisor(actor, _("import tables"))
    try:
        with transaction.atomic():
            return _confirm(batch, actor)
    except IntegrityError as error:  # a parallel confirm of the same batch
        raise IllegalTransition(_("This import was just saved by someone else.")) from error


def _confirm(batch: ImportBatch, actor: User) -> ImportBatch:
    batch = _lock_previewed(batch, actor)
    # Two confirms of one kind wait for each other here, so the second pairs its rows with
    # what the first saved instead of registering them again.
    list(
        ImportBatch.objects.select_for_update()
        .filter(kind=batch.kind, state=ImportState.IMPORTED)
        .order_by("-id")
        .values_list("pk", flat=True)[:1]
    )
    kind = kind_for(batch.kind)
    preview = _preview(_read_file(batch), kind, _options(batch), actor, batch)
    batch.preview = preview.as_dict()
    if not preview.is_valid:
        first = next((p for p in preview.problems if p.blocking), None)
        if first is None:
            raise InvalidInput(
                _("Nothing was imported: choose the table's columns first."), field="columns"
            )
        raise InvalidInput(
            _("Nothing was imported: row %(row)s, %(column)s: %(message)s")
            % {"row": first.row, "column": first.column, "message": first.message},
            field=f"row {first.row}",
        )
    revises = preview.extra.get("revises")
    batch.revises_id = revises["id"] if revises else None
    batch.created_count = kind.save(preview, actor=actor, batch=batch)
    batch.imported_at = timezone.now()
    _moved(
        batch,
        ImportState.IMPORTED,
        actor=actor,
        step="confirmed",
        created=batch.created_count,
        updated=batch.updated_count,
    )
    return batch


@transaction.atomic
def cancel_import(batch: ImportBatch, *, actor: User, comment: str = "") -> ImportBatch:
    """Set a previewed table aside: it can no longer be confirmed (the file is kept)."""
    batch = _lock_previewed(batch, actor)
    _moved(batch, ImportState.CANCELLED, actor=actor, step="cancelled", comment=comment)
    return batch


def created_matters(batch: ImportBatch):
    return (
        ImportedRow.objects.filter(batch=batch)
        .select_related("matter", "matter__lead_unit")
        .order_by("row_number", "id")
    )


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
