from django.contrib import admin

from .models import Membership, Unit


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 1
    autocomplete_fields = ["user"]


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "parent", "order", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["name", "aliases"]
    autocomplete_fields = ["parent"]
    inlines = [MembershipInline]

    def has_delete_permission(self, request, obj=None):
        return False  # units are archived (is_active), never deleted


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "unit", "role"]
    list_filter = ["role"]
    search_fields = ["user__username", "user__first_name", "unit__name"]
    autocomplete_fields = ["user", "unit"]
