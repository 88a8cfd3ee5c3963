"""What dispatch learns from: past dispatches, and the trained models."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from luoshi.lib.eventlog import AppendOnlyModel


class PastDispatch(AppendOnlyModel):
    """A request handled before the platform (an office's exported history, 历史工单).

    Loaded by `luoshi dispatch import-history`; training reads these beside the
    platform's own dispatched requests.
    """

    # no natural subject: one hash chain per day (luoshi.lib.eventchain)
    chain_by = None
    chain_day = "imported_at"

    text = models.TextField(_("request"))
    category = models.ForeignKey(
        "citizens.Category", models.PROTECT, null=True, blank=True, related_name="+"
    )
    unit = models.ForeignKey("org.Unit", models.PROTECT, null=True, blank=True, related_name="+")
    received_on = models.DateField(_("received on"), null=True, blank=True)
    source_file = models.CharField(_("file"), max_length=255, blank=True)
    row = models.PositiveIntegerField(_("row"), null=True, blank=True)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+"
    )
    imported_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("past dispatch")
        verbose_name_plural = _("past dispatches")
        indexes = [models.Index(fields=["imported_at"], name="pastdispatch_imported")]

    def __str__(self) -> str:
        return self.text[:40]


class DispatchModel(AppendOnlyModel):
    """One trained dispatch model: its file under the var dir and that file's SHA-256.

    The newest row is the one in use. The file is loaded only when its digest
    matches the one recorded here, so a file swapped on disk is never unpickled.
    """

    # no natural subject: one hash chain per day (luoshi.lib.eventchain)
    chain_by = None
    chain_day = "trained_at"

    file = models.CharField(_("file"), max_length=255)
    sha256 = models.CharField(max_length=64)
    examples = models.PositiveIntegerField(_("examples"))
    categories = models.PositiveIntegerField(_("categories"))
    units = models.PositiveIntegerField(_("units"))
    seconds = models.FloatField(_("training seconds"))
    trained_at = models.DateTimeField(_("trained at"), auto_now_add=True)
    trained_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+"
    )
    metrics = models.JSONField(_("evaluation"), default=dict, blank=True)

    class Meta:
        ordering = ["-trained_at", "-id"]
        verbose_name = _("dispatch model")
        verbose_name_plural = _("dispatch models")

    def __str__(self) -> str:
        return f"{self.trained_at:%Y-%m-%d %H:%M} · {self.examples}"
