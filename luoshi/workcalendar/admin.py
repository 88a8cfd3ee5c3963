from django.contrib import admin, messages
from django.utils.translation import gettext as _

from luoshi.lib.web import ReadOnlyAdmin

from .calendar import years_without_schedule
from .models import DayOverride, HolidaySchedule


@admin.register(DayOverride)
class DayOverrideAdmin(admin.ModelAdmin):
    list_display = ["date", "is_workday", "note", "schedule"]
    list_filter = ["is_workday", "schedule"]
    date_hierarchy = "date"

    def changelist_view(self, request, extra_context=None):
        for year in years_without_schedule():
            messages.warning(
                request,
                _(
                    "The official holiday schedule for %(year)s has not been entered: deadlines "
                    "in %(year)s are provisional (statutory holidays assumed, make-up working "
                    "days unknown). Enter the State Council's notice on the calendar page."
                )
                % {"year": year},
            )
        return super().changelist_view(request, extra_context)


@admin.register(HolidaySchedule)
class HolidayScheduleAdmin(ReadOnlyAdmin):
    """Entered on the calendar page (workcalendar.services), which also recounts deadlines."""

    list_display = ["year", "notice", "entered_by", "entered_at", "recounted"]
