"""The demo city's units and people (示例市): org's part of `luoshi demo`.

1. Units: the city, its two supervision offices, departments, districts and their
   streets/towns (about 40), with the aliases imports match on.
2. Users: supervisors, leaders, an admin, and a handler and a head for every unit,
   all with the one demo password (`luoshi demo --logins` prints them).

`build(ctx)` fills the DemoContext (units, users, handlers, heads, supervisors,
leaders, leader_of) that the builders after it read.
"""

from __future__ import annotations

import random

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import User
from django.db import transaction

from luoshi.lib.demo import DemoContext

from . import services
from .models import Role, Unit, UnitKind

PASSWORD = "luoshi-demo"
CITY = "示例市"
K = UnitKind

# (code, name, kind, aliases, parent name); the code names the unit's demo users.
UNITS = [
    ("city", CITY, K.CITY, [], None),
    ("swdcs", "市委督查室", K.OFFICE, ["市委办公室督查室"], CITY),
    ("zfdcs", "市政府督查室", K.OFFICE, ["市政府办公室督查室"], CITY),
    ("fgw", "市发改委", K.DEPARTMENT, ["市发展和改革委员会"], CITY),
    ("gxj", "市工信局", K.DEPARTMENT, ["市工业和信息化局"], CITY),
    ("swj", "市商务局", K.DEPARTMENT, [], CITY),
    ("zjj", "市住建局", K.DEPARTMENT, ["市住房和城乡建设局"], CITY),
    ("yjj", "市应急管理局", K.DEPARTMENT, ["市应急局"], CITY),
    ("zrzyj", "市自然资源和规划局", K.DEPARTMENT, ["市自然资源局"], CITY),
    ("sthjj", "市生态环境局", K.DEPARTMENT, ["市环保局"], CITY),
    ("jtj", "市交通运输局", K.DEPARTMENT, ["市交通局"], CITY),
    ("scjgj", "市市场监管局", K.DEPARTMENT, ["市市场监督管理局", "市知识产权局"], CITY),
    ("czj", "市财政局", K.DEPARTMENT, [], CITY),
    ("jyj", "市教育局", K.DEPARTMENT, [], CITY),
    ("wjw", "市卫生健康委", K.DEPARTMENT, ["市卫健委", "市卫生健康委员会"], CITY),
    ("rsj", "市人社局", K.DEPARTMENT, ["市人力资源和社会保障局"], CITY),
    ("gaj", "市公安局", K.DEPARTMENT, [], CITY),
    ("cgj", "市城管局", K.DEPARTMENT, ["市城市管理局"], CITY),
    ("slj", "市水利局", K.DEPARTMENT, [], CITY),
    ("nyncj", "市农业农村局", K.DEPARTMENT, [], CITY),
    ("wglj", "市文广旅局", K.DEPARTMENT, ["市文化广电和旅游局"], CITY),
    ("mzj", "市民政局", K.DEPARTMENT, [], CITY),
    ("ybj", "市医保局", K.DEPARTMENT, ["市医疗保障局"], CITY),
    ("spj", "市行政审批局", K.DEPARTMENT, ["市行政审批和政务信息管理局"], CITY),
    ("tcj", "市投资促进局", K.DEPARTMENT, ["市招商局"], CITY),
    ("jrj", "市金融工作局", K.DEPARTMENT, ["市地方金融监督管理局"], CITY),
    ("dcq", "东城区", K.DISTRICT, [], CITY),
    ("dcq_cg", "东城区城关街道", K.STREET, [], "东城区"),
    ("dcq_dg", "东城区东关街道", K.STREET, [], "东城区"),
    ("xcq", "西城区", K.DISTRICT, [], CITY),
    ("xcq_xg", "西城区西关街道", K.STREET, [], "西城区"),
    ("xcq_hp", "西城区和平街道", K.STREET, [], "西城区"),
    ("nhq", "南湖区", K.DISTRICT, [], CITY),
    ("nhq_hb", "南湖区湖滨街道", K.STREET, [], "南湖区"),
    ("nhq_nh", "南湖区南湖镇", K.STREET, [], "南湖区"),
    ("bsx", "北山县", K.DISTRICT, [], CITY),
    ("bsx_cg", "北山县城关镇", K.STREET, [], "北山县"),
    ("bsx_qs", "北山县青石乡", K.STREET, [], "北山县"),
    ("gxq", "高新区", K.DISTRICT, ["示例高新技术产业开发区管委会"], CITY),
    ("gxq_cy", "高新区创业街道", K.STREET, [], "高新区"),
]
# (username, title, unit name, role): the office, the city's leaders, the admin.
STAFF = [
    ("supervisor", "督查室主任", "市委督查室", Role.SUPERVISOR),
    ("supervisor2", "督查员", "市委督查室", Role.SUPERVISOR),
    ("supervisor3", "督查室主任", "市政府督查室", Role.SUPERVISOR),
    ("supervisor4", "督查员", "市政府督查室", Role.SUPERVISOR),
    ("leader", "市长", CITY, Role.LEADER),
    ("leader2", "常务副市长", CITY, Role.LEADER),
    ("leader3", "副市长（工业、商务）", CITY, Role.LEADER),
    ("leader4", "副市长（城建、交通）", CITY, Role.LEADER),
    ("leader5", "副市长（应急、农业）", CITY, Role.LEADER),
    ("leader6", "副市长（教育、卫健、民政）", CITY, Role.LEADER),
    ("admin", "系统管理员", "市委督查室", Role.ADMIN),
]
TITLES = {username: title for username, title, _unit, _role in STAFF}
# The leader in charge (分管领导) of each unit's field; others answer to the mayor.
LEADER_FIELDS = {
    "leader2": ["市发改委", "市财政局", "市投资促进局", "市金融工作局", "市行政审批局"],
    "leader3": ["市工信局", "市商务局", "市市场监管局", "高新区"],
    "leader4": ["市住建局", "市自然资源和规划局", "市交通运输局", "市城管局", "市水利局"],
    "leader5": ["市应急管理局", "市生态环境局", "市农业农村局", "市公安局"],
    "leader6": ["市教育局", "市卫生健康委", "市人社局", "市民政局", "市医保局", "市文广旅局"],
}
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华建国志红玲斌宇浩凯鹏婷雪琳晨欣"


@transaction.atomic
def build(ctx: DemoContext) -> None:
    """The units, the users in them, and who is in charge of which field."""
    ctx.units = build_units()
    ctx.users, ctx.handlers, ctx.heads = build_users(ctx.units, ctx.rng)
    ctx.supervisors = [ctx.users[u] for u, _t, _n, role in STAFF if role == Role.SUPERVISOR]
    ctx.leaders = [ctx.users[u] for u, _t, _n, role in STAFF if role == Role.LEADER]
    ctx.leader_of = {
        unit: ctx.users[username] for username, names in LEADER_FIELDS.items() for unit in names
    }
    ctx.log(f"{len(ctx.units)} units and {len(ctx.users)} users")


def build_units() -> dict[str, Unit]:
    """The tree through org.services, one insert per level (each unit's OrgEvent too)."""
    specs = [
        services.UnitSpec(name, kind, parent, aliases, order)
        for order, (_code, name, kind, aliases, parent) in enumerate(UNITS)
    ]
    return {unit.name: unit for unit in services.create_units(specs, actor=None)}


def build_users(
    units: dict[str, Unit], rng: random.Random
) -> tuple[dict[str, User], dict[str, User], dict[str, User]]:
    """Staff from STAFF, a handler and a head for every other unit; one hashed password.

    The password is hashed once and shared: hashing it for each of ~90 users would
    take most of the demo's time budget.
    """
    password = make_password(PASSWORD)
    people: list[tuple[str, str, str, str]] = [
        (username, title, unit, role) for username, title, unit, role in STAFF
    ]
    for code, name, kind, _aliases, _parent in UNITS:
        if kind in (K.DEPARTMENT, K.DISTRICT, K.STREET):
            people.append((f"{code}.handler", "承办人", name, Role.HANDLER))
            people.append((f"{code}.head", "负责人", name, Role.UNIT_HEAD))
    User.objects.bulk_create(
        User(
            username=username,
            first_name=rng.choice(SURNAMES) + "".join(rng.sample(GIVEN, rng.choice([1, 2]))),
            password=password,
            is_staff=role == Role.ADMIN,
            is_superuser=role == Role.ADMIN,
        )
        for username, _title, _unit, role in people
    )
    by_name = {u.username: u for u in User.objects.filter(username__in=[p[0] for p in people])}
    services.grant_roles(
        ((by_name[username], units[unit], role) for username, _title, unit, role in people),
        actor=None,
    )
    handlers = {unit: by_name[u] for u, _t, unit, role in people if role == Role.HANDLER}
    heads = {unit: by_name[u] for u, _t, unit, role in people if role == Role.UNIT_HEAD}
    return by_name, handlers, heads
