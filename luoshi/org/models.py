"""Units (单位) in a tree, and the roles users hold in them."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models.functions import Concat, Substr
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from luoshi.lib.eventlog import EventRecord


class UnitKind(models.TextChoices):
    OFFICE = "office", _("Office")  # 督查室 / 党政办
    DEPARTMENT = "department", _("Department")  # 市直部门
    DISTRICT = "district", _("District")  # 区 / 县
    STREET = "street", _("Street or town")  # 街道 / 乡镇
    CITY = "city", _("City")
    VILLAGE = "village", _("Village or community")  # 村 / 社区, under a street or town


class UnitQuerySet(models.QuerySet["Unit"]):
    def bulk_create(  # type: ignore[override]
        self, objs: Iterable[Unit], *args: Any, **kwargs: Any
    ) -> list[Unit]:
        """Insert units and give each its path (parents first in `objs`, or already stored)."""
        units: list[Unit] = list(super().bulk_create(objs, *args, **kwargs))  # type: ignore[arg-type]
        stored = {u.pk: u.path for u in self.filter(pk__in={u.parent_id for u in units})}
        for unit in units:
            unit.path = f"{stored[unit.parent_id] if unit.parent_id else '/'}{unit.pk}/"
            stored[unit.pk] = unit.path
        self.bulk_update(units, ["path"])  # type: ignore[arg-type]
        return units


class Unit(models.Model):
    """An organisation that takes work (单位): a department, a district, a town, the office.

    Units form a tree. `path` is the materialised chain of ids ("/1/7/23/") so that
    "this unit and everything under it" is one indexed prefix query. `save` and
    `Unit.objects.bulk_create` keep it; a move rewrites the subtree in one UPDATE.
    Units change through org.services (each change an OrgEvent row).
    """

    name = models.CharField(_("name"), max_length=100, unique=True)
    aliases = models.JSONField(_("aliases"), default=list, blank=True)
    kind = models.CharField(_("kind"), max_length=16, choices=UnitKind.choices)
    parent = models.ForeignKey(
        "self",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("parent unit"),
    )
    path = models.CharField(max_length=255, editable=False, db_index=True, default="")
    order = models.PositiveIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)
    version = models.PositiveIntegerField(_("version"), default=1)

    objects = UnitQuerySet.as_manager()

    class Meta:
        ordering = ["order", "id"]
        verbose_name = _("unit")
        verbose_name_plural = _("units")

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        super().save(*args, **kwargs)
        path = f"{self.parent.path if self.parent else '/'}{self.pk}/"
        if path != self.path:
            old, self.path = self.path, path
            if old:  # moved: the unit and its whole subtree, one UPDATE
                Unit.objects.filter(path__startswith=old).update(
                    path=Concat(models.Value(path), Substr("path", len(old) + 1))
                )
            else:
                Unit.objects.filter(pk=self.pk).update(path=path)

    def is_below(self, other: Unit) -> bool:
        """This unit is `other` or lies under it."""
        return self.path.startswith(other.path)

    def names(self) -> list[str]:
        return [self.name, *self.aliases]


def clean_aliases(names: Sequence[str] | str) -> list[str]:
    """Aliases as a list of distinct names: lines, or commas/、/；-separated text, trimmed."""
    if isinstance(names, str):
        for separator in "\n,，、;；":
            names = names.replace(separator, "\n")
        names = names.split("\n")
    seen: list[str] = []
    for name in (str(n).strip() for n in names):
        if name and name not in seen:
            seen.append(name)
    return seen


class Role(models.TextChoices):
    SUPERVISOR = "supervisor", _("Supervisor")
    HANDLER = "handler", _("Handler")
    UNIT_HEAD = "unit_head", _("Unit head")
    LEADER = "leader", _("Leader")
    ADMIN = "admin", _("Administrator")


class Membership(models.Model):
    """A role a user holds in a unit (a handler of 市发改委, a supervisor of 督查室)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.CASCADE,
        related_name="memberships",
        verbose_name=_("user"),
    )
    unit = models.ForeignKey(
        Unit, models.PROTECT, related_name="memberships", verbose_name=_("unit")
    )
    role = models.CharField(_("role"), max_length=16, choices=Role.choices)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(fields=["user", "unit", "role"], name="uniq_membership")
        ]
        indexes = [models.Index(fields=["unit", "role"])]

    def __str__(self) -> str:
        return f"{self.user} · {self.unit} · {self.get_role_display()}"


class TokenScope(models.TextChoices):
    READ = "read", _("Read only")
    ACT = "act", _("Read and act")


class ApiToken(models.Model):
    """A key a program uses to call the JSON API on a user's behalf (API 令牌).

    Only the SHA-256 digest of the key is stored; the key itself is shown once, when
    it is made (org.tokens.issue_token, from the admin or `luoshi token <username>`).
    A token is revoked, never deleted, so the record of who had access stays.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.CASCADE,
        related_name="api_tokens",
        verbose_name=_("user"),
    )
    name = models.CharField(_("name"), max_length=100, blank=True)
    prefix = models.CharField(_("prefix"), max_length=16, editable=False)
    digest = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    # A read token is refused on every operation that is not a GET (luoshi.api.BearerToken).
    scope = models.CharField(
        _("scope"), max_length=8, choices=TokenScope.choices, default=TokenScope.ACT
    )
    # Tokens made before expiry existed have none; every token issued now has one.
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.user} · {self.name or self.prefix}"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None and not self.is_expired

    @property
    def is_expired(self) -> bool:
        return self.expires_at is not None and self.expires_at <= timezone.now()

    @property
    def is_read_only(self) -> bool:
        return self.scope == TokenScope.READ


class AccountEventKind(models.TextChoices):
    TOKEN_ISSUED = "token.issued", _("API token issued")
    TOKEN_REVOKED = "token.revoked", _("API token revoked")
    OTP_ENROLLED = "otp.enrolled", _("Second factor enrolled")
    OTP_REMOVED = "otp.removed", _("Second factor removed")


class AccountEvent(EventRecord):
    """One change of how a person signs in (账号安全记录): a token issued or revoked, a
    second factor enrolled or removed. Kept for the record of who had access, and how."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        related_name="account_events",
        verbose_name=_("user"),
    )
    kind = models.CharField(_("kind"), max_length=32, choices=AccountEventKind.choices)

    chain_by = "user"

    class Meta(EventRecord.Meta):
        verbose_name = _("account change")
        verbose_name_plural = _("account changes")
        indexes = [models.Index(fields=["user", "at"], name="org_account_event_user_at")]


class OrgEventKind(models.TextChoices):
    UNIT_CREATED = "unit.created", _("Unit created")
    UNIT_RENAMED = "unit.renamed", _("Unit renamed")
    UNIT_MOVED = "unit.moved", _("Unit moved")
    UNIT_CHANGED = "unit.changed", _("Unit kind or order changed")
    ALIASES_SET = "unit.aliases_set", _("Aliases set")
    UNIT_ARCHIVED = "unit.archived", _("Unit archived")
    UNIT_RESTORED = "unit.restored", _("Unit restored")
    ROLE_GRANTED = "membership.granted", _("Role granted")
    ROLE_REVOKED = "membership.revoked", _("Role revoked")


class OrgEvent(EventRecord):
    """One change of the unit tree or of who holds a role where (组织变更记录).

    Memberships decide who sees which matters, so every grant and revoke is kept here
    (with the role and the member), even after the membership row itself is gone.
    """

    # hash chain per subject (luoshi.lib.eventchain)
    chain_by = "unit"

    unit = models.ForeignKey(Unit, models.PROTECT, related_name="events", verbose_name=_("unit"))
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("member"),
    )
    kind = models.CharField(_("kind"), max_length=32, choices=OrgEventKind.choices)

    class Meta(EventRecord.Meta):
        verbose_name = _("unit and role change")
        verbose_name_plural = _("unit and role changes")
        indexes = [
            models.Index(fields=["unit", "at"], name="org_event_unit_at"),
            models.Index(fields=["member", "at"], name="org_event_member_at"),
        ]
