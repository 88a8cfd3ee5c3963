"""Names for generated data: a province's or a city's unit tree, and matter titles.

Plain data and pure functions (no Django): `tree()` lays out the units, `titles` the
wording of each kind of matter. Unit names are unique (Unit.name is), so every name
below a city carries its city's (or district's, town's) name, as an official list
would write it; the short forms people use go into `aliases` (imports match on them).
"""

from __future__ import annotations

import itertools
import random
from dataclasses import dataclass, field

PROVINCE = "江淮省"
CITIES = [
    "青州", "临江", "云阳", "安宁", "丰城", "清源", "永康", "华亭", "长乐",
    "宁远", "兴化", "建安", "泰和", "怀远", "平江", "武陵", "新安", "龙城",
    "凤台", "白河", "南屏", "石门", "金川", "汉阳",
]  # fmt: skip
# (full name, short name) of the departments of a city (市直部门), the most asked first.
DEPARTMENTS = [
    ("发展和改革委员会", "发改委"), ("住房和城乡建设局", "住建局"), ("自然资源和规划局", "自规局"),
    ("生态环境局", "环保局"), ("工业和信息化局", "工信局"), ("应急管理局", "应急局"),
    ("市场监督管理局", "市场监管局"), ("交通运输局", "交通局"), ("城市管理局", "城管局"),
    ("教育局", ""), ("卫生健康委员会", "卫健委"), ("人力资源和社会保障局", "人社局"),
    ("公安局", ""), ("财政局", ""), ("农业农村局", "农业局"), ("水利局", ""),
    ("商务局", ""), ("文化广电和旅游局", "文旅局"), ("民政局", ""), ("司法局", ""),
    ("行政审批服务局", "审批局"), ("投资促进局", "投促局"), ("科学技术局", "科技局"),
    ("国有资产监督管理委员会", "国资委"), ("医疗保障局", "医保局"), ("信访局", ""),
    ("大数据管理局", "数据局"), ("审计局", ""), ("统计局", ""), ("林业局", ""),
    ("退役军人事务局", "退役军人局"), ("体育局", ""), ("乡村振兴局", ""),
    ("粮食和物资储备局", "粮储局"), ("机关事务管理局", "机关事务局"),
    ("人民防空办公室", "人防办"), ("外事办公室", "外办"), ("金融工作办公室", "金融办"),
    ("机构编制委员会办公室", "编办"), ("政府研究室", ""), ("住房公积金管理中心", "公积金中心"),
    ("供销合作社联合社", "供销社"), ("消防救援支队", "消防支队"), ("税务局", ""),
    ("公路事业发展中心", "公路中心"), ("气象局", ""), ("邮政管理局", ""),
    ("生态环境保护综合执法支队", "环境执法支队"), ("烟草专卖局", ""), ("地方志办公室", "方志办"),
    ("总工会", ""), ("妇女联合会", "妇联"), ("残疾人联合会", "残联"),
    ("科学技术协会", "科协"), ("工商业联合会", "工商联"), ("共青团委员会", "团委"),
    ("政法委员会", "政法委"), ("宣传部", ""), ("组织部", ""), ("统战部", ""),
]  # fmt: skip
DISTRICTS = [
    "东城", "西湖", "南湖", "北塘", "新城", "高新", "经开", "临川", "青山", "白沙",
    "长宁", "永安", "安平", "清河", "龙泉", "金华", "桃源", "松阳", "柳溪", "石桥",
]  # fmt: skip
TOWN_FIRST = "兴安和平新永福长龙凤太金石河桥松柳桃李王张马杨黄白青双三大东西南北上下"
TOWN_SECOND = "隆乐平安宁丰集桥坝庄店口河山湾塘岗坪寨源溪"
VILLAGE_FIRST = "李王张刘陈杨赵黄周吴徐孙朱马胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾"
# 李隆村, 王河社区, 陈兴村…: ~3,500 names a city before any repeats with a number
VILLAGE_SECOND = [a + b for a in TOWN_SECOND + TOWN_FIRST for b in ["村", "社区"]]


@dataclass
class UnitRow:
    """One unit as generated: id, name, kind, parent, path, aliases."""

    id: int
    name: str
    kind: str
    parent: int | None
    path: str
    aliases: list[str] = field(default_factory=list)


@dataclass
class Tree:
    """The units, and which of them take work (with a weight for how much)."""

    units: list[UnitRow]
    office: int  # the supervising office's unit (督查室)
    root: int
    # Units that lead matters, by kind heaviest first: departments, districts, towns, villages.
    workers: list[int]
    grassroots: list[int]  # towns and villages: where citizens' requests land


def shape(budget: int) -> tuple[int, int, int]:
    """Departments, districts and towns of a city with `budget` units below it; the
    rest are villages and communities (a city of ~1,650 units: 60, 12, 160, ~1,416)."""
    departments = max(2, min(len(DEPARTMENTS), budget // 5))
    districts = max(1, min(12, budget // 40))
    towns = max(1, min(160, budget // 4))
    while departments + districts + towns > budget and departments > 1:
        departments, towns = departments - 1, max(1, towns - 1)
    return departments, districts, towns


def tree(units: int, cities: int, rng: random.Random) -> Tree:
    """Exactly `units` units: the root (a city, or the province with `cities` cities below
    it), its supervising office, then each city's departments, districts, towns, villages."""
    if units < 4 + 2 * max(0, cities - 1):
        raise ValueError(f"units: at least {4 + 2 * max(0, cities - 1)} for {cities} cities")
    rows: list[UnitRow] = []
    province = cities > 1
    root_name = PROVINCE if province else f"{CITIES[0]}市"
    # No province kind exists: the root plays the city's part for the office either way.
    rows.append(UnitRow(1, root_name, "city", None, "/1/"))
    office = "省委督查室" if province else f"{CITIES[0]}市委督查室"
    rows.append(UnitRow(2, office, "office", 1, "/1/2/", ["督查室"]))
    heads: list[UnitRow] = []
    if province:
        for c in range(cities):
            name = CITIES[c] if c < len(CITIES) else f"{CITIES[c % len(CITIES)]}{c}"
            heads.append(_add(rows, f"{name}市", "city", rows[0], [name]))
    else:
        heads = [rows[0]]
    rest = units - len(rows)
    budgets = [rest // len(heads) + (1 if i < rest % len(heads) else 0) for i in range(len(heads))]
    by_kind: dict[str, list[int]] = {"department": [], "district": [], "street": [], "village": []}
    for head, budget in zip(heads, budgets, strict=True):
        _city(rows, head, budget, rng, by_kind)
    for units_of_kind in by_kind.values():  # cities mixed: the busiest are not all in one
        rng.shuffle(units_of_kind)
    workers = by_kind["department"] + by_kind["district"] + by_kind["street"] + by_kind["village"]
    return Tree(rows, 2, 1, workers, by_kind["street"] + by_kind["village"])


def _add(rows: list[UnitRow], name: str, kind: str, parent: UnitRow, aliases: list[str]) -> UnitRow:
    row = UnitRow(len(rows) + 1, name, kind, parent.id, "", aliases)
    row.path = f"{parent.path}{row.id}/"
    rows.append(row)
    return row


def _city(
    rows: list[UnitRow], city: UnitRow, budget: int, rng: random.Random, out: dict[str, list[int]]
) -> None:
    """One city's units, exactly `budget` of them (the city unit itself not counted)."""
    prefix = city.name
    departments, districts, towns = shape(budget)
    for full, short in DEPARTMENTS[:departments]:
        aliases = [f"{prefix}{short}"] if short else []
        out["department"].append(_add(rows, f"{prefix}{full}", "department", city, aliases).id)
    district_rows = []
    for i, name in enumerate(rng.sample(DISTRICTS, districts)):
        suffix = "区" if i < max(1, districts // 3) else "县"
        row = _add(rows, f"{prefix}{name}{suffix}", "district", city, [f"{name}{suffix}"])
        district_rows.append(row)
        out["district"].append(row.id)
    town_rows = []
    names = _pairs(TOWN_FIRST, TOWN_SECOND, rng)
    for i in range(towns):
        district = district_rows[i % len(district_rows)]
        # the first towns of a district are its urban streets (街道), the rest towns (镇/乡)
        suffix = "街道" if i < len(district_rows) * 3 else ("镇" if i % 5 else "乡")
        short = f"{next(names)}{suffix}"
        row = _add(rows, f"{district.name}{short}", "street", district, [short])
        town_rows.append(row)
        out["street"].append(row.id)
    villages = budget - departments - districts - towns
    village_names = _pairs(VILLAGE_FIRST, VILLAGE_SECOND, rng)
    for i in range(villages):
        town = town_rows[i % len(town_rows)]
        short = next(village_names)
        row = _add(rows, f"{town.name}{short}", "village", town, [short])
        out["village"].append(row.id)


def _pairs(first: str, second: str | list[str], rng: random.Random):
    """Distinct two-part names in random order, then numbered rounds of them (never a repeat)."""
    combos = list(dict.fromkeys(a + b for a, b in itertools.product(first, second)))
    for round_no in itertools.count(1):
        rng.shuffle(combos)
        for name in combos:
            yield name if round_no == 1 else f"{name[:-1]}{round_no}{name[-1]}"


# ------------------------------------------------------------------ matter wording

TASK_VERBS = ["推进", "落实", "加快", "完成", "开展", "做好", "抓好", "深化"]
TASK_OBJECTS = [
    "老旧小区改造", "重点项目建设", "营商环境优化", "农村人居环境整治", "河湖长制工作",
    "秸秆禁烧工作", "安全生产专项整治", "招商引资签约项目落地", "城市更新行动", "高标准农田建设",
    "义务教育学位扩容", "医疗卫生服务能力提升", "数字政府建设", "乡村振兴示范村创建",
    "文明城市创建", "污染防治攻坚", "就业创业帮扶", "民生实事项目", "防汛备汛工作", "冬季供暖保障",
]  # fmt: skip
ENTERPRISE_PROBLEMS = [
    "项目用地报批进度慢", "厂区供电容量不足", "融资担保难", "招工难、缺技术工人",
    "施工许可办理时间长", "物流通道受限", "增值税留抵退税未到账", "天然气价格偏高",
    "污水管网未接入园区", "产业扶持资金未兑现",
]  # fmt: skip
HAZARDS = [
    "消防通道被占用", "燃气管道老化", "危化品仓库储存超量", "在建工地塔吊基础沉降",
    "自建房结构开裂", "河道堤防渗漏", "电动车楼道充电", "商场疏散指示灯损坏",
    "山体边坡滑坡隐患", "桥梁护栏缺损",
]  # fmt: skip
CITIZEN = [
    "小区楼道灯长期不亮", "道路积水无人处理", "夜间施工噪音扰民", "垃圾清运不及时",
    "路灯损坏", "违章搭建", "餐饮油烟扰民", "供水压力不足", "公交站台破损", "占道经营",
]  # fmt: skip


def title(kind: str, n: int, place: str, rng: random.Random) -> str:
    """A matter's title: what is asked, and where; `n` (its serial) keeps titles apart."""
    if kind == "enterprise":
        return f"企业诉求第{n}号：{place}辖区企业反映{rng.choice(ENTERPRISE_PROBLEMS)}"
    if kind == "hazard":
        return f"隐患整改第{n}号：{place}{rng.choice(HAZARDS)}"
    if kind == "citizen":
        return f"群众诉求第{n}号：{place}{rng.choice(CITIZEN)}"
    return f"督办事项第{n}号：{rng.choice(TASK_VERBS)}{rng.choice(TASK_OBJECTS)}"
