"""Sending and reading notifications. Senders are the services, after commit.

A notice lands in each recipient's inbox and, by their preference, goes out by
e-mail, SMS or their unit's group robot (channels.py), through background tasks
with retries (tasks.py). A notice whose action has been taken is marked done by the
service that took it (`resolve_notices`), so the inbox keeps what still waits.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence

from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from luoshi.org.models import Membership, Role

from .messages import Message
from .models import (
    Cadence,
    Channel,
    Delivery,
    Notification,
    NotificationPreference,
    UnitChannel,
)

UNIT_ROLES = (Role.HANDLER, Role.UNIT_HEAD)


def users_of_units(unit_ids: Iterable[int], roles: Iterable[str] = UNIT_ROLES) -> set[int]:
    return set(
        Membership.objects.filter(unit_id__in=list(unit_ids), role__in=list(roles)).values_list(
            "user_id", flat=True
        )
    )


def users_with_role(role: str) -> set[int]:
    return set(Membership.objects.filter(role=role).values_list("user_id", flat=True))


def stored_fields(text: str | Message) -> dict:
    """A Notification's text (in the site's language), message id and parameters."""
    if isinstance(text, Message):
        rendered = text.render(settings.LANGUAGE_CODE)[:500]
        return {"text": rendered, "message": text.msgid, "params": text.params}
    return {"text": str(text)[:500], "message": "", "params": {}}


def notify(
    user_ids: Iterable[int],
    *,
    kind: str,
    text: str | Message,
    matter_id: int | None = None,
    exclude: int | None = None,
) -> None:
    """Queue one notification per user, written after the current transaction commits.

    `text` is best a Message (N_("…") % {...}), rendered in each reader's language.
    """
    recipients = sorted(set(user_ids) - {exclude})
    if not recipients:
        return
    fields = stored_fields(text)

    def write() -> None:
        rows = Notification.objects.bulk_create(
            Notification(user_id=u, kind=kind, matter_id=matter_id, **fields) for u in recipients
        )
        queue_deliveries(rows)

    transaction.on_commit(write)


def resolve_notices(
    matter_id: int, kinds: Sequence[str], *, user_ids: Iterable[int] | None = None
) -> int:
    """Mark done the open notices of `kinds` about a matter: their action has been taken.

    Called by the service that took the action (reviewing a completion resolves the
    request to review it). Done notices leave the unread count; the inbox shows them
    greyed. Returns how many were marked.
    """
    rows = Notification.objects.filter(matter_id=matter_id, kind__in=list(kinds), done_at=None)
    if user_ids is not None:
        rows = rows.filter(user_id__in=list(user_ids))
    return rows.update(done_at=timezone.now())


def pending(user: User):
    """The user's notices still waiting: unread and not done."""
    return Notification.objects.filter(user=user, read_at__isnull=True, done_at__isnull=True)


def mark_read(user: User, ids: Iterable[int] | None = None) -> int:
    """Mark the given notifications (or all) of `user` as read; returns how many."""
    unread = Notification.objects.filter(user=user, read_at__isnull=True)
    if ids is not None:
        unread = unread.filter(pk__in=list(ids))
    return unread.update(read_at=timezone.now())


# -- beyond the inbox -----------------------------------------------------------------


def language_of(preference: NotificationPreference | UnitChannel | None) -> str:
    return (preference.language if preference else "") or settings.LANGUAGE_CODE


def queue_deliveries(notices: Sequence[Notification]) -> list[Delivery]:
    """Deliveries for the notices' recipients who want them at once, and their units' robots.

    Three queries for any number of notices; one group message per unit and text
    even when several of its members get the same notice.
    """
    if not notices:
        return []
    users = {n.user_id for n in notices}
    preferences = {
        p.user_id: p
        for p in NotificationPreference.objects.filter(user_id__in=users, cadence=Cadence.IMMEDIATE)
        .filter(Q(email=True) | Q(sms=True))
        .select_related("user")
    }
    rows = []
    for notice in notices:
        preference = preferences.get(notice.user_id)
        if preference is not None and preference.wants(notice.kind):
            rows += _personal(notice, preference)
    rows += _to_unit_robots(notices, users)
    return _save_and_send(rows)


def _personal(notice: Notification, preference: NotificationPreference) -> list[Delivery]:
    text = notice.render(language_of(preference))
    rows = []
    if preference.email and preference.user.email:
        rows.append(
            Delivery(
                channel=Channel.EMAIL,
                address=preference.user.email,
                user_id=notice.user_id,
                notification=notice,
                subject=_subject(notice, language_of(preference)),
                body=text + _link(notice),
            )
        )
    if preference.sms and preference.phone:
        rows.append(
            Delivery(
                channel=Channel.SMS,
                address=preference.phone,
                user_id=notice.user_id,
                notification=notice,
                body=text,
            )
        )
    return rows


def _to_unit_robots(notices: Sequence[Notification], users: set[int]) -> list[Delivery]:
    channels = list(
        UnitChannel.objects.filter(
            is_active=True,
            cadence=Cadence.IMMEDIATE,
            unit__memberships__user_id__in=users,
            unit__memberships__role__in=UNIT_ROLES,
        )
        .distinct()
        .values_list("pk", "unit_id", "channel", "webhook_url", "kinds", "language")
    )
    if not channels:
        return []
    members: dict[int, set[int]] = {}
    for user_id, unit_id in Membership.objects.filter(
        unit_id__in={c[1] for c in channels}, role__in=UNIT_ROLES
    ).values_list("user_id", "unit_id"):
        members.setdefault(unit_id, set()).add(user_id)
    rows, seen = [], set()
    for pk, unit_id, channel, url, kinds, language in channels:
        for notice in notices:
            key = (pk, notice.message or notice.text, json.dumps(notice.params, sort_keys=True))
            wanted = not kinds or notice.kind in kinds
            if notice.user_id not in members.get(unit_id, ()) or not wanted or key in seen:
                continue
            seen.add(key)
            lang = language or settings.LANGUAGE_CODE
            rows.append(
                Delivery(
                    channel=channel,
                    address=url,
                    unit_id=unit_id,
                    notification=notice,
                    subject=_subject(notice, lang),
                    body=notice.render(lang) + _link(notice),
                    reference=f"unitchannel:{pk}",
                )
            )
    return rows


def _subject(notice: Notification, language: str) -> str:
    from django.utils import translation

    with translation.override(language):
        return f"落实 · {notice.get_kind_display()}"


def _link(notice: Notification) -> str:
    base = settings.LUOSHI.get("PUBLIC_BASE_URL", "").rstrip("/")
    if not (base and notice.matter_id):
        return ""
    return f"\n{base}/matters/{notice.matter_id}/"


def _save_and_send(rows: list[Delivery]) -> list[Delivery]:
    if not rows:
        return []
    from .tasks import deliver

    saved = Delivery.objects.bulk_create(rows)
    for delivery in saved:
        deliver.enqueue(delivery.pk)
    return saved


def text_citizen(phone: str, text: str | Message, *, reference: str = "") -> None:
    """Send an SMS to a citizen (no account) after commit: replies, merges, checks."""
    phone = (phone or "").strip()
    if not phone:
        return
    body = text.render(settings.LANGUAGE_CODE) if isinstance(text, Message) else str(text)
    row = Delivery(channel=Channel.SMS, address=phone, body=body, reference=reference[:100])
    transaction.on_commit(lambda: _save_and_send([row]))


def write_notices(rows: list[Notification]) -> None:
    """Insert notices built by a bulk sender (the warning scan's digests) in the sender's
    transaction — a scan killed before its commit leaves neither its warnings nor their
    notices, never one without the other — and send them on after commit like any other."""
    written = Notification.objects.bulk_create(rows)
    transaction.on_commit(lambda: queue_deliveries(written))


def save_preference(
    user: User,
    *,
    language: str = "",
    email: bool = False,
    email_address: str = "",
    sms: bool = False,
    phone: str = "",
    cadence: str = Cadence.IMMEDIATE,
    kinds: Sequence[str] = (),
) -> NotificationPreference:
    """The user's own settings (nobody else changes them)."""
    from django.utils.translation import gettext as _

    from luoshi.lib.errors import InvalidInput

    if email and not (email_address or user.email):
        raise InvalidInput(_("Give an e-mail address to be told by e-mail."), field="email_address")
    phone = "".join(ch for ch in phone if ch.isdigit() or ch == "+")
    if sms and not phone:
        raise InvalidInput(_("Give a mobile phone number to be told by SMS."), field="phone")
    if email_address and email_address != user.email:
        user.email = email_address
        user.save(update_fields=["email"])
    preference, _created = NotificationPreference.objects.update_or_create(
        user=user,
        defaults={
            "language": language,
            "email": email,
            "sms": sms,
            "phone": phone,
            "cadence": cadence,
            "kinds": list(kinds),
        },
    )
    return preference
