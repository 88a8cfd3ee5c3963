"""Bonus and penalty items (加减分) with their reasons; a mistaken one is withdrawn, never
deleted. Each re-scores the period at once, so the scorecard shows the item."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from luoshi.lib.errors import IllegalTransition, InvalidInput
from luoshi.matters.models import Matter
from luoshi.org.access import access_for
from luoshi.org.models import Unit

from .. import permissions
from ..models import Adjustment, AdjustmentKind, EvaluationEventKind, Period, PeriodState
from ._base import lock_period, record
from .scoring import rescore

MAX_ITEM = Decimal(100)


def _points(kind: str, points: Any) -> Decimal:
    if kind == AdjustmentKind.COMMENDATION:
        return Decimal(0)  # the scheme's commendations rule prices every one alike
    try:
        amount = Decimal(str(points))
    except InvalidOperation:
        amount = Decimal("NaN")
    if not amount.is_finite() or abs(amount) > MAX_ITEM:
        raise InvalidInput(_("Points: a number from −100 to 100."), field="points")
    if (kind == AdjustmentKind.BONUS and amount <= 0) or (
        kind == AdjustmentKind.PENALTY and amount >= 0
    ):
        raise InvalidInput(_("A bonus adds and a penalty deducts points."), field="points")
    return amount.quantize(Decimal("0.01"))


def _open_for_items(period: Period) -> bool:
    """Lock-held period accepts items; a reviewed one goes back to open. True if it did."""
    if period.is_closed:
        raise IllegalTransition(_("The period is closed; its results are frozen."))
    voided = period.is_reviewed
    period.state = PeriodState.OPEN
    return voided


@transaction.atomic
def add_adjustment(
    period: Period,
    *,
    actor: User,
    version: int | None,
    unit: Unit,
    kind: str,
    reason: str,
    points: Any = 0,
    matter: Matter | None = None,
) -> Adjustment:
    """A manual item: a leader's commendation, or a bonus/penalty with its reason."""
    permissions.check("adjust", access_for(actor))
    if kind not in AdjustmentKind.values:
        raise InvalidInput(_("Unknown kind of item: %(k)s") % {"k": kind}, field="kind")
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput(_("Give the reason for the item."), field="reason")
    amount = _points(kind, points)
    period = lock_period(period, version)
    voided = _open_for_items(period)
    item = Adjustment.objects.create(
        period=period,
        unit=unit,
        kind=kind,
        points=amount,
        reason=reason,
        matter=matter,
        created_by=actor,
    )
    rescore(period, unit.pk)
    data = {"kind": kind, "points": str(amount), "review_voided": voided}
    record(
        EvaluationEventKind.ADJUSTMENT_ADDED,
        actor,
        period=period,
        unit=unit,
        adjustment=item,
        comment=reason,
        data=data,
    )
    return item


@transaction.atomic
def withdraw_adjustment(
    item: Adjustment, *, actor: User, version: int | None, reason: str
) -> Adjustment:
    """Withdraw a mistaken item with the reason (the item and who entered it stay on record).

    `version` is the period's: withdrawing changes the period's results.
    """
    permissions.check("adjust", access_for(actor))
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput(_("Give the reason for withdrawing the item."), field="reason")
    period = lock_period(item.period, version)
    item = Adjustment.objects.select_for_update().select_related("unit").get(pk=item.pk)
    if item.is_withdrawn:
        raise IllegalTransition(_("This item was withdrawn already."))
    voided = _open_for_items(period)
    item.withdrawn_at, item.withdrawn_by, item.withdrawal_reason = timezone.now(), actor, reason
    item.save(update_fields=["withdrawn_at", "withdrawn_by", "withdrawal_reason"])
    rescore(period, item.unit_id)
    record(
        EvaluationEventKind.ADJUSTMENT_WITHDRAWN,
        actor,
        period=period,
        unit=item.unit,
        adjustment=item,
        comment=reason,
        data={"kind": item.kind, "points": str(item.points), "review_voided": voided},
    )
    return item
