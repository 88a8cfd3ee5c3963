"""Demo evaluation of 示例市 (called by `luoshi demo`): the year's scheme, every past month
closed with its frozen ranking, the current month open with provisional results."""

from __future__ import annotations

import datetime as dt

import time_machine
from django.utils import timezone

from . import services
from .models import AdjustmentKind, PeriodKind

COMMENDED = ["市发改委", "东城区", "市住建局", "高新区"]


def build(ctx) -> None:
    supervisor, today = ctx.supervisors[0], ctx.today
    first = max(ctx.start, dt.date(today.year, 1, 1))
    with _at(first):
        services.publish_scheme(actor=supervisor, name=f"{today.year}年度督查考核办法")
    closed = 0
    for month in range(first.month, today.month + 1):
        with _at(dt.date(today.year, month, 1)):
            period = services.open_period(
                actor=supervisor, kind=PeriodKind.MONTH, year=today.year, number=month
            )
            _commend(ctx, period, supervisor)
        if month < today.month:
            with _at(period.end + dt.timedelta(days=1)):
                services.close_period(period, actor=supervisor)
            closed += 1
        else:
            services.compute_scorecards(period)
    ctx.log(f"evaluation: {closed} month(s) closed, current month provisional")


def _commend(ctx, period, supervisor) -> None:
    unit = ctx.units.get(ctx.rng.choice(COMMENDED))
    if unit is not None:
        services.add_adjustment(
            period,
            actor=supervisor,
            unit=unit,
            kind=AdjustmentKind.COMMENDATION,
            reason="市长批示肯定工作成效",
        )


def _at(day: dt.date):
    moment = timezone.make_aware(dt.datetime.combine(day, dt.time(9)))
    return time_machine.travel(min(moment, timezone.now()), tick=False)
