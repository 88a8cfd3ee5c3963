"""Evaluation in the admin: read-only; schemes, periods and items change through services,
which append an EvaluationEvent for each change."""

from django.contrib import admin

from luoshi.lib.web import ReadOnlyAdmin

from .models import Adjustment, EvaluationEvent, Period, Scheme, Scorecard


@admin.register(Scheme)
class SchemeAdmin(ReadOnlyAdmin):
    list_display = ["name", "version", "base", "published_at"]


@admin.register(Period)
class PeriodAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "kind", "start", "end", "state", "scheme"]
    list_filter = ["kind", "state"]


@admin.register(Adjustment)
class AdjustmentAdmin(ReadOnlyAdmin):
    list_display = ["period", "unit", "kind", "points", "reason", "withdrawn_at"]
    list_select_related = ["period", "unit"]


@admin.register(Scorecard)
class ScorecardAdmin(ReadOnlyAdmin):
    list_display = ["period", "unit", "group", "score", "rank", "rank_change"]
    list_filter = ["group"]
    list_select_related = ["period", "unit"]


@admin.register(EvaluationEvent)
class EvaluationEventAdmin(ReadOnlyAdmin):
    list_display = ["at", "kind", "actor", "period", "unit"]
    list_filter = ["kind"]
    list_select_related = ["actor", "period", "unit"]
