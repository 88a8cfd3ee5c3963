"""The daily digest: one message a day instead of one per notice, for who prefers it.

A user (or a unit's group robot) with cadence `daily` gets, once a day, the notices
of the last day still waiting (unread and not done), like notices counted together.
Each digest's Delivery carries the reference `digest:<who>:<day>`, so running this
twice in a day sends nothing more.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict

from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from luoshi.org.models import Membership

from .models import (
    Cadence,
    Channel,
    Delivery,
    Notification,
    NotificationKind,
    NotificationPreference,
    UnitChannel,
)
from .services import UNIT_ROLES, _save_and_send, language_of

MAX_LINES = 20


def send_daily_digests(now: dt.datetime | None = None) -> int:
    """Queue today's digests; returns how many messages were queued."""
    now = now or timezone.now()
    day = timezone.localdate(now).isoformat()
    since = now - dt.timedelta(days=1)
    done = set(
        Delivery.objects.filter(
            reference__startswith="digest:", reference__endswith=day
        ).values_list("reference", flat=True)
    )
    rows = _user_digests(since, day, done) + _unit_digests(since, day, done)
    _save_and_send(rows)
    return len(rows)


def _waiting(since: dt.datetime):
    return Notification.objects.filter(
        created_at__gte=since, read_at__isnull=True, done_at__isnull=True
    )


def _user_digests(since: dt.datetime, day: str, done: set[str]) -> list[Delivery]:
    preferences = NotificationPreference.objects.filter(cadence=Cadence.DAILY).select_related(
        "user"
    )
    by_user = {p.user_id: p for p in preferences if p.email or p.sms}
    notices: dict[int, list[Notification]] = defaultdict(list)
    for notice in _waiting(since).filter(user_id__in=list(by_user)).order_by("created_at"):
        if by_user[notice.user_id].wants(notice.kind):
            notices[notice.user_id].append(notice)
    rows = []
    for user_id, items in notices.items():
        reference = f"digest:user:{user_id}:{day}"
        if reference in done:
            continue
        preference = by_user[user_id]
        subject, body = compose(items, language_of(preference))
        if preference.email and preference.user.email:
            rows.append(
                _row(Channel.EMAIL, preference.user.email, subject, body, reference, user_id)
            )
        if preference.sms and preference.phone:
            rows.append(_row(Channel.SMS, preference.phone, subject, body, reference, user_id))
    return rows


def _unit_digests(since: dt.datetime, day: str, done: set[str]) -> list[Delivery]:
    rows = []
    for channel in UnitChannel.objects.filter(is_active=True, cadence=Cadence.DAILY):
        reference = f"digest:unitchannel:{channel.pk}:{day}"
        if reference in done:
            continue
        members = Membership.objects.filter(unit_id=channel.unit_id, role__in=UNIT_ROLES)
        items, seen = [], set()
        for notice in _waiting(since).filter(user_id__in=members.values("user_id")):
            key = (notice.matter_id, notice.kind, notice.message or notice.text)
            if channel.wants(notice.kind) and key not in seen:
                seen.add(key)
                items.append(notice)
        if items:
            subject, body = compose(items, channel.language or settings.LANGUAGE_CODE)
            rows.append(
                Delivery(
                    channel=channel.channel,
                    address=channel.webhook_url,
                    unit_id=channel.unit_id,
                    subject=subject,
                    body=body,
                    reference=reference,
                )
            )
    return rows


def _row(channel: str, address: str, subject: str, body: str, reference: str, user_id: int):
    return Delivery(
        channel=channel,
        address=address,
        user_id=user_id,
        subject=subject,
        body=body,
        reference=reference,
    )


def compose(notices: list[Notification], language: str) -> tuple[str, str]:
    """The digest's subject and text: counts by kind, then the notices, newest last."""
    with translation.override(language):
        counts = Counter(n.kind for n in notices)
        summary = "；".join(
            f"{NotificationKind(kind).label} {n}" for kind, n in sorted(counts.items())
        )
        subject = _("Luoshi: %(n)s notice(s) waiting") % {"n": len(notices)}
        lines = [f"· {n.render()}" for n in notices[-MAX_LINES:]]
        if len(notices) > MAX_LINES:
            lines.insert(0, _("… and %(n)s earlier") % {"n": len(notices) - MAX_LINES})
        return subject, "\n".join([summary, *lines])
