"""The hazard register (隐患排查整治): hazards, their verification and re-inspection, campaigns.

A hazard (风险隐患) is found, registered, and rectified (整改) by a matter of kind
`hazard` that closes only when someone other than the rectifying unit verifies it on
site (验收销号). Open major hazards are re-inspected on a cadence; closed ones get a
follow-up check (复查) to catch relapse. Every change goes through hazards.services,
which raises the hazard's `version` and appends a HazardEvent.
"""

from __future__ import annotations

from pathlib import PurePath

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from luoshi.lib import numbers
from luoshi.lib.eventlog import AppendOnlyModel
from luoshi.lib.single_row import SingleRow
from luoshi.matters.models import MatterWarning, State


class HazardLevel(models.TextChoices):
    """隐患等级: decides the rectification limit and the re-inspection cadence."""

    MAJOR = "major", _("Major")  # 重大
    SERIOUS = "serious", _("Serious")  # 较大
    GENERAL = "general", _("General")  # 一般


# The levels as the office's records write them (matter titles, ledgers), in any UI language.
LEVEL_WORDS = {HazardLevel.MAJOR: "重大", HazardLevel.SERIOUS: "较大", HazardLevel.GENERAL: "一般"}
LEVEL_ORDER = [HazardLevel.MAJOR, HazardLevel.SERIOUS, HazardLevel.GENERAL]
LEVEL_COLOURS = {
    HazardLevel.MAJOR: "red",
    HazardLevel.SERIOUS: "yellow",
    HazardLevel.GENERAL: "grey",
}


class Discovery(models.TextChoices):
    """How the hazard was found (发现方式)."""

    INSPECTION = "inspection", _("Inspection campaign")  # 排查
    CHECK = "check", _("Supervisory check")  # 检查
    REPORT = "report", _("Public report")  # 举报
    HIGHER_LEVEL = "higher_level", _("Assigned by higher level")  # 上级交办


class HazardStatus(models.TextChoices):
    """Where a hazard stands; derived from its matter (queries.with_status), never stored.

    Declared once with its colour: badges, filters, figures and the ledger read it here.
    """

    REGISTERED = "registered", _("Registered, to assign")  # 已登记待交办
    RECTIFYING = "rectifying", _("Being rectified")  # 整改中
    AWAITING_VERIFICATION = "awaiting_verification", _("Awaiting verification")  # 待验收
    CLOSED = "closed", _("Verified and closed")  # 已验收销号
    WITHDRAWN = "withdrawn", _("Withdrawn")  # 已撤销


STATUS_COLOURS = {
    HazardStatus.REGISTERED: "grey",
    HazardStatus.RECTIFYING: "yellow",
    HazardStatus.AWAITING_VERIFICATION: "yellow",
    HazardStatus.CLOSED: "green",
    HazardStatus.WITHDRAWN: "grey",
}
OPEN_STATUSES = (
    HazardStatus.REGISTERED,
    HazardStatus.RECTIFYING,
    HazardStatus.AWAITING_VERIFICATION,
)


class HazardWarning(models.TextChoices):
    """The re-inspection warning (复查预警) set by the scan (hazards.warnings)."""

    NORMAL = "normal", _("Normal")
    REINSPECTION_DUE = "reinspection_due", _("Re-inspection due soon")  # 复查临期
    REINSPECTION_MISSED = "reinspection_missed", _("Re-inspection missed")  # 复查逾期


WARNING_COLOURS = {
    HazardWarning.NORMAL: "green",
    HazardWarning.REINSPECTION_DUE: "yellow",
    HazardWarning.REINSPECTION_MISSED: "red",
}


class HazardCategory(models.Model):
    """A category of hazard (隐患类别): 生产安全, 消防, 交通 …; the office edits the list."""

    code = models.SlugField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=50, unique=True)
    # Other words offices write for it in their tables ("安全生产" for 生产安全).
    aliases = models.JSONField(_("aliases"), default=list, blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["order", "id"]
        verbose_name = _("hazard category")
        verbose_name_plural = _("hazard categories")

    def __str__(self) -> str:
        return self.name

    def names(self) -> list[str]:
        return [self.name, *self.aliases]


class InspectionCampaign(models.Model):
    """An inspection campaign (排查行动): a round of checks whose findings come in together."""

    name = models.CharField(_("name"), max_length=200)
    organiser = models.ForeignKey(
        "org.Unit", models.PROTECT, related_name="+", verbose_name=_("organising unit")
    )
    started_on = models.DateField(_("started on"))
    ended_on = models.DateField(_("ended on"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-started_on", "-id"]
        verbose_name = _("inspection campaign")
        verbose_name_plural = _("inspection campaigns")

    def __str__(self) -> str:
        return self.name


class Hazard(models.Model):
    """A risk hazard (风险隐患) found in inspection: place, category, level, who found it.

    `unit` is the place in the unit tree (the village, street or district it lies in);
    `responsible_unit` rectifies it through `matter` (kind hazard, source inspection);
    `verifying_unit` checks it on site (the office may too, the rectifying unit never).
    `reinspection_due` is the next 复查: every N days while a major hazard is open, once
    M days after closing (HazardPolicy); the scan sets `warning` from it.
    """

    serial_year = models.PositiveSmallIntegerField(_("serial year"))
    serial_no = models.PositiveIntegerField(_("serial number"))
    title = models.CharField(_("hazard"), max_length=300)
    description = models.TextField(_("description"), blank=True)
    category = models.ForeignKey(
        HazardCategory, models.PROTECT, related_name="hazards", verbose_name=_("category")
    )
    level = models.CharField(_("level"), max_length=8, choices=HazardLevel.choices)
    discovery = models.CharField(_("how found"), max_length=16, choices=Discovery.choices)
    address = models.CharField(_("address"), max_length=300)
    unit = models.ForeignKey(
        "org.Unit", models.PROTECT, related_name="hazards_located", verbose_name=_("place")
    )
    found_by_unit = models.ForeignKey(
        "org.Unit", models.PROTECT, related_name="hazards_found", verbose_name=_("found by unit")
    )
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("registered by")
    )
    finder = models.CharField(_("found by"), max_length=100, blank=True)
    found_on = models.DateField(_("found on"))
    responsible_unit = models.ForeignKey(
        "org.Unit",
        models.PROTECT,
        related_name="hazards_rectified",
        verbose_name=_("responsible unit"),
    )
    verifying_unit = models.ForeignKey(
        "org.Unit",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="hazards_verified",
        verbose_name=_("verifying unit"),
    )
    measures = models.TextField(_("rectification measures"), blank=True)
    campaign = models.ForeignKey(
        InspectionCampaign,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="hazards",
        verbose_name=_("inspection campaign"),
    )
    matter = models.OneToOneField(
        "matters.Matter",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="hazard",
        verbose_name=_("rectification matter"),
    )
    # 挂牌督办: a major hazard under the named leader's supervision.
    listed_supervision = models.BooleanField(_("listed supervision"), default=False)
    responsible_leader = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="listed_hazards",
        verbose_name=_("leader in charge"),
    )
    relapse_of = models.ForeignKey(
        "self",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="relapses",
        verbose_name=_("relapse of"),
    )
    reinspection_due = models.DateField(_("next re-inspection"), null=True, blank=True)
    warning = models.CharField(
        _("warning"), max_length=24, choices=HazardWarning.choices, default=HazardWarning.NORMAL
    )
    # The day the leader in charge was alerted that this major hazard is overdue; cleared
    # when it no longer is, so a new overdue spell alerts again (hazards.warnings).
    overdue_alerted_on = models.DateField(null=True, blank=True)
    # The completion request (the matter's completion_requested_at) whose checkers were
    # told to verify, so each request is announced once (hazards.followers).
    verification_asked_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(_("verified and closed at"), null=True, blank=True)
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)
    # The row of an import it came from, so a table imported twice adds nothing twice.
    import_key = models.CharField(max_length=64, blank=True, editable=False)
    version = models.PositiveIntegerField(_("version"), default=1)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-serial_year", "-serial_no"]
        verbose_name = _("hazard")
        verbose_name_plural = _("hazards")
        constraints = [
            models.UniqueConstraint(fields=["serial_year", "serial_no"], name="uniq_hazard_serial"),
            models.UniqueConstraint(
                fields=["campaign", "import_key"],
                condition=~models.Q(import_key=""),
                name="uniq_hazard_import_row",
            ),
        ]
        indexes = [
            models.Index(fields=["level", "found_on"], name="hazard_level_found"),
            models.Index(fields=["category", "level"], name="hazard_category_level"),
            models.Index(fields=["responsible_unit", "level"], name="hazard_resp_level"),
            models.Index(fields=["unit"], name="hazard_place"),
            models.Index(fields=["found_by_unit"], name="hazard_found_by"),
            models.Index(fields=["verifying_unit"], name="hazard_verifier"),
            models.Index(fields=["campaign"], name="hazard_campaign"),
            models.Index(fields=["reinspection_due"], name="hazard_reinspection_due"),
            models.Index(fields=["warning"], name="hazard_warning"),
            models.Index(fields=["responsible_leader", "level"], name="hazard_leader"),
            models.Index(fields=["found_on"], name="hazard_found_on"),
            models.Index(fields=["discovery", "found_on"], name="hazard_discovery"),
            models.Index(fields=["listed_supervision", "level"], name="hazard_listed"),
            models.Index(fields=["closed_at"], name="hazard_closed_at"),
        ]

    def __str__(self) -> str:
        return f"{self.serial} {self.title}"

    @property
    def serial(self) -> str:
        return f"隐患〔{self.serial_year}〕{self.serial_no}号"

    @property
    def is_major(self) -> bool:
        return self.level == HazardLevel.MAJOR

    @property
    def status(self) -> HazardStatus:
        """Where it stands, from its own dates and its matter's state (select_related it).

        queries.status_q is the same rule as a database condition.
        """
        if self.withdrawn_at is not None:
            return HazardStatus.WITHDRAWN
        if self.closed_at is not None:
            return HazardStatus.CLOSED
        if self.matter is None:
            return HazardStatus.REGISTERED
        state = self.matter.state
        if state == State.WITHDRAWN:
            return HazardStatus.WITHDRAWN
        if state == State.COMPLETION_REQUESTED:
            return HazardStatus.AWAITING_VERIFICATION
        return HazardStatus.RECTIFYING

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def overdue(self) -> bool:
        """The rectification is past its deadline (the matter scan's red warning)."""
        return (
            self.is_open
            and self.matter is not None
            and self.matter.warning == MatterWarning.OVERDUE
        )


class Photo(models.Model):
    """A photo of the site: at finding, at a verification or at a re-inspection.

    Files are private (under MEDIA_ROOT, never public): views.photo serves them after
    checking the user may see the hazard.
    """

    hazard = models.ForeignKey(Hazard, models.PROTECT, related_name="photos")
    verification = models.ForeignKey(
        "Verification", models.PROTECT, null=True, blank=True, related_name="photos"
    )
    reinspection = models.ForeignKey(
        "Reinspection", models.PROTECT, null=True, blank=True, related_name="photos"
    )
    file = models.FileField(upload_to="hazards/%Y/%m/")
    name = models.CharField(_("file name"), max_length=255)
    size = models.PositiveIntegerField(_("size"))
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["uploaded_at", "id"]
        verbose_name = _("site photo")
        verbose_name_plural = _("site photos")

    def __str__(self) -> str:
        return self.name

    @property
    def extension(self) -> str:
        return PurePath(self.name).suffix.lower().lstrip(".")


class Verification(AppendOnlyModel):
    """An on-site check of a rectification (验收销号): passed closes it, failed returns it.

    Made by the verifying unit or the office, never by the rectifying unit; kept as
    written (a later check is a new row).
    """

    # hash chain per subject (luoshi.lib.eventchain)
    chain_by = "hazard"

    hazard = models.ForeignKey(Hazard, models.PROTECT, related_name="verifications")
    unit = models.ForeignKey(
        "org.Unit", models.PROTECT, related_name="+", verbose_name=_("checked by unit")
    )
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("checked by")
    )
    checked_on = models.DateField(_("checked on"))
    passed = models.BooleanField(_("passed"))
    record = models.TextField(_("check record"))
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("verification")
        verbose_name_plural = _("verifications")
        indexes = [models.Index(fields=["hazard", "at"], name="verification_hazard_at")]

    def __str__(self) -> str:
        return f"{self.checked_on} {'✓' if self.passed else '✗'}"


class ReinspectionKind(models.TextChoices):
    PERIODIC = "periodic", _("Periodic re-inspection of an open major hazard")  # 定期复查
    FOLLOW_UP = "follow_up", _("Follow-up check after closing")  # 销号后复查


class Reinspection(AppendOnlyModel):
    """A re-inspection (复查): periodic while a major hazard is open, or the follow-up
    after closing; a follow-up that finds the hazard back (`relapsed`) registers it anew."""

    # hash chain per subject (luoshi.lib.eventchain)
    chain_by = "hazard"

    hazard = models.ForeignKey(Hazard, models.PROTECT, related_name="reinspections")
    kind = models.CharField(_("kind"), max_length=16, choices=ReinspectionKind.choices)
    unit = models.ForeignKey(
        "org.Unit", models.PROTECT, related_name="+", verbose_name=_("checked by unit")
    )
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("checked by")
    )
    checked_on = models.DateField(_("checked on"))
    due_on = models.DateField(_("was due on"), null=True, blank=True)
    record = models.TextField(_("check record"))
    relapsed = models.BooleanField(_("hazard found again"), default=False)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("re-inspection")
        verbose_name_plural = _("re-inspections")
        indexes = [models.Index(fields=["hazard", "at"], name="reinspection_hazard_at")]

    def __str__(self) -> str:
        return f"{self.checked_on} {self.get_kind_display()}"

    @property
    def late(self) -> bool:
        return bool(self.due_on and self.checked_on > self.due_on)


class HazardEventKind(models.TextChoices):
    REGISTERED = "hazard.registered", _("Registered")
    IMPORTED = "hazard.imported", _("Imported from a campaign table")
    UPDATED = "hazard.updated", _("Edited")
    ASSIGNED = "hazard.assigned", _("Rectification assigned")
    LISTED = "hazard.listed", _("Listed for supervision")
    VERIFIED = "hazard.verified", _("Verified and closed")
    VERIFICATION_FAILED = "hazard.verification_failed", _("Failed verification, returned")
    REINSPECTED = "hazard.reinspected", _("Re-inspected")
    FOLLOWED_UP = "hazard.followed_up", _("Followed up after closing")
    RELAPSED = "hazard.relapsed", _("Found again at the follow-up")
    OVERDUE_ALERT = "hazard.overdue_alert", _("Overdue: leader alerted")
    WITHDRAWN = "hazard.withdrawn", _("Withdrawn")


class HazardEvent(AppendOnlyModel):
    """One step in a hazard's life: who, when, what. Appended by services, never changed."""

    # hash chain per subject (luoshi.lib.eventchain)
    chain_by = "hazard"

    hazard = models.ForeignKey(Hazard, models.PROTECT, related_name="events")
    kind = models.CharField(_("kind"), max_length=32, choices=HazardEventKind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        related_name="+",
        verbose_name=_("actor"),
    )
    unit = models.ForeignKey(
        "org.Unit", models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("unit")
    )
    at = models.DateTimeField(_("at"), auto_now_add=True)
    comment = models.TextField(_("comment"), blank=True)
    data = models.JSONField(_("data"), default=dict, blank=True)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("hazard event")
        verbose_name_plural = _("hazard events")
        indexes = [models.Index(fields=["hazard", "at"], name="hazard_event_at")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.get_kind_display()}"


class HazardPolicy(SingleRow, models.Model):
    """The office's hazard rules: limits by level, re-inspection cadence (one row, in the admin)."""

    general_workdays = models.PositiveSmallIntegerField(
        _("general hazard: working days to rectify (at most)"),
        default=10,
        validators=numbers.workday_validators(),
    )
    serious_workdays = models.PositiveSmallIntegerField(
        _("serious hazard: working days to rectify (at most)"),
        default=30,
        validators=numbers.workday_validators(),
    )
    major_workdays = models.PositiveSmallIntegerField(
        _("major hazard: working days of the plan when none is given"),
        default=90,
        validators=numbers.workday_validators(),
    )
    reinspection_days = models.PositiveSmallIntegerField(
        _("open major hazard: re-inspect every N days"),
        default=15,
        validators=numbers.range_validators(1, numbers.DAYS_MAX),
    )
    follow_up_days = models.PositiveSmallIntegerField(
        _("closed hazard: follow-up check after M days"),
        default=30,
        validators=numbers.range_validators(0, numbers.DAYS_MAX),
    )
    reminder_days = models.PositiveSmallIntegerField(
        _("remind this many days before a re-inspection is due"),
        default=3,
        validators=numbers.range_validators(0, numbers.DAYS_MAX),
    )
    verification_requires_photo = models.BooleanField(
        _("a verification needs at least one site photo"), default=False
    )

    class Meta:
        verbose_name = _("hazard policy")
        verbose_name_plural = _("hazard policy")

    def __str__(self) -> str:
        return str(_("Hazard time limits and re-inspection cadence"))

    def limit_workdays(self, level: str) -> int:
        return {
            HazardLevel.GENERAL: self.general_workdays,
            HazardLevel.SERIOUS: self.serious_workdays,
            HazardLevel.MAJOR: self.major_workdays,
        }[HazardLevel(level)]
