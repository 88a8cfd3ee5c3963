"""The Django admin for matters: reading everything, configuring policies.

Matters change state only through matters.services (pages, API, commands), so the
admin shows them read-only; policies, templates and calendars are edited here.
"""

from django.contrib import admin

from luoshi.lib.web import ReadOnlyAdmin

from .models import (
    Dispute,
    Extension,
    Hastening,
    Matter,
    MatterEvent,
    MatterStanding,
    MatterUnit,
    Milestone,
    MilestoneTemplate,
    MilestoneTemplateItem,
    Policy,
    ProgressReport,
    SourcePolicy,
)


class PartInline(admin.TabularInline):
    model = MatterUnit
    fields = ["unit", "role", "state", "active", "accept_due", "accepted_at", "progress"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


class MilestoneInline(PartInline):
    model = Milestone
    fields = ["title", "deadline", "deliverable", "done_at"]
    readonly_fields = fields


class EventInline(PartInline):
    model = MatterEvent
    fields = ["at", "kind", "actor", "unit", "from_state", "to_state", "comment"]
    readonly_fields = fields


@admin.register(Matter)
class MatterAdmin(ReadOnlyAdmin):
    list_display = [
        "serial",
        "title",
        "kind",
        "source",
        "lead_unit",
        "state",
        "warning",
        "deadline",
        "progress",
    ]
    list_filter = ["state", "warning", "kind", "source", "priority"]
    search_fields = ["title", "serial_no"]
    list_select_related = ["lead_unit"]
    date_hierarchy = "deadline"
    inlines = [PartInline, MilestoneInline, EventInline]
    show_full_result_count = False


@admin.register(MatterEvent)
class MatterEventAdmin(ReadOnlyAdmin):
    list_display = ["at", "matter", "kind", "actor", "unit", "from_state", "to_state"]
    list_filter = ["kind"]
    list_select_related = ["matter", "actor", "unit"]
    show_full_result_count = False


@admin.register(Dispute)
class DisputeAdmin(ReadOnlyAdmin):
    list_display = ["matter", "unit", "reason_code", "state", "raised_at", "ruling"]
    list_filter = ["state", "reason_code"]


@admin.register(Extension)
class ExtensionAdmin(ReadOnlyAdmin):
    list_display = ["matter", "unit", "current_deadline", "requested_deadline", "state"]
    list_filter = ["state"]


@admin.register(ProgressReport)
class ProgressReportAdmin(ReadOnlyAdmin):
    list_display = ["matter", "unit", "percent", "created_at"]


@admin.register(Hastening)
class HasteningAdmin(ReadOnlyAdmin):
    list_display = ["notice", "matter", "unit", "day", "repeats"]


@admin.register(MatterStanding)
class MatterStandingAdmin(ReadOnlyAdmin):
    """Derived by matters.history; read here to see a matter's warnings day by day."""

    list_display = ["matter", "state", "warning", "deadline", "valid_from", "valid_to"]
    list_filter = ["state", "warning"]
    raw_id_fields = ["matter"]


class TemplateItemInline(admin.TabularInline):
    model = MilestoneTemplateItem
    extra = 3


@admin.register(MilestoneTemplate)
class MilestoneTemplateAdmin(admin.ModelAdmin):
    list_display = ["name", "kind"]
    inlines = [TemplateItemInline]


@admin.register(Policy)
class PolicyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return not Policy.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(SourcePolicy)
class SourcePolicyAdmin(admin.ModelAdmin):
    list_display = [
        "source",
        "requires_leader_approval",
        "normal_workdays",
        "urgent_workdays",
        "very_urgent_workdays",
    ]
    list_editable = [
        "requires_leader_approval",
        "normal_workdays",
        "urgent_workdays",
        "very_urgent_workdays",
    ]

    def has_delete_permission(self, request, obj=None):
        return False
