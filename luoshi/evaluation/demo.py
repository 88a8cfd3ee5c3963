"""Demo evaluation of 示例市 (called by `luoshi demo`): the year's scheme (a second version
from July), every past month computed, reviewed and closed with its frozen ranking and
its items (commendations, a penalty with its reason, one item withdrawn as entered twice),
and the current month open with provisional results."""

from __future__ import annotations

import datetime as dt

import time_machine
from django.utils import timezone

from . import services
from .models import AdjustmentKind, Period, PeriodKind

COMMENDED = ["市发改委", "东城区", "市住建局", "高新区"]
PENALISED = ["市自然资源局", "西城区", "市交通运输局"]
SECOND_VERSION = [
    *services.DEFAULT_RULES,
    {"indicator": "hastenings", "points": -0.5},
    {"indicator": "stalled_matters", "points": -0.5},
]


def build(ctx) -> None:
    supervisor, today = ctx.supervisors[0], ctx.today
    first = max(ctx.start, dt.date(today.year, 1, 1))
    name = f"{today.year}年度督查考核办法"
    with _at(first):
        scheme = services.publish_scheme(actor=supervisor, name=name)
    closed = 0
    for month in range(first.month, today.month + 1):
        if month == 7:
            with _at(dt.date(today.year, 6, 25)):
                scheme = services.publish_scheme(
                    actor=supervisor, name=name, version=scheme.version, rules=SECOND_VERSION
                )
        with _at(dt.date(today.year, month, 1)):
            period = services.open_period(
                actor=supervisor, kind=PeriodKind.MONTH, year=today.year, number=month
            )
        with _at(dt.date(today.year, month, 15)):
            _items(ctx, period, supervisor, month)
        if month < today.month:
            _close(period, supervisor)
            closed += 1
        else:
            services.compute_scorecards(_fresh(period))
    ctx.log(f"evaluation: {closed} month(s) closed, current month provisional")


def _items(ctx, period, supervisor, month: int) -> None:
    unit = ctx.units.get(ctx.rng.choice(COMMENDED))
    if unit is not None:
        services.add_adjustment(
            _fresh(period),
            actor=supervisor,
            version=None,
            unit=unit,
            kind=AdjustmentKind.COMMENDATION,
            reason="市长批示肯定工作成效",
        )
    if month % 3 == 0 and (late := ctx.units.get(PENALISED[month // 3 % len(PENALISED)])):
        item = services.add_adjustment(
            _fresh(period),
            actor=supervisor,
            version=None,
            unit=late,
            kind=AdjustmentKind.PENALTY,
            points=-2,
            reason="未按要求报送月度工作台账，经提醒仍逾期三个工作日",
        )
        if month == 6:  # the same penalty entered twice by mistake, then withdrawn
            twice = services.add_adjustment(
                _fresh(period),
                actor=supervisor,
                version=None,
                unit=late,
                kind=AdjustmentKind.PENALTY,
                points=item.points,
                reason=item.reason,
            )
            services.withdraw_adjustment(
                twice, actor=supervisor, version=None, reason="重复录入，予以撤回"
            )


def _close(period: Period, supervisor) -> None:
    """The office computes after the month ends, reviews the next day and closes."""
    with _at(period.end + dt.timedelta(days=1)):
        services.compute_period(_fresh(period), actor=supervisor, version=None)
    with _at(period.end + dt.timedelta(days=2)):
        services.review_period(_fresh(period), actor=supervisor, version=None, comment="已核对")
        services.close_period(_fresh(period), actor=supervisor, version=None)


def _fresh(period: Period) -> Period:
    return Period.objects.select_related("scheme").get(pk=period.pk)


def _at(day: dt.date):
    moment = timezone.make_aware(dt.datetime.combine(day, dt.time(9)))
    return time_machine.travel(min(moment, timezone.now()), tick=False)
