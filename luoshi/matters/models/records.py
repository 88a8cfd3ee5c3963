"""What happens to a matter: events, disputes, extensions, reports, hastenings."""

from __future__ import annotations

from pathlib import PurePath

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from luoshi.lib import numbers, requestkeys
from luoshi.lib.eventlog import AppendOnlyModel

from .choices import EventKind, RequestState, ReturnReason, State
from .matter import Matter, MatterUnit


class MatterEvent(AppendOnlyModel):
    """One step in a matter's life: who, when, from which state to which, why.

    Rows are appended by matters.services in the same transaction as the change
    and are never updated or deleted.
    """

    # hash chain per subject (luoshi.lib.eventchain)
    chain_by = "matter"

    matter = models.ForeignKey(Matter, models.PROTECT, related_name="events")
    kind = models.CharField(_("kind"), max_length=32, choices=EventKind.choices)
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
    from_state = models.CharField(_("from"), max_length=24, choices=State.choices, blank=True)
    to_state = models.CharField(_("to"), max_length=24, choices=State.choices, blank=True)
    at = models.DateTimeField(_("at"), auto_now_add=True)
    comment = models.TextField(_("comment"), blank=True)
    data = models.JSONField(_("data"), default=dict, blank=True)
    # The key of the request that appended it (hasten, comment, register): a repeat of
    # that request finds this event instead of acting again (luoshi.lib.requestkeys).
    request_key = requestkeys.key_field()

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("matter event")
        verbose_name_plural = _("matter events")
        indexes = [
            models.Index(fields=["matter", "at"], name="event_matter_at"),
            models.Index(fields=["kind", "at"], name="event_kind_at"),
            models.Index(fields=["unit", "kind", "at"], name="event_unit_kind_at"),
        ]
        constraints = [requestkeys.key_constraint("event_actor_request_key")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.get_kind_display()}"


class Dispute(models.Model):
    """A unit says a matter is not its job (退回), with a coded reason; the supervisor rules."""

    matter = models.ForeignKey(Matter, models.PROTECT, related_name="disputes")
    part = models.ForeignKey(MatterUnit, models.PROTECT, related_name="disputes")
    unit = models.ForeignKey("org.Unit", models.PROTECT, related_name="disputes_raised")
    reason_code = models.CharField(_("reason"), max_length=24, choices=ReturnReason.choices)
    reason = models.TextField(_("explanation"))
    suggested_unit = models.ForeignKey(
        "org.Unit",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("suggested unit"),
    )
    state = models.CharField(
        _("state"), max_length=16, choices=RequestState.choices, default=RequestState.PENDING
    )
    raised_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    raised_at = models.DateTimeField(auto_now_add=True)
    ruled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+"
    )
    ruled_at = models.DateTimeField(null=True, blank=True)
    ruling = models.CharField(_("ruling"), max_length=16, blank=True)
    ruling_comment = models.TextField(_("ruling comment"), blank=True)
    new_unit = models.ForeignKey(
        "org.Unit",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("reassigned to"),
    )

    class Meta:
        ordering = ["-raised_at"]
        verbose_name = _("dispute")
        verbose_name_plural = _("disputes")
        indexes = [
            models.Index(fields=["state", "raised_at"], name="dispute_state"),
            # The few pending rows, by matter: the desk's "disputes to rule" (queries.desk_*).
            models.Index(
                fields=["matter"], condition=models.Q(state="pending"), name="dispute_pending"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.unit}: {self.get_reason_code_display()}"


class Extension(models.Model):
    """A unit's request for a later deadline (延期申请); the supervisor approves or rejects."""

    matter = models.ForeignKey(Matter, models.PROTECT, related_name="extensions")
    unit = models.ForeignKey("org.Unit", models.PROTECT, related_name="+")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(auto_now_add=True)
    current_deadline = models.DateField(_("deadline when asked"))
    requested_deadline = models.DateField(_("requested deadline"))
    reason = models.TextField(_("reason"))
    state = models.CharField(
        _("state"), max_length=16, choices=RequestState.choices, default=RequestState.PENDING
    )
    ruled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+"
    )
    ruled_at = models.DateTimeField(null=True, blank=True)
    ruling_comment = models.TextField(_("ruling comment"), blank=True)

    class Meta:
        ordering = ["-requested_at"]
        verbose_name = _("extension request")
        verbose_name_plural = _("extension requests")
        indexes = [
            models.Index(fields=["state", "requested_at"], name="extension_state"),
            # The few pending rows, by matter: the desk's "extensions to rule".
            models.Index(
                fields=["matter"], condition=models.Q(state="pending"), name="extension_pending"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.current_deadline} → {self.requested_deadline}"


class ProgressReport(models.Model):
    """What a unit did (进展反馈): text, percentage, problems met, attachments.

    The lead unit's reports are the matter's reports; a co-unit's report covers its part.
    """

    matter = models.ForeignKey(Matter, models.PROTECT, related_name="reports")
    part = models.ForeignKey(MatterUnit, models.PROTECT, related_name="reports")
    unit = models.ForeignKey("org.Unit", models.PROTECT, related_name="+")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    text = models.TextField(_("what was done"))
    percent = models.PositiveSmallIntegerField(
        _("progress %"), validators=numbers.range_validators(0, numbers.PERCENT_MAX)
    )
    problems = models.TextField(_("problems met"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("progress report")
        verbose_name_plural = _("progress reports")
        indexes = [models.Index(fields=["matter", "created_at"], name="report_matter_at")]

    def __str__(self) -> str:
        return f"{self.unit} {self.percent}%"


class Attachment(models.Model):
    """A file attached to a progress report; served only to users who may see the matter."""

    report = models.ForeignKey(ProgressReport, models.PROTECT, related_name="attachments")
    file = models.FileField(upload_to="attachments/%Y/%m/")
    name = models.CharField(_("file name"), max_length=255)
    size = models.PositiveIntegerField(_("size"))
    content_type = models.CharField(max_length=100, blank=True)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self) -> str:
        return self.name

    @property
    def extension(self) -> str:
        return PurePath(self.name).suffix.lower().lstrip(".")


class Hastening(models.Model):
    """A formal reminder (催办) to a unit, with a numbered notice, copied to its head.

    Reminders of the same matter to the same unit on the same day are merged into
    one row (`repeats` counts them) and sent once.
    """

    matter = models.ForeignKey(Matter, models.PROTECT, related_name="hastenings")
    unit = models.ForeignKey("org.Unit", models.PROTECT, related_name="hastenings")
    notice_year = models.PositiveSmallIntegerField()
    notice_no = models.PositiveIntegerField()
    day = models.DateField()
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    message = models.TextField(_("message"), blank=True)
    repeats = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("hastening")
        verbose_name_plural = _("hastenings")
        constraints = [
            models.UniqueConstraint(fields=["matter", "unit", "day"], name="one_hastening_a_day"),
            models.UniqueConstraint(fields=["notice_year", "notice_no"], name="uniq_notice_no"),
        ]
        indexes = [models.Index(fields=["unit", "day"], name="hastening_unit_day")]

    def __str__(self) -> str:
        return self.notice

    @property
    def notice(self) -> str:
        return f"催办〔{self.notice_year}〕{self.notice_no}号"
