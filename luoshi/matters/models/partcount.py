"""A unit's parts counted by bucket: what a unit user's desk and list counts read."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from .choices import MatterWarning, State


class PartCount(models.Model):
    """How many active parts of dispatched matters a unit holds, per bucket (the part's
    state, its matter's state and report cycle: MatterUnit.counted) and per the matter's
    warning: the sum of a key's rows. Derived rows, added by matters.partcounts in the
    same transaction as every change of a matter or its parts — a delta is a new row,
    never an update, so that no two changes wait on one row — and folded into one row a
    key by the nightly scan (`partcounts.compact`); `luoshi rebuild_rollups` recounts."""

    unit = models.ForeignKey("org.Unit", models.CASCADE, related_name="+", db_index=False)
    bucket = models.CharField(max_length=64)
    warning = models.CharField(_("warning"), max_length=16, choices=MatterWarning.choices)
    n = models.IntegerField(default=0)

    class Meta:
        verbose_name = _("unit part count")
        verbose_name_plural = _("unit part counts")
        indexes = [models.Index(fields=["unit"], name="part_count_unit")]

    def __str__(self) -> str:
        return f"{self.unit_id} {self.bucket} {self.warning}: {self.n}"


class AreaCount(models.Model):
    """How many dispatched matters an area holds — a unit and every unit below it — per
    matter state and warning: a matter is counted once in each area where any of its
    active parts lies, however many of the area's units hold it. What the desk and the
    lists of a head with units below read (a county head's area: 266 units, 99k parts,
    hashed for every count). Derived rows kept as PartCount's (matters.areacounts): a
    delta is a new row, folded nightly; `luoshi rebuild_rollups` recounts."""

    area = models.ForeignKey("org.Unit", models.CASCADE, related_name="+", db_index=False)
    state = models.CharField(_("state"), max_length=24, choices=State.choices)
    warning = models.CharField(_("warning"), max_length=16, choices=MatterWarning.choices)
    n = models.IntegerField(default=0)

    class Meta:
        verbose_name = _("area matter count")
        verbose_name_plural = _("area matter counts")
        indexes = [models.Index(fields=["area"], name="area_count_area")]

    def __str__(self) -> str:
        return f"{self.area_id} {self.state} {self.warning}: {self.n}"
