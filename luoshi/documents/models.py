"""Office documents: imported task tables and issued bulletins (督查通报)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from luoshi.lib.eventlog import EventRecord


class ImportState(models.TextChoices):
    PREVIEWED = "previewed", _("Previewed, not saved")
    IMPORTED = "imported", _("Imported")
    CANCELLED = "cancelled", _("Cancelled")


class MultiLead(models.TextChoices):
    """What several units in one lead cell mean (the office chooses per import)."""

    CO_UNITS = "co", _("The first unit leads, the others share the lead as co-units")
    SPLIT = "split", _("One matter per lead unit")


class ImportOutcome(models.TextChoices):
    """What an import did with a row's matter."""

    CREATED = "created", _("Created")
    UPDATED = "updated", _("Updated")
    UNCHANGED = "unchanged", _("Unchanged")


class ImportBatch(models.Model):
    """One upload of a table (任务分解表 or another kind): the file, its preview, its result.

    The preview is recomputed from the file and `options` at each step and on confirm.
    A batch that `revises` an earlier one updated the matters that one created.
    """

    kind = models.CharField(_("kind of table"), max_length=16, default="task")
    file = models.FileField(_("file"), upload_to="imports/%Y/%m/")
    filename = models.CharField(_("file name"), max_length=255)
    sha256 = models.CharField(max_length=64, db_index=True)
    source = models.CharField(_("source"), max_length=16)
    options = models.JSONField(_("options"), default=dict, blank=True)
    state = models.CharField(
        _("state"), max_length=16, choices=ImportState.choices, default=ImportState.PREVIEWED
    )
    preview = models.JSONField(_("preview"), default=dict, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("uploaded by")
    )
    created_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)
    imported_at = models.DateTimeField(_("imported at"), null=True, blank=True)
    created_count = models.PositiveIntegerField(_("matters created"), default=0)
    revises = models.ForeignKey(
        "self",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="revisions",
        verbose_name=_("revises the import"),
    )
    updated_count = models.PositiveIntegerField(_("matters updated"), default=0)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        indexes = [models.Index(fields=["kind", "state", "imported_at"], name="import_kind_state")]

    def __str__(self) -> str:
        return f"{self.filename} ({self.get_state_display()})"


class ImportedRow(models.Model):
    """A record an import wrote or matched (a matter), and where it stands in the table.

    `number` is the row's own 序号 as written ("3", "（一）"; empty when the office left
    it blank); `path` the 序号 chain from the table's top ("一/（二）/3", "#2" for the
    second unnumbered row) — with the title it recognises the row in a revised table;
    `row_number` is the sheet row, so (batch, row_number) is the table's own order. A
    revision adds a row per matter it created, updated or left unchanged.
    """

    batch = models.ForeignKey(ImportBatch, models.PROTECT, related_name="rows")
    row_number = models.PositiveIntegerField(_("row"))
    key = models.CharField(max_length=64, db_index=True)
    matter = models.ForeignKey("matters.Matter", models.PROTECT, related_name="+")
    number = models.CharField(_("number in the table"), max_length=32, blank=True)
    path = models.CharField(_("place in the table"), max_length=255, blank=True)
    title_key = models.CharField(max_length=32, db_index=True, blank=True)
    outcome = models.CharField(
        _("outcome"), max_length=16, choices=ImportOutcome.choices, default=ImportOutcome.CREATED
    )

    class Meta:
        ordering = ["batch", "row_number", "id"]
        verbose_name = _("imported row")
        verbose_name_plural = _("imported rows")
        constraints = [
            models.UniqueConstraint(
                fields=["batch", "matter"], name="one_row_per_matter_per_import"
            )
        ]
        indexes = [models.Index(fields=["matter", "batch"], name="imported_row_matter")]

    def __str__(self) -> str:
        return f"{self.batch_id}:{self.row_number}"


def bulletin_reference(year: int, number: int) -> str:
    """The 发文字号 of a bulletin under the office's setting (LUOSHI BULLETIN_NUMBER_STYLE)."""
    if settings.LUOSHI.get("BULLETIN_NUMBER_STYLE") == "issue":
        return f"〔{year}〕第{number}期"
    return f"{settings.LUOSHI.get('BULLETIN_ISSUER_CODE', '')}〔{year}〕{number}号"


class ColumnMapping(models.Model):
    """The columns an office chose for a table header, used again for that header.

    A header is known by its signature (documents.tables.Table.signature), so the next
    version of the same table is read with the same columns without asking.
    """

    kind = models.CharField(_("kind of table"), max_length=16)
    signature = models.CharField(max_length=32)
    office = models.ForeignKey(
        "org.Unit",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("office"),
    )
    header_row = models.PositiveSmallIntegerField(_("header row"))
    fields = models.JSONField(_("columns"), default=dict)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("chosen by")
    )
    updated_at = models.DateTimeField(_("chosen at"), auto_now=True)

    class Meta:
        verbose_name = _("column mapping")
        verbose_name_plural = _("column mappings")
        indexes = [models.Index(fields=["kind", "signature"], name="column_mapping_signature")]

    def __str__(self) -> str:
        return f"{self.kind} {self.signature[:8]}"


class BulletinState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    ISSUED = "issued", _("Issued")


class Bulletin(models.Model):
    """A supervision bulletin (督查通报) for a period: figures, praised and named units.

    Drafted from the data, edited by a supervisor, then issued as a Word document in
    the official format (GB/T 9704-2012); the issued file is kept. `figures` holds
    what the draft was computed from, including which units and matters it names.
    """

    period_start = models.DateField(_("period from"))
    period_end = models.DateField(_("period to"))
    year = models.PositiveSmallIntegerField(_("year"))
    number = models.PositiveIntegerField(_("issue number"), null=True, blank=True)
    title = models.CharField(_("title"), max_length=200)
    overall = models.TextField(_("overall situation"), blank=True)
    praised = models.TextField(_("units praised"), blank=True)
    named = models.TextField(_("units named"), blank=True)
    next_steps = models.TextField(_("next steps"), blank=True)
    figures = models.JSONField(_("figures"), default=dict, blank=True)
    state = models.CharField(
        _("state"), max_length=16, choices=BulletinState.choices, default=BulletinState.DRAFT
    )
    version = models.PositiveIntegerField(_("version"), default=1)
    file = models.FileField(_("issued file"), upload_to="bulletins/%Y/", blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("drafted by")
    )
    created_at = models.DateTimeField(_("drafted at"), auto_now_add=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("issued by"),
    )
    issued_at = models.DateTimeField(_("issued at"), null=True, blank=True)
    # The 发文字号 as issued ("〔2026〕3号"): kept, so a later change of the numbering
    # setting never renumbers a document already sent.
    reference = models.CharField(_("document number"), max_length=50, blank=True)
    # 督查室待办: the office's own backlog, so it holds itself to the units' standard.
    office_backlog = models.TextField(_("office backlog"), blank=True)

    class Meta:
        ordering = ["-year", "-number", "-id"]
        verbose_name = _("bulletin")
        verbose_name_plural = _("bulletins")
        constraints = [
            models.UniqueConstraint(
                fields=["year", "number"],
                condition=models.Q(number__isnull=False),
                name="uniq_bulletin_number",
            )
        ]

    def __str__(self) -> str:
        return f"{self.number_label} {self.title}".strip()

    @property
    def number_label(self) -> str:
        """〔2026〕3号 (or 〔2026〕第3期 in the 简报 style); empty while a draft."""
        if self.reference or not self.number:
            return self.reference
        return bulletin_reference(self.year, self.number)

    @property
    def is_issued(self) -> bool:
        return self.state == BulletinState.ISSUED


class MentionKind(models.TextChoices):
    PRAISED = "praised", _("Praised")
    NAMED = "named", _("Named")


class BulletinMention(models.Model):
    """A unit (and, when named, one of its matters) that an issued bulletin praises or names."""

    bulletin = models.ForeignKey(Bulletin, models.PROTECT, related_name="mentions")
    unit = models.ForeignKey("org.Unit", models.PROTECT, related_name="bulletin_mentions")
    matter = models.ForeignKey(
        "matters.Matter",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="bulletin_mentions",
    )
    kind = models.CharField(_("kind"), max_length=8, choices=MentionKind.choices)

    class Meta:
        ordering = ["bulletin", "kind", "unit", "id"]
        verbose_name = _("bulletin mention")
        verbose_name_plural = _("bulletin mentions")
        indexes = [
            models.Index(fields=["matter", "bulletin"], name="mention_matter"),
            models.Index(fields=["unit", "bulletin"], name="mention_unit"),
        ]

    def __str__(self) -> str:
        return f"{self.bulletin_id} {self.get_kind_display()} {self.unit_id}"


class ExportState(models.TextChoices):
    PENDING = "pending", _("Being prepared")
    READY = "ready", _("Ready")
    FAILED = "failed", _("Failed")


class LedgerExport(models.Model):
    """A ledger (台账) too long to build while the user waits, built in the background.

    It keeps the filter it was asked with and is built with the requester's visibility;
    its file is served only to the requester (documents.exports), never publicly.
    """

    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        related_name="+",
        verbose_name=_("requested by"),
    )
    params = models.JSONField(_("filter"), default=dict, blank=True)
    filter_text = models.CharField(_("filter applied"), max_length=500, blank=True)
    state = models.CharField(
        _("state"), max_length=16, choices=ExportState.choices, default=ExportState.PENDING
    )
    row_count = models.PositiveIntegerField(_("matters"), default=0)
    file = models.FileField(_("file"), upload_to="exports/%Y/%m/", blank=True)
    error = models.CharField(_("error"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("ledger export")
        verbose_name_plural = _("ledger exports")
        indexes = [models.Index(fields=["requested_by", "created_at"], name="export_requester")]

    def __str__(self) -> str:
        return f"{self.pk} {self.get_state_display()} {self.row_count}"


class ImportEventKind(models.TextChoices):
    PREVIEWED = "import.previewed", _("Previewed")
    CONFIRMED = "import.confirmed", _("Imported")
    CANCELLED = "import.cancelled", _("Cancelled")


class ImportEvent(EventRecord):
    """One step of an import (previewed, imported, cancelled): who, when, with what counts."""

    # hash chain per subject (luoshi.lib.eventchain)
    chain_by = "batch"

    batch = models.ForeignKey(
        ImportBatch, models.PROTECT, related_name="events", verbose_name=_("import")
    )
    kind = models.CharField(_("kind"), max_length=32, choices=ImportEventKind.choices)

    class Meta(EventRecord.Meta):
        verbose_name = _("import event")
        verbose_name_plural = _("import events")
        indexes = [models.Index(fields=["batch", "at"], name="import_event_at")]


class BulletinEventKind(models.TextChoices):
    DRAFTED = "bulletin.drafted", _("Drafted")
    EDITED = "bulletin.edited", _("Edited")
    ISSUED = "bulletin.issued", _("Issued")


class BulletinEvent(EventRecord):
    """One step of a bulletin (drafted, edited, issued): who, when, what changed."""

    # hash chain per subject (luoshi.lib.eventchain)
    chain_by = "bulletin"

    bulletin = models.ForeignKey(
        Bulletin, models.PROTECT, related_name="events", verbose_name=_("bulletin")
    )
    kind = models.CharField(_("kind"), max_length=32, choices=BulletinEventKind.choices)

    class Meta(EventRecord.Meta):
        verbose_name = _("bulletin event")
        verbose_name_plural = _("bulletin events")
        indexes = [models.Index(fields=["bulletin", "at"], name="bulletin_event_at")]
