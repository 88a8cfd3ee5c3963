from django.contrib import admin

from luoshi.lib.web import ReadOnlyAdmin

from .models import Bulletin, BulletinMention, ImportBatch, ImportedRow, LedgerExport


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


@admin.register(LedgerExport)
class LedgerExportAdmin(ReadOnlyAdmin):
    list_display = ["pk", "requested_by", "state", "row_count", "created_at", "finished_at"]
    list_filter = ["state"]
