"""Notifications: the in-app inbox, the channels that reach people, and the delivery log."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from luoshi.lib.eventlog import AppendOnlyModel


class NotificationKind(models.TextChoices):
    ASSIGNED = "assigned", _("Assigned to your unit")
    HASTENED = "hastened", _("Hastening notice")
    RULING = "ruling", _("Ruling on a request")
    REVIEW = "review", _("Review result")
    DEADLINE = "deadline", _("Deadline approaching or passed")
    APPROVAL = "approval", _("Awaiting your approval")
    REQUEST = "request", _("Request to rule on")
    COMMENT = "comment", _("Leader comment")
    RECOUNTED = "recounted", _("Deadline recounted")
    EXPORT = "export", _("Export ready")
    CITIZEN = "citizen", _("Citizen request")


class Notification(models.Model):
    """One message in a user's inbox, about one matter.

    The text is kept as a message id and parameters (`message`, `params`) and rendered
    in the reader's language; `text` is the rendering in the site's language, for
    notices written before that and for search. A notice whose action has been taken
    (the completion reviewed, the dispute ruled) is marked done by the service that
    took it (`done_at`): it leaves the unread count.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="notifications")
    kind = models.CharField(_("kind"), max_length=16, choices=NotificationKind.choices)
    matter = models.ForeignKey(
        "matters.Matter", models.PROTECT, null=True, blank=True, related_name="+"
    )
    text = models.CharField(_("text"), max_length=500)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)
    message = models.CharField(max_length=500, blank=True, default="")
    params = models.JSONField(default=dict, blank=True)
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        indexes = [
            models.Index(fields=["user", "read_at", "created_at"], name="inbox"),
            models.Index(fields=["matter", "kind", "done_at"], name="notice_matter_kind"),
            models.Index(fields=["user", "done_at", "read_at"], name="inbox_pending"),
        ]

    def __str__(self) -> str:
        return self.text

    def render(self, language: str | None = None) -> str:
        """The text in `language` (the active one by default)."""
        if not self.message:
            return self.text
        from .messages import stored

        return stored(self.message, self.params).render(language)

    @property
    def display(self) -> str:
        return self.render()


class Channel(models.TextChoices):
    EMAIL = "email", _("E-mail")
    SMS = "sms", _("SMS")
    WECOM = "wecom", _("WeCom group robot")
    DINGTALK = "dingtalk", _("DingTalk group robot")


class Cadence(models.TextChoices):
    IMMEDIATE = "immediate", _("At once")
    DAILY = "daily", _("Once a day (digest)")
    NEVER = "never", _("Only in the inbox")


class NotificationPreference(models.Model):
    """How one user wants to be reached beyond the inbox, and in which language."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, models.CASCADE, related_name="notification_preference"
    )
    language = models.CharField(_("language"), max_length=10, blank=True, default="")
    email = models.BooleanField(_("by e-mail"), default=False)
    sms = models.BooleanField(_("by SMS"), default=False)
    phone = models.CharField(_("mobile phone"), max_length=30, blank=True)
    cadence = models.CharField(
        _("when"), max_length=16, choices=Cadence.choices, default=Cadence.IMMEDIATE
    )
    # Kinds sent beyond the inbox; empty means all.
    kinds = models.JSONField(_("kinds"), default=list, blank=True)

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")

    def __str__(self) -> str:
        return str(self.user)

    def wants(self, kind: str) -> bool:
        return not self.kinds or kind in self.kinds


class UnitChannel(models.Model):
    """A unit's group robot (企业微信 / 钉钉 群机器人): its members' notices go to the group."""

    unit = models.ForeignKey("org.Unit", models.PROTECT, related_name="notice_channels")
    channel = models.CharField(
        _("channel"),
        max_length=16,
        choices=[(Channel.WECOM, Channel.WECOM.label), (Channel.DINGTALK, Channel.DINGTALK.label)],
    )
    webhook_url = models.URLField(_("webhook address"), max_length=500)
    # DingTalk's 加签 secret (HMAC-SHA256 of timestamp + secret); blank when not used.
    secret = models.CharField(_("signing secret"), max_length=200, blank=True)
    cadence = models.CharField(
        _("when"), max_length=16, choices=Cadence.choices, default=Cadence.IMMEDIATE
    )
    kinds = models.JSONField(_("kinds"), default=list, blank=True)
    language = models.CharField(_("language"), max_length=10, blank=True, default="")
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("unit notice channel")
        verbose_name_plural = _("unit notice channels")
        indexes = [models.Index(fields=["unit", "is_active"], name="unitchannel_unit")]

    def __str__(self) -> str:
        return f"{self.unit} · {self.get_channel_display()}"

    def wants(self, kind: str) -> bool:
        return not self.kinds or kind in self.kinds


class DeliveryState(models.TextChoices):
    PENDING = "pending", _("Waiting to be sent")
    SENT = "sent", _("Sent")
    RETRYING = "retrying", _("Failed, will retry")
    FAILED = "failed", _("Failed, gave up")


class Delivery(models.Model):
    """One message through one channel to one address: the delivery log (发送记录).

    Written when a notice (or a digest, or a text to a citizen) is queued; the
    sending task updates its state, attempts and last error; every try is also an
    append-only DeliveryAttempt.
    """

    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)
    address = models.CharField(_("address"), max_length=500)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.CASCADE, null=True, blank=True, related_name="+"
    )
    unit = models.ForeignKey("org.Unit", models.PROTECT, null=True, blank=True, related_name="+")
    notification = models.ForeignKey(
        Notification, models.SET_NULL, null=True, blank=True, related_name="deliveries"
    )
    subject = models.CharField(_("subject"), max_length=200, blank=True)
    body = models.TextField(_("text"))
    state = models.CharField(
        _("state"), max_length=16, choices=DeliveryState.choices, default=DeliveryState.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.CharField(_("last error"), max_length=500, blank=True)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    reference = models.CharField(_("reference"), max_length=100, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        indexes = [
            models.Index(fields=["state", "next_attempt_at"], name="delivery_due"),
            models.Index(fields=["reference"], name="delivery_reference"),
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} → {self.address}"


class DeliveryAttempt(AppendOnlyModel):
    """One try to send a delivery: when, and what the other side answered."""

    # hash chain per subject (luoshi.lib.eventchain)
    chain_by = "delivery"

    delivery = models.ForeignKey(Delivery, models.CASCADE, related_name="tries")
    at = models.DateTimeField(auto_now_add=True)
    ok = models.BooleanField()
    status = models.CharField(max_length=100, blank=True)
    error = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("delivery attempt")
        verbose_name_plural = _("delivery attempts")

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {'ok' if self.ok else self.error}"
