"""Evaluation in the admin: read-only; schemes, periods and items change through services."""

from django.contrib import admin

from .models import Adjustment, Period, Scheme, Scorecard


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Scheme)
class SchemeAdmin(ReadOnly):
    list_display = ["name", "version", "base", "published_at"]


@admin.register(Period)
class PeriodAdmin(ReadOnly):
    list_display = ["__str__", "kind", "start", "end", "state", "scheme"]
    list_filter = ["kind", "state"]


@admin.register(Adjustment)
class AdjustmentAdmin(ReadOnly):
    list_display = ["period", "unit", "kind", "points", "reason"]
    list_select_related = ["period", "unit"]


@admin.register(Scorecard)
class ScorecardAdmin(ReadOnly):
    list_display = ["period", "unit", "group", "score", "rank", "rank_change"]
    list_filter = ["group"]
    list_select_related = ["period", "unit"]
