"""Demo data of the citizen side: a year of hotline requests in 示例市, and a trained model.

Called by `luoshi demo` with the city's DemoContext. Everything goes through the
services at past moments (ctx.at), in time order:

1. The hotline's categories with their default units and keywords (the table).
2. Last year's exported history (3,000 requests made by luoshi.citizens.corpus) loaded
   with import_history, and a first model trained on it.
3. About 240 requests through the year: taken by phone, the public form or Open311,
   dispatched on the model's suggestion (sometimes wrongly: the unit returns it, 退单,
   and the supervisor moves it), accepted, answered, rated (satisfied, basically,
   unsatisfied → return call → reopened), some merged as duplicates, some withdrawn
   (checked by a return call; one citizen was pressed), the latest still waiting.
4. The model retrained on everything, as `luoshi dispatch train` would.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from unittest import mock

from luoshi.matters import services as matter_services
from luoshi.matters import warnings
from luoshi.matters.models import State

from . import corpus, services
from .dispatch import history, training
from .dispatch.suggest import suggest
from .models import Category, Channel, CitizenRequest

TABLE = [
    ("urban", "城乡建设", "市住建局", "物业,小区,电梯,违建,路灯,井盖,停水,开发商"),
    ("environment", "环境保护", "市生态环境局", "噪音,排污,异味,粉尘,油烟,垃圾"),
    ("transport", "交通运输", "市交通运输局", "公交,出租车,网约车,红绿灯,道路"),
    ("education", "教育文体", "市教育局", "学校,入学,培训,幼儿园,体育馆"),
    ("labour", "劳动和社会保障", "市人社局", "工资,社保,欠薪,退休,医保"),
    ("commerce", "商贸旅游", "市市场监管局", "假货,退货,预付卡,景区,导游"),
    ("health", "卫生计生", "市卫生健康委", "医院,医生,挂号,疫苗,体检"),
    ("safety", "公共安全", "市公安局", "打架,偷,传销,消防,充电"),
]
HISTORY = 3000
REQUESTS = 240
PHONES = "13{0}{1:08d}"


@dataclass
class Story:
    example: corpus.Example
    received: dt.datetime
    steps: list = field(default_factory=list)
    request: CitizenRequest | None = None


def build(ctx) -> None:
    _categories(ctx)
    _history(ctx)
    stories = _plan(ctx)
    # As in matters.demo: the one-row warning refresh of each step is skipped; the final
    # scan of `luoshi demo` gives every matter its warning at once.
    full_scan = warnings.scan
    with mock.patch.object(warnings, "scan", _unless_one_row(full_scan)):
        _run(ctx, stories)
    with ctx.at(ctx.today - dt.timedelta(days=1), 22 * 60):
        model = training.train()
    ctx.log(
        f"  {CitizenRequest.objects.count()} citizen requests; dispatch model trained on "
        f"{model.examples} requests"
    )


def _unless_one_row(full_scan):
    def scan(today=None, queryset=None, **kwargs):
        return {} if queryset is not None else full_scan(today, queryset, **kwargs)

    return scan


def _categories(ctx) -> None:
    for order, (code, name, unit, keywords) in enumerate(TABLE):
        Category.objects.create(
            code=code, name=name, default_unit=ctx.units[unit], keywords=keywords, order=order
        )


def _history(ctx) -> None:
    """Last year's export, loaded as the office would (`luoshi dispatch import-history`)."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "12345历史工单.csv"
        rows = ["受理时间,诉求内容,诉求类别,承办单位"]
        year = ctx.start.year - 1
        for i, e in enumerate(corpus.generate(HISTORY, seed=ctx.rng.randint(1, 10**6))):
            text = e.text.replace('"', "'")
            rows.append(f'{year}-{1 + i % 12:02d}-{1 + i % 28:02d},"{text}",{e.category},{e.unit}')
        path.write_text("\n".join(rows), encoding="utf-8")
        with ctx.at(ctx.start, 8 * 60):
            history.import_history(
                path,
                text_column="诉求内容",
                category_column="诉求类别",
                unit_column="承办单位",
                date_column="受理时间",
            )
            training.train()


def _plan(ctx) -> list[Story]:
    rng, span = ctx.rng, max((ctx.today - ctx.start).days, 30)
    examples = corpus.generate(REQUESTS, seed=rng.randint(1, 10**6))
    stories = []
    for example in examples:
        # Two in five spread over the year, the others mostly in the last weeks.
        recent = rng.random() < 0.6
        age = min(int(rng.expovariate(1 / 30)), span) if recent else rng.randint(0, span)
        day = ctx.today - dt.timedelta(days=max(age, 0))
        minute = rng.choice([rng.randint(8 * 60, 18 * 60)] * 4 + [rng.randint(18 * 60, 23 * 60)])
        stories.append(Story(example, dt.datetime.combine(day, dt.time(minute // 60, minute % 60))))
    # 重复诉求: a few requests are said again by a neighbour within days.
    for story in rng.sample(stories[: REQUESTS - 10], 10):
        again = dt.timedelta(days=rng.randint(0, 3), hours=rng.randint(1, 5))
        said = corpus.Example(
            **{**story.example.__dict__, "text": "我也反映一下，" + story.example.text}
        )
        repeat = Story(said, story.received + again)
        repeat.steps = ["repeat"]
        stories.append(repeat)
    return sorted(stories, key=lambda s: s.received)


def _run(ctx, stories: list[Story]) -> None:
    operator = ctx.users["supervisor3"]
    for n, story in enumerate(stories):
        if story.received.date() >= ctx.today:
            continue
        e = story.example
        street = ctx.units[e.street]
        channel = ctx.rng.choices([Channel.HOTLINE, Channel.WEB, Channel.OPEN311], [6, 3, 1])[0]
        with ctx.at(story.received.date(), story.received.hour * 60 + story.received.minute):
            request = services.receive_request(
                services.Intake(
                    request_type=e.request_type,
                    text=e.text,
                    channel=channel,
                    district=street.parent,
                    street=street,
                    address=e.text[:12] if ctx.rng.random() < 0.3 else "",
                    anonymous=ctx.rng.random() < 0.08,
                    contact_name=ctx.rng.choice("王李张刘陈杨赵黄周吴")
                    + ctx.rng.choice(["先生", "女士"]),
                    contact_phone=PHONES.format(ctx.rng.choice("35789"), 10_000_000 + n),
                    urgent=ctx.rng.random() < 0.06,
                ),
                actor=None if channel == Channel.WEB else operator,
            )
        if story.steps == ["repeat"] and request.duplicate_of_id:
            _merge(ctx, operator, request, story)
            continue
        _handle(ctx, operator, request, story)


def _when(story_time: dt.datetime, hours: float) -> dt.datetime:
    moment = story_time + dt.timedelta(hours=hours)
    if moment.hour >= 18 or moment.hour < 8:  # the office works by day
        moment = dt.datetime.combine(
            moment.date() + dt.timedelta(days=moment.hour >= 18), dt.time(9)
        )
    return moment


def _step(ctx, moment: dt.datetime, action) -> bool:
    """Run an action at a past moment on a working day; False once the story reaches today."""
    day = moment.date()
    while not ctx.calendar.is_workday(day):
        day += dt.timedelta(days=1)
    if day >= ctx.today:
        return False
    minute = moment.hour * 60 + moment.minute if day == moment.date() else 9 * 60
    with ctx.at(day, minute):
        action()
    return True


def _merge(ctx, operator, request: CitizenRequest, story: Story) -> None:
    def merge():
        fresh = CitizenRequest.objects.get(pk=request.pk)
        services.merge_request(fresh, actor=operator, version=fresh.version)

    _step(ctx, _when(story.received, 0.5), merge)


def _handle(ctx, operator, request: CitizenRequest, story: Story) -> None:
    rng, e, moment = ctx.rng, story.example, story.received
    if rng.random() < 0.03:  # withdrawn before dispatch
        _step(
            ctx,
            _when(moment, 0.2),
            lambda: services.request_withdrawal(request, reason="问题已自行解决"),
        )
        return
    top = suggest(e.text).units
    wrong = rng.random() < 0.08 and top and top[0].name != e.unit
    first_unit = ctx.units[top[0].name] if wrong else ctx.units[e.unit]
    category = Category.objects.get(name=e.category)
    moment = _when(moment, rng.choices([0.2, 0.35, 0.45, 1.5, 26], [30, 30, 25, 10, 5])[0])
    state = {}

    def dispatch():
        fresh = CitizenRequest.objects.get(pk=request.pk)
        state["r"] = services.dispatch_request(
            fresh, actor=operator, version=fresh.version, category=category, lead_unit=first_unit
        )

    if not _step(ctx, moment, dispatch):
        return
    if wrong and not _return(ctx, operator, state, moment, first_unit, ctx.units[e.unit]):
        return
    _work(ctx, operator, state, _when(moment, 20), e.unit)


def _return(ctx, operator, state, moment, wrong_unit, right_unit) -> bool:
    """退单: the wrong unit returns it the same day; the supervisor moves it the next morning."""

    def dispute():
        matter = _matter(state)
        state["d"] = matter_services.raise_dispute(
            matter,
            actor=ctx.handlers[wrong_unit.name],
            version=matter.version,
            reason_code="overlapping_duties",
            reason="该事项不属于我单位职责范围，建议转相关部门办理",
        )

    def rule():
        matter = _matter(state)
        matter_services.rule_dispute(
            matter,
            state["d"].pk,
            actor=operator,
            version=matter.version,
            ruling="reassign",
            new_unit=right_unit,
        )

    return _step(ctx, _when(moment, 2), dispute) and _step(ctx, _when(moment, 20), rule)


def _matter(state):
    matter = state["r"].matter
    matter.refresh_from_db()
    return matter


def _work(ctx, operator, state, moment, unit: str) -> None:
    rng, handler = ctx.rng, ctx.handlers[unit]
    request = state["r"]
    steps = [
        (0, lambda: _act(state, matter_services.accept_matter, actor=handler)),
        (
            rng.choice([0, 24, 48, 96]),
            lambda: _act(
                state,
                matter_services.report_progress,
                actor=handler,
                percent=50,
                text="已安排人员现场核实，正在协调处理",
            ),
        ),
    ]
    if rng.random() < 0.05:
        steps.append(
            (
                3,
                lambda: services.request_withdrawal(
                    CitizenRequest.objects.get(pk=request.pk), reason="已经解决了，不用再办了"
                ),
            )
        )
        steps.append((24, lambda: _check_withdrawal(operator, request, pressed=rng.random() < 0.3)))
        _run_steps(ctx, steps, moment)
        return
    limit_hours = 24 * (1 if request.request_type == "inquiry" else rng.choice([3, 5, 8, 14, 24]))
    steps += [
        (
            limit_hours,
            lambda: _act(
                state,
                matter_services.request_completion,
                actor=handler,
                text="经现场核实，问题已处理完毕，已电话告知诉求人",
            ),
        ),
        (
            20,
            lambda: _act(
                state, matter_services.review_completion, actor=operator, outcome="approve"
            ),
        ),
    ]
    grade = rng.choices(
        ["satisfied", "basically_satisfied", "unsatisfied", None], [60, 18, 10, 12]
    )[0]
    if grade:
        steps.append(
            (
                rng.choice([4, 30, 70]),
                lambda: services.rate_request(CitizenRequest.objects.get(pk=request.pk), grade),
            )
        )
    if grade == "unsatisfied" and rng.random() < 0.7:  # the others wait for the call back
        steps += [
            (
                24,
                lambda: _call(
                    operator, request, "unsatisfied", "群众反映问题仍未彻底解决，要求重新办理"
                ),
            ),
            (
                72,
                lambda: _act(
                    state,
                    matter_services.request_completion,
                    actor=handler,
                    text="已再次上门处理，问题已解决",
                ),
            ),
            (
                20,
                lambda: _act(
                    state, matter_services.review_completion, actor=operator, outcome="approve"
                ),
            ),
            (
                30,
                lambda: services.rate_request(
                    CitizenRequest.objects.get(pk=request.pk), "satisfied"
                ),
            ),
        ]
    _run_steps(ctx, steps, moment)


def _run_steps(ctx, steps, moment: dt.datetime) -> None:
    for hours, action in steps:
        moment = _when(moment, hours)
        if not _step(ctx, moment, action):
            return


def _act(state, service, **kwargs) -> None:
    matter = _matter(state)
    service(matter, version=matter.version, **kwargs)


def _call(operator, request: CitizenRequest, purpose: str, notes: str, **extra) -> None:
    fresh = CitizenRequest.objects.get(pk=request.pk)
    services.record_return_call(
        fresh,
        actor=operator,
        version=fresh.version,
        purpose=purpose,
        reached=True,
        notes=notes,
        **extra,
    )


def _check_withdrawal(operator, request: CitizenRequest, *, pressed: bool) -> None:
    fresh = CitizenRequest.objects.get(pk=request.pk)
    if fresh.matter is None or fresh.matter.state in (State.WITHDRAWN, State.CLOSED):
        return
    notes = (
        "群众称街道工作人员多次上门劝其撤单，问题并未解决"
        if pressed
        else "群众确认问题已解决，自愿撤单"
    )
    _call(operator, request, "withdrawal", notes, pressed=pressed)
