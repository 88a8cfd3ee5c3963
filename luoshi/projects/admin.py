"""The admin: projects are read here; they change only through projects.services."""

from django.contrib import admin

from .models import Project, ProjectEvent, ProjectPolicy


@admin.register(ProjectPolicy)
class ProjectPolicyAdmin(admin.ModelAdmin):
    list_display = ["__str__", "count_in_approvals", "investment_tolerance_percent"]


@admin.register(Project)
class ProjectAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "stage", "status", "responsible_unit", "district"]
    list_filter = ["stage", "status", "kind", "level"]
    search_fields = ["code", "name"]

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(ProjectEvent)
class ProjectEventAdmin(ProjectAdmin):
    list_display = ["at", "project", "kind", "actor"]
    list_filter = ["kind"]
    search_fields = ["project__code"]
