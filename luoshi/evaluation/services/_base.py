"""What every evaluation service shares: the period lock with its version check, and the
event row."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User

from luoshi.lib.eventlog import bump_and_save, lock_for_change
from luoshi.org.models import Unit

from ..models import Adjustment, EvaluationEvent, Period, Scheme


def lock_period(period: Period, version: int | None, *, system: bool = False) -> Period:
    """Re-read the period under a row lock; refuse a caller who saw another version.

    `version` None means the version of the period object passed in (the demo, tests);
    the system's own refresh (`system`) acts on whatever version is there.
    """
    return lock_for_change(
        Period.objects.select_related("scheme"),
        period.pk,
        version,
        current=None if system else period.version,
        describe=lambda fresh: fresh.label,
    )


def record(
    kind: str,
    actor: User | None,
    *,
    period: Period | None = None,
    scheme: Scheme | None = None,
    unit: Unit | None = None,
    adjustment: Adjustment | None = None,
    comment: str = "",
    data: dict[str, Any] | None = None,
    bump: bool = True,
) -> EvaluationEvent:
    """Save the period (version + 1 unless `bump` is False) and append the event row."""
    if period is not None and bump:
        bump_and_save(period)
    return EvaluationEvent.objects.create(
        kind=kind,
        actor=actor,
        period=period,
        scheme=scheme or (period.scheme if period is not None else None),
        unit=unit,
        adjustment=adjustment,
        comment=comment,
        data=data or {},
    )
