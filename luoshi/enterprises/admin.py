"""The admin: the enterprise service time limits are edited here; the records that
enterprises.services own are only read here."""

from django.contrib import admin

from luoshi.lib.web import ReadOnlyAdmin

from .models import Enterprise, EnterpriseEvent, EnterprisePolicy, EnterpriseProblem, WhitelistEntry


@admin.register(EnterprisePolicy)
class EnterprisePolicyAdmin(admin.ModelAdmin):
    list_display = ["__str__", "ordinary_workdays", "major_workdays", "rating_days"]


@admin.register(Enterprise)
class EnterpriseAdmin(ReadOnlyAdmin):
    list_display = ["name", "credit_code", "district", "industry", "size"]
    search_fields = ["name", "credit_code"]
    exclude = ["token"]  # the enterprise's link is shown to its liaison and the office only


@admin.register(WhitelistEntry)
class WhitelistEntryAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "valid_from", "valid_to", "revoked_at", "approved_by"]
    list_filter = ["guarantee"]


@admin.register(EnterpriseProblem)
class EnterpriseProblemAdmin(ReadOnlyAdmin):
    list_display = ["title", "enterprise", "category", "tier", "received_at", "rating"]
    list_filter = ["category", "tier", "channel"]
    search_fields = ["title", "enterprise__name"]


@admin.register(EnterpriseEvent)
class EnterpriseEventAdmin(ReadOnlyAdmin):
    list_display = ["at", "kind", "enterprise", "problem", "actor"]
    list_filter = ["kind"]
    search_fields = ["enterprise__name"]
