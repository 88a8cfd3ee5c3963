"""Demo data of the hazard register (示例市): villages under the streets, a year of hazards
at every level — registered, rectifying, overdue, failed at verification, verified and
followed up, a relapse — and an inspection campaign's findings imported from Excel.

Called by `luoshi demo` with the city's DemoContext. Everything goes through the
services at past dates (ctx.at), so events, deadlines and warnings are real; the
demo's final scan sets the re-inspection warnings and alerts the leaders of the major
hazards that are overdue.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable
from functools import partial

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import User
from openpyxl import Workbook

from luoshi.matters import services as matter_services
from luoshi.matters.services import MilestoneSpec
from luoshi.org.models import Membership, Role, Unit, UnitKind

from .. import intake, services
from ..defaults import install_categories
from ..models import Hazard, HazardCategory
from .stories import CAMPAIGN_ROWS, HEADINGS, STORIES, VILLAGES, Story

PASSWORD = "luoshi-demo"  # the demo city's one password (org.management.commands.demo)


def add_villages(ctx) -> list[Unit]:
    """Villages and communities under the streets, with a handler and a head each (once)."""
    if ctx.units.get(VILLAGES[0][1]) is not None:
        return [ctx.units[name] for _code, name, _street in VILLAGES]
    password = make_password(PASSWORD)
    made = []
    for order, (code, name, street) in enumerate(VILLAGES, start=100):
        unit = Unit.objects.create(
            name=name, kind=UnitKind.VILLAGE, parent=ctx.units[street], order=order
        )
        ctx.units[name] = unit
        for role, suffix in ((Role.HANDLER, "handler"), (Role.UNIT_HEAD, "head")):
            user = User.objects.create(
                username=f"{code}.{suffix}",
                first_name=ctx.rng.choice("王李张刘陈杨赵黄周吴")
                + ctx.rng.choice("建国秀英志强红梅"),
                last_name="",
                password=password,
            )
            Membership.objects.create(user=user, unit=unit, role=role)
            ctx.users[user.username] = user
            (ctx.handlers if role == Role.HANDLER else ctx.heads)[name] = user
        made.append(unit)
    ctx.log(f"  {len(made)} villages and communities under the streets")
    return made


def build(ctx) -> None:
    install_categories(HazardCategory)
    add_villages(ctx)
    run = Runner(ctx)
    for story in STORIES:
        run.story(story)
    _campaign(ctx)
    ctx.log(f"  {Hazard.objects.count()} hazards on the register")


class Runner:
    """Runs each story's steps at past working days; a step reaching today stops its story."""

    def __init__(self, ctx):
        self.ctx = ctx
        self.supervisor = ctx.supervisors[0]
        self.categories = {c.code: c for c in HazardCategory.objects.all()}

    def at(self, day: dt.date, action: Callable[[], object]) -> dt.date | None:
        when = day
        while not self.ctx.calendar.is_workday(when):
            when += dt.timedelta(days=1)
        if when >= self.ctx.today:
            return None
        with self.ctx.at(when):
            action()
        return when

    def person(self, unit_name: str) -> User:
        return self.ctx.handlers.get(unit_name) or self.supervisor

    def story(self, s: Story) -> None:
        found = self.ctx.today - dt.timedelta(days=s.ago)
        state: dict = {}
        self.at(found, lambda: state.update(h=self.register(s, found)))
        if s.plan == "registered" or "h" not in state:
            return
        if s.plan == "withdrawn":
            reason = "经现场核实，该药店已于检查前停业注销，不再构成隐患"
            withdraw = partial(
                self.act, state, services.withdraw_hazard, actor=self.supervisor, reason=reason
            )
            self.at(found + dt.timedelta(days=3), withdraw)
            return
        day = self.at(found + dt.timedelta(days=1), lambda: self.assign(state, s, found))
        if day is not None:
            PLANS[s.plan](self, state, s, day)

    def register(self, s: Story, found: dt.date) -> Hazard:
        spec = services.HazardSpec(
            title=s.title,
            category=self.categories[s.category],
            level=s.level,
            discovery=s.discovery,
            unit=self.ctx.units[s.place],
            found_by_unit=self.ctx.units[s.found_by],
            responsible_unit=self.ctx.units[s.responsible],
            found_on=found,
            address=s.address,
            measures=s.measures,
        )
        return services.register_hazard(spec, actor=self.person(s.found_by))

    def assign(self, state: dict, s: Story, found: dt.date) -> None:
        extra: dict = {}
        if s.level == "major":
            weeks = 14 if s.plan == "major_overdue" else 26
            extra = {
                "leader": self.ctx.leader_of.get(s.responsible, self.ctx.leaders[0]),
                "deadline": self.ctx.calendar.add_workdays(found + dt.timedelta(days=1), weeks * 5),
                "milestones": [
                    MilestoneSpec("制定整改方案并报分管领导审定", offset_workdays=5),
                    MilestoneSpec("完成主体工程整改", offset_workdays=weeks * 5 - 15),
                    MilestoneSpec("组织自查并申请验收", offset_workdays=weeks * 5 - 5),
                ],
            }
        self.act(state, services.assign_rectification, actor=self.supervisor, **extra)

    def act(self, state: dict, service, **kwargs) -> None:
        hazard = Hazard.objects.select_related("matter").get(pk=state["h"].pk)
        service(hazard, version=hazard.version, **kwargs)

    def matter(self, state: dict, service, **kwargs) -> None:
        matter = Hazard.objects.get(pk=state["h"].pk).matter
        service(matter, version=matter.version, **kwargs)

    def verifier(self, state: dict) -> User:
        hazard = Hazard.objects.select_related("verifying_unit").get(pk=state["h"].pk)
        unit = hazard.verifying_unit
        return self.ctx.handlers.get(unit.name, self.supervisor) if unit else self.supervisor

    # -- the pieces a plan is made of -----------------------------------------------------

    def work(self, state: dict, s: Story, day: dt.date, done_after: int | None) -> dt.date | None:
        """Accept, report, and (after `done_after` days) ask for verification."""
        handler = self.person(s.responsible)
        accept = partial(self.matter, state, matter_services.accept_matter, actor=handler)
        day = self.at(day + dt.timedelta(days=1), accept)
        if day is None:
            return None
        plan = f"已制定整改方案：{s.measures or '立即整改'}，正在组织实施"
        report = partial(
            self.matter,
            state,
            matter_services.report_progress,
            actor=handler,
            text=plan,
            percent=40,
        )
        day = self.at(day + dt.timedelta(days=3), report)
        if day is None or done_after is None:
            return None
        return self.request(state, s, day + dt.timedelta(days=done_after))

    def request(self, state: dict, s: Story, day: dt.date) -> dt.date | None:
        text = f"已完成整改：{s.measures or '隐患已消除'}，现场照片已留存，申请验收销号"
        actor = self.person(s.responsible)
        return self.at(
            day,
            partial(self.matter, state, matter_services.request_completion, actor=actor, text=text),
        )

    def verify(self, state: dict, day: dt.date, passed: bool, record: str) -> dt.date | None:
        return self.at(
            day,
            partial(
                self.act,
                state,
                services.verify_hazard,
                actor=self.verifier(state),
                passed=passed,
                record_text=record,
            ),
        )

    def reinspect(self, state: dict, day: dt.date, record: str, relapsed=False) -> dt.date | None:
        return self.at(
            day,
            partial(
                self.act,
                state,
                services.reinspect_hazard,
                actor=self.verifier(state),
                record_text=record,
                relapsed=relapsed,
            ),
        )

    def cadence(self, state: dict, start: dt.date, until: dt.date) -> None:
        """Periodic re-inspections of an open major hazard, every two weeks until `until`."""
        day = start + dt.timedelta(days=14)
        while day < until:
            if self.reinspect(state, day, "现场复查：整改按方案推进，监测设施运行正常") is None:
                return
            day += dt.timedelta(days=14)


def _closed(run: Runner, state, s, day, *, follow_up: bool = True, relapse: bool = False):
    day = run.work(state, s, day, done_after=8)
    if day is not None:
        day = run.verify(state, day + dt.timedelta(days=2), True, "现场验收：整改到位，同意销号")
    if day is not None and follow_up:
        record = (
            "回头看：原隐患点再次发现同类问题" if relapse else "回头看：整改成果巩固，未发现反弹"
        )
        run.reinspect(state, day + dt.timedelta(days=30), record, relapsed=relapse)


def _failed(run: Runner, state, s, day, *, again: bool):
    day = run.work(state, s, day, done_after=10)
    if day is not None:
        refusal = "现场验收未通过：整改不到位，仍有隐患，请重新整改"
        day = run.verify(state, day + dt.timedelta(days=2), False, refusal)
    if day is not None:
        rework = partial(
            run.matter,
            state,
            matter_services.report_progress,
            actor=run.person(s.responsible),
            text="针对验收意见重新整改，已补充措施",
            percent=80,
        )
        day = run.at(day + dt.timedelta(days=3), rework)
    if again and day is not None:
        day = run.request(state, s, day + dt.timedelta(days=7))
        if day is not None:
            run.verify(state, day + dt.timedelta(days=2), True, "复验通过：问题已全部整改到位")


def _major(run: Runner, state, s, day, *, missed: bool = False, close: bool = False):
    until = run.ctx.today - dt.timedelta(days=30 if missed else 1)
    run.work(state, s, day, done_after=None)
    run.cadence(state, day, until)
    if not close:
        return
    request = run.request(state, s, day + dt.timedelta(days=110))
    if request is not None:
        done = run.verify(state, request + dt.timedelta(days=3), True, "专家现场验收：同意销号")
        if done is not None:
            run.reinspect(state, done + dt.timedelta(days=30), "回头看：运行正常，无反弹")


PLANS: dict[str, Callable] = {
    "closed_followed_up": lambda run, state, s, day: _closed(run, state, s, day),
    "closed_follow_up_due": lambda run, state, s, day: _closed(run, state, s, day, follow_up=False),
    "closed_follow_up_missed": lambda run, state, s, day: _closed(
        run, state, s, day, follow_up=False
    ),
    "relapse": lambda run, state, s, day: _closed(run, state, s, day, relapse=True),
    "rectifying": lambda run, state, s, day: run.work(state, s, day, done_after=None),
    "overdue": lambda run, state, s, day: run.work(state, s, day, done_after=None),
    "awaiting": lambda run, state, s, day: run.work(state, s, day, done_after=12),
    "failed_then_closed": lambda run, state, s, day: _failed(run, state, s, day, again=True),
    "failed_rectifying": lambda run, state, s, day: _failed(run, state, s, day, again=False),
    "major_on_track": lambda run, state, s, day: _major(run, state, s, day),
    "major_missed": lambda run, state, s, day: _major(run, state, s, day, missed=True),
    "major_overdue": lambda run, state, s, day: _major(run, state, s, day),
    "major_closed": lambda run, state, s, day: _major(run, state, s, day, close=True),
}


# -- an inspection campaign's findings, imported from the table its inspectors filled in --


def _campaign(ctx) -> None:
    """市应急管理局's autumn campaign: its inspectors' table, imported as findings."""
    start = ctx.workday(ctx.today - dt.timedelta(days=75))
    organiser = ctx.units["市应急管理局"]
    handler = ctx.handlers["市应急管理局"]
    with ctx.at(start):
        campaign = services.start_campaign(
            actor=handler,
            name=f"{start.year}年秋季安全生产大排查大整治",
            organiser=organiser,
            started_on=start,
            ended_on=start + dt.timedelta(days=60),
        )
    days = {f"d{i}": (start + dt.timedelta(days=2 * i)).strftime("%Y.%m.%d") for i in range(1, 5)}
    with ctx.at(ctx.workday(start + dt.timedelta(days=12))):
        result = intake.import_file(campaign, _table(days), actor=handler)
    ctx.log(f"  campaign: {len(result.created)} findings imported, {len(result.notes)} notes")


def _table(days: dict[str, str]) -> bytes:
    """The campaign's table as inspectors fill it: a merged title, section rows, 无."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "排查台账"
    sheet.append(["秋季安全生产大排查隐患清单"])
    sheet.merge_cells("A1:J1")
    sheet.append(HEADINGS)
    for row in CAMPAIGN_ROWS:
        values = [v.format(**days) if isinstance(v, str) else v for v in row]
        sheet.append(values)
        if len(row) == 1:
            row_number = sheet.max_row
            sheet.merge_cells(
                start_row=row_number, end_row=row_number, start_column=1, end_column=10
            )
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
