"""Demo data of key projects: the city's list, stages reached, months reported, problems.

Called by `luoshi demo` with the city's DemoContext, before enterprises (which link
the owners they find by name: enterprises.demo). Everything goes through the services
at past dates, so the timeline, warnings and figures look as in real use.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from luoshi.matters import services as matter_services

from . import services
from .models import STAGE_ORDER, ProjectStatus

# (name, kind, level, district, responsible unit, contract?, contracted, owner)
PROJECTS = [
    ("新能源电池产业园一期", "industrial", "province", "高新区", "市工信局", True, 150000,
     "示例新能源电池有限公司"),
    ("高端装备制造基地", "industrial", "city", "东城区", "市工信局", True, 60000,
     "示例精密机械制造有限公司"),
    ("绿色食品加工产业园", "industrial", "city", "西城区", "市商务局", True, 45000,
     "示例食品股份有限公司"),
    ("生物医药孵化中心", "industrial", "province", "高新区", "市投资促进局", True, 80000,
     "示例生物医药科技有限公司"),
    ("新材料产业园二期", "industrial", "city", "北山县", "市发改委", True, 38000,
     "示例新材料科技有限公司"),
    ("城东物流枢纽", "infrastructure", "province", "东城区", "市交通运输局", True, 120000,
     "示例物流供应链有限公司"),
    ("南湖片区综合管廊", "infrastructure", "city", "南湖区", "市住建局", False, 0, ""),
    ("北山县城乡供水一体化", "infrastructure", "city", "北山县", "市水利局", False, 0, ""),
    ("市第一人民医院新院区", "social", "province", "西城区", "市卫生健康委", False, 0, ""),
    ("城西学校新建工程", "social", "city", "西城区", "市教育局", False, 0, ""),
    ("电子信息产业园", "industrial", "city", "高新区", "市投资促进局", True, 70000,
     "示例电子信息有限公司"),
    ("文旅特色街区改造", "services", "city", "南湖区", "市文广旅局", True, 25000, ""),
]  # fmt: skip
STAGE_GAPS = [0, 60, 30, 300, 60, 180]  # days between planned stages


def build(ctx) -> None:
    supervisor = ctx.supervisors[0]
    for n, row in enumerate(PROJECTS, start=1):
        project = _register(ctx, supervisor, n, row)
        _reach_stages(ctx, supervisor, project)
        _months(ctx, supervisor, project)
        if n in (2, 6, 9):
            _problem(ctx, supervisor, project)
    _terminate_one(ctx, supervisor)
    ctx.log(f"  {len(PROJECTS)} key projects")


def _register(ctx, supervisor, n: int, row):
    name, kind, level, district, unit, contract, amount, owner = row
    signed = ctx.start + dt.timedelta(days=ctx.rng.randint(-60, 60))
    plans, day = {}, signed
    for stage, gap in zip(STAGE_ORDER, STAGE_GAPS, strict=True):
        day += dt.timedelta(days=gap)
        plans[stage] = day
    planned = Decimal(amount or ctx.rng.randint(20000, 90000))
    spec = services.ProjectSpec(
        code=f"{ctx.today.year}-ZD-{n:03d}",
        name=name,
        kind=kind,
        level=level,
        responsible_unit=ctx.units[unit],
        district=ctx.units[district],
        responsible_leader=ctx.leader_of.get(unit, ctx.leaders[0]),
        owner_name=owner,
        is_contract=contract,
        contracted_investment=Decimal(amount),
        planned_investment=planned,
        effect_metric="output" if kind == "industrial" else "",
        effect_target=planned * 2 if kind == "industrial" else Decimal(0),
        stage_plans=plans,
    )
    with ctx.at(ctx.start):
        return services.register_project(spec, actor=supervisor)


def _reach_stages(ctx, supervisor, project) -> None:
    """Reach the stages whose plan has passed, most on time, some late, a few not yet."""
    evidence = {
        "signed": "投资合同签订",
        "started": "施工许可证、开工仪式",
        "building": "主体工程施工",
        "built": "竣工验收备案",
        "producing": "首批产品下线",
        "effective": "达产达效",
    }
    last = ctx.start - dt.timedelta(days=400)
    for row in project.stages.all():
        delay = ctx.rng.choice([-10, -3, 0, 5, 20, 45])
        wanted = max(row.planned_date + dt.timedelta(days=delay), last)
        if wanted >= ctx.today - dt.timedelta(days=3) or ctx.rng.random() < 0.1:
            return
        actual = ctx.workday(wanted)
        project.refresh_from_db()
        with ctx.at(actual):
            services.record_stage(
                project,
                row.stage,
                actor=supervisor,
                version=project.version,
                actual_date=actual,
                evidence=evidence[row.stage],
            )
        last = actual


def _months(ctx, supervisor, project) -> None:
    """This year's plan by month and the reports of the months gone by."""
    year = ctx.today.year
    monthly = (project.planned_investment / 3 / 12).quantize(Decimal("1"))
    project.refresh_from_db()
    with ctx.at(ctx.start):
        services.set_investment_plan(
            project, year, [monthly] * 12, actor=supervisor, version=project.version
        )
    handler = ctx.handlers.get(project.responsible_unit.name, supervisor)
    pace = Decimal(ctx.rng.choice([60, 85, 100, 110])) / 100
    for month in range(1, ctx.today.month):
        report_day = ctx.workday(dt.date(year, month, 28) + dt.timedelta(days=5))
        project.refresh_from_db()
        with ctx.at(min(report_day, ctx.today - dt.timedelta(days=1))):
            services.report_month(
                project,
                year=year,
                month=month,
                completed=(monthly * pace).quantize(Decimal("1")),
                funds_in_place=(monthly * pace * Decimal("0.8")).quantize(Decimal("1")),
                effect=_effect(project),
                actor=handler,
                version=project.version,
            )


def _effect(project) -> Decimal:
    """A month's output once the project produces; nothing before."""
    if project.stage_index < 5:
        return Decimal(0)
    return (project.effect_target / 12).quantize(Decimal("1"))


def _problem(ctx, supervisor, project) -> None:
    """A blocking problem raised as a matter and assigned in the standard loop."""
    day = ctx.workday(ctx.today - dt.timedelta(days=10))
    with ctx.at(day):
        matter = services.raise_problem(
            project,
            actor=supervisor,
            title=f"{project.name}：施工用电、用水接入滞后",
            content="项目调度会提出，需协调供电、供水单位加快接入。",
            lead_unit=ctx.units["市发改委"],
            deadline=ctx.calendar.add_workdays(day, 15),
        )
        matter_services.assign_matter(matter, actor=supervisor, version=matter.version)


def _terminate_one(ctx, supervisor) -> None:
    from .models import Project

    project = Project.objects.filter(is_contract=True, stage="signed").last()
    if project is None:
        return
    with ctx.at(ctx.workday(ctx.today - dt.timedelta(days=3))):
        services.set_status(
            project,
            ProjectStatus.TERMINATED,
            actor=supervisor,
            version=project.version,
            reason="企业投资计划调整，合同解除",
        )
