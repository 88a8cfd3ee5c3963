"""Demo targets of 示例市 (called by `luoshi demo` with the demo context): five targets on
their trajectories, monthly actuals reported by their units, each month closed by the
office once its statistics are in (the latest month stays open), and 固定资产投资
re-planned mid-year: its yearly value raised, so the months already closed keep the
"ahead" they were judged on while the months after fall behind and get a matter."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import time_machine
from django.utils import timezone

from . import services
from .models import Direction, Target, TargetWarning

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
REPLANNED = "固定资产投资"
REPLAN_REASON = "市政府常务会议研究决定：全年固定资产投资目标由350亿元调增至380亿元，按月均衡推进。"


def build(ctx) -> None:
    today, supervisor = ctx.today, ctx.supervisors[0]
    months = [m for m in range(1, 13) if dt.date(today.year, m, 1) < today.replace(day=1)]
    replan_after = 5 if len(months) > 6 else (len(months) // 2 or None)
    with _on(today.year, 1, 6):
        made = [t for spec in TARGETS if (t := _create(ctx, supervisor, *spec[:6]))]
    for month in months:
        for target, handler, pace, plan in made:
            with _on(today.year, month + 1, 10):
                noise = Decimal(str(round(pace + ctx.rng.uniform(-0.02, 0.02), 3)))
                services.report_actual(
                    _fresh(target),
                    actor=handler,
                    version=None,
                    month=month,
                    value=(plan[month] * noise).quantize(Decimal("0.01")),
                    source="市统计局月报",
                )
        if month < months[-1]:  # the latest month stays open for corrections
            with _on(today.year, month + 1, 20):
                services.close_month(actor=supervisor, year=today.year, month=month)
        if month == replan_after:
            with _on(today.year, month + 1, 21):
                _replan(made, supervisor)
    for target, *_rest in made:
        target = _fresh(target)
        if target.warning == TargetWarning.BEHIND:
            services.spawn_matter(
                target, actor=supervisor, version=None, deadline=today + dt.timedelta(days=60)
            )
    ctx.log(f"targets: {len(made)}, {max(len(months) - 1, 0)} month(s) closed")


def _create(ctx, supervisor, unit_name, name, value, measure, direction, sums):
    unit, handler = ctx.units.get(unit_name), ctx.handlers.get(unit_name)
    if unit is None or handler is None:
        return None
    spec = services.EVEN
    if name == "社会消费品零售总额":
        _last_year(ctx, unit, name, supervisor, handler)
        spec = services.LAST_YEAR
    target = services.create_target(
        actor=supervisor,
        unit=unit,
        year=ctx.today.year,
        name=name,
        yearly_value=value,
        measure=measure,
        direction=direction,
        accumulates=sums,
        trajectory_spec=spec,
    )
    pace = next(t[6] for t in TARGETS if t[1] == name)
    # The unit's pace follows the first plan: re-planning raises the goal, not the output.
    return target, handler, pace, {p.month: p.planned for p in target.plan.all()}


def _replan(made, supervisor) -> None:
    for target, *_rest in made:
        if target.name == REPLANNED:
            services.replan_target(
                _fresh(target),
                actor=supervisor,
                version=None,
                trajectory_spec=services.EVEN,
                yearly_value=380,
                reason=REPLAN_REASON,
            )


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
            _fresh(last),
            actor=handler,
            version=None,
            month=month,
            value=Decimal(580 * share) / 100,
            source="市统计局年报",
        )


def _fresh(target: Target) -> Target:
    return Target.objects.get(pk=target.pk)


def _on(year: int, month: int, day: int):
    """Travel to a day of `year` (month 13 is January of the next year), never the future."""
    when = dt.date(year + (month > 12), (month - 1) % 12 + 1, day)
    when = min(when, timezone.localdate())
    return time_machine.travel(
        timezone.make_aware(dt.datetime.combine(when, dt.time(10))), tick=False
    )
