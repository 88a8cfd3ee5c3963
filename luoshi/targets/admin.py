"""Targets in the admin: read-only; targets and actuals change through targets.services."""

from django.contrib import admin

from luoshi.lib.web import ReadOnlyAdmin

from .models import ActualReport, Target


@admin.register(Target)
class TargetAdmin(ReadOnlyAdmin):
    list_display = ["name", "unit", "year", "yearly_value", "measure", "direction", "warning"]
    list_filter = ["year", "warning"]
    list_select_related = ["unit"]


@admin.register(ActualReport)
class ActualReportAdmin(ReadOnlyAdmin):
    list_display = ["target", "month", "value", "source", "reported_by", "reported_at"]
    list_filter = ["month"]
    list_select_related = ["target", "reported_by"]
