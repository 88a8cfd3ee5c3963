"""Office documents: imported task tables and issued bulletins (督查通报)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ImportState(models.TextChoices):
    PREVIEWED = "previewed", _("Previewed, not saved")
    IMPORTED = "imported", _("Imported")


class MultiLead(models.TextChoices):
    """What several units in one lead cell mean (the office chooses per import)."""

    CO_UNITS = "co", _("The first unit leads, the others share the lead as co-units")
    SPLIT = "split", _("One matter per lead unit")


class ImportBatch(models.Model):
    """One upload of a task decomposition table (任务分解表): the file, its preview, its result.

    The file's sha256 identifies it: a file already imported is refused as a whole.
    """

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

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        constraints = [
            models.UniqueConstraint(
                fields=["sha256"],
                condition=models.Q(state="imported"),
                name="one_import_per_file",
            )
        ]

    def __str__(self) -> str:
        return f"{self.filename} ({self.get_state_display()})"


class ImportedRow(models.Model):
    """A row of an imported table and the matter it became; `key` stops a second import.

    The key is a hash of the row's task, measure and lead units (documents.importer),
    so the same row in a later, revised table is recognised and skipped.
    """

    batch = models.ForeignKey(ImportBatch, models.PROTECT, related_name="rows")
    row_number = models.PositiveIntegerField(_("row"))
    key = models.CharField(max_length=64, unique=True)
    matter = models.ForeignKey("matters.Matter", models.PROTECT, related_name="+")

    class Meta:
        ordering = ["batch", "row_number", "id"]
        verbose_name = _("imported row")
        verbose_name_plural = _("imported rows")

    def __str__(self) -> str:
        return f"{self.batch_id}:{self.row_number}"


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
        """〔2026〕第3期; empty while a draft (the number is given on issue)."""
        return f"〔{self.year}〕第{self.number}期" if self.number else ""

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
