"""The admin: requests and their events read-only (services own them); the category
table, reply templates and the hotline policy edited here too."""

from django.contrib import admin

from luoshi.lib.web import ReadOnlyAdmin

from .models import (
    Category,
    CitizenEvent,
    CitizenPolicy,
    CitizenRequest,
    DispatchModel,
    PastDispatch,
    ReplyTemplate,
)


@admin.register(CitizenRequest)
class CitizenRequestAdmin(ReadOnlyAdmin):
    list_display = ["work_order_number", "request_type", "category", "district", "received_at"]
    list_filter = ["request_type", "channel", "merge_state", "withdrawal_state"]
    search_fields = ["work_order_number", "text"]
    exclude = ["contact_phone", "tracking_token"]


@admin.register(CitizenEvent)
class CitizenEventAdmin(ReadOnlyAdmin):
    list_display = ["request", "kind", "actor", "at"]
    list_filter = ["kind"]


@admin.register(DispatchModel)
class DispatchModelAdmin(ReadOnlyAdmin):
    list_display = ["trained_at", "examples", "categories", "units", "seconds", "sha256"]


@admin.register(PastDispatch)
class PastDispatchAdmin(ReadOnlyAdmin):
    list_display = ["text", "category", "unit", "received_on", "source_file"]


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "default_unit", "order", "is_active"]
    raw_id_fields = ["default_unit"]

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # archived (is_active), never deleted: past requests name them


@admin.register(ReplyTemplate)
class ReplyTemplateAdmin(ReadOnlyAdmin):
    list_display = ["state", "request_type", "is_active", "updated_by", "updated_at"]


@admin.register(CitizenPolicy)
class CitizenPolicyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request) -> bool:
        return not CitizenPolicy.objects.exists()

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
