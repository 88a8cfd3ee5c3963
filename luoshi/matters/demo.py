"""The demo city's matters (示例市): a year of supervision, built through the services.

`luoshi demo` (org/management/commands/demo.py) builds the units and users, then
calls `build(context)` here, then the `demo` module of every other app. Each matter
follows a planned story — register, approve, assign, accept, report, dispute,
extend, suspend, hasten, complete, review, close — whose steps run at past dates
under time_machine, so events carry realistic timestamps and the final warning
scan finds real due-soon, overdue, stalled and behind-plan matters.

Steps of all stories are sorted by day and run in that order, so serial numbers
rise with the registration date as they would in a real office.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from unittest import mock

import time_machine
from django.contrib.auth.models import User
from django.utils import timezone

from luoshi.lib.errors import DomainError
from luoshi.lib.workdays import WorkCalendar
from luoshi.org.models import Unit

from . import services, warnings
from .models import (
    CYCLE_DAYS,
    Dispute,
    DisputeRuling,
    Extension,
    Matter,
    MatterKind,
    MatterWarning,
    Priority,
    ReportCycle,
    RequestState,
    ReturnReason,
    ReviewOutcome,
    Source,
    SourcePolicy,
    State,
)
from .services import CoUnit, MatterSpec, MilestoneSpec

# Sources whose matters a leader approves before dispatch in the demo (立项 → 领导审核 → 交办).
APPROVAL_SOURCES = (Source.WORK_REPORT,)
# Kinds raised from outside the office: closed by the requester's rating, not by the office.
RATED_KINDS = (MatterKind.ENTERPRISE, MatterKind.CITIZEN)
W = MatterWarning


@dataclass
class DemoContext:
    """What every app's demo builder receives: the city's units and users, a seeded rng."""

    units: dict[str, Unit]  # by name
    users: dict[str, User]  # by username
    handlers: dict[str, User]  # unit name -> its handler
    heads: dict[str, User]  # unit name -> its head
    supervisors: list[User]
    leaders: list[User]  # leaders[0] is the mayor
    leader_of: dict[str, User]  # unit name -> the leader in charge of its field
    rng: random.Random
    today: dt.date
    start: dt.date  # first day of the demo's history
    calendar: WorkCalendar
    log: Callable[[str], None] = print
    matters: list[Matter] = field(default_factory=list)

    def workday(self, day: dt.date) -> dt.date:
        """The working day on or after `day`, or the last one before today."""
        cal, out = self.calendar, day
        while not cal.is_workday(out):
            out += dt.timedelta(days=1)
        if out < self.today:
            return max(out, self.start)
        out = self.today - dt.timedelta(days=1)
        while not cal.is_workday(out) and out > self.start:
            out -= dt.timedelta(days=1)
        return out

    @contextmanager
    def at(self, day: dt.date, minute: int | None = None) -> Iterator[None]:
        """Run the block as if it were `day` (working hours), for services that stamp now()."""
        minute = minute if minute is not None else self.rng.randint(8 * 60 + 30, 17 * 60)
        moment = dt.datetime.combine(day, dt.time(minute // 60, minute % 60))
        with time_machine.travel(timezone.make_aware(moment), tick=False):
            yield


# ---------------------------------------------------------------------------
# What the matters are about: the kinds of work the source speech names.
# Each topic: kind, source, title, lead unit, co-units, report cycle, short (days not months).


@dataclass
class Topic:
    kind: str
    source: str
    title: str
    lead: str
    co: tuple[str, ...] = ()
    cycle: str = ReportCycle.MONTHLY
    short: bool = False
    content: str = ""
    milestones: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()


PROJECTS = [
    ("示例市高铁站综合交通枢纽", "市交通运输局", ("市自然资源和规划局", "东城区")),
    ("城东污水处理厂扩建工程", "市住建局", ("市生态环境局", "东城区")),
    ("新能源汽车零部件产业园", "高新区", ("市工信局", "市投资促进局")),
    ("老旧小区改造（二期）", "市住建局", ("西城区", "市财政局")),
    ("智慧城市大数据中心", "市发改委", ("市行政审批局",)),
    ("南湖生态湿地公园", "南湖区", ("市自然资源和规划局", "市水利局")),
    ("市第一人民医院新院区", "市卫生健康委", ("市住建局", "市财政局")),
    ("北山县200兆瓦光伏发电项目", "北山县", ("市发改委", "市自然资源和规划局")),
    ("高新区半导体封测项目", "高新区", ("市商务局", "市生态环境局")),
    ("城市快速路东延段", "市交通运输局", ("东城区", "市财政局")),
    ("冷链物流园", "市商务局", ("南湖区",)),
]
PROJECT_TITLES = [
    "加快{p}前期手续办理",
    "确保{p}按期开工",
    "推动{p}建设提速",
    "协调解决{p}用地指标",
    "做好{p}征地拆迁工作",
    "推动{p}竣工投产",
]
PROJECT_MILESTONES = ("完成前期手续", "主体工程开工", "主体工程完工", "竣工验收")

ENTERPRISES = [
    "示例市宏达精密机械有限公司",
    "华晟新材料科技股份有限公司",
    "绿源食品有限公司",
    "恒通物流集团有限公司",
    "中科智能装备有限公司",
    "金穗农业发展有限公司",
    "瑞丰纺织有限公司",
]
ENTERPRISE_PROBLEMS = [
    ("用电增容审批办理缓慢", "市发改委", ("高新区",)),
    ("技术改造补贴资金未到位", "市工信局", ("市财政局",)),
    ("扩产项目环评手续办理", "市生态环境局", ("市行政审批局",)),
    ("流动资金贷款续贷困难", "市金融工作局", ()),
    ("厂房不动产权证办理", "市自然资源和规划局", ()),
    ("员工子女入学", "市教育局", ()),
    ("天然气管网接入", "市住建局", ()),
    ("技术工人招工难", "市人社局", ()),
    ("出口订单通关效率低", "市商务局", ()),
    ("厂区门前断头路打通", "市交通运输局", ("东城区",)),
]

HAZARD_PLACES = [
    ("东城区城关街道幸福里小区", "东城区城关街道"),
    ("东城区东关街道老城片区", "东城区东关街道"),
    ("西城区和平街道农贸市场", "西城区和平街道"),
    ("南湖区南湖镇沿湖村", "南湖区南湖镇"),
    ("北山县青石乡矿区", "北山县青石乡"),
    ("高新区化工园区", "高新区创业街道"),
    ("西城区西关街道商业综合体", "西城区西关街道"),
]
HAZARDS = [
    ("燃气管道老化", "市住建局"),
    ("消防通道堵塞", "市应急管理局"),
    ("电动自行车违规停放充电", "市应急管理局"),
    ("尾矿库排洪设施不完善", "市应急管理局"),
    ("危险化学品仓储不规范", "市应急管理局"),
    ("防汛排涝设施不足", "市水利局"),
    ("自建房结构安全", "市住建局"),
    ("食品经营场所卫生", "市市场监管局"),
    ("急弯陡坡路段缺少防护", "市交通运输局"),
]

LIVELIHOOD = [
    ("新建改扩建公办幼儿园15所", "市教育局", ("市住建局",)),
    ("新增城市公共停车泊位5000个", "市城管局", ("市公安局",)),
    ("改造老旧小区42个", "市住建局", ("东城区", "西城区")),
    ("建设社区养老服务中心20个", "市民政局", ()),
    ("实施城区雨污分流改造", "市住建局", ("市水利局",)),
    ("为65岁以上老年人免费健康体检", "市卫生健康委", ()),
    ("新增城镇就业2.5万人", "市人社局", ()),
    ("农村公路提质改造300公里", "市交通运输局", ("北山县",)),
    ("建设口袋公园30个", "市城管局", ("市自然资源和规划局",)),
]
WORK_REPORT = [
    ("地区生产总值增长6%左右", "市发改委", ("市财政局",)),
    ("规模以上工业增加值增长8%", "市工信局", ()),
    ("社会消费品零售总额增长7%", "市商务局", ()),
    ("新签约亿元以上项目100个、履约率90%以上", "市投资促进局", ("市商务局",)),
    ("新增市场主体1.5万户", "市市场监管局", ()),
    ("新建高标准农田10万亩", "市农业农村局", ("市财政局",)),
    ("PM2.5平均浓度下降5%", "市生态环境局", ()),
    ("营商环境评价进入全省第一方阵", "市发改委", ("市行政审批局",)),
    ("接待游客人次增长15%", "市文广旅局", ()),
]
QUARTERS = ("一季度目标", "上半年目标", "前三季度目标", "全年目标")

CITIZEN = [
    ("夜间施工噪音扰民", "市生态环境局"),
    ("小区路灯长期不亮", "市城管局"),
    ("雨后道路积水严重", "市住建局"),
    ("占道经营影响通行", "市城管局"),
    ("小区供暖温度不达标", "市住建局"),
    ("学区划分调整", "市教育局"),
]
OTHER = [
    (Source.INSTRUCTION, "落实市长关于做好冬季安全生产工作的批示", "市应急管理局", ()),
    (Source.INSTRUCTION, "落实关于根治拖欠农民工工资问题的批示", "市人社局", ("市住建局",)),
    (Source.INSTRUCTION, "落实关于做好秋粮收购工作的批示", "市农业农村局", ()),
    (Source.INSTRUCTION, "落实关于加强中小学校园安全的批示", "市教育局", ("市公安局",)),
    (Source.HIGHER_LEVEL, "省督查组反馈：部分项目资金拨付滞后问题整改", "市财政局", ()),
    (Source.HIGHER_LEVEL, "省督查组反馈：工业园区污水处理能力不足整改", "市生态环境局", ()),
    (Source.HIGHER_LEVEL, "省政府交办：政务服务“一网通办”办件率提升", "市行政审批局", ()),
    (Source.PROPOSAL, "市人大代表建议：加快城乡公交一体化", "市交通运输局", ()),
    (Source.PROPOSAL, "市政协提案：加强中小学生心理健康教育", "市教育局", ("市卫生健康委",)),
    (Source.PROPOSAL, "市政协提案：扶持预制菜产业发展", "市农业农村局", ("市工信局",)),
    (Source.MEETING, "市政府常务会议议定：制定促进民营经济发展若干措施", "市发改委", ("市工信局",)),
    (Source.MEETING, "市委常委会议定：开展城市更新行动", "市住建局", ("市自然资源和规划局",)),
    (Source.MEETING, "市政府常务会议议定：推进“无证明城市”建设", "市行政审批局", ("市公安局",)),
]


def _project(rng: random.Random) -> Topic:
    name, lead, co = rng.choice(PROJECTS)
    title = rng.choice(PROJECT_TITLES).format(p=name)
    return Topic(
        MatterKind.TASK,
        rng.choice([Source.MEETING, Source.MEETING, Source.INSTRUCTION]),
        title,
        lead,
        co[: rng.randint(0, len(co))],
        content=f"{name}是今年全市重点项目。坚持项目为王，{title}，明确责任单位和时间节点，"
        "签约快开工、在建快推进、竣工快投产、投产快达效。",
        milestones=PROJECT_MILESTONES,
        tags=("重点项目",),
    )


def _enterprise(rng: random.Random) -> Topic:
    name = rng.choice(ENTERPRISES)
    problem, lead, co = rng.choice(ENTERPRISE_PROBLEMS)
    return Topic(
        MatterKind.ENTERPRISE,
        Source.ENTERPRISE,
        f"{name}反映{problem}问题",
        lead,
        co,
        cycle=ReportCycle.WEEKLY,
        short=True,
        content=f"企业服务日收集：{name}反映{problem}，影响企业正常生产经营，"
        "请按“万人助万企”要求限时办理并向企业反馈。",
        tags=("万人助万企", "企业诉求"),
    )


def _hazard(rng: random.Random) -> Topic:
    place, street = rng.choice(HAZARD_PLACES)
    hazard, lead = rng.choice(HAZARDS)
    return Topic(
        MatterKind.HAZARD,
        Source.INSPECTION,
        f"{place}{hazard}隐患整改",
        lead,
        (street,),
        cycle=ReportCycle.BIWEEKLY,
        content=f"风险隐患排查发现：{place}存在{hazard}问题，请立即整改，整改完成后报验收销号。",
        tags=("隐患整改",),
    )


def _livelihood(rng: random.Random, year: int) -> Topic:
    item, lead, co = rng.choice(LIVELIHOOD)
    return Topic(
        MatterKind.TASK,
        rng.choice([Source.WORK_REPORT, Source.MEETING]),
        f"{year}年民生实事：{item}",
        lead,
        co,
        content=f"列入{year}年十件民生实事，群众关心的事要一件一件办好。",
        milestones=QUARTERS,
        tags=("民生实事",),
    )


def _work_report(rng: random.Random, year: int) -> Topic:
    item, lead, co = rng.choice(WORK_REPORT)
    return Topic(
        MatterKind.TASK,
        Source.WORK_REPORT,
        f"政府工作报告任务：{item}",
        lead,
        co,
        content=f"{year}年政府工作报告确定的目标任务，把规划图变成施工图，把时间表变成计程表。",
        milestones=QUARTERS,
        tags=("政府工作报告",),
    )


def _citizen(rng: random.Random) -> Topic:
    place, street = rng.choice(HAZARD_PLACES)
    issue, co = rng.choice(CITIZEN)
    return Topic(
        MatterKind.CITIZEN,
        Source.CITIZEN,
        f"{place}居民反映{issue}",
        street,
        (co,),
        cycle=ReportCycle.WEEKLY,
        short=True,
        content=f"12345热线转办：{place}居民反映{issue}，请核实处理并回复群众。",
        tags=("群众诉求",),
    )


def _other(rng: random.Random) -> Topic:
    source, title, lead, co = rng.choice(OTHER)
    return Topic(MatterKind.TASK, source, title, lead, co, content=title + "。")


def pick_topic(rng: random.Random, year: int, *, needs_approval: bool = False) -> Topic:
    if needs_approval:
        topic = rng.choice([_work_report, _livelihood])(rng, year)
        topic.source = APPROVAL_SOURCES[0]
        return topic
    makers = [
        (_project, 25),
        (_enterprise, 20),
        (_hazard, 15),
        (lambda r: _livelihood(r, year), 10),
        (lambda r: _work_report(r, year), 8),
        (_citizen, 12),
        (_other, 10),
    ]
    maker = rng.choices([m for m, _w in makers], weights=[w for _m, w in makers])[0]
    topic = maker(rng)
    if topic.source in APPROVAL_SOURCES and rng.random() < 0.5:
        topic.source = Source.MEETING  # keep approvals a share of the work, not all of it
    return topic


REPORTS = [
    "已召开专题推进会，明确责任分工和时间节点",
    "已完成前期调研，形成工作方案并报分管领导审定",
    "正在协调相关部门并联办理手续",
    "已组织工作专班集中攻坚，逐项销号推进",
    "已到现场办公，逐项解决具体问题",
    "已完成阶段性任务，正在开展自查",
]
PROBLEMS = ["", "", "", "资金尚未全部到位", "涉及跨部门协调，进度受影响", "天气原因影响施工进度"]
DISPUTES = [
    (ReturnReason.WRONG_TERRITORY, "该事项所涉地块不在本单位辖区，建议由属地负责"),
    (ReturnReason.OVERLAPPING_DUTIES, "该事项主要职能在其他部门，本单位仅负责配合"),
    (ReturnReason.UNCLEAR_OWNERSHIP, "该设施产权单位不明，建议由行业主管部门牵头"),
]
SUGGESTED = ["市城管局", "市住建局", "市市场监管局", "市应急管理局", "南湖区", "西城区"]


# ---------------------------------------------------------------------------
# What happens to each matter: a profile, then a plan of dated steps.


@dataclass
class Profile:
    """Where a matter's story ends today, and what happens to it on the way."""

    state: str
    warning: str = W.NORMAL  # for running matters: the warning the final scan must find
    dispute: str = ""  # pending / reassign / reject
    extension: str = ""  # approved / rejected / pending
    suspend: str = ""  # suspended / resumed
    rework: bool = False
    late: bool = False
    sent_back: bool = False  # a leader sent the draft back before dispatch
    withdraw_after_assign: bool = False
    decompose: bool = False


S = State
# One of each, so that even a small demo shows every state, warning and path.
MUST_HAVE = [
    Profile(S.DRAFT),
    Profile(S.DRAFT, sent_back=True),
    Profile(S.PENDING_APPROVAL),
    Profile(S.APPROVED),
    Profile(S.ASSIGNED),
    Profile(S.ASSIGNED, dispute="pending"),
    Profile(S.IN_PROGRESS, dispute="reassign"),
    Profile(S.IN_PROGRESS, dispute="reject"),
    Profile(S.ACCEPTED),
    Profile(S.ACCEPTED, warning=W.STALLED),
    Profile(S.IN_PROGRESS),
    Profile(S.IN_PROGRESS, warning=W.DUE_SOON),
    Profile(S.IN_PROGRESS, warning=W.OVERDUE),
    Profile(S.IN_PROGRESS, warning=W.STALLED),
    Profile(S.IN_PROGRESS, warning=W.BEHIND_PLAN),
    Profile(S.IN_PROGRESS, extension="approved"),
    Profile(S.IN_PROGRESS, extension="rejected"),
    Profile(S.IN_PROGRESS, extension="pending"),
    Profile(S.IN_PROGRESS, suspend="suspended"),
    Profile(S.IN_PROGRESS, suspend="resumed"),
    Profile(S.IN_PROGRESS, decompose=True),
    Profile(S.COMPLETION_REQUESTED),
    Profile(S.COMPLETED),
    Profile(S.COMPLETED, rework=True),
    Profile(S.CLOSED, late=True),
    Profile(S.CLOSED),
    Profile(S.WITHDRAWN),
    Profile(S.WITHDRAWN, withdraw_after_assign=True),
]
STATE_WEIGHTS = {
    S.DRAFT: 3,
    S.PENDING_APPROVAL: 2,
    S.APPROVED: 1,
    S.ASSIGNED: 5,
    S.ACCEPTED: 6,
    S.IN_PROGRESS: 45,
    S.COMPLETION_REQUESTED: 7,
    S.COMPLETED: 10,
    S.CLOSED: 18,
    S.WITHDRAWN: 3,
}
WARNING_WEIGHTS = {W.NORMAL: 42, W.DUE_SOON: 10, W.OVERDUE: 18, W.STALLED: 12, W.BEHIND_PLAN: 18}


def random_profile(rng: random.Random) -> Profile:
    state = rng.choices(list(STATE_WEIGHTS), weights=list(STATE_WEIGHTS.values()))[0]
    profile = Profile(state)
    if state == S.IN_PROGRESS:
        profile.warning = rng.choices(list(WARNING_WEIGHTS), list(WARNING_WEIGHTS.values()))[0]
        if profile.warning in (W.NORMAL, W.BEHIND_PLAN):
            roll = rng.random()
            profile.extension = "approved" if roll < 0.12 else "rejected" if roll < 0.16 else ""
        if profile.warning == W.NORMAL and not profile.extension and rng.random() < 0.08:
            profile.suspend = rng.choice(["suspended", "resumed"])
        if rng.random() < 0.06:
            profile.dispute = rng.choice(["reassign", "reject"])
    elif state in (S.COMPLETED, S.CLOSED):
        profile.rework = rng.random() < 0.15
        profile.late = rng.random() < 0.2
    elif state == S.ASSIGNED and rng.random() < 0.3:
        profile.dispute = "pending"
    elif state == S.ACCEPTED and rng.random() < 0.3:
        profile.warning = W.STALLED
    return profile


def days(n: int) -> dt.timedelta:
    return dt.timedelta(days=n)


@dataclass
class Dates:
    """The planned key dates of one story (A assigned, D0 first deadline, L last report)."""

    assign: dt.date
    deadline: dt.date
    last_report: dt.date | None = None
    progress: int = 0
    finish: dt.date | None = None  # completion requested
    cycle: str | None = None


def share(start: dt.date, end: dt.date, today: dt.date) -> int:
    total = max((end - start).days, 1)
    return round(100 * min(max((today - start).days, 0), total) / total)


def plan_dates(ctx: DemoContext, topic: Topic, p: Profile) -> Dates:
    """Choose dates so that the final scan, run today, finds the profile's warning."""
    rng, t, short = ctx.rng, ctx.today, topic.short
    span = (t - ctx.start).days

    def back(lo: int, hi: int) -> dt.date:  # a day lo..hi days ago, inside the history
        hi = max(min(hi, span - 3), 1)
        return t - days(rng.randint(min(lo, hi), hi))

    if p.state in (S.DRAFT, S.PENDING_APPROVAL, S.APPROVED):
        return Dates(back(1, 15), t + days(rng.randint(30, 90)))
    if p.state == S.ASSIGNED or (p.state == S.ACCEPTED and p.warning == W.NORMAL):
        return Dates(back(1, 4), t + days(rng.randint(60, 120)))
    if p.state == S.ACCEPTED:  # accepted long ago, never reported: stalled
        return Dates(back(50, 90), t + days(rng.randint(20, 60)), cycle=ReportCycle.WEEKLY)
    if p.state in (S.COMPLETION_REQUESTED, S.COMPLETED, S.CLOSED, S.WITHDRAWN):
        return _finished_dates(ctx, topic, p)
    return _running_dates(ctx, topic, p, back, short)


def _finished_dates(ctx: DemoContext, topic: Topic, p: Profile) -> Dates:
    rng, t = ctx.rng, ctx.today
    duration = rng.randint(10, 30) if topic.short else rng.randint(30, 120)
    tail = 3 if p.state in (S.COMPLETION_REQUESTED, S.WITHDRAWN) else 25
    latest = t - days(duration + tail)
    earliest = ctx.start + days(5)
    if latest <= earliest:  # a short history: squeeze the story into it
        duration = max((t - earliest).days - tail - 2, 6)
        latest = earliest
    assign = earliest + days(rng.randint(0, (latest - earliest).days))
    deadline = assign + days(duration)
    finish = deadline + days(rng.randint(1, 15)) if p.late else deadline - days(rng.randint(0, 8))
    finish = min(max(finish, assign + days(5)), t - days(tail - 2))
    return Dates(assign, deadline, finish - days(3), 90, finish)


def _running_dates(ctx, topic: Topic, p: Profile, back, short: bool) -> Dates:
    rng, t = ctx.rng, ctx.today
    if p.warning == W.OVERDUE:
        a = back(25, 70) if short else back(60, 200)
        d = max(t - days(rng.randint(1, 30)), a + days(10))
        return Dates(a, d, t - days(rng.randint(2, 12)), rng.randint(30, 85))
    if p.warning == W.STALLED:
        cycle = rng.choice([ReportCycle.WEEKLY, ReportCycle.BIWEEKLY, ReportCycle.MONTHLY])
        quiet = CYCLE_DAYS[cycle] + rng.randint(18, 35)
        a = back(quiet + 20, quiet + 120)
        d = t + days(rng.randint(15, 90))
        return Dates(a, d, t - days(quiet), share(a, d, t - days(quiet)), cycle=cycle)
    if p.warning == W.BEHIND_PLAN:
        a = back(80, 200)
        d = t + days(rng.randint(15, 60))
        return Dates(
            a, d, t - days(rng.randint(1, 6)), max(share(a, d, t) - rng.randint(22, 45), 5)
        )
    if p.warning == W.DUE_SOON:
        a = back(20, 60) if short else back(40, 150)
        d = ctx.calendar.add_workdays(t, rng.randint(1, 3))
        return Dates(a, d, t - days(rng.randint(1, 5)), max(share(a, d, t) - rng.randint(0, 4), 0))
    a = back(10, 30) if short and not p.extension else back(25, 150)
    if p.suspend == "resumed" or p.extension or p.dispute or p.decompose:
        a = back(60, 160)
    d = t + days(rng.randint(10, 30) if short else rng.randint(25, 120))
    progress = min(share(a, d, t) + rng.randint(0, 10), 95)
    # A suspended matter's last report comes before the suspension (see _schedule_clock).
    last = t - days(rng.randint(8, 12) if p.suspend == "suspended" else rng.randint(1, 6))
    return Dates(a, d, last, progress)


# ---------------------------------------------------------------------------
# A story: the matter's steps, each a dated call of a service.


class Story:
    """One matter's planned life: (day, action) steps, run later in date order."""

    def __init__(self, ctx: DemoContext, topic: Topic, profile: Profile, dates: Dates):
        self.ctx, self.topic, self.profile, self.dates = ctx, topic, profile, dates
        self.pk: int | None = None
        self.lead = topic.lead
        self.co = [u for u in topic.co if u != topic.lead]
        self.steps: list[tuple[dt.date, Callable[[], object]]] = []
        self.leader = ctx.leader_of.get(topic.lead, ctx.leaders[0])
        self.supervisor = ctx.rng.choice(ctx.supervisors)
        self.children: list[Story] = []
        self.milestone_days: list[dt.date] = []
        if topic.milestones and ctx.rng.random() < 0.7:
            total = (dates.deadline - dates.assign).days
            self.milestone_days = [
                dates.assign + days(total * (i + 1) // len(topic.milestones))
                for i in range(len(topic.milestones))
            ]

    def add(self, day: dt.date, action: Callable[[], object]) -> dt.date:
        day = self.ctx.workday(day)
        self.steps.append((day, action))
        return day

    def last_day(self) -> dt.date:
        return max(day for day, _action in self.steps)

    def handler(self, unit: str | None = None) -> User:
        return self.ctx.handlers[unit or self.lead]

    def head(self, unit: str | None = None) -> User:
        return self.ctx.heads[unit or self.lead]

    def spec(self, deadline: dt.date | None) -> MatterSpec:
        t, units = self.topic, self.ctx.units
        milestones = [
            MilestoneSpec(title=name, deadline=day)
            for name, day in zip(t.milestones, self.milestone_days, strict=False)
        ]
        return MatterSpec(
            title=t.title,
            source=t.source,
            kind=t.kind,
            content=t.content,
            priority=self._priority(),
            lead_unit=units[self.lead],
            co_units=[CoUnit(units[u], f"配合{self.lead}做好相关工作") for u in self.co],
            responsible_leader=self.leader,
            deadline=deadline,
            deadline_workdays=None if deadline else self.ctx.rng.randint(5, 20),
            report_cycle=self.dates.cycle or t.cycle,
            tags=t.tags,
            milestones=milestones if deadline else [],
        )

    def _priority(self) -> str:
        roll = self.ctx.rng.random()
        if self.topic.kind in (MatterKind.ENTERPRISE, MatterKind.HAZARD):
            urgent = Priority.URGENT if roll < 0.5 else Priority.NORMAL
            return Priority.VERY_URGENT if roll < 0.1 else urgent
        return Priority.URGENT if roll < 0.15 else Priority.NORMAL

    # -- the verbs, each scheduled on a day
    def register(self, day: dt.date) -> dt.date:
        use_workdays = self.topic.short and self.profile.state in (S.COMPLETED, S.CLOSED)
        spec = self.spec(None if use_workdays else self.dates.deadline)

        def act() -> None:
            self.pk = services.register_matter(spec, actor=self.supervisor).pk

        return self.add(day, act)

    def matter(self) -> Matter:
        """The matter as it is now: each step passes the version it read, like a user's form."""
        return Matter.objects.get(pk=self.pk)

    def call(self, day: dt.date, service: Callable, **kwargs) -> dt.date:
        def act() -> None:
            matter = self.matter()
            service(matter, version=matter.version, **kwargs)

        return self.add(day, act)

    def rule(self, day: dt.date, service: Callable, model: type, **kwargs) -> dt.date:
        """A ruling on the request raised earlier in the story (its id is known only then)."""

        def act() -> None:
            matter = self.matter()
            pending = model.objects.filter(matter=matter, state=RequestState.PENDING)
            service(matter, pending.latest("pk").pk, version=matter.version, **kwargs)

        return self.add(day, act)

    def assign(self, day: dt.date) -> dt.date:
        if self.topic.source in APPROVAL_SOURCES:
            day = self.call(day, services.submit_for_approval, actor=self.supervisor)
            day = self.call(
                day + days(1), services.approve_dispatch, actor=self.leader, approve=True
            )
        return self.call(max(day, self.dates.assign), services.assign_matter, actor=self.supervisor)

    def accept(self, day: dt.date, unit: str | None = None) -> dt.date:
        unit = unit or self.lead
        unit_id = self.ctx.units[unit].pk
        return self.call(day, services.accept_matter, actor=self.handler(unit), unit_id=unit_id)

    def report(self, day: dt.date, percent: int, unit: str | None = None) -> dt.date:
        rng = self.ctx.rng
        return self.call(
            day,
            services.report_progress,
            actor=self.handler(unit),
            unit_id=self.ctx.units[unit or self.lead].pk,
            text=rng.choice(REPORTS) + f"，完成约{percent}%",
            percent=percent,
            problems=rng.choice(PROBLEMS),
        )

    def reach_milestone(self, day: dt.date) -> dt.date:
        def act() -> None:
            matter = self.matter()
            first = matter.milestones.filter(done_at__isnull=True).order_by("order").first()
            if first is not None:
                services.complete_milestone(
                    matter, first.pk, actor=self.handler(), version=matter.version
                )

        return self.add(day, act)

    def hasten(self, day: dt.date, message: str = "") -> dt.date:
        sup = self.supervisor
        return self.add(
            day, lambda: services.hasten_matter(self.matter(), actor=sup, message=message)
        )

    def comment(self, day: dt.date, text: str) -> dt.date:
        leader = self.leader
        return self.add(
            day, lambda: services.comment_on_matter(self.matter(), actor=leader, text=text)
        )


def schedule(story: Story) -> None:
    """Turn the profile and dates into dated service calls (see Profile for the paths)."""
    p, d, rng, sup = story.profile, story.dates, story.ctx.rng, story.supervisor
    reg_day = story.register(d.assign - days(rng.randint(0, 4)))
    if p.state == S.DRAFT:
        if p.sent_back:
            story.call(reg_day, services.submit_for_approval, actor=sup)
            story.call(
                reg_day + days(1),
                services.approve_dispatch,
                actor=story.leader,
                approve=False,
                comment="牵头单位和完成时限需进一步明确，请修改后再报",
            )
    elif p.state == S.WITHDRAWN and not p.withdraw_after_assign:
        story.call(reg_day + days(2), services.withdraw_matter, actor=sup, reason="与已有事项重复")
    elif p.state in (S.PENDING_APPROVAL, S.APPROVED):
        story.call(reg_day, services.submit_for_approval, actor=sup)
        if p.state == S.APPROVED:
            story.call(
                reg_day + days(1), services.approve_dispatch, actor=story.leader, approve=True
            )
    else:
        _schedule_dispatched(story, story.assign(reg_day))
    story.steps.sort(key=lambda step: step[0])  # stable: same-day steps keep their order


def _schedule_dispatched(story: Story, assigned: dt.date) -> None:
    p, sup = story.profile, story.supervisor
    accepted = _schedule_acceptance(story, assigned)
    if accepted is None or p.state == S.ACCEPTED:
        return
    if p.state == S.WITHDRAWN:
        story.report(accepted + days(5), 20)
        story.call(accepted + days(8), services.withdraw_matter, actor=sup, reason="上级已调整部署")
        return
    if p.decompose:
        _schedule_decomposition(story, accepted)
    _schedule_work(story, accepted)
    if p.state == S.IN_PROGRESS:
        _schedule_hastening(story)
        _schedule_extension(story)
        _schedule_clock(story)
    else:
        _schedule_finish(story)


def _schedule_acceptance(story: Story, assigned: dt.date) -> dt.date | None:
    """Disputes, then signing by the lead and co-units; None when the story ends unsigned."""
    p, ctx, rng = story.profile, story.ctx, story.ctx.rng
    for unit in story.co:
        if p.state != S.ASSIGNED or rng.random() < 0.5:
            story.accept(assigned + days(rng.randint(0, 2)), unit)
    if not p.dispute:
        if p.state == S.ASSIGNED:
            return None
        return story.accept(assigned + days(rng.choice([0, 0, 1, 1, 2, 4])))
    code, reason = rng.choice(DISPUTES)
    new_unit = rng.choice([u for u in SUGGESTED if u != story.lead and u not in story.co])
    story.call(
        assigned,
        services.raise_dispute,
        actor=story.head(),
        reason_code=code,
        reason=reason,
        suggested_unit=ctx.units[new_unit],
        unit_id=ctx.units[story.lead].pk,
    )
    if p.dispute == "pending":
        return None
    ruling_day = assigned + days(1)
    if p.dispute == "reassign":
        story.rule(
            ruling_day,
            services.rule_dispute,
            Dispute,
            actor=story.supervisor,
            ruling=DisputeRuling.REASSIGN,
            new_unit=ctx.units[new_unit],
            comment="经研究，改由该单位牵头办理",
        )
        story.lead = new_unit  # later steps act for the new lead unit
    else:
        story.rule(
            ruling_day,
            services.rule_dispute,
            Dispute,
            actor=story.supervisor,
            ruling=DisputeRuling.REJECT,
            comment="该事项属本单位职责范围，请抓紧签收办理",
        )
    return story.accept(ruling_day + days(1))


def _schedule_reports(story: Story, first: dt.date) -> None:
    """Reports from `first` to the planned last one, progress rising to the planned figure."""
    d, rng = story.dates, story.ctx.rng
    if d.last_report is None:
        return
    last = max(d.last_report, first)
    span = (last - first).days
    gap = CYCLE_DAYS.get(d.cycle or story.topic.cycle, 31)
    count = max(1, min(4, span // max(gap - 3, 5) + 1))
    for i in range(count):
        day = last - days((count - 1 - i) * span // count)
        percent = d.progress if i == count - 1 else d.progress * (i + 1) // (count + 1)
        story.report(day, percent)
    for unit in story.co:  # co-units report their own part to the lead
        if rng.random() < 0.5:
            story.report(max(last - days(2), first), rng.randint(40, 100), unit)


def _schedule_work(story: Story, accepted: dt.date) -> None:
    """Reports, milestones reached (some late), now and then a leader's comment."""
    d, rng = story.dates, story.ctx.rng
    _schedule_reports(story, accepted + days(rng.randint(3, 10)))
    until = min(d.finish or story.ctx.today, story.ctx.today)
    for day in story.milestone_days:
        day = max(day + days(rng.randint(-4, 6)), accepted + days(1))
        if day < until:
            story.reach_milestone(day)
    if rng.random() < 0.15:
        story.comment(accepted + days(rng.randint(5, 20)), "请加大工作力度，确保按期完成")


def _schedule_hastening(story: Story) -> None:
    """Late matters are hastened; a second reminder the same day is merged, not resent."""
    rng, t = story.ctx.rng, story.ctx.today
    if story.profile.warning in (W.OVERDUE, W.STALLED) and rng.random() < 0.7:
        day = story.hasten(t - days(rng.randint(1, 4)), "请加快办理，按时限要求反馈进展")
        if rng.random() < 0.3:
            story.hasten(day)


def _schedule_extension(story: Story) -> None:
    p, d, t, rng = story.profile, story.dates, story.ctx.today, story.ctx.rng
    if p.extension == "pending":
        story.call(
            t - days(rng.randint(1, 3)),
            services.request_extension,
            actor=story.head(),
            new_deadline=d.deadline + days(30),
            reason="受征地进度影响，申请延期",
        )
    elif p.extension:
        ask = d.assign + days((t - d.assign).days // 2)
        story.call(
            ask,
            services.request_extension,
            actor=story.head(),
            new_deadline=d.deadline + days(rng.randint(15, 40)),
            reason="受审批流程影响，申请延期",
        )
        approve = p.extension == "approved"
        story.rule(
            ask + days(1),
            services.rule_extension,
            Extension,
            actor=story.supervisor,
            approve=approve,
            comment="" if approve else "时限不变，请倒排工期、加快推进",
        )


def _schedule_clock(story: Story) -> None:
    """Suspension (中止): still waiting on a higher level, or suspended and resumed."""
    p, d, t, rng, sup = story.profile, story.dates, story.ctx.today, story.ctx.rng, story.supervisor
    if p.suspend == "suspended":
        reason = "等待省级部门批复，暂停计时"
        story.call(t - days(rng.randint(2, 6)), services.suspend_matter, actor=sup, reason=reason)
    elif p.suspend == "resumed":
        pause = d.assign + days((t - d.assign).days // 3)
        story.call(pause, services.suspend_matter, actor=sup, reason="等待上级政策明确")
        back = pause + days(rng.randint(7, 15))
        story.call(back, services.resume_matter, actor=sup, comment="已明确，恢复计时")


def _schedule_finish(story: Story) -> None:
    p, d, rng = story.profile, story.dates, story.ctx.rng
    sup, head = story.supervisor, story.head()
    finish = max(d.finish, story.last_day())  # after every report and milestone
    for unit in story.co:
        if rng.random() < 0.7:
            story.call(
                finish,
                services.complete_part,
                actor=story.handler(unit),
                text="本单位承担部分已完成",
                unit_id=story.ctx.units[unit].pk,
            )
    text = "已按要求全部完成，相关佐证材料已报送"
    day = story.call(finish, services.request_completion, actor=head, text=text)
    if p.state == S.COMPLETION_REQUESTED:
        return
    if p.rework:
        comment = "佐证材料不完整，请补充后重新申请"
        day = story.call(
            day + days(1), services.review_completion, actor=sup, outcome="rework", comment=comment
        )
        story.report(day + days(2), 100)
        day = story.call(day + days(4), services.request_completion, actor=head, text=text)
    day = story.call(
        day + days(rng.randint(1, 4)),
        services.review_completion,
        actor=sup,
        outcome=ReviewOutcome.APPROVE,
    )
    if p.state != S.CLOSED:
        return
    if story.topic.kind in RATED_KINDS:  # the requester's rating closes it (services.reopening)
        grade = rng.choice(["very_satisfied", "satisfied", "satisfied", "basically_satisfied"])
        story.add(
            day + days(rng.randint(1, 5)),
            lambda: services.rate_matter(story.matter(), grade=grade, comment="问题已解决"),
        )
    else:
        story.call(day + days(rng.randint(1, 8)), services.close_matter, actor=sup)


def _schedule_decomposition(story: Story, accepted: dt.date) -> None:
    """Split the matter into sub-matters for the districts (规划图 → 施工图)."""
    ctx, rng, t = story.ctx, story.ctx.rng, story.ctx.today
    day = ctx.workday(accepted + days(3))
    for unit in rng.sample(["东城区", "西城区", "南湖区", "北山县", "高新区"], 3):
        topic = Topic(
            story.topic.kind,
            story.topic.source,
            f"{story.topic.title}（{unit}）",
            unit,
            content=f"分解落实：{story.topic.title}，由{unit}负责本辖区任务。",
            tags=story.topic.tags,
        )
        dates = Dates(day + days(2), story.dates.deadline, t - days(rng.randint(1, 6)))
        on_track = rng.random() < 0.7
        dates.progress = min(share(dates.assign, dates.deadline, t) + 5, 95)
        dates.progress = dates.progress if on_track else max(dates.progress - 40, 0)
        child = Story(ctx, topic, Profile(S.IN_PROGRESS), dates)
        child.leader = story.leader
        story.children.append(child)

    def act() -> None:
        specs = [c.spec(c.dates.deadline) for c in story.children]
        matter = story.matter()
        created = services.decompose_matter(
            matter, specs, actor=story.supervisor, version=matter.version
        )
        for child, matter in zip(story.children, created, strict=True):
            child.pk = matter.pk

    story.add(day, act)
    for child in story.children:
        assigned = child.assign(day)
        accepted_child = child.accept(assigned + days(1))
        _schedule_reports(child, accepted_child + days(5))
        child.steps.sort(key=lambda step: step[0])


# ---------------------------------------------------------------------------


def run_stories(ctx: DemoContext, stories: list[Story]) -> None:
    """Run every story's steps in date order, at increasing times within each day.

    Sorting on (day, story, step) keeps each story's own order and lets a parent's
    decomposition run before its children's first steps on the same day.

    Each morning with steps the warning scan runs as the nightly job would, and the
    services' own one-row refresh (warnings.refresh_warning) is skipped meanwhile:
    the morning scans give the same warnings at a fraction of the cost, with a real
    history of digests. The final scan in `luoshi demo` brings every warning to today.
    """
    steps = [
        (day, order, index, action)
        for order, story in enumerate(stories)
        for index, (day, action) in enumerate(story.steps)
    ]
    steps.sort(key=lambda s: s[:3])
    per_day = Counter(step[0] for step in steps)
    if not steps:
        return
    ctx.log(f"{len(stories)} matters, {len(steps)} steps from {min(per_day)} to {max(per_day)}")
    full_scan, minute, current = warnings.scan, 0, None
    with mock.patch.object(warnings, "scan", _scan_unless_one_row(full_scan)):
        for day, order, index, action in steps:
            if day != current:
                _morning_scan(ctx, full_scan, day)
                current, minute = day, 8 * 60 + ctx.rng.randint(20, 50)
            minute = min(minute + ctx.rng.randint(1, max(1, 540 // per_day[day])), 23 * 60 + 58)
            with ctx.at(day, minute):
                try:
                    action()
                except DomainError as error:  # a planning bug: say which story and step
                    story = stories[order]
                    raise DemoError(
                        f"{story.topic.title} {story.profile}, step {index} on {day}: {error}"
                    ) from error


def _scan_unless_one_row(full_scan: Callable) -> Callable:
    def scan(today=None, queryset=None, **kwargs):
        return {} if queryset is not None else full_scan(today, queryset, **kwargs)

    return scan


def _morning_scan(ctx: DemoContext, full_scan: Callable, day: dt.date) -> None:
    with ctx.at(day, 7 * 60 + 30):
        full_scan()


class DemoError(Exception):
    pass


def plan(ctx: DemoContext, count: int) -> list[Story]:
    """Every state, warning and path once (MUST_HAVE), then random profiles up to `count`."""
    rng, year = ctx.rng, ctx.today.year
    profiles = MUST_HAVE[:count] + [random_profile(rng) for _ in range(count - len(MUST_HAVE))]
    stories = []
    for profile in profiles:
        approval = profile.state in (S.PENDING_APPROVAL, S.APPROVED)
        approval = approval or profile.sent_back or profile.decompose
        topic = pick_topic(rng, year, needs_approval=approval)
        if profile.state in (S.COMPLETED, S.CLOSED) and rng.random() < 0.3:
            topic.short = True
        story = Story(ctx, topic, profile, plan_dates(ctx, topic, profile))
        schedule(story)
        stories += [story, *story.children]
    return stories


def build(ctx: DemoContext, count: int = 300) -> list[Matter]:
    """Plan and run about `count` matters (more with sub-matters); returns them."""
    for source in APPROVAL_SOURCES:
        SourcePolicy.objects.update_or_create(
            source=source, defaults={"requires_leader_approval": True}
        )
    stories = plan(ctx, count)
    run_stories(ctx, stories)
    ids = [s.pk for s in stories if s.pk is not None]
    ctx.matters = list(Matter.objects.filter(pk__in=ids).order_by("serial_year", "serial_no"))
    return ctx.matters


def summary(matters: list[Matter]) -> dict[str, dict[str, int]]:
    """Matters by state, and open matters by warning, as they are now in the database."""
    by_state: dict[str, int] = defaultdict(int)
    by_warning: dict[str, int] = defaultdict(int)
    for matter in Matter.objects.filter(pk__in=[m.pk for m in matters]).only("state", "warning"):
        by_state[matter.state] += 1
        if matter.is_open:
            by_warning[matter.warning] += 1
    return {"state": dict(by_state), "warning": dict(by_warning)}
