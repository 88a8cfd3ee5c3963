"""Targets in the admin: read-only; targets, plans, actuals and closed months change
through targets.services, which appends a TargetEvent for each change."""

from django.contrib import admin

from luoshi.lib.web import ReadOnlyAdmin

from .models import ActualReport, ClosedMonth, Target, TargetEvent


@admin.register(Target)
class TargetAdmin(ReadOnlyAdmin):
    list_display = ["name", "unit", "year", "yearly_value", "measure", "plan_version", "warning"]
    list_filter = ["year", "warning"]
    list_select_related = ["unit"]


@admin.register(ActualReport)
class ActualReportAdmin(ReadOnlyAdmin):
    list_display = ["target", "month", "value", "source", "reported_by", "reported_at"]
    list_filter = ["month"]
    list_select_related = ["target", "reported_by"]


@admin.register(ClosedMonth)
class ClosedMonthAdmin(ReadOnlyAdmin):
    list_display = ["target", "month", "plan_version", "planned", "actual", "status", "closed_at"]
    list_filter = ["month", "status"]
    list_select_related = ["target"]


@admin.register(TargetEvent)
class TargetEventAdmin(ReadOnlyAdmin):
    list_display = ["target", "kind", "actor", "at"]
    list_filter = ["kind"]
    list_select_related = ["target", "actor"]
