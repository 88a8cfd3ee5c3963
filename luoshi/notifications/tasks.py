"""Background tasks of notifications (django.tasks; `luoshi db_worker` runs them).

`deliver` sends one Delivery and logs the try; a failure that may pass is retried
later (1, 5, 30, 120 minutes…) up to LUOSHI["DELIVERY_MAX_ATTEMPTS"]. With a backend
that defers (django-tasks-db) the retry is queued with `run_after`; otherwise
`retry_due` (from `luoshi notices send` and the nightly scan) picks it up.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.tasks import task
from django.utils import timezone

from .channels import DeliveryError, send
from .models import Delivery, DeliveryAttempt, DeliveryState

BACKOFF_MINUTES = [1, 5, 30, 120, 480]


def max_attempts() -> int:
    return int(settings.LUOSHI.get("DELIVERY_MAX_ATTEMPTS", 5))


@task
def deliver(delivery_id: int) -> str:
    """Send one delivery once; returns its state afterwards."""
    return attempt(delivery_id)


def attempt(delivery_id: int) -> str:
    with transaction.atomic():
        delivery = Delivery.objects.select_for_update().filter(pk=delivery_id).first()
        if delivery is None or delivery.state in (DeliveryState.SENT, DeliveryState.FAILED):
            return delivery.state if delivery else "missing"
        delivery.attempts += 1
        delivery.save(update_fields=["attempts"])
    try:
        status = send(delivery)
    except DeliveryError as error:
        _failed(delivery, error)
    else:
        DeliveryAttempt.objects.create(delivery=delivery, ok=True, status=status[:100])
        delivery.state, delivery.sent_at = DeliveryState.SENT, timezone.now()
        delivery.last_error, delivery.next_attempt_at = "", None
        delivery.save(update_fields=["state", "sent_at", "last_error", "next_attempt_at"])
    return delivery.state


def _failed(delivery: Delivery, error: DeliveryError) -> None:
    DeliveryAttempt.objects.create(
        delivery=delivery, ok=False, status=error.status[:100], error=str(error)[:500]
    )
    delivery.last_error = str(error)[:500]
    if error.retry and delivery.attempts < max_attempts():
        wait = BACKOFF_MINUTES[min(delivery.attempts - 1, len(BACKOFF_MINUTES) - 1)]
        delivery.state = DeliveryState.RETRYING
        delivery.next_attempt_at = timezone.now() + dt.timedelta(minutes=wait)
    else:
        delivery.state, delivery.next_attempt_at = DeliveryState.FAILED, None
    delivery.save(update_fields=["state", "last_error", "next_attempt_at"])
    if delivery.state == DeliveryState.RETRYING and deliver.get_backend().supports_defer:
        deliver.using(run_after=delivery.next_attempt_at).enqueue(delivery.pk)


def retry_due(now: dt.datetime | None = None) -> int:
    """Try again every delivery whose retry time has come; returns how many were tried."""
    now = now or timezone.now()
    due = list(
        Delivery.objects.filter(
            state__in=[DeliveryState.RETRYING, DeliveryState.PENDING], next_attempt_at__lte=now
        ).values_list("pk", flat=True)[:1000]
    )
    for pk in due:
        attempt(pk)
    return len(due)


@task
def send_digests() -> int:
    """The daily digests (`luoshi notices digest`, and the morning scan)."""
    from .digests import send_daily_digests

    return send_daily_digests()
