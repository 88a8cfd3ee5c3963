from django.contrib import admin, messages
from django.utils.translation import gettext as _

from .calendar import years_without_schedule
from .models import DayOverride


@admin.register(DayOverride)
class DayOverrideAdmin(admin.ModelAdmin):
    list_display = ["date", "is_workday", "note"]
    list_filter = ["is_workday"]
    date_hierarchy = "date"

    def changelist_view(self, request, extra_context=None):
        for year in years_without_schedule():
            messages.warning(
                request,
                _(
                    "The official holiday schedule for %(year)s has not been entered: deadlines "
                    "in %(year)s count Monday to Friday only. Add that year's holidays and "
                    "adjusted working days (调休) here."
                )
                % {"year": year},
            )
        return super().changelist_view(request, extra_context)
