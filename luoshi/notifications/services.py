"""Sending and reading notifications. Senders are the matter services, after commit."""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from luoshi.org.models import Membership, Role

from .models import Notification

UNIT_ROLES = (Role.HANDLER, Role.UNIT_HEAD)


def users_of_units(unit_ids: Iterable[int], roles: Iterable[str] = UNIT_ROLES) -> set[int]:
    return set(
        Membership.objects.filter(unit_id__in=list(unit_ids), role__in=list(roles)).values_list(
            "user_id", flat=True
        )
    )


def users_with_role(role: str) -> set[int]:
    return set(Membership.objects.filter(role=role).values_list("user_id", flat=True))


def notify(
    user_ids: Iterable[int],
    *,
    kind: str,
    text: str,
    matter_id: int | None = None,
    exclude: int | None = None,
) -> None:
    """Queue one notification per user, written after the current transaction commits."""
    recipients = sorted(set(user_ids) - {exclude})
    if not recipients:
        return

    def write() -> None:
        Notification.objects.bulk_create(
            Notification(user_id=u, kind=kind, text=text[:500], matter_id=matter_id)
            for u in recipients
        )

    transaction.on_commit(write)


def mark_read(user: User, ids: Iterable[int] | None = None) -> int:
    """Mark the given notifications (or all) of `user` as read; returns how many."""
    unread = Notification.objects.filter(user=user, read_at__isnull=True)
    if ids is not None:
        unread = unread.filter(pk__in=list(ids))
    return unread.update(read_at=timezone.now())
