"""Units (单位) in a tree, and the roles users hold in them."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class UnitKind(models.TextChoices):
    OFFICE = "office", _("Office")  # 督查室 / 党政办
    DEPARTMENT = "department", _("Department")  # 市直部门
    DISTRICT = "district", _("District")  # 区 / 县
    STREET = "street", _("Street or town")  # 街道 / 乡镇
    CITY = "city", _("City")
    VILLAGE = "village", _("Village or community")  # 村 / 社区, under a street or town


class Unit(models.Model):
    """An organisation that takes work (单位): a department, a district, a town, the office.

    Units form a tree. `path` is the materialised chain of ids ("/1/7/23/") so that
    "this unit and everything under it" is one indexed prefix query.
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
            old = self.path
            Unit.objects.filter(pk=self.pk).update(path=path)
            self.path = path
            if old:  # moved: carry the subtree along
                for child in Unit.objects.filter(path__startswith=old).exclude(pk=self.pk):
                    child.path = path + child.path[len(old) :]
                    child.save(update_fields=["path"])

    def names(self) -> list[str]:
        return [self.name, *self.aliases]


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
        return self.revoked_at is None
