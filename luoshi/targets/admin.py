"""Targets in the admin: read-only; targets and actuals change through targets.services."""

from django.contrib import admin

from .models import ActualReport, Target


@admin.register(Target)
class TargetAdmin(admin.ModelAdmin):
    list_display = ["name", "unit", "year", "yearly_value", "measure", "direction", "warning"]
    list_filter = ["year", "warning"]
    list_select_related = ["unit"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(ActualReport)
class ActualReportAdmin(TargetAdmin):
    list_display = ["target", "month", "value", "source", "reported_by", "reported_at"]
    list_filter = ["month"]
    list_select_related = ["target", "reported_by"]
