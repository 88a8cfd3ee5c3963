from django.contrib import admin

from luoshi.lib.web import ReadOnlyAdmin

from .models import (
    Bulletin,
    BulletinMention,
    ColumnMapping,
    ImportBatch,
    ImportedRow,
    LedgerExport,
)


@admin.register(ImportBatch)
class ImportBatchAdmin(ReadOnlyAdmin):
    list_display = [
        "filename",
        "kind",
        "state",
        "created_by",
        "created_at",
        "created_count",
        "updated_count",
    ]
    list_filter = ["state"]


@admin.register(ImportedRow)
class ImportedRowAdmin(ReadOnlyAdmin):
    list_display = ["batch", "row_number", "number", "path", "outcome", "matter"]


@admin.register(ColumnMapping)
class ColumnMappingAdmin(ReadOnlyAdmin):
    list_display = ["kind", "signature", "office", "header_row", "updated_by", "updated_at"]


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
