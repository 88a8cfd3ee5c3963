"""The admin: the enterprise service time limits are edited here."""

from django.contrib import admin

from .models import EnterprisePolicy


@admin.register(EnterprisePolicy)
class EnterprisePolicyAdmin(admin.ModelAdmin):
    list_display = ["__str__", "ordinary_workdays", "major_workdays", "rating_days"]
