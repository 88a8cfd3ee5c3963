"""Demo data of enterprise service: enterprises, liaisons, whitelist, service days, problems.

Called by `luoshi demo` with the city's DemoContext. Everything goes through the
services at past dates (ctx.at), so events and time limits look as in real use.
"""

from __future__ import annotations

import datetime as dt

from luoshi.matters import services as matter_services

from . import services
from .credit_code import check_character
from .models import EnterpriseProblem

ENTERPRISES = [
    ("示例新能源电池有限公司", "高新区", "新能源", "large"),
    ("示例精密机械制造有限公司", "东城区", "装备制造", "medium"),
    ("示例食品股份有限公司", "西城区", "食品加工", "large"),
    ("示例纺织服饰有限公司", "南湖区", "纺织服装", "medium"),
    ("示例生物医药科技有限公司", "高新区", "生物医药", "small"),
    ("示例新材料科技有限公司", "北山县", "新材料", "medium"),
    ("示例物流供应链有限公司", "东城区", "现代物流", "small"),
    ("示例电子信息有限公司", "高新区", "电子信息", "medium"),
    ("示例建材有限公司", "北山县", "建材", "small"),
    ("示例农产品加工有限公司", "南湖区", "农产品加工", "micro"),
]
# (problem, category, tier, responsible unit)
PROBLEMS = [
    ("厂区周边道路断头，货车绕行", "logistics", "ordinary", "市交通运输局"),
    ("新建厂房用电增容审批慢", "utilities", "ordinary", "市发改委"),
    ("流动资金贷款到期续贷困难", "financing", "major", "市金融工作局"),
    ("技术工人招工难", "labour", "ordinary", "市人社局"),
    ("二期项目用地指标未落实", "land", "major", "市自然资源和规划局"),
    ("研发费用加计扣除政策兑现慢", "policy", "ordinary", "市财政局"),
    ("环评批复等待时间长", "approvals", "ordinary", "市生态环境局"),
    ("天然气供应不稳定", "utilities", "ordinary", "市发改委"),
    ("产品进入本地政府采购目录难", "market", "ordinary", "市商务局"),
    ("消防验收整改意见不明确", "approvals", "ordinary", "市住建局"),
]
LIAISON_UNITS = ["市工信局", "市商务局", "市发改委", "市投资促进局"]
SERVICE_UNITS = ["市工信局", "市商务局", "市行政审批局"]


def credit_code(serial: int) -> str:
    first17 = f"91410100MA{serial:06d}X"
    return first17 + check_character(first17)


def build(ctx) -> None:
    supervisor = ctx.supervisors[0]
    enterprises = _enterprises(ctx, supervisor)
    days = _service_days(ctx, supervisor)
    for index, enterprise in enumerate(enterprises):
        for turn in range(2):
            _problem(ctx, supervisor, enterprise, days, index * 2 + turn)
    ctx.log(f"  {len(enterprises)} enterprises, {EnterpriseProblem.objects.count()} problems")


def _enterprises(ctx, supervisor) -> list:
    made = []
    with ctx.at(ctx.start):
        for serial, (name, district, industry, size) in enumerate(ENTERPRISES, start=1):
            enterprise = services.register_enterprise(
                actor=supervisor,
                name=name,
                credit_code=credit_code(serial),
                district=ctx.units[district],
                industry=industry,
                size=size,
                contact_name=ctx.rng.choice("王李张刘陈") + "经理",
                contact_phone=f"1380000{serial:04d}",
            )
            cadre = ctx.handlers[LIAISON_UNITS[serial % len(LIAISON_UNITS)]]
            services.assign_liaison(enterprise, cadre, actor=supervisor, version=enterprise.version)
            made.append(enterprise)
    _whitelist(ctx, made)
    _link_projects(ctx, supervisor, made)
    return made


def _link_projects(ctx, supervisor, enterprises) -> None:
    """Key projects (projects.demo ran first) get their owner; two join the whitelist."""
    from luoshi.projects import services as project_services
    from luoshi.projects.models import Project

    by_name = {e.name: e for e in enterprises}
    with ctx.at(ctx.start):
        for project in Project.objects.filter(owner_name__in=list(by_name)):
            project_services.update_project(
                project,
                actor=supervisor,
                version=project.version,
                owner=by_name[project.owner_name],
            )
        for project in Project.objects.filter(level="province")[:2]:
            services.add_to_whitelist(
                actor=ctx.leaders[0],
                project=project,
                guarantee="production",
                valid_from=ctx.start,
                valid_to=ctx.today + dt.timedelta(days=20),
            )


def _whitelist(ctx, enterprises) -> None:
    """Half the enterprises on the 四保 whitelist; some entries expire within a month."""
    leader = ctx.leaders[0]
    guarantees = ["production", "labour", "logistics", "funding"]
    with ctx.at(ctx.start):
        for i, enterprise in enumerate(enterprises[::2]):
            ends = ctx.today + dt.timedelta(days=[12, 25, 90, 180, -5][i % 5])
            services.add_to_whitelist(
                actor=leader,
                enterprise=enterprise,
                guarantee=guarantees[i % 4],
                valid_from=ctx.start,
                valid_to=max(ends, ctx.start),
            )


def _service_days(ctx, supervisor) -> list:
    """A service day a month per receiving unit, from the start of the history."""
    made = []
    day = ctx.start
    while day < ctx.today:
        for unit in SERVICE_UNITS:
            when = ctx.workday(day + dt.timedelta(days=SERVICE_UNITS.index(unit)))
            if when >= ctx.today or any(d.unit.name == unit and d.day == when for d in made):
                continue
            with ctx.at(when, 8 * 60):
                made.append(
                    services.schedule_service_day(
                        ctx.units[unit],
                        when,
                        actor=supervisor,
                        place=f"{unit}政务服务大厅",
                        topic="企业服务日：现场收集企业诉求",
                    )
                )
        day += dt.timedelta(days=30)
    return made


def _problem(ctx, supervisor, enterprise, days, n: int) -> None:
    """One problem: received, and — by its age — transferred, handled and rated."""
    title, category, tier, unit = PROBLEMS[n % len(PROBLEMS)]
    age = ctx.rng.randint(1, max((ctx.today - ctx.start).days - 5, 2))
    received = ctx.workday(ctx.today - dt.timedelta(days=age))
    service_day = next((d for d in days if d.day == received), None)
    with ctx.at(received, 10 * 60):
        problem = services.receive_problem(
            enterprise,
            title=title,
            category=category,
            tier=tier,
            channel="service_day" if service_day else "enterprise",
            service_day=service_day,
            actor=supervisor if service_day else None,
        )
    if age <= 2:
        return  # still to transfer
    _handle(ctx, supervisor, problem, unit, received, age)


def _step(ctx, day: dt.date, action) -> dt.date | None:
    """Run an action at a working day before today; None once the story reaches today."""
    when = day
    while not ctx.calendar.is_workday(when):
        when += dt.timedelta(days=1)
    if when >= ctx.today:
        return None
    with ctx.at(when):
        action()
    return when


def _handle(ctx, supervisor, problem, unit: str, received: dt.date, age: int) -> None:
    handler = ctx.handlers[unit]
    state = {}

    def transfer():
        state["m"] = services.transfer_problem(
            problem, actor=supervisor, version=problem.version, lead_unit=ctx.units[unit]
        )

    day = _step(ctx, received + dt.timedelta(days=1), transfer)
    steps = [
        (2, lambda: _call(state, matter_services.accept_matter, actor=handler)),
        (
            2,
            lambda: _call(
                state,
                matter_services.report_progress,
                actor=handler,
                text="已与企业对接，正在协调解决",
                percent=40,
            ),
        ),  # fmt: skip
        (
            ctx.rng.randint(2, 6),
            lambda: _call(
                state,
                matter_services.request_completion,
                actor=handler,
                text="问题已解决，已向企业反馈",
            ),
        ),  # fmt: skip
        (
            2,
            lambda: _call(
                state, matter_services.review_completion, actor=supervisor, outcome="approve"
            ),
        ),  # fmt: skip
    ]
    for gap, action in steps:
        if day is None:
            return
        day = _step(ctx, day + dt.timedelta(days=gap), action)
    if day is None or ctx.rng.random() < 0.15:
        return  # awaiting the rating
    grade = ctx.rng.choice(["very_satisfied", "satisfied", "satisfied", "basically_satisfied",
                            "unsatisfied"])  # fmt: skip
    day = _step(ctx, day + dt.timedelta(days=2), lambda: _rate(problem, grade))
    if grade == "unsatisfied" and day is not None:
        _step(
            ctx,
            day + dt.timedelta(days=1),
            lambda: _call(
                state,
                services_reopen(problem),
                actor=supervisor,
                comment="回访：企业反映问题未彻底解决，重新办理",
            ),  # fmt: skip
        )


def _rate(problem, grade: str) -> None:
    """The enterprise rates on its page, which shows the problem as it is now."""
    problem.refresh_from_db()
    services.rate_problem(problem, grade, version=problem.version)


def services_reopen(problem):
    def reopen(matter, *, actor, version, comment):
        return services.reopen_problem(problem, actor=actor, version=version, comment=comment)

    return reopen


def _call(state: dict, service, **kwargs) -> None:
    matter = state["m"]
    matter.refresh_from_db()
    service(matter, version=matter.version, **kwargs)
