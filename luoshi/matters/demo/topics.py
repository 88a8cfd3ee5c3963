"""What the demo's matters are about: the kinds of work the source speech names.

重点项目推进, 企业诉求 (万人助万企), 隐患整改, 民生实事, 政府工作报告任务, citizen
requests, leader instructions, tasks from higher levels, proposals and meetings.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from luoshi.matters.models import MatterKind, ReportCycle, ReturnReason, Source

# Sources whose matters a leader approves before dispatch in the demo (立项 → 领导审核 → 交办).
APPROVAL_SOURCES = (Source.WORK_REPORT,)
# Kinds raised from outside the office: closed by the requester's rating, not by the office.
RATED_KINDS = (MatterKind.ENTERPRISE, MatterKind.CITIZEN)


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
    # Hazard rectifications come from the hazards app's demo: a matter of kind hazard
    # closes only through its on-site verification (hazards.services.verify_hazard).
    makers = [
        (_project, 25),
        (_enterprise, 20),
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
