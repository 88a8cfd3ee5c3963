"""Each demo matter's story: a profile (where it ends today), dates, and dated service calls.

A story's steps are (day, action) pairs; luoshi.matters.demo runs the steps of all
stories in date order under time_machine.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from dataclasses import dataclass

from django.contrib.auth.models import User

from luoshi.lib.demo import DemoContext
from luoshi.matters import services
from luoshi.matters.models import (
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
    ReviewOutcome,
    State,
)
from luoshi.matters.services import CoUnit, MatterSpec, MilestoneSpec

from .topics import APPROVAL_SOURCES, DISPUTES, PROBLEMS, RATED_KINDS, REPORTS, SUGGESTED, Topic

W = MatterWarning


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
    # Asked for completion before its deadline, months ago; the review still waits: it is
    # the office's backlog (督查室待办), never the unit's overdue.
    long_review: bool = False


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
    Profile(S.COMPLETION_REQUESTED, long_review=True),
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
    elif state == S.COMPLETION_REQUESTED:
        profile.long_review = rng.random() < 0.3
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
    if p.long_review:  # asked three days before a deadline long past; still unreviewed
        deadline = max(t - days(rng.randint(40, 200)), ctx.start + days(40))
        assign = deadline - days(rng.randint(30, 90))
        assign = max(assign, ctx.start + days(2))
        finish = deadline - days(3)
        return Dates(assign, deadline, finish - days(3), 90, finish)
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
