"""What the notifications do after the nightly warning scan: retries and digests.

Both run after the scan's transaction commits, each in its own, so a slow gateway or
a digest never holds the scan's locks.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import QuerySet

from luoshi.matters.listeners import in_full_scan

from .models import Cadence, NotificationPreference, UnitChannel


def after_scan(matters: QuerySet) -> None:
    if in_full_scan():
        transaction.on_commit(after_commit)


def after_commit() -> None:
    from .tasks import retry_due, send_digests

    retry_due()
    daily = NotificationPreference.objects.filter(cadence=Cadence.DAILY).exists()
    if daily or UnitChannel.objects.filter(cadence=Cadence.DAILY, is_active=True).exists():
        send_digests.enqueue()
