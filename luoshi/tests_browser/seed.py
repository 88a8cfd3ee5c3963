"""A small, realistic city for the browser tests and the README screenshots."""

from __future__ import annotations

import datetime as dt

import time_machine
from django.utils import timezone

from luoshi.matters import services
from luoshi.matters.models import Priority, ReportCycle, Source
from luoshi.matters.warnings import scan
from luoshi.testing import the_city

TITLES = [
    ("推进重点项目签约落地", Source.WORK_REPORT, "lead"),
    ("优化营商环境十条措施落实", Source.MEETING, "lead"),
    ("老旧小区改造年度计划", Source.WORK_REPORT, "district"),
    ("企业用地审批提速", Source.ENTERPRISE, "lead"),
    ("背街小巷环境整治", Source.CITIZEN, "street"),
    ("安全生产隐患排查整改", Source.INSPECTION, "other"),
    ("市长批示：冬季供暖保障", Source.INSTRUCTION, "lead"),
]


def seeded_city():
    """Matters in every desk section: overdue, due soon, to accept, to review, drafts."""
    city = the_city()
    today = timezone.localdate()
    with time_machine.travel(timezone.now() - dt.timedelta(days=45), tick=False):
        old = _assign(city, "城市更新三年行动（2024—2026年）第一批项目", Source.MEETING, "lead",
                      today - dt.timedelta(days=3))  # fmt: skip
        services.accept_matter(old, actor=city.lead_handler, version=old.version)
    for index, (title, source, unit) in enumerate(TITLES):
        deadline = today + dt.timedelta(days=[4, 30, 60, 2, 20, 45, 90][index])
        matter = _assign(city, title, source, unit, deadline)
        handler = city.co_handler if unit == "co" else city.lead_handler
        if index in (0, 1, 3):
            matter = services.accept_matter(matter, actor=handler, version=matter.version)
        if index == 1:
            services.report_progress(
                matter, actor=handler, version=matter.version,
                text="已完成方案起草，正在征求意见。", percent=40,
                problems="部分企业诉求尚待协调。",
            )  # fmt: skip
            services.hasten_matter(matter, actor=city.supervisor, message="请按节点推进")
    draft = _spec(
        city, "数字政府一网通办建设", Source.HIGHER_LEVEL, "lead", today + dt.timedelta(60)
    )
    services.register_matter(draft, actor=city.supervisor)
    scan()
    return city


def _spec(city, title, source, unit, deadline):
    co = [services.CoUnit(city.co, "负责企业对接")] if unit == "lead" else []
    return services.MatterSpec(
        title=title,
        source=source,
        lead_unit=getattr(city, unit),
        co_units=co,
        responsible_leader=city.leader,
        deadline=deadline,
        priority=Priority.URGENT if source == Source.INSTRUCTION else Priority.NORMAL,
        report_cycle=ReportCycle.WEEKLY if source == Source.CITIZEN else ReportCycle.MONTHLY,
        milestones=[services.MilestoneSpec("制定实施方案", deadline=deadline - dt.timedelta(1))]
        if deadline > timezone.localdate() + dt.timedelta(2)
        else [],
    )


def _assign(city, title, source, unit, deadline):
    matter = services.register_matter(
        _spec(city, title, source, unit, deadline), actor=city.supervisor
    )
    return services.assign_matter(matter, actor=city.supervisor, version=matter.version)
