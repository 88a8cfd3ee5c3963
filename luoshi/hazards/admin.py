"""The admin: the office edits categories and the policy here; the register itself is
read-only (hazards.services own it)."""

from django.contrib import admin

from luoshi.lib.web import ReadOnlyAdmin

from .models import (
    Hazard,
    HazardCategory,
    HazardEvent,
    HazardPolicy,
    InspectionCampaign,
    Reinspection,
    Verification,
)


@admin.register(HazardCategory)
class HazardCategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "order", "is_active"]
    list_editable = ["order", "is_active"]

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # archived (is_active), never deleted: hazards keep their category


@admin.register(HazardPolicy)
class HazardPolicyAdmin(admin.ModelAdmin):
    list_display = ["__str__", "general_workdays", "serious_workdays", "reinspection_days"]

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Hazard)
class HazardAdmin(ReadOnlyAdmin):
    list_display = ["serial", "title", "level", "category", "unit", "responsible_unit"]
    list_filter = ["level", "category", "listed_supervision"]
    search_fields = ["title", "address"]
    list_select_related = ["category", "unit", "responsible_unit"]


@admin.register(Verification)
class VerificationAdmin(ReadOnlyAdmin):
    list_display = ["hazard", "checked_on", "unit", "passed"]
    list_select_related = ["hazard", "unit"]


@admin.register(Reinspection)
class ReinspectionAdmin(ReadOnlyAdmin):
    list_display = ["hazard", "kind", "checked_on", "unit", "relapsed"]
    list_select_related = ["hazard", "unit"]


@admin.register(HazardEvent)
class HazardEventAdmin(ReadOnlyAdmin):
    list_display = ["hazard", "kind", "at", "actor"]
    list_select_related = ["hazard", "actor"]


@admin.register(InspectionCampaign)
class InspectionCampaignAdmin(ReadOnlyAdmin):
    list_display = ["name", "organiser", "started_on", "ended_on"]
