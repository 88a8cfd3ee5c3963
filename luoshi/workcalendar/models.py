"""Corrections to the official holiday calendar, entered by admins."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class DayOverride(models.Model):
    """One day whose working status the admin sets by hand.

    Used for years the chinesecalendar package does not know yet (next year's
    schedule is published in November or December) and for local corrections.
    """

    date = models.DateField(_("date"), unique=True)
    is_workday = models.BooleanField(_("working day"))
    note = models.CharField(_("note"), max_length=100, blank=True)

    class Meta:
        ordering = ["date"]
        verbose_name = _("calendar override")
        verbose_name_plural = _("calendar overrides")

    def __str__(self) -> str:
        return f"{self.date} {'班' if self.is_workday else '休'} {self.note}".strip()
