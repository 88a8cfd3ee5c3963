"""A period's life: opened under a scheme version, computed (any number of times),
reviewed, closed. Closing before the period ends needs the office's reason."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from luoshi.lib.errors import IllegalTransition, InvalidInput
from luoshi.org.access import access_for

from .. import permissions
from ..models import EvaluationEventKind, Period, PeriodKind, PeriodState, Scheme
from ._base import lock_period, record

MIN_YEAR, MAX_YEAR = 2000, 2100


def _whole(value: Any, field: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise InvalidInput(_("Enter a whole number."), field=field)
    try:
        return int(value)
    except ValueError:
        raise InvalidInput(_("Enter a whole number."), field=field) from None


def period_bounds(kind: str, year: Any, number: Any = 1) -> tuple[dt.date, dt.date]:
    """First and last day of month `number`, quarter `number`, or the year."""
    year, number = _whole(year, "year"), _whole(number, "number")
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise InvalidInput(
            _("Enter a year from %(min)s to %(max)s.") % {"min": MIN_YEAR, "max": MAX_YEAR},
            field="year",
        )
    if kind == PeriodKind.MONTH and 1 <= number <= 12:
        first_month, months = number, 1
    elif kind == PeriodKind.QUARTER and 1 <= number <= 4:
        first_month, months = 3 * number - 2, 3
    elif kind == PeriodKind.YEAR:
        first_month, months = 1, 12
    elif kind not in PeriodKind.values:
        raise InvalidInput(_("A period is a month, a quarter or a year."), field="kind")
    else:
        raise InvalidInput(
            _("No such period: %(k)s %(n)s") % {"k": PeriodKind(kind).label, "n": number},
            field="number",
        )
    start = dt.date(year, first_month, 1)
    after = first_month + months
    end = dt.date(year + (after > 12), (after - 1) % 12 + 1, 1) - dt.timedelta(1)
    return start, end


@transaction.atomic
def open_period(
    *, actor: User, kind: str, year: Any, number: Any = 1, scheme: Scheme | None = None
) -> Period:
    """Open a period under a scheme version (default: the newest version published)."""
    permissions.check("open_period", access_for(actor))
    start, end = period_bounds(kind, year, number)
    scheme = scheme or Scheme.objects.order_by("-published_at", "-pk").first()
    if scheme is None:
        raise InvalidInput(_("Publish an evaluation scheme first."), field="scheme")
    if Period.objects.filter(kind=kind, start=start).exists():
        raise InvalidInput(_("This period is already open."), field="number")
    period = Period.objects.create(kind=kind, start=start, end=end, scheme=scheme)
    data = {"kind": kind, "start": start.isoformat(), "end": end.isoformat()}
    record(EvaluationEventKind.PERIOD_OPENED, actor, period=period, bump=False, data=data)
    return period


@transaction.atomic
def review_period(period: Period, *, actor: User, version: int | None, comment: str = "") -> Period:
    """The office has checked the computed results (审核): they are what will be closed."""
    permissions.check("review", access_for(actor))
    period = lock_period(period, version)
    if period.state != PeriodState.OPEN:
        raise IllegalTransition(
            _("Only an open period is reviewed (this one is %(state)s).")
            % {"state": period.get_state_display()}
        )
    if period.computed_at is None:
        raise IllegalTransition(_("Compute the results before reviewing them."))
    period.state, period.reviewed_at, period.reviewed_by = (
        PeriodState.REVIEWED,
        timezone.now(),
        actor,
    )
    comment = (comment or "").strip()
    record(EvaluationEventKind.PERIOD_REVIEWED, actor, period=period, comment=comment)
    return period


@transaction.atomic
def close_period(
    period: Period,
    *,
    actor: User,
    version: int | None,
    reason: str = "",
    today: dt.date | None = None,
) -> Period:
    """Freeze the reviewed results: later events no longer change them.

    A period closed before it ends (its last day not yet past) needs the office's
    reason, kept in the event.
    """
    permissions.check("close", access_for(actor))
    period = lock_period(period, version)
    if period.is_closed:
        raise IllegalTransition(_("The period is already closed."))
    if not period.is_reviewed:
        raise IllegalTransition(_("Review the results before closing the period."))
    today = today or timezone.localdate()
    reason = (reason or "").strip()
    early = today <= period.end
    if early and not reason:
        raise InvalidInput(
            _("The period ends on %(day)s: give the reason for closing it early.")
            % {"day": period.end.isoformat()},
            field="reason",
        )
    period.state, period.closed_at, period.closed_by = PeriodState.CLOSED, timezone.now(), actor
    data = {"early": early, "reviewed_at": period.reviewed_at.isoformat()}
    record(EvaluationEventKind.PERIOD_CLOSED, actor, period=period, comment=reason, data=data)
    return period
