"""The official holiday schedules the office enters, and single-day corrections."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class HolidaySchedule(models.Model):
    """One year's official holiday schedule (节假日安排), as the office entered it.

    The State Council publishes it late in the year before (国务院办公厅关于某年部分节假日
    安排的通知). Until then the year is provisional (luoshi.lib.workdays); once entered,
    its holidays and make-up working days are DayOverride rows pointing here, and every
    deadline counted provisionally is recounted (workcalendar.services.enter_schedule).
    """

    year = models.PositiveSmallIntegerField(_("year"), unique=True)
    notice = models.CharField(_("notice"), max_length=100, blank=True)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("entered by")
    )
    entered_at = models.DateTimeField(_("entered at"), auto_now_add=True)
    recounted = models.PositiveIntegerField(_("deadlines recounted"), default=0)

    class Meta:
        ordering = ["-year"]
        verbose_name = _("holiday schedule")
        verbose_name_plural = _("holiday schedules")

    def __str__(self) -> str:
        return f"{self.year} {self.notice}".strip()


class DayOverride(models.Model):
    """One day whose working status is set by hand or by an entered schedule.

    Rows with a `schedule` are that schedule's holidays and make-up working days
    (调休上班); rows without are an admin's local corrections.
    """

    date = models.DateField(_("date"), unique=True)
    is_workday = models.BooleanField(_("working day"))
    note = models.CharField(_("note"), max_length=100, blank=True)
    schedule = models.ForeignKey(
        HolidaySchedule,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="days",
        verbose_name=_("holiday schedule"),
    )

    class Meta:
        ordering = ["date"]
        verbose_name = _("calendar override")
        verbose_name_plural = _("calendar overrides")

    def __str__(self) -> str:
        return f"{self.date} {'班' if self.is_workday else '休'} {self.note}".strip()
