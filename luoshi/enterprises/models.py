"""Enterprise service (万人助万企): enterprises, liaisons, whitelist, service days, problems."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from luoshi.lib import numbers
from luoshi.lib.eventlog import AppendOnlyModel
from luoshi.lib.single_row import SingleRow
from luoshi.matters.services.reopening import Rating


def new_token() -> str:
    return secrets.token_urlsafe(24)


class EnterpriseSize(models.TextChoices):
    LARGE = "large", _("Large")
    MEDIUM = "medium", _("Medium")
    SMALL = "small", _("Small")
    MICRO = "micro", _("Micro")


class Enterprise(models.Model):
    """An enterprise served by the city (万人助万企), known by its unified social credit code.

    `token` opens the enterprise's own page (no account): it sends in problems,
    follows them and rates the answers. Reissuing the token cuts off the old link.
    Changes go through enterprises.services, which raise `version` (liaisons, the
    link) and append an EnterpriseEvent.
    """

    name = models.CharField(_("name"), max_length=200)
    credit_code = models.CharField(_("unified social credit code"), max_length=18, unique=True)
    district = models.ForeignKey(
        "org.Unit", models.PROTECT, related_name="enterprises", verbose_name=_("district")
    )
    industry = models.CharField(_("industry"), max_length=100, blank=True)
    size = models.CharField(_("size"), max_length=8, choices=EnterpriseSize.choices, blank=True)
    contact_name = models.CharField(_("contact person"), max_length=50, blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=30, blank=True)
    token = models.CharField(max_length=64, unique=True, default=new_token, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    version = models.PositiveIntegerField(_("version"), default=1)

    class Meta:
        ordering = ["name"]
        verbose_name = _("enterprise")
        verbose_name_plural = _("enterprises")
        indexes = [
            models.Index(fields=["district"], name="enterprise_district"),
            models.Index(fields=["industry"], name="enterprise_industry"),
            models.Index(fields=["size"], name="enterprise_size"),
        ]

    def __str__(self) -> str:
        return self.name


class Liaison(models.Model):
    """A liaison cadre (包联干部) assigned to serve an enterprise; ended, never deleted."""

    enterprise = models.ForeignKey(Enterprise, models.PROTECT, related_name="liaisons")
    cadre = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="liaisons", verbose_name=_("cadre")
    )
    assigned_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    assigned_at = models.DateTimeField(auto_now_add=True)
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("liaison cadre")
        verbose_name_plural = _("liaison cadres")
        constraints = [
            models.UniqueConstraint(
                fields=["enterprise", "cadre"],
                condition=models.Q(ended_at__isnull=True),
                name="uniq_active_liaison",
            )
        ]

    def __str__(self) -> str:
        return f"{self.cadre} → {self.enterprise}"


class Guarantee(models.TextChoices):
    """The four guarantees (四保) a whitelist entry grants."""

    PRODUCTION = "production", _("Production")  # 保生产
    LABOUR = "labour", _("Labour")  # 保用工
    LOGISTICS = "logistics", _("Logistics")  # 保物流
    FUNDING = "funding", _("Funding")  # 保资金


class WhitelistEntry(models.Model):
    """An enterprise or a project on the 四保 whitelist (白名单) for a guarantee, for a period.

    Renewed by moving `valid_to`; revoked (撤销) before its end with a reason; never
    deleted. The scan appends an `expired` event once its period has passed.
    """

    enterprise = models.ForeignKey(
        Enterprise, models.PROTECT, null=True, blank=True, related_name="whitelist"
    )
    project = models.ForeignKey(
        "projects.Project", models.PROTECT, null=True, blank=True, related_name="whitelist"
    )
    guarantee = models.CharField(_("guarantee"), max_length=16, choices=Guarantee.choices)
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"))
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("approved by")
    )
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    version = models.PositiveIntegerField(_("version"), default=1)

    class Meta:
        ordering = ["valid_to"]
        verbose_name = _("whitelist entry")
        verbose_name_plural = _("whitelist entries")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(enterprise__isnull=False) ^ models.Q(project__isnull=False),
                name="whitelist_enterprise_xor_project",
            ),
            models.CheckConstraint(
                condition=models.Q(valid_to__gte=models.F("valid_from")),
                name="whitelist_valid_period",
            ),
        ]
        indexes = [models.Index(fields=["valid_to"], name="whitelist_valid_to")]

    def __str__(self) -> str:
        return f"{self.enterprise or self.project} · {self.get_guarantee_display()}"


class ServiceDay(models.Model):
    """A fixed day a unit receives enterprises and takes their problems (企业服务日)."""

    unit = models.ForeignKey("org.Unit", models.PROTECT, related_name="service_days")
    day = models.DateField(_("day"))
    place = models.CharField(_("place"), max_length=200, blank=True)
    topic = models.CharField(_("topic"), max_length=200, blank=True)
    scheduled_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-day"]
        verbose_name = _("service day")
        verbose_name_plural = _("service days")
        constraints = [
            models.UniqueConstraint(fields=["unit", "day"], name="uniq_service_day_per_unit")
        ]

    def __str__(self) -> str:
        return f"{self.unit} {self.day}"


class ProblemCategory(models.TextChoices):
    FINANCING = "financing", _("Financing")  # 融资
    LAND = "land", _("Land and planning")  # 用地规划
    APPROVALS = "approvals", _("Approvals and permits")  # 审批手续
    LABOUR = "labour", _("Labour and talent")  # 用工人才
    UTILITIES = "utilities", _("Water, power, gas")  # 水电气
    LOGISTICS = "logistics", _("Transport and logistics")  # 物流
    POLICY = "policy", _("Policy and subsidies")  # 政策兑现
    MARKET = "market", _("Markets and supply chain")  # 市场供应链
    OTHER = "other", _("Other")


class Channel(models.TextChoices):
    SERVICE_DAY = "service_day", _("Taken on a service day")
    LIAISON = "liaison", _("Sent in by the liaison cadre")
    ENTERPRISE = "enterprise", _("Sent in by the enterprise")


class Tier(models.TextChoices):
    ORDINARY = "ordinary", _("Ordinary")
    MAJOR = "major", _("Major")


class EnterpriseProblem(models.Model):
    """An enterprise's problem (企业诉求). Once transferred it is a matter of kind `enterprise`.

    Received first (from a service day, the liaison or the enterprise's own form),
    it is transferred (转办) by a supervisor to a responsible unit: that registers
    and assigns its Matter through matters.services. The matter carries the
    handling; this row keeps what is particular to enterprises: the channel, the
    category, the tiered due dates and the enterprise's rating.
    """

    enterprise = models.ForeignKey(Enterprise, models.PROTECT, related_name="problems")
    matter = models.OneToOneField(
        "matters.Matter",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="enterprise_problem",
    )
    title = models.CharField(_("title"), max_length=300)
    content = models.TextField(_("content"), blank=True)
    category = models.CharField(_("category"), max_length=16, choices=ProblemCategory.choices)
    tier = models.CharField(_("tier"), max_length=8, choices=Tier.choices, default=Tier.ORDINARY)
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)
    service_day = models.ForeignKey(
        ServiceDay, models.PROTECT, null=True, blank=True, related_name="problems"
    )
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+"
    )
    received_at = models.DateTimeField(_("received at"))
    transfer_due = models.DateField(_("transfer by"))
    first_answer_due = models.DateField(_("first answer by"))
    solve_due = models.DateField(_("solve by"))
    transferred_at = models.DateTimeField(_("transferred at"), null=True, blank=True)
    rating = models.CharField(_("rating"), max_length=24, choices=Rating.choices, blank=True)
    rated_at = models.DateTimeField(_("rated at"), null=True, blank=True)
    rating_automatic = models.BooleanField(_("rating by default"), default=False)
    escalated_at = models.DateTimeField(_("sent to the supervisor at"), null=True, blank=True)
    version = models.PositiveIntegerField(_("version"), default=1)

    class Meta:
        ordering = ["-received_at"]
        verbose_name = _("enterprise problem")
        verbose_name_plural = _("enterprise problems")
        indexes = [
            models.Index(fields=["received_at"], name="problem_received"),
            models.Index(fields=["category", "received_at"], name="problem_category"),
            models.Index(fields=["tier", "received_at"], name="problem_tier"),
        ]

    def __str__(self) -> str:
        return f"{self.enterprise}: {self.title}"


class EnterpriseEventKind(models.TextChoices):
    REGISTERED = "enterprise.registered", _("Enterprise registered")
    TOKEN_REISSUED = "enterprise.token_reissued", _("New link issued")
    LIAISON_ASSIGNED = "liaison.assigned", _("Liaison cadre assigned")
    LIAISON_ENDED = "liaison.ended", _("Liaison cadre removed")
    WHITELIST_ADDED = "whitelist.added", _("Whitelist entry added")
    WHITELIST_RENEWED = "whitelist.renewed", _("Whitelist entry renewed")
    WHITELIST_EXPIRED = "whitelist.expired", _("Whitelist entry expired")
    WHITELIST_REVOKED = "whitelist.revoked", _("Whitelist entry revoked")
    SERVICE_DAY_SCHEDULED = "service_day.scheduled", _("Service day scheduled")
    PROBLEM_RECEIVED = "problem.received", _("Problem received")
    PROBLEM_TRANSFERRED = "problem.transferred", _("Problem transferred")
    PROBLEM_RATED = "problem.rated", _("Problem rated")
    PROBLEM_REOPENED = "problem.reopened", _("Problem reopened")
    PROBLEM_ESCALATED = "problem.escalated", _("Problem sent to the supervisor")
    PROBLEM_CLOSED = "problem.closed", _("Problem closed")


class EnterpriseEvent(AppendOnlyModel):
    """One change in enterprise service: who, when, what. Appended by services, never changed.

    It names what changed: the enterprise (and, for a whitelist entry of a project,
    the entry alone), the problem, the whitelist entry or the service day.
    """

    # hash chain per subject (luoshi.lib.eventchain)
    chain_by = "enterprise"

    kind = models.CharField(_("kind"), max_length=32, choices=EnterpriseEventKind.choices)
    enterprise = models.ForeignKey(
        Enterprise, models.PROTECT, null=True, blank=True, related_name="events"
    )
    problem = models.ForeignKey(
        EnterpriseProblem, models.PROTECT, null=True, blank=True, related_name="events"
    )
    whitelist_entry = models.ForeignKey(
        WhitelistEntry, models.PROTECT, null=True, blank=True, related_name="events"
    )
    service_day = models.ForeignKey(
        ServiceDay, models.PROTECT, null=True, blank=True, related_name="events"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+"
    )
    at = models.DateTimeField(auto_now_add=True)
    comment = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("enterprise service event")
        verbose_name_plural = _("enterprise service events")
        indexes = [
            models.Index(fields=["enterprise", "at"], name="enterprise_event_at"),
            models.Index(fields=["whitelist_entry", "kind"], name="whitelist_event_kind"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d} {self.get_kind_display()}"


class EnterprisePolicy(SingleRow, models.Model):
    """Enterprise service time limits (one row, edited in the admin)."""

    transfer_workdays = models.PositiveSmallIntegerField(
        _("working days to transfer"), default=1, validators=numbers.workday_validators()
    )
    first_answer_workdays = models.PositiveSmallIntegerField(
        _("working days to the first answer"), default=3, validators=numbers.workday_validators()
    )
    ordinary_workdays = models.PositiveSmallIntegerField(
        _("working days to solve an ordinary problem"),
        default=7,
        validators=numbers.workday_validators(),
    )
    major_workdays = models.PositiveSmallIntegerField(
        _("working days to solve a major problem"),
        default=30,
        validators=numbers.workday_validators(),
    )
    rating_days = models.PositiveSmallIntegerField(
        _("days to rate before 'basically satisfied' is given"),
        default=7,
        validators=numbers.range_validators(0, numbers.DAYS_MAX),
    )
    default_rating = models.CharField(
        _("rating given by default"),
        max_length=24,
        choices=Rating.choices,
        default=Rating.BASICALLY_SATISFIED,
    )
    revisit_hours = models.PositiveSmallIntegerField(
        _("hours to revisit an unsatisfied rating"),
        default=48,
        validators=numbers.range_validators(0, 10000),
    )
    reopen_workdays = models.PositiveSmallIntegerField(
        _("working days to solve a reopened problem"),
        default=15,
        validators=numbers.workday_validators(),
    )
    max_reopens = models.PositiveSmallIntegerField(
        _("reopens before the supervisor"), default=1, validators=numbers.range_validators(0, 100)
    )
    whitelist_warning_days = models.PositiveSmallIntegerField(
        _("warn this many days before a whitelist entry expires"),
        default=30,
        validators=numbers.range_validators(0, numbers.DAYS_MAX),
    )

    class Meta:
        verbose_name = _("enterprise service policy")
        verbose_name_plural = _("enterprise service policy")

    def __str__(self) -> str:
        return str(_("Enterprise service time limits"))
