import re

from django import forms
from django.contrib import admin, messages
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import tokens
from .models import ApiToken, Membership, Unit


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 1
    autocomplete_fields = ["user"]


class AliasesField(forms.CharField):
    """A unit's other names as a list: one per line (、，, and ; also separate them)."""

    widget = forms.Textarea(attrs={"rows": 4})

    def prepare_value(self, value):
        return "\n".join(value) if isinstance(value, list) else value

    def to_python(self, value):
        names = re.split(r"[\n\r、，,；;]+", value or "")
        return list(dict.fromkeys(name.strip() for name in names if name.strip()))


class UnitForm(forms.ModelForm):
    aliases = AliasesField(
        label=gettext_lazy("aliases"),
        required=False,
        help_text=gettext_lazy("Other names of the unit, one per line (imports match on them)."),
    )

    class Meta:
        model = Unit
        fields = ["name", "aliases", "kind", "parent", "order", "is_active"]


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin):
    form = UnitForm
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


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Tokens are made here or with `luoshi token <username>`; the key is shown once."""

    list_display = ["user", "name", "prefix", "created_at", "last_used_at", "revoked_at"]
    list_filter = ["revoked_at"]
    search_fields = ["user__username", "name", "prefix"]
    autocomplete_fields = ["user"]
    readonly_fields = ["prefix", "created_at", "last_used_at", "revoked_at"]
    actions = ["revoke"]

    def get_fields(self, request, obj=None):
        return ["user", "name"] if obj is None else ["user", "name", *self.readonly_fields]

    def get_readonly_fields(self, request, obj=None):
        return self.readonly_fields if obj is None else ["user", *self.readonly_fields]

    def save_model(self, request, obj, form, change):
        if not change:
            key = tokens.fill_new_token(obj)
            messages.warning(
                request,
                _("The token's key is %(key)s — copy it now: it is not shown again.")
                % {"key": key},
            )
        super().save_model(request, obj, form, change)

    def has_delete_permission(self, request, obj=None):
        return False  # tokens are revoked, never deleted

    @admin.action(description=_("Revoke the selected tokens"))
    def revoke(self, request, queryset):
        for token in queryset.filter(revoked_at__isnull=True):
            tokens.revoke_token(token)
