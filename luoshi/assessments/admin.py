"""The admin: the office edits templates (with their goals and criteria) and the bottom
lines here — the ratings' configuration. Records the services own are read-only."""

from django.contrib import admin

from luoshi.lib.web import ReadOnlyAdmin

from .models import (
    Assessment,
    AssessmentCycle,
    AssessmentEvent,
    AssessmentTemplate,
    BottomLine,
    BranchActivity,
    Criterion,
    Goal,
    Incident,
)


class NoDelete:
    """Configuration is archived (is_active), never deleted: history points at it."""

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class GoalInline(NoDelete, admin.TabularInline):
    model = Goal
    extra = 0


class CriterionInline(NoDelete, admin.TabularInline):
    model = Criterion
    extra = 0


@admin.register(AssessmentTemplate)
class AssessmentTemplateAdmin(NoDelete, admin.ModelAdmin):
    list_display = ["name", "code", "awards_stars", "is_active"]
    inlines = [GoalInline]


@admin.register(Goal)
class GoalAdmin(NoDelete, admin.ModelAdmin):
    list_display = ["name", "template", "threshold", "order"]
    list_filter = ["template"]
    inlines = [CriterionInline]


@admin.register(BottomLine)
class BottomLineAdmin(NoDelete, admin.ModelAdmin):
    list_display = ["name", "min_severity", "order", "is_active"]


@admin.register(AssessmentCycle)
class AssessmentCycleAdmin(ReadOnlyAdmin):
    list_display = ["name", "template", "period_start", "period_end", "state"]


@admin.register(Assessment)
class AssessmentAdmin(ReadOnlyAdmin):
    list_display = ["unit", "cycle", "state", "stars"]
    list_filter = ["state", "cycle"]
    list_select_related = ["unit", "cycle"]


@admin.register(AssessmentEvent)
class AssessmentEventAdmin(ReadOnlyAdmin):
    list_display = ["assessment", "kind", "at", "actor"]


@admin.register(Incident)
class IncidentAdmin(ReadOnlyAdmin):
    list_display = ["title", "kind", "severity", "unit", "occurred_on", "voided_at"]
    list_filter = ["kind", "severity"]


@admin.register(BranchActivity)
class BranchActivityAdmin(ReadOnlyAdmin):
    list_display = ["unit", "type", "held_on", "topic", "attended", "expected"]
    list_filter = ["type"]
