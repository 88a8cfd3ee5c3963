"""The admin of units and roles: every change goes through org.services (an OrgEvent each).

Units are edited with their aliases as a list of names and the version the admin saw;
roles are granted (added) or revoked (removed), never edited in place.
"""

from django import forms
from django.contrib import admin, messages
from django.http import HttpResponseRedirect
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from luoshi.lib.errors import IllegalTransition, InvalidInput, StaleVersion
from luoshi.lib.web import ReadOnlyAdmin

from . import permissions, services, tokens
from .access import access_for
from .models import AccountEvent, ApiToken, Membership, OrgEvent, Unit, clean_aliases


class OrgAdminMixin:
    """Only those org.permissions allows change units and roles here."""

    rule = staticmethod(permissions.may_manage_units)

    def _allowed(self, request) -> bool:
        return request.user.is_active and self.rule(access_for(request.user))

    def has_module_permission(self, request) -> bool:
        return self._allowed(request)

    def has_view_permission(self, request, obj=None) -> bool:
        return self._allowed(request)

    def has_add_permission(self, request, obj=None) -> bool:
        return self._allowed(request)

    def has_change_permission(self, request, obj=None) -> bool:
        return self._allowed(request)


class MembershipInline(OrgAdminMixin, admin.TabularInline):
    """A unit's roles: add a row to grant, tick delete to revoke; a role is never edited."""

    model = Membership
    rule = staticmethod(permissions.may_grant_roles)
    extra = 1
    autocomplete_fields = ["user"]

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return self._allowed(request)


class UnitForm(forms.ModelForm):
    aliases = forms.CharField(
        label=gettext_lazy("aliases"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy(
            "Other names of the unit (short names, former names), one per line or separated "
            "by 、 or commas. Imports match them."
        ),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Unit
        fields = ["name", "kind", "parent", "order", "is_active"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.initial["aliases"] = "\n".join(self.instance.aliases)
            self.initial["version"] = self.instance.version

    def clean_aliases(self) -> list[str]:
        return clean_aliases(self.cleaned_data["aliases"])

    def clean_version(self) -> int | None:
        version = self.cleaned_data["version"]
        if self.instance.pk and version != Unit.objects.get(pk=self.instance.pk).version:
            raise forms.ValidationError(
                _("Someone changed this unit since you opened it: reload the page.")
            )
        return version


@admin.register(Unit)
class UnitAdmin(OrgAdminMixin, admin.ModelAdmin):
    form = UnitForm
    list_display = ["name", "kind", "parent", "order", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["name", "aliases"]
    autocomplete_fields = ["parent"]
    inlines = [MembershipInline]

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # units are archived (is_active), never deleted

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        """A change the services refuse (a unit moved under its own units, archived with
        units still below it) is said on the form's page, and nothing of it is kept:
        the admin's view runs in one transaction, which the refusal rolls back."""
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except (InvalidInput, IllegalTransition, StaleVersion) as refused:
            self.message_user(request, refused.message, messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())

    def save_model(self, request, obj, form, change) -> None:
        data = form.cleaned_data
        if not change:
            spec = services.UnitSpec(
                data["name"], data["kind"], data["parent"], data["aliases"], data["order"]
            )
            unit = services.create_unit(spec, actor=request.user)
        else:
            fields = ["name", "kind", "parent", "aliases", "order", "is_active"]
            unit = services.edit_unit(
                Unit.objects.get(pk=obj.pk),
                actor=request.user,
                version=data["version"],
                **{name: data[name] for name in fields},
            )
        obj.pk = unit.pk
        obj.refresh_from_db()

    def save_formset(self, request, form, formset, change) -> None:
        if formset.model is not Membership:
            super().save_formset(request, form, formset, change)
            return
        granted = formset.save(commit=False)
        for membership in formset.deleted_objects:
            services.revoke_role(membership, actor=request.user)
        for membership in granted:
            services.grant_role(membership.user, form.instance, membership.role, actor=request.user)


@admin.register(Membership)
class MembershipAdmin(OrgAdminMixin, admin.ModelAdmin):
    """Roles: granted here or in the unit's page, revoked by deleting; never edited."""

    rule = staticmethod(permissions.may_grant_roles)
    list_display = ["user", "unit", "role"]
    list_filter = ["role"]
    search_fields = ["user__username", "user__first_name", "unit__name"]
    autocomplete_fields = ["user", "unit"]

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return self._allowed(request)

    def save_model(self, request, obj, form, change) -> None:
        granted = services.grant_role(obj.user, obj.unit, obj.role, actor=request.user)
        obj.pk = granted.pk

    def delete_model(self, request, obj) -> None:
        services.revoke_role(obj, actor=request.user)

    def delete_queryset(self, request, queryset) -> None:
        for membership in queryset:
            services.revoke_role(membership, actor=request.user)


@admin.register(OrgEvent)
class OrgEventAdmin(ReadOnlyAdmin):
    list_display = ["at", "kind", "unit", "member", "actor", "comment"]
    list_filter = ["kind"]
    search_fields = ["unit__name", "member__username", "actor__username"]
    date_hierarchy = "at"


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Tokens are made here, on the user's own page or with `luoshi token <username>`;
    the key is shown once. Issue and revoke write AccountEvent rows (org.tokens)."""

    list_display = [
        "user", "name", "prefix", "scope", "created_at", "expires_at", "last_used_at",
        "revoked_at",
    ]  # fmt: skip
    list_filter = ["scope", "revoked_at"]
    search_fields = ["user__username", "name", "prefix"]
    autocomplete_fields = ["user"]
    readonly_fields = ["prefix", "created_at", "last_used_at", "revoked_at"]
    actions = ["revoke"]

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["user", "name", "scope", "expires_at"]
        return ["user", "name", "scope", "expires_at", *self.readonly_fields]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return self.readonly_fields
        return ["user", "scope", "expires_at", *self.readonly_fields]

    def save_model(self, request, obj, form, change):
        if not change:
            key = tokens.fill_new_token(obj)
            messages.warning(
                request,
                _("The token's key is %(key)s — copy it now: it is not shown again.")
                % {"key": key},
            )
        super().save_model(request, obj, form, change)
        if not change:
            tokens.record_issued(obj, request.user)

    def has_delete_permission(self, request, obj=None):
        return False  # tokens are revoked, never deleted

    @admin.action(description=_("Revoke the selected tokens"))
    def revoke(self, request, queryset):
        for token in queryset.filter(revoked_at__isnull=True):
            tokens.revoke_token(token, actor=request.user)


@admin.register(AccountEvent)
class AccountEventAdmin(ReadOnlyAdmin):
    list_display = ["at", "kind", "user", "actor", "comment"]
    list_filter = ["kind"]
    search_fields = ["user__username", "actor__username"]
    date_hierarchy = "at"
