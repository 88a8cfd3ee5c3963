"""Citizen requests as citizens write them, for the demo, the tests and the benchmarks.

Nobody's real request is in here: each text is made from a topic's templates and
fillers (places of the demo city, times, what happened, how people open and close
a call), then roughened the way hotline texts are — typos (反应/反映, 的/得), missing
or doubled punctuation, run-on sentences, full-width digits, two problems in one
call. Some topics are ambiguous on purpose (night construction noise is 城乡建设 or
环境保护; a jam at a school gate is 交通运输 or 教育文体), and a small share of labels
is "wrong" the way a first dispatch is wrong, so the figures an evaluation prints are
honest about how hard the task is.

Each example carries its category and the unit that handled it in the end. A unit
written "street" is the street or town of the place (属地管理).
"""

from __future__ import annotations

import random
from dataclasses import dataclass

CATEGORIES = [
    "城乡建设",
    "环境保护",
    "交通运输",
    "教育文体",
    "劳动和社会保障",
    "商贸旅游",
    "卫生计生",
    "公共安全",
]
# Street or town → (district, places people name there).
PLACES = {
    "东城区城关街道": (
        "东城区",
        ["幸福路", "解放路", "幸福小区", "城关菜市场", "府前街", "老电厂家属院"],
    ),
    "东城区东关街道": ("东城区", ["东关大街", "建设路", "东关新村", "纺织厂宿舍", "东关小学"]),
    "西城区西关街道": ("西城区", ["西关路", "人民路", "锦绣花园", "西关农贸市场", "西站"]),
    "西城区和平街道": ("西城区", ["和平路", "和平里小区", "文化路", "金地名苑", "和平广场"]),
    "南湖区湖滨街道": ("南湖区", ["湖滨路", "滨湖花园", "南湖公园", "湖滨一号", "环湖东路"]),
    "南湖区南湖镇": ("南湖区", ["南湖村", "镇中心小学", "南湖镇政府旁", "渔港路", "新河村"]),
    "北山县城关镇": ("北山县", ["北山大道", "县医院", "城关二小", "紫荆小区", "北山汽车站"]),
    "北山县青石乡": ("北山县", ["青石村", "石桥组", "青石中学", "乡卫生院", "108国道青石段"]),
    "高新区创业街道": ("高新区", ["创业大道", "科技园", "高新一路", "人才公寓", "软件园三期"]),
}
DEPARTMENTS = [
    "市住建局",
    "市城管局",
    "市生态环境局",
    "市交通运输局",
    "市公安局",
    "市教育局",
    "市文广旅局",
    "市人社局",
    "市医保局",
    "市商务局",
    "市市场监管局",
    "市卫生健康委",
    "市水利局",
    "市民政局",
]


@dataclass(frozen=True)
class Topic:
    category: str
    unit: str  # a department, or "street" (the street of the place)
    templates: tuple[str, ...]
    weight: float = 1.0
    request_type: str = "complaint"
    # Another (category, unit) some dispatchers pick for the same text, and how often.
    also: tuple[str, str] | None = None
    also_share: float = 0.0


T = Topic
TOPICS = [
    # -- 城乡建设 ------------------------------------------------------------------
    T(
        "城乡建设",
        "street",
        (
            "{open}我是{place}的业主，{ago}小区{thing}，物业说不归他们管，{ask}",
            "{place}{building}的{thing}，{ago}就这样了，找物业找了好几次没人理{close}",
            "{open}{place}小区里{thing}，老人小孩进出很不安全，{ask}",
        ),
        weight=3,
    ),
    T(
        "城乡建设",
        "市住建局",
        (
            "{open}{place}那个楼盘{ago}就该交房了到现在还没交，开发商一直拖，{ask}",
            "{place}新房{defect}，开发商不给维修，{ask}",
            "我们{place}的房子{defect}，找开发商推来推去{close}",
        ),
        weight=2,
    ),
    T(
        "城乡建设",
        "市城管局",
        (
            "{open}{place}有人私搭乱建，在楼顶{illegal}，{ask}",
            "{place}路边{stall}，占道经营，晚上到十一二点{close}",
            "{open}{place}门口{stall}{close}",
        ),
        weight=2,
        also=("商贸旅游", "市市场监管局"),
        also_share=0.08,
    ),
    T(
        "城乡建设",
        "市城管局",
        (
            "{place}的路灯{ago}就不亮了，晚上黑漆漆的，{ask}",
            "{open}{place}{road}，下雨天全是水，车都过不去{close}",
        ),
        weight=1.5,
        request_type="help",
    ),
    T(
        "城乡建设",
        "市住建局",
        (
            "{place}附近工地{night}还在施工，{noise}，{ask}",
            "{open}{place}那边工地{night}打桩，吵的人根本睡不了觉{close}",
        ),
        weight=1.5,
        also=("环境保护", "市生态环境局"),
        also_share=0.35,
    ),
    T(
        "城乡建设",
        "street",
        (
            "{place}的自来水{water}，{ago}都这样，{ask}",
            "{open}我们{place}{water}，一家老小等着用水{close}",
        ),
        weight=1.2,
        request_type="help",
        also=("城乡建设", "市水利局"),
        also_share=0.25,
    ),
    # -- 环境保护 ------------------------------------------------------------------
    T(
        "环境保护",
        "市生态环境局",
        (
            "{open}{place}附近的{factory}{smell}，{ago}天天这样，{ask}",
            "{place}那边{factory}{smell}，窗户都不敢开{close}",
            "举报{place}有个{factory}偷偷往河里排污水，水都是黑的{close}",
        ),
        weight=2.5,
        request_type="report",
    ),
    T(
        "环境保护",
        "市生态环境局",
        (
            "{place}楼下{shop}{night}{noise}，{ask}",
            "{open}{place}的{shop}噪音扰民{close}",
        ),
        weight=1.5,
        also=("公共安全", "市公安局"),
        also_share=0.2,
    ),
    T(
        "环境保护",
        "市城管局",
        (
            "{place}垃圾{ago}都没人清运，{smell2}，{ask}",
            "{open}{place}垃圾桶满了好几天没人收，苍蝇到处飞{close}",
            "{place}有人在路边焚烧垃圾，烟很大{close}",
        ),
        weight=2,
        also=("城乡建设", "street"),
        also_share=0.2,
    ),
    # -- 交通运输 ------------------------------------------------------------------
    T(
        "交通运输",
        "市交通运输局",
        (
            "{open}{bus}路公交车{bus_problem}，{ask}",
            "{place}站的{bus}路车{bus_problem}{close}",
            "建议{bus}路公交延长到{place}，那边上班的人很多没有车坐",
        ),
        weight=2,
        request_type="complaint",
    ),
    T(
        "交通运输",
        "市交通运输局",
        (
            "{open}出租车司机{taxi}，车牌号{plate}，{ask}",
            "{when}在{place}打车，司机{taxi}{close}",
            "网约车{taxi}，在{place}上的车，{ask}",
        ),
        weight=1.5,
    ),
    T(
        "交通运输",
        "市公安局",
        (
            "{place}路口{traffic}，{ask}",
            "{open}{place}那边{traffic}{close}",
            "{place}门口天天有车乱停，把消防通道都堵了{close}",
        ),
        weight=1.5,
        also=("交通运输", "市交通运输局"),
        also_share=0.25,
    ),
    T(
        "交通运输",
        "市交通运输局",
        (
            "{place}那段路{road}，{ago}了也没人修，{ask}",
            "{open}108国道{road}，大货车一过全是灰{close}",
        ),
        weight=1.2,
        also=("城乡建设", "市城管局"),
        also_share=0.3,
    ),
    # -- 教育文体 ------------------------------------------------------------------
    T(
        "教育文体",
        "市教育局",
        (
            "{open}我家孩子在{school}上学，{school_problem}，{ask}",
            "{school}{school_problem}{close}",
            "请问{enrol}",
        ),
        weight=2.5,
    ),
    T(
        "教育文体",
        "市教育局",
        (
            "{open}{place}那个{training}，{fee}，{ask}",
            "举报{place}有{training}违规收费，{fee}{close}",
        ),
        weight=1.2,
        request_type="report",
    ),
    T(
        "教育文体",
        "市文广旅局",
        (
            "{place}的{venue}{venue_problem}，{ask}",
            "建议在{place}多建一些{venue}，附近的居民没地方锻炼",
            "{open}{place}广场舞音响太大声了，天天晚上{close}",
        ),
        weight=1.2,
        request_type="suggestion",
        also=("环境保护", "市生态环境局"),
        also_share=0.15,
    ),
    T(
        "教育文体",
        "市公安局",
        (
            "{school}门口放学的时候堵的一塌糊涂，家长车乱停，{ask}",
            "{open}{school}门口上下学时段交通太乱，孩子过马路很危险{close}",
        ),
        weight=0.8,
        also=("教育文体", "市教育局"),
        also_share=0.4,
    ),
    # -- 劳动和社会保障 ------------------------------------------------------------
    T(
        "劳动和社会保障",
        "市人社局",
        (
            "{open}我在{company}干了{months}个月，{wage}，{ask}",
            "{company}{wage}，我们{people}个工友都没拿到钱{close}",
            "举报{place}{company}拖欠农民工工资，{wage}{close}",
        ),
        weight=3,
        request_type="complaint",
    ),
    T(
        "劳动和社会保障",
        "市人社局",
        (
            "请问{social}",
            "{open}想咨询一下{social}",
            "你好，问一下{social}谢谢",
        ),
        weight=2.5,
        request_type="inquiry",
    ),
    T(
        "劳动和社会保障",
        "市医保局",
        (
            "请问{medical}",
            "{open}{medical}",
            "我妈在{hospital}住院，{medical_problem}，{ask}",
        ),
        weight=2,
        request_type="inquiry",
        also=("卫生计生", "市卫生健康委"),
        also_share=0.15,
    ),
    # -- 商贸旅游 ------------------------------------------------------------------
    T(
        "商贸旅游",
        "市市场监管局",
        (
            "{open}在{place}{shop2}买的{goods}，{goods_problem}，商家不给退，{ask}",
            "{shop2}{goods}{goods_problem}{close}",
            "举报{place}的{shop2}卖{goods_bad}{close}",
        ),
        weight=3,
        also=("商贸旅游", "市商务局"),
        also_share=0.1,
    ),
    T(
        "商贸旅游",
        "市商务局",
        (
            "{open}{place}的{card}，{card_problem}，{ask}",
            "{card}{card_problem}，老板人都找不到了{close}",
        ),
        weight=1.5,
    ),
    T(
        "商贸旅游",
        "市文广旅局",
        (
            "{open}{when}跟团去{scenic}，{tour}，{ask}",
            "{scenic}{tour}{close}",
        ),
        weight=1.2,
    ),
    # -- 卫生计生 ------------------------------------------------------------------
    T(
        "卫生计生",
        "市卫生健康委",
        (
            "{open}{when}在{hospital}看病，{doctor}，{ask}",
            "{hospital}{doctor}{close}",
            "建议{hospital}周末也开{dept}门诊，上班族根本没时间看病",
        ),
        weight=2.5,
    ),
    T(
        "卫生计生",
        "市卫生健康委",
        (
            "请问{health}",
            "{open}{health}",
        ),
        weight=1.2,
        request_type="inquiry",
    ),
    T(
        "卫生计生",
        "市市场监管局",
        (
            "{place}的{restaurant}{food}，吃完{sick}，{ask}",
            "举报{restaurant}{food}{close}",
        ),
        weight=1.2,
        request_type="report",
        also=("卫生计生", "市卫生健康委"),
        also_share=0.3,
    ),
    # -- 公共安全 ------------------------------------------------------------------
    T(
        "公共安全",
        "市公安局",
        (
            "{open}{place}{security}，{ask}",
            "{place}{security}{close}",
        ),
        weight=1.2,
        request_type="help",
    ),
    T(
        "公共安全",
        "street",
        (
            "{place}{building}楼道里{hazard}，{ask}",
            "{open}{place}{hazard}，万一着火怎么办{close}",
        ),
        weight=1.2,
        also=("公共安全", "市公安局"),
        also_share=0.15,
    ),
    T(
        "公共安全",
        "市民政局",
        (
            "{place}有个老人{elder}，{ask}",
            "{open}{place}桥洞下面有个流浪的人{elder}{close}",
        ),
        weight=0.6,
        request_type="help",
    ),
]

FILLERS = {
    "open": [
        "",
        "",
        "你好，",
        "您好，",
        "你好我想反映个问题，",
        "投诉！",
        "我要投诉，",
        "喂你好，",
        "麻烦问一下，",
        "我想反应一下，",
        "实在没办法了才打的电话，",
        "第二次反映了，",
    ],
    "ask": [
        "麻烦尽快处理",
        "希望有关部门管一管",
        "能不能派人来看看",
        "请尽快解决",
        "到底有没有人管",
        "希望给个说法",
        "请帮忙协调一下",
        "麻烦尽快给个答复",
        "请相关部门核实处理",
    ],
    "close": [
        "",
        "。",
        "！！",
        "，希望尽快处理。",
        "，谢谢。",
        "，麻烦了",
        "。。。",
        "，已经反映过好几次了",
        "，请尽快处理！",
        "。希望能给个答复",
    ],
    "ago": [
        "这几天",
        "一个多星期了",
        "半个月了",
        "一个月了",
        "从上个月开始",
        "两三天了",
        "去年就",
        "好长时间了",
        "昨天晚上",
        "今天早上",
    ],
    "when": ["前天", "昨天晚上", "上周六", "今天早上", "上个月", "国庆的时候", "前几天"],
    "night": ["晚上十一点多", "半夜两三点", "凌晨四点", "晚上十点以后", "中午午休时间"],
    "noise": [
        "噪音特别大",
        "吵得根本睡不着",
        "声音震天响",
        "孩子被吵醒好几次",
        "老人心脏不好受不了",
    ],
    "thing": [
        "电梯经常坏，关人好几次",
        "下水道堵了污水漫出来",
        "楼道灯全坏了",
        "外墙瓷砖往下掉",
        "绿化带被人占了种菜",
        "化粪池满了往外冒",
        "单元门坏了关不上",
        "消防通道被杂物堵住",
        "屋顶漏水",
        "地下车库积水",
    ],
    "building": ["3号楼", "12栋", "5单元", "老楼", "二期8号楼", "B区"],
    "defect": ["墙面开裂", "卫生间渗水到楼下", "窗户漏风", "地面空鼓", "房子面积缩水了十几平"],
    "illegal": ["搭建彩钢瓦房", "盖了个阳光房", "私自加盖一层", "圈地建仓库"],
    "stall": ["烧烤摊", "卖菜的小摊贩", "夜市小吃摊", "修车的", "卖水果的三轮车"],
    "road": ["坑坑洼洼", "路面塌陷了一个大坑", "井盖丢了", "积水严重", "路面破损"],
    "water": ["停水了", "水是黄的有怪味", "水压太小上不了楼", "水管爆了"],
    "factory": ["化工厂", "砖厂", "塑料加工厂", "养猪场", "废品收购站", "搅拌站"],
    "smell": ["晚上偷偷排气，味道很刺鼻", "烟囱冒黑烟", "一股臭味", "粉尘很大", "气味呛人"],
    "smell2": ["臭气熏天", "味道太大了", "招了好多老鼠"],
    "shop": ["KTV", "酒吧", "烧烤店", "饭店的空调外机", "棋牌室", "健身房"],
    "bus": ["3", "8", "12", "15", "K1", "26", "101", "高新2"],
    "bus_problem": [
        "经常不按时发车，等了四十分钟",
        "司机开得太猛，老人差点摔倒",
        "到站不停车",
        "车上空调不开",
        "收班太早了，晚上七点就没车了",
        "拒载老年卡",
    ],
    "taxi": ["绕路多收钱", "拒载", "不打表一口价", "态度很差还骂人", "拼客"],
    "plate": ["示A·T1234", "示AT5678", "示A·D2931", "记不清了"],
    "traffic": [
        "红绿灯坏了",
        "没有红绿灯，车速很快",
        "早晚高峰堵得走不动",
        "斑马线都磨没了",
        "电动车逆行很多",
        "大货车白天进城",
    ],
    "school": ["城关二小", "东关小学", "镇中心小学", "青石中学", "市实验中学", "和平路幼儿园"],
    "school_problem": [
        "学校强制订校服还特别贵",
        "老师暗示家长报课外班",
        "食堂饭菜质量太差",
        "作业太多孩子写到半夜",
        "学校要求家长群里交钱",
        "午托收费不合理",
    ],
    "enrol": [
        "今年小学入学要准备哪些材料",
        "随迁子女怎么在本地上学",
        "学区是怎么划的，我们小区对应哪个学校",
        "幼儿园报名什么时候开始",
    ],
    "training": ["培训机构", "课外辅导班", "托管班", "艺术培训学校"],
    "fee": ["一次性收了一年的学费现在要关门", "退费退不了", "收费没有票据", "超前超纲教学"],
    "venue": ["体育馆", "篮球场", "图书馆", "健身器材", "文化活动中心"],
    "venue_problem": ["不对外开放", "器材坏了没人修", "开放时间太短", "收费太贵"],
    "company": ["建筑工地", "一家装修公司", "物流公司", "厂里", "饭店", "保安公司"],
    "months": ["三", "五", "八", "十", "两"],
    "wage": [
        "工资一直拖着不给",
        "老板跑路了工资没发",
        "押了两个月工资",
        "不给交社保还不签合同",
        "加班不给加班费",
        "辞职了不给结工资",
    ],
    "people": ["二十多", "十几", "好几", "三十来"],
    "social": [
        "灵活就业人员社保在哪交，网上交不了怎么回事",
        "退休手续怎么办，要带什么材料",
        "失业金怎么领",
        "社保卡丢了怎么补办",
        "养老保险断交了还能补吗",
        "外地的社保能不能转过来",
    ],
    "medical": [
        "异地就医怎么备案",
        "医保卡怎么激活",
        "门诊慢特病怎么申请",
        "孩子的居民医保在哪交",
        "住院报销比例是多少",
    ],
    "medical_problem": ["医保报销说不在目录里", "医院让自费买药", "出院结算算错了"],
    "hospital": ["市人民医院", "县医院", "市中医院", "乡卫生院", "妇幼保健院", "社区卫生服务中心"],
    "doctor": [
        "医生态度很差",
        "排队排了三个小时",
        "乱开检查单",
        "护士打针打了好几次都没打上",
        "挂号挂不上，号都被黄牛抢了",
        "收费不明细",
    ],
    "dept": ["儿科", "口腔科", "眼科"],
    "health": [
        "新冠疫苗第四针在哪打",
        "二胎生育登记怎么办",
        "孕检去哪个医院",
        "老年人免费体检什么时候开始",
        "HPV疫苗怎么预约",
    ],
    "restaurant": ["小饭馆", "外卖店", "早餐店", "学校旁边的小吃店", "火锅店"],
    "food": ["后厨脏乱差", "用地沟油", "卖过期食品", "没有健康证", "菜里吃出虫子"],
    "sick": ["拉肚子", "上吐下泻", "全家都不舒服"],
    "shop2": ["超市", "网店", "手机店", "家具城", "药店", "建材市场"],
    "goods": ["手机", "沙发", "羽绒服", "电动车", "保健品", "奶粉"],
    "goods_problem": ["用了三天就坏了", "是假货", "质量有问题", "缺斤少两", "标价和结账不一样"],
    "goods_bad": ["过期食品", "三无产品", "假烟假酒", "假药"],
    "card": ["健身房办的卡", "理发店充的卡", "美容院的预付卡", "教育机构的课时卡"],
    "card_problem": ["突然关门了卡里还有两千多", "换了老板不认以前的卡", "退卡不给退"],
    "scenic": ["南湖景区", "北山森林公园", "青石古镇"],
    "tour": ["导游强制购物", "门票和宣传的不一样", "景区停车乱收费", "农家乐宰客"],
    "security": [
        "有人深夜聚集打架",
        "电动车被偷了两次",
        "有人在小区里搞传销",
        "经常有人冒充燃气公司上门",
    ],
    "hazard": ["堆满了杂物", "电动车在楼道充电", "私拉电线", "煤气罐放在楼道"],
    "elder": ["一个人住没人照顾", "走失了好像找不到家", "生活很困难"],
}
TYPOS = [
    ("反映", "反应"),
    ("已经", "以经"),
    ("得", "的"),
    ("再", "在"),
    ("那里", "哪里"),
    ("噪音", "燥音"),
    ("小区", "小曲"),
    ("物业", "物页"),
    ("工资", "工姿"),
    ("投诉", "头诉"),
]
FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")


def _place_text(rng: random.Random, street: str) -> str:
    district, places = PLACES[street]
    place = rng.choice(places)
    form = rng.random()
    if form < 0.25:
        return f"{district}{street.removeprefix(district)}{place}"
    if form < 0.45:
        return f"{street.removeprefix(district)}{place}"
    if form < 0.6:
        return f"{place}{rng.randint(1, 60)}号"
    if form < 0.7:
        return f"{district}{place}那边"
    return place


def _fill(rng: random.Random, template: str, place: str) -> str:
    values = {key: rng.choice(options) for key, options in FILLERS.items()}
    values["place"] = place
    return template.format(**values)


def _roughen(rng: random.Random, text: str) -> str:
    if rng.random() < 0.12:
        right, wrong = rng.choice(TYPOS)
        text = text.replace(right, wrong, 1)
    if rng.random() < 0.15:
        text = text.replace("，", " ").replace("。", "")
    if rng.random() < 0.08:
        text = text.translate(FULL_WIDTH)
    if rng.random() < 0.06:
        text = text + rng.choice(["？？？", "!!!", "~", "……"])
    return text


@dataclass
class Example:
    text: str
    category: str
    unit: str
    street: str
    district: str
    request_type: str


def generate(count: int, seed: int = 2026) -> list[Example]:
    """`count` requests with their final category and unit; the same seed, the same list."""
    rng = random.Random(seed)
    weights = [t.weight for t in TOPICS]
    streets = list(PLACES)
    examples = []
    for _ in range(count):
        topic = rng.choices(TOPICS, weights)[0]
        street = rng.choice(streets)
        text = _fill(rng, rng.choice(topic.templates), _place_text(rng, street))
        if rng.random() < 0.07:  # two problems in one call, the first one decides
            other = rng.choices(TOPICS, weights)[0]
            text += "，还有" + _fill(rng, rng.choice(other.templates), _place_text(rng, street))
        category, unit = topic.category, topic.unit
        if topic.also and rng.random() < topic.also_share:
            category, unit = topic.also
        unit = street if unit == "street" else unit
        examples.append(
            Example(
                text=_roughen(rng, text).strip("，"),
                category=category,
                unit=unit,
                street=street,
                district=PLACES[street][0],
                request_type=topic.request_type,
            )
        )
    return examples


def unit_names() -> list[str]:
    """Every unit an example can name (departments and streets)."""
    return [*DEPARTMENTS, *PLACES]
