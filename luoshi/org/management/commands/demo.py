"""`luoshi demo`: build 示例市, the demo city — units, users for every role, a year of matters.

1. Units: the city, its two supervision offices, departments, districts and their
   streets/towns (about 40), with the aliases imports match on.
2. Users: supervisors, leaders, an admin, and a handler and a head for every unit,
   all with the one demo password (`--logins` prints them).
3. Matters: luoshi.matters.demo.build, through the services at past dates.
4. Every other installed app's `luoshi.<app>.demo.build(context)`, if it has one.
5. The warning scan, as the nightly job would run it.

`--if-empty` does nothing when any unit exists (`make run` calls it on every start).
"""

from __future__ import annotations

import datetime as dt
import random
import time
from importlib import import_module
from importlib.util import find_spec

from django.apps import apps
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import User
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from luoshi.matters import demo as matters_demo
from luoshi.matters.demo import DemoContext
from luoshi.matters.warnings import scan
from luoshi.org.models import Membership, Role, Unit, UnitKind
from luoshi.workcalendar.calendar import get_calendar

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


class Command(BaseCommand):
    help = "Build 示例市, the demo city: units, users for every role, matters in every state."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--if-empty", action="store_true", help="Do nothing if any unit already exists."
        )
        parser.add_argument(
            "--logins", action="store_true", help="Only print the demo logins for each role."
        )
        parser.add_argument("--port", type=int, help="With --logins: print the URL on this port.")
        parser.add_argument(
            "--seed", type=int, default=2026, help="Random seed (the same seed, the same city)."
        )
        parser.add_argument(
            "--matters", type=int, default=300, help="How many matters to build (default 300)."
        )

    def handle(self, *args, **options) -> None:
        if options["logins"]:
            self.print_logins(options["port"])
            return
        if Unit.objects.exists():
            if options["if_empty"]:
                self.stdout.write(_("Units exist already: the demo city is not built again."))
                return
            raise CommandError(
                _("The database already has units; the demo city is built on an empty one.")
            )
        self.build(options["seed"], options["matters"])

    def build(self, seed: int, count: int) -> None:
        started = time.perf_counter()
        ctx = self.build_city(random.Random(seed))
        self.stdout.write(
            _("%(units)s units and %(users)s users; building %(n)s matters…")
            % {"units": len(ctx.units), "users": len(ctx.users), "n": count}
        )
        matters = matters_demo.build(ctx, count)
        for name, build in other_builders():
            self.stdout.write(_("Demo data of %(app)s…") % {"app": name})
            build(ctx)
        changed = scan()
        self.print_summary(matters_demo.summary(matters), changed, time.perf_counter() - started)

    @transaction.atomic
    def build_city(self, rng: random.Random) -> DemoContext:
        units = build_units()
        users, handlers, heads = build_users(units, rng)
        leader_of = {
            unit: users[username] for username, names in LEADER_FIELDS.items() for unit in names
        }
        today = timezone.localdate()
        return DemoContext(
            units=units,
            users=users,
            handlers=handlers,
            heads=heads,
            supervisors=[users[u] for u, _t, _n, role in STAFF if role == Role.SUPERVISOR],
            leaders=[users[u] for u, _t, _n, role in STAFF if role == Role.LEADER],
            leader_of=leader_of,
            rng=rng,
            today=today,
            start=history_start(today),
            calendar=get_calendar(),
            log=self.stdout.write,
        )

    def print_summary(self, summary: dict, changed: dict, seconds: float) -> None:
        states = ", ".join(f"{k} {v}" for k, v in sorted(summary["state"].items()))
        warnings = ", ".join(f"{k} {v}" for k, v in sorted(summary["warning"].items()))
        self.stdout.write(_("Matters by state: %(s)s") % {"s": states})
        self.stdout.write(_("Open matters by warning: %(s)s") % {"s": warnings})
        self.stdout.write(self.style.SUCCESS(_("Demo city built in %(t).1f s.") % {"t": seconds}))

    def print_logins(self, port: int | None) -> None:
        """The demo logins by role, read from the database (the password is the demo one)."""
        rows = (
            Membership.objects.filter(unit__in=Unit.objects.all())
            .select_related("user", "unit")
            .order_by("role", "unit__order", "unit__id", "user__username")
        )
        by_role: dict[str, list[Membership]] = {}
        for row in rows:
            by_role.setdefault(row.role, []).append(row)
        if not by_role:
            self.stdout.write(_("No users yet: run `luoshi demo` to build the demo city."))
            return
        if port:
            self.stdout.write(_("Luoshi: http://127.0.0.1:%(port)s/") % {"port": port})
        self.stdout.write(_("Demo logins (password for all: %(pw)s)") % {"pw": PASSWORD})
        for role in Role:
            members = by_role.get(role, [])
            shown = members if role not in (Role.HANDLER, Role.UNIT_HEAD) else members[:4]
            for m in shown:
                title = TITLES.get(m.user.username, "")
                self.stdout.write(
                    f"  {role.label:<12} {m.user.username:<16} {m.unit.name} {title}"
                    f" {m.user.first_name}"
                )
            if len(members) > len(shown):
                self.stdout.write(
                    _("  %(role)s: … and %(n)s more, one in every unit (<unit code>.%(suffix)s)")
                    % {
                        "role": role.label,
                        "n": len(members) - len(shown),
                        "suffix": "handler" if role == Role.HANDLER else "head",
                    }
                )


def history_start(today: dt.date) -> dt.date:
    """The first day of the demo's history: the current year, or the last 240 days early in it."""
    start = dt.date(today.year, 1, 4)
    return start if (today - start).days >= 150 else today - dt.timedelta(days=240)


def build_units() -> dict[str, Unit]:
    units: dict[str, Unit] = {}
    for order, (_code, name, kind, aliases, parent) in enumerate(UNITS):
        units[name] = Unit.objects.create(
            name=name,
            kind=kind,
            aliases=aliases,
            parent=units[parent] if parent else None,
            order=order,
        )
    return units


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
    Membership.objects.bulk_create(
        Membership(user=by_name[username], unit=units[unit], role=role)
        for username, _title, unit, role in people
    )
    handlers = {unit: by_name[u] for u, _t, unit, role in people if role == Role.HANDLER}
    heads = {unit: by_name[u] for u, _t, unit, role in people if role == Role.UNIT_HEAD}
    return by_name, handlers, heads


def other_builders() -> list[tuple[str, object]]:
    """`build(context)` of every other luoshi app with a `demo` module, in INSTALLED_APPS order."""
    found = []
    for config in apps.get_app_configs():
        name = config.name
        if not name.startswith("luoshi.") or name in ("luoshi.matters", "luoshi.org"):
            continue
        if find_spec(f"{name}.demo") is None:
            continue
        module = import_module(f"{name}.demo")
        if hasattr(module, "build"):
            found.append((config.label, module.build))
    return found
