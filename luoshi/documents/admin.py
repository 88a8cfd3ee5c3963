from django.contrib import admin

from .models import Bulletin, BulletinMention, ImportBatch, ImportedRow


class ReadOnlyAdmin(admin.ModelAdmin):
    """Changed only through documents.services: the admin reads."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ImportBatch)
class ImportBatchAdmin(ReadOnlyAdmin):
    list_display = ["filename", "state", "created_by", "created_at", "created_count"]
    list_filter = ["state"]


@admin.register(ImportedRow)
class ImportedRowAdmin(ReadOnlyAdmin):
    list_display = ["batch", "row_number", "matter"]


@admin.register(Bulletin)
class BulletinAdmin(ReadOnlyAdmin):
    list_display = ["number_label", "title", "period_start", "period_end", "state"]
    list_filter = ["state", "year"]


@admin.register(BulletinMention)
class BulletinMentionAdmin(ReadOnlyAdmin):
    list_display = ["bulletin", "kind", "unit", "matter"]
