"""The in-app inbox: what a user is told about matters."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


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


class Notification(models.Model):
    """One message in a user's inbox, about one matter."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="notifications")
    kind = models.CharField(_("kind"), max_length=16, choices=NotificationKind.choices)
    matter = models.ForeignKey(
        "matters.Matter", models.PROTECT, null=True, blank=True, related_name="+"
    )
    text = models.CharField(_("text"), max_length=500)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        indexes = [models.Index(fields=["user", "read_at", "created_at"], name="inbox")]

    def __str__(self) -> str:
        return self.text
