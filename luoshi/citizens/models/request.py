"""The citizen request (群众诉求 / 工单), its photos, its events and reply templates."""

from __future__ import annotations

import secrets
from pathlib import PurePath

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from luoshi.lib import numbers, requestkeys
from luoshi.lib.eventlog import AppendOnlyModel
from luoshi.matters.models import State

from .choices import (
    CallPurpose,
    Channel,
    CitizenEventKind,
    MergeState,
    RatingSource,
    ReplyState,
    RequestType,
    Stage,
    WithdrawalState,
)


def new_tracking_token() -> str:
    """192 random bits: the tracking link cannot be guessed or enumerated."""
    return secrets.token_urlsafe(24)


class Category(models.Model):
    """A hotline category (城乡建设, 环境保护…) and the unit that handles it by default.

    The category → unit table is the dispatch model's cold start and fallback: the
    office edits it; `keywords` give a first guess before any model is trained.
    """

    code = models.SlugField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=50, unique=True)
    default_unit = models.ForeignKey(
        "org.Unit",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("default handling unit"),
    )
    keywords = models.CharField(
        _("keywords (comma-separated)"), max_length=500, blank=True, default=""
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["order", "id"]
        verbose_name = _("request category")
        verbose_name_plural = _("request categories")

    def __str__(self) -> str:
        return self.name

    def keyword_list(self) -> list[str]:
        text = self.keywords.replace("，", ",").replace("、", ",")
        return [k.strip() for k in text.split(",") if k.strip()]


class CitizenRequest(models.Model):
    """A citizen's request (群众诉求), known by its work-order number (工单号).

    Received through a channel, it is dispatched (派单) by the office: that registers
    and assigns its Matter of kind `citizen` through matters.services, so handling,
    warnings and evaluation are those of every matter. This row keeps what is the
    request's own: the type, the text, the place, the contact, the photos, the
    tracking token, the rating, merging and withdrawal.
    """

    work_order_number = models.CharField(_("work-order number"), max_length=20, unique=True)
    tracking_token = models.CharField(
        max_length=64, unique=True, default=new_tracking_token, editable=False
    )
    matter = models.OneToOneField(
        "matters.Matter",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="citizen_request",
        verbose_name=_("matter"),
    )
    request_type = models.CharField(_("request type"), max_length=16, choices=RequestType.choices)
    text = models.TextField(_("request"))
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)
    category = models.ForeignKey(
        Category,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="requests",
        verbose_name=_("category"),
    )
    # The place: an address as the citizen says it, optional coordinates (WGS-84),
    # and the district and street picked from the unit tree.
    address = models.CharField(_("address"), max_length=300, blank=True)
    latitude = models.DecimalField(
        _("latitude"),
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=numbers.range_validators(-90, 90),
    )
    longitude = models.DecimalField(
        _("longitude"),
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=numbers.range_validators(-180, 180),
    )
    district = models.ForeignKey(
        "org.Unit",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("district"),
    )
    street = models.ForeignKey(
        "org.Unit",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("street or town"),
    )
    anonymous = models.BooleanField(_("anonymous"), default=False)
    contact_name = models.CharField(_("contact name"), max_length=50, blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=30, blank=True)
    urgent = models.BooleanField(_("urgent"), default=False)

    received_at = models.DateTimeField(_("received at"))
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("received by"),
    )
    dispatch_due_at = models.DateTimeField(_("dispatch by"))
    dispatched_at = models.DateTimeField(_("dispatched at"), null=True, blank=True)
    # Set by the warning scan (and at dispatch) when a time limit before handling passed.
    dispatch_late = models.BooleanField(_("dispatched late"), default=False)
    accept_late = models.BooleanField(_("accepted late"), default=False)

    # 重复诉求: the earlier request this one repeats, proposed at intake, then ruled.
    duplicate_of = models.ForeignKey(
        "self",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="duplicates",
        verbose_name=_("duplicate of"),
    )
    merge_state = models.CharField(
        _("merge"), max_length=16, choices=MergeState.choices, blank=True, default=""
    )

    rating = models.CharField(_("rating"), max_length=24, blank=True, default="")
    rating_source = models.CharField(
        _("rated"), max_length=16, choices=RatingSource.choices, blank=True, default=""
    )
    rated_at = models.DateTimeField(_("rated at"), null=True, blank=True)
    withdrawal_state = models.CharField(
        _("withdrawal"), max_length=16, choices=WithdrawalState.choices, blank=True, default=""
    )
    withdrawal_reason = models.CharField(_("withdrawal reason"), max_length=300, blank=True)
    # The last reply-template moment sent to the citizen (see services.replies).
    replied_state = models.CharField(
        max_length=16, choices=ReplyState.choices, blank=True, default=""
    )
    version = models.PositiveIntegerField(_("version"), default=1)

    class Meta:
        ordering = ["-received_at", "-id"]
        verbose_name = _("citizen request")
        verbose_name_plural = _("citizen requests")
        indexes = [
            models.Index(fields=["received_at"], name="creq_received"),
            models.Index(fields=["dispatched_at", "dispatch_due_at"], name="creq_dispatch"),
            models.Index(fields=["category", "district", "received_at"], name="creq_hotspot"),
            models.Index(fields=["street", "received_at"], name="creq_street_received"),
            models.Index(fields=["merge_state"], name="creq_merge"),
            models.Index(fields=["withdrawal_state"], name="creq_withdrawal"),
            models.Index(fields=["request_type", "received_at"], name="creq_type"),
        ]

    def __str__(self) -> str:
        return f"{self.work_order_number} {self.title}"

    @property
    def title(self) -> str:
        """The first words of the text, as lists and the matter's title show it."""
        text = " ".join(self.text.split())
        return text if len(text) <= 40 else text[:39] + "…"

    @property
    def stage(self) -> Stage:
        """Where the request stands, for the citizen and the lists (see Stage)."""
        if self.merge_state == MergeState.MERGED:
            return Stage.MERGED
        if self.matter is None:
            confirmed = self.withdrawal_state == WithdrawalState.CONFIRMED
            return Stage.WITHDRAWN if confirmed else Stage.RECEIVED
        return STAGE_OF_STATE.get(self.matter.state, Stage.IN_HAND)

    @property
    def masked_phone(self) -> str:
        return mask_phone(self.contact_phone)

    @property
    def tracking_url_path(self) -> str:
        return reverse("citizens:track", args=[self.tracking_token])


STAGE_OF_STATE: dict[str, Stage] = {
    State.DRAFT: Stage.RECEIVED,
    State.PENDING_APPROVAL: Stage.RECEIVED,
    State.APPROVED: Stage.RECEIVED,
    State.ASSIGNED: Stage.DISPATCHED,
    State.ACCEPTED: Stage.IN_HAND,
    State.IN_PROGRESS: Stage.IN_HAND,
    State.COMPLETION_REQUESTED: Stage.IN_HAND,
    State.COMPLETED: Stage.ANSWERED,
    State.CLOSED: Stage.CLOSED,
    State.WITHDRAWN: Stage.WITHDRAWN,
}


def mask_phone(phone: str) -> str:
    """138****5678: enough to recognise a number, not to call it."""
    digits = (phone or "").strip()
    if len(digits) <= 4:
        return "*" * len(digits)
    keep = 3 if len(digits) >= 11 else 1
    return digits[:keep] + "*" * (len(digits) - keep - 4) + digits[-4:]


class RequestPhoto(models.Model):
    """A photo or file the citizen sent with the request; served only to who may see it."""

    request = models.ForeignKey(CitizenRequest, models.PROTECT, related_name="photos")
    file = models.FileField(upload_to="citizens/%Y/%m/")
    name = models.CharField(_("file name"), max_length=255)
    size = models.PositiveIntegerField(_("size"))
    content_type = models.CharField(max_length=100, blank=True)

    class Meta:
        verbose_name = _("request photo")
        verbose_name_plural = _("request photos")

    def __str__(self) -> str:
        return self.name

    @property
    def extension(self) -> str:
        return PurePath(self.name).suffix.lower().lstrip(".")


class CitizenEvent(AppendOnlyModel):
    """A step of a request that is not a matter event: intake, merge, reply, rating,
    return call (回访), withdrawal. Appended by citizens.services, never changed."""

    # hash chain per subject (luoshi.lib.eventchain)
    chain_by = "request"

    request = models.ForeignKey(CitizenRequest, models.PROTECT, related_name="events")
    kind = models.CharField(_("kind"), max_length=24, choices=CitizenEventKind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+"
    )
    at = models.DateTimeField(_("at"), auto_now_add=True)
    comment = models.TextField(_("comment"), blank=True)
    data = models.JSONField(_("data"), default=dict, blank=True)
    # The key of the intake form that appended it: a resent form finds this event
    # instead of taking the request in twice (luoshi.lib.requestkeys).
    request_key = requestkeys.key_field()

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("request event")
        verbose_name_plural = _("request events")
        indexes = [
            models.Index(fields=["request", "at"], name="cevent_request_at"),
            models.Index(fields=["kind", "at"], name="cevent_kind_at"),
        ]
        constraints = [
            requestkeys.key_constraint("cevent_actor_request_key"),
            requestkeys.anonymous_key_constraint("cevent_public_request_key"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.get_kind_display()}"

    @property
    def purpose_label(self) -> str:
        purpose = self.data.get("purpose")
        return str(CallPurpose(purpose).label) if purpose in CallPurpose.values else ""


class ReplyTemplate(models.Model):
    """An answer text (答复模板) bound to a moment and, optionally, a request type.

    The office edits them; placeholders in braces ({工单号}, {承办单位}…) are filled
    when the reply is sent (services.replies.PLACEHOLDERS lists them).
    """

    state = models.CharField(_("moment"), max_length=16, choices=ReplyState.choices)
    request_type = models.CharField(
        _("request type"), max_length=16, choices=RequestType.choices, blank=True, default=""
    )
    text = models.TextField(_("text"))
    is_active = models.BooleanField(_("active"), default=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    version = models.PositiveIntegerField(_("version"), default=1)

    class Meta:
        ordering = ["state", "request_type"]
        verbose_name = _("reply template")
        verbose_name_plural = _("reply templates")
        constraints = [
            models.UniqueConstraint(
                fields=["state", "request_type"],
                condition=models.Q(is_active=True),
                name="one_active_reply_template",
            )
        ]

    def __str__(self) -> str:
        kind = self.get_request_type_display() or _("any type")
        return f"{self.get_state_display()} · {kind}"
