"""A unit's parts counted by bucket: what a unit user's desk and list counts read."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from .choices import MatterWarning


class PartCount(models.Model):
    """How many active parts of dispatched matters a unit holds, per bucket (the part's
    state, its matter's state and report cycle: MatterUnit.counted) and per the matter's
    warning. Derived rows, kept by matters.partcounts in the same transaction as every
    change of a matter or its parts; `luoshi rebuild_rollups` recounts them."""

    unit = models.ForeignKey("org.Unit", models.CASCADE, related_name="+", db_index=False)
    bucket = models.CharField(max_length=64)
    warning = models.CharField(_("warning"), max_length=16, choices=MatterWarning.choices)
    n = models.IntegerField(default=0)

    class Meta:
        verbose_name = _("unit part count")
        verbose_name_plural = _("unit part counts")
        constraints = [
            models.UniqueConstraint(fields=["unit", "bucket", "warning"], name="part_count_bucket")
        ]

    def __str__(self) -> str:
        return f"{self.unit_id} {self.bucket} {self.warning}: {self.n}"
