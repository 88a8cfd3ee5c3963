"""What the platform records that ratings count: incidents, branch activities, bottom lines."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from luoshi.lib import numbers


class IncidentKind(models.TextChoices):
    """Kinds of event that count against a unit's standing (三零, 平安法治, 五个不发生)."""

    CASUALTY_ACCIDENT = "casualty_accident", _("Casualty accident")  # 伤亡生产安全事故
    MAJOR_HAZARD_OVERDUE = "major_hazard_overdue", _("Major hazard overdue")  # 重大隐患逾期未改
    ESCALATED_PETITION = "escalated_petition", _("Escalated petition")  # 越级上访 / 诉求升级
    CRIMINAL_CASE = "criminal_case", _("Criminal case")  # 刑事案件
    MASS_INCIDENT = "mass_incident", _("Mass incident")  # 群体性事件
    PUBLIC_OPINION = "public_opinion", _("Online public-opinion incident")  # 网络舆情事件
    ENVIRONMENTAL = "environmental", _("Environmental incident")  # 环境污染事件


class Severity(models.TextChoices):
    """How grave an incident is, in the grades used for accidents and events."""

    GENERAL = "general", _("General")  # 一般
    SERIOUS = "serious", _("Serious")  # 较大
    MAJOR = "major", _("Major")  # 重大
    EXTRAORDINARY = "extraordinary", _("Extraordinary")  # 特别重大


SEVERITY_ORDER = [s.value for s in Severity]


class Incident(models.Model):
    """A record of an event that counts against a unit's standing (事件记录).

    The seam through which the platform's own records reach the ratings: the office
    or a unit enters an accident, a case or a petition here, and other apps feed it
    through services.record_incidents — the hazard scan an overdue major hazard, the
    citizens app an escalated complaint. `source` names the record it stands for
    ("hazards.hazard:12"), so a feed never records the same thing twice; `url` links to
    it. An incident entered in error is voided with a reason, never deleted.
    """

    kind = models.CharField(_("kind"), max_length=24, choices=IncidentKind.choices)
    severity = models.CharField(
        _("severity"), max_length=16, choices=Severity.choices, default=Severity.GENERAL
    )
    unit = models.ForeignKey(
        "org.Unit", models.PROTECT, related_name="incidents", verbose_name=_("unit")
    )
    occurred_on = models.DateField(_("occurred on"))
    title = models.CharField(_("title"), max_length=300)
    description = models.TextField(_("description"), blank=True)
    source = models.CharField(_("source record"), max_length=100, blank=True)
    url = models.CharField(_("link"), max_length=300, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)
    voided_at = models.DateTimeField(_("voided at"), null=True, blank=True)
    void_reason = models.CharField(_("reason for voiding"), max_length=300, blank=True)

    class Meta:
        ordering = ["-occurred_on", "-id"]
        verbose_name = _("incident")
        verbose_name_plural = _("incidents")
        constraints = [
            models.UniqueConstraint(
                fields=["source"], condition=~models.Q(source=""), name="uniq_incident_source"
            )
        ]
        indexes = [
            models.Index(fields=["unit", "occurred_on"], name="incident_unit_day"),
            models.Index(fields=["kind", "occurred_on"], name="incident_kind_day"),
        ]

    def __str__(self) -> str:
        return f"{self.occurred_on} {self.title}"


class ActivityType(models.TextChoices):
    """The branch's regular activities: 三会一课 and 主题党日."""

    MEMBERS_MEETING = "members_meeting", _("Branch members' meeting")  # 支部党员大会
    COMMITTEE_MEETING = "committee_meeting", _("Branch committee meeting")  # 支部委员会会议
    GROUP_MEETING = "group_meeting", _("Party group meeting")  # 党小组会
    PARTY_LECTURE = "party_lecture", _("Party lecture")  # 党课
    THEME_DAY = "theme_day", _("Theme party day")  # 主题党日


class BranchActivity(models.Model):
    """One activity a party branch held (三会一课, 主题党日): what the 支部过硬 star counts.

    Recorded by the branch's unit as it happens, so the star reflects what the branch
    did rather than a form filled in at the end of the year. Voided, never deleted.
    """

    unit = models.ForeignKey(
        "org.Unit", models.PROTECT, related_name="branch_activities", verbose_name=_("branch")
    )
    type = models.CharField(_("type"), max_length=24, choices=ActivityType.choices)
    held_on = models.DateField(_("held on"))
    topic = models.CharField(_("topic"), max_length=200)
    attended = models.PositiveSmallIntegerField(
        _("attended"), validators=numbers.range_validators(0, numbers.MEMBERS_MAX)
    )
    expected = models.PositiveSmallIntegerField(
        _("members expected"), validators=numbers.range_validators(1, numbers.MEMBERS_MAX)
    )
    minutes = models.TextField(_("minutes"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("recorded by")
    )
    recorded_at = models.DateTimeField(auto_now_add=True)
    voided_at = models.DateTimeField(_("voided at"), null=True, blank=True)
    void_reason = models.CharField(_("reason for voiding"), max_length=300, blank=True)

    class Meta:
        ordering = ["-held_on", "-id"]
        verbose_name = _("branch activity")
        verbose_name_plural = _("branch activities")
        indexes = [models.Index(fields=["unit", "held_on"], name="activity_unit_day")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(attended__lte=models.F("expected")),
                name="activity_attended_le_expected",
            )
        ]

    def __str__(self) -> str:
        return f"{self.held_on} {self.get_type_display()} {self.topic}"

    @property
    def attendance_rate(self) -> int:
        return round(100 * self.attended / self.expected) if self.expected else 0


class ActivityPhoto(models.Model):
    """A photo of a branch activity; private, served after a visibility check."""

    activity = models.ForeignKey(BranchActivity, models.PROTECT, related_name="photos")
    file = models.FileField(upload_to="activities/%Y/%m/")
    name = models.CharField(_("file name"), max_length=255)
    size = models.PositiveIntegerField(_("size"))
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("activity photo")
        verbose_name_plural = _("activity photos")

    def __str__(self) -> str:
        return self.name


class BottomLine(models.Model):
    """A zero-tolerance bottom line (五个不发生) the office configures as an alert.

    An incident of one of `incident_kinds` at `min_severity` or graver breaches it:
    the leaders and the office are alerted at once (services.record_incidents).
    """

    name = models.CharField(_("name"), max_length=100, unique=True)
    description = models.TextField(_("description"), blank=True)
    incident_kinds = models.JSONField(_("incident kinds"), default=list)
    min_severity = models.CharField(
        _("from severity"), max_length=16, choices=Severity.choices, default=Severity.SERIOUS
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["order", "id"]
        verbose_name = _("bottom line")
        verbose_name_plural = _("bottom lines")

    def __str__(self) -> str:
        return self.name

    def breached_by(self, incident: Incident) -> bool:
        return (
            self.is_active
            and incident.kind in self.incident_kinds
            and SEVERITY_ORDER.index(incident.severity) >= SEVERITY_ORDER.index(self.min_severity)
        )


class BottomLineBreach(models.Model):
    """A bottom line an incident breached: the alert, kept as a record."""

    bottom_line = models.ForeignKey(BottomLine, models.PROTECT, related_name="breaches")
    incident = models.ForeignKey(Incident, models.PROTECT, related_name="breaches")
    alerted_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-alerted_at"]
        verbose_name = _("bottom line breach")
        verbose_name_plural = _("bottom line breaches")
        constraints = [
            models.UniqueConstraint(fields=["bottom_line", "incident"], name="uniq_breach")
        ]

    def __str__(self) -> str:
        return f"{self.bottom_line}: {self.incident}"
