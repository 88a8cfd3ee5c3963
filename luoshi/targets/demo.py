"""Demo targets of 示例市 (called by `luoshi demo` with the demo context): five targets on
their trajectories, monthly actuals reported by their units, one behind with a matter."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import time_machine
from django.utils import timezone

from . import services
from .models import Direction, TargetWarning

# (unit, name, yearly value, measure, direction, year-to-date sum, pace of the actuals)
TARGETS = [
    ("市发改委", "固定资产投资", 350, "亿元", Direction.HIGHER, True, 1.02),
    ("市工信局", "规上工业增加值增速", Decimal("7.5"), "%", Direction.HIGHER, False, 0.99),
    ("市商务局", "社会消费品零售总额", 620, "亿元", Direction.HIGHER, True, 0.97),
    ("市投资促进局", "实际到位资金", 180, "亿元", Direction.HIGHER, True, 0.84),
    ("市生态环境局", "PM2.5平均浓度", 35, "微克/立方米", Direction.LOWER, False, 1.03),
]
# Last year's monthly shape of retail sales (share of the year reached by each month).
RETAIL_SHAPE = [7, 14, 22, 30, 38, 47, 55, 63, 72, 81, 90, 100]


def build(ctx) -> None:
    today = ctx.today
    supervisor = ctx.supervisors[0]
    months = [m for m in range(1, 13) if dt.date(today.year, m, 1) < today.replace(day=1)]
    for unit_name, name, value, measure, direction, sums, pace in TARGETS:
        unit = ctx.units.get(unit_name)
        handler = ctx.handlers.get(unit_name)
        if unit is None or handler is None:
            continue
        spec = services.EVEN
        if name == "社会消费品零售总额":
            _last_year(ctx, unit, name, supervisor, handler)
            spec = services.LAST_YEAR
        target = services.create_target(
            actor=supervisor,
            unit=unit,
            year=today.year,
            name=name,
            yearly_value=value,
            measure=measure,
            direction=direction,
            accumulates=sums,
            trajectory_spec=spec,
        )
        plan = {p.month: p.planned for p in target.plan.all()}
        for month in months:
            noise = Decimal(str(round(pace + ctx.rng.uniform(-0.02, 0.02), 3)))
            with _on(today.year, month + 1, 10):
                services.report_actual(
                    target,
                    actor=handler,
                    month=month,
                    value=(plan[month] * noise).quantize(Decimal("0.01")),
                    source="市统计局月报",
                )
        target.refresh_from_db()
        if target.warning == TargetWarning.BEHIND:
            services.spawn_matter(target, actor=supervisor, deadline=today + dt.timedelta(days=60))
    ctx.log(f"targets: {len(TARGETS)}")


def _last_year(ctx, unit, name, supervisor, handler) -> None:
    last = services.create_target(
        actor=supervisor,
        unit=unit,
        year=ctx.today.year - 1,
        name=name,
        yearly_value=580,
        measure="亿元",
    )
    for month, share in enumerate(RETAIL_SHAPE, start=1):
        services.report_actual(
            last,
            actor=handler,
            month=month,
            value=Decimal(580 * share) / 100,
            source="市统计局年报",
        )


def _on(year: int, month: int, day: int):
    """Travel to a day of `year` (month 13 is January of the next year), never the future."""
    when = dt.date(year + (month > 12), (month - 1) % 12 + 1, day)
    when = min(when, timezone.localdate())
    return time_machine.travel(
        timezone.make_aware(dt.datetime.combine(when, dt.time(10))), tick=False
    )
