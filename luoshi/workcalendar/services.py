"""Entering a year's official holiday schedule, and recounting what was counted without it.

`preview_schedule` reads the notice's text or a table and checks it (nothing is saved);
`enter_schedule` saves the checked days as the year's HolidaySchedule and, in the same
transaction, recounts every provisional deadline through the matter services. Only the
office (supervisors and admins) enters schedules.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from luoshi.lib.errors import IllegalTransition, InvalidInput, NotAllowed
from luoshi.lib.workdays import official_years
from luoshi.matters.services import recount_provisional_deadlines
from luoshi.matters.services.deadlines import provisional_count
from luoshi.org.access import Access, access_for

from . import schedule
from .models import DayOverride, HolidaySchedule
from .schedule import ScheduleDraft

MAX_UPLOAD_BYTES = 1024 * 1024


def may_enter_schedule(access: Access) -> bool:
    """The office enters the schedules: it receives the State Council's notice."""
    return access.is_office


def require_office(actor: User) -> None:
    if not may_enter_schedule(access_for(actor)):
        raise NotAllowed(_("Only the office enters the holiday schedule."))


@dataclass
class SchedulePreview:
    """A checked draft, and how many matters its entry would recount."""

    draft: ScheduleDraft
    provisional_matters: int

    @property
    def is_valid(self) -> bool:
        return not self.draft.problems


def preview_schedule(
    *, actor: User, year: int, text: str = "", data: bytes | None = None, filename: str = ""
) -> SchedulePreview:
    """Read and check a schedule without saving it: the notice's text, or a table file."""
    require_office(actor)
    _check_year(year)
    if data is not None:
        if len(data) > MAX_UPLOAD_BYTES:
            raise InvalidInput(_("The file is larger than 1 MB."), field="file")
        draft = schedule.read_table(data, filename, year)
    else:
        draft = schedule.read_notice(text, year)
    return SchedulePreview(schedule.check(draft), provisional_count())


def _check_year(year: int) -> None:
    if not 2000 <= year <= 2100:
        raise InvalidInput(_("Give a year between 2000 and 2100."), field="year")
    if year in official_years():
        raise InvalidInput(
            _("The official schedule of %(year)s is built in already.") % {"year": year},
            field="year",
        )
    entered = HolidaySchedule.objects.filter(year=year).select_related("entered_by").first()
    if entered is not None:
        raise IllegalTransition(
            _(
                "The schedule of %(year)s was entered on %(day)s by %(user)s; correct single "
                "days in the calendar overrides."
            )
            % {"year": year, "day": entered.entered_at.date(), "user": entered.entered_by}
        )


def enter_schedule(*, actor: User, year: int, text: str, notice: str = "") -> HolidaySchedule:
    """Save the year's schedule and recount every provisional deadline, all or nothing."""
    preview = preview_schedule(actor=actor, year=year, text=text)
    if not preview.is_valid:
        raise InvalidInput("；".join(preview.draft.problems[:5]), field="text")
    try:
        with transaction.atomic():
            return _save(preview.draft, actor, notice)
    except IntegrityError as error:  # the same year entered at the same moment
        raise IllegalTransition(
            _("The schedule of %(year)s was just entered.") % {"year": year}
        ) from error


def _save(draft: ScheduleDraft, actor: User, notice: str) -> HolidaySchedule:
    entry = HolidaySchedule.objects.create(
        year=draft.year, notice=(notice or "").strip()[:100], entered_by=actor
    )
    days = {d.day: d for d in draft.days}
    existing = DayOverride.objects.select_for_update().in_bulk(list(days), field_name="date")
    for day, row in existing.items():
        row.is_workday, row.schedule = days[day].is_workday, entry
        row.note = _note(days.pop(day))
    DayOverride.objects.bulk_update(existing.values(), ["is_workday", "schedule", "note"])
    DayOverride.objects.bulk_create(
        DayOverride(date=d.day, is_workday=d.is_workday, note=_note(d), schedule=entry)
        for d in days.values()
    )
    entry.recounted = recount_provisional_deadlines(actor=actor)
    entry.save(update_fields=["recounted"])
    return entry


def _note(day: schedule.ScheduleDay) -> str:
    kind = "调休上班" if day.is_workday else "放假"
    return f"{day.festival}{kind}"[:100]
