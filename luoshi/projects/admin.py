"""The admin: projects are read here; they change only through projects.services."""

from django.contrib import admin

from luoshi.lib.web import ReadOnlyAdmin

from .models import Project, ProjectEvent, ProjectPolicy


@admin.register(ProjectPolicy)
class ProjectPolicyAdmin(admin.ModelAdmin):
    list_display = ["__str__", "count_in_approvals", "investment_tolerance_percent"]


@admin.register(Project)
class ProjectAdmin(ReadOnlyAdmin):
    list_display = ["code", "name", "stage", "status", "responsible_unit", "district"]
    list_filter = ["stage", "status", "kind", "level"]
    search_fields = ["code", "name"]


@admin.register(ProjectEvent)
class ProjectEventAdmin(ReadOnlyAdmin):
    list_display = ["at", "project", "kind", "actor"]
    list_filter = ["kind"]
    search_fields = ["project__code"]
