"""The closed loop through the services: dispatch, approval, decomposition, co-units, hastening.

Time is frozen at 10:00 in Beijing on the named day.
"""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine

from luoshi.lib.errors import IllegalTransition, InvalidInput, NotAllowed
from luoshi.matters import services
from luoshi.matters.models import (
    EventKind,
    Hastening,
    Matter,
    MilestoneTemplate,
    MilestoneTemplateItem,
    PartRole,
    PartState,
    Priority,
    Source,
    SourcePolicy,
    State,
)
from luoshi.notifications.models import Notification, NotificationKind
from luoshi.testing import accepted, assigned, register

D = dt.date


def beijing(day: dt.date, hour: int = 10) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, tzinfo=ZoneInfo("Asia/Shanghai"))


def fresh(matter: Matter) -> Matter:
    return Matter.objects.get(pk=matter.pk)


def kinds(matter: Matter) -> list[str]:
    return list(matter.events.order_by("id").values_list("kind", flat=True))


def inbox(user, kind: str | None = None) -> list[str]:
    rows = Notification.objects.filter(user=user)
    if kind:
        rows = rows.filter(kind=kind)
    return list(rows.order_by("id").values_list("text", flat=True))


@pytest.fixture
def run_on_commit(django_capture_on_commit_callbacks):
    """Notifications are written after commit; run those callbacks inside the test."""

    def run(call, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return call(*args, **kwargs)

    return run


@time_machine.travel(beijing(D(2026, 3, 2)), tick=False)
def test_whole_loop_with_co_unit(city, run_on_commit):
    m = register(city, deadline=D(2026, 4, 30))
    assert m.state == State.DRAFT and m.serial == f"督办〔2026〕{m.serial_no}号"
    m = run_on_commit(services.assign_matter, m, actor=city.supervisor, version=m.version)
    assert m.state == State.ASSIGNED and m.assigned_at is not None
    for user in (city.lead_handler, city.lead_head, city.co_handler):
        assert inbox(user, NotificationKind.ASSIGNED), user
    assert inbox(city.other_handler) == []

    m = services.accept_matter(m, actor=city.lead_handler, version=m.version)
    assert m.state == State.ACCEPTED
    # The co-unit signs for its own part; the matter's state does not move.
    m = services.accept_matter(m, actor=city.co_handler, version=m.version)
    assert m.state == State.ACCEPTED
    parts = {p.role: p for p in m.parts.filter(active=True)}
    assert parts[PartRole.CO].state == PartState.ACCEPTED

    services.report_progress(m, actor=city.lead_handler, version=m.version, text="签约", percent=40)
    m = fresh(m)
    assert (m.state, m.progress) == (State.IN_PROGRESS, 40)
    # A co-unit's report covers its part only: the matter's progress stays the lead's.
    services.report_progress(m, actor=city.co_handler, version=m.version, text="对接", percent=80)
    m = fresh(m)
    assert m.progress == 40
    co_part = m.parts.get(active=True, role=PartRole.CO)
    assert (co_part.state, co_part.progress) == (PartState.IN_PROGRESS, 80)

    m = run_on_commit(
        services.complete_part, m, actor=city.co_handler, version=m.version, text="对接完成"
    )
    assert m.parts.get(active=True, role=PartRole.CO).state == PartState.DONE
    assert m.progress == 40
    assert any("市工信局" in text for text in inbox(city.lead_handler, NotificationKind.REVIEW))

    m = services.request_completion(m, actor=city.lead_handler, version=m.version, text="完成")
    assert (m.state, m.progress) == (State.COMPLETION_REQUESTED, 100)
    m = run_on_commit(
        services.review_completion, m, actor=city.supervisor, version=m.version, outcome="approve"
    )
    assert m.state == State.COMPLETED
    assert inbox(city.co_handler, NotificationKind.REVIEW)
    m = services.close_matter(m, actor=city.supervisor, version=m.version)
    assert m.state == State.CLOSED
    assert kinds(m) == [
        EventKind.REGISTERED,
        EventKind.ASSIGNED,
        EventKind.ACCEPTED,
        EventKind.ACCEPTED,
        EventKind.REPORTED,
        EventKind.REPORTED,
        EventKind.PART_DONE,
        EventKind.COMPLETION_REQUESTED,
        EventKind.REVIEW_APPROVED,
        EventKind.CLOSED,
    ]
    approved = m.events.get(kind=EventKind.REVIEW_APPROVED)
    assert approved.data["on_time"] is True and approved.actor == city.supervisor
    assert m.version == 10  # one version per change; registration is version 1


@time_machine.travel(beijing(D(2026, 3, 2)), tick=False)
def test_events_are_immutable(city):
    m = register(city)
    event = m.events.get()
    event.comment = "rewritten"
    with pytest.raises(Exception, match="never changed"):
        event.save()
    with pytest.raises(Exception, match="never deleted"):
        event.delete()


@time_machine.travel(beijing(D(2026, 9, 30)), tick=False)
@pytest.mark.parametrize(
    ("source", "priority", "expected"),
    [
        # Built-in defaults: meeting 20/10/5, instruction 30/7/1, enterprise 7/3/1 working days.
        (Source.MEETING, Priority.NORMAL, D(2026, 11, 3)),  # 国庆 skipped, Oct 10 counted
        (Source.MEETING, Priority.VERY_URGENT, D(2026, 10, 13)),
        (Source.INSTRUCTION, Priority.VERY_URGENT, D(2026, 10, 8)),
        (Source.ENTERPRISE, Priority.URGENT, D(2026, 10, 10)),  # the 调休 Saturday
    ],
)
def test_default_deadline_by_source_and_priority(city, source, priority, expected):
    m = register(city, source=source, priority=priority)
    assert m.deadline is None and m.deadline_workdays is not None
    m = services.assign_matter(m, actor=city.supervisor, version=m.version)
    assert m.deadline == expected == m.original_deadline


@time_machine.travel(beijing(D(2026, 9, 30)), tick=False)
def test_default_deadline_from_the_configured_table(city):
    SourcePolicy.objects.create(source=Source.MEETING, normal_workdays=2)
    m = assigned(city, source=Source.MEETING)
    assert m.deadline_workdays == 2 and m.deadline == D(2026, 10, 9)
    # A given deadline wins over the default.
    m = assigned(city, source=Source.MEETING, deadline=D(2026, 12, 1))
    assert m.deadline == D(2026, 12, 1)


@time_machine.travel(beijing(D(2026, 3, 2)), tick=False)
def test_leader_approval_before_dispatch(city, run_on_commit):
    SourcePolicy.objects.create(source=Source.INSTRUCTION, requires_leader_approval=True)
    m = register(city, source=Source.INSTRUCTION, deadline=D(2026, 4, 30))
    with pytest.raises(IllegalTransition, match="approve"):
        services.assign_matter(m, actor=city.supervisor, version=m.version)
    m = run_on_commit(services.submit_for_approval, m, actor=city.supervisor, version=m.version)
    assert m.state == State.PENDING_APPROVAL
    assert inbox(city.leader, NotificationKind.APPROVAL) and not inbox(city.other_leader)

    with pytest.raises(NotAllowed):
        services.approve_dispatch(m, actor=city.other_leader, version=m.version, approve=True)
    with pytest.raises(InvalidInput) as refused:
        services.approve_dispatch(m, actor=city.leader, version=m.version, approve=False)
    assert refused.value.field == "comment"

    # Sent back to the drafter, who is told why.
    m = run_on_commit(
        services.approve_dispatch,
        m,
        actor=city.leader,
        version=m.version,
        approve=False,
        comment="时限太长",
    )
    assert m.state == State.DRAFT
    assert any("时限太长" in t for t in inbox(city.supervisor, NotificationKind.APPROVAL))
    with pytest.raises(IllegalTransition):
        services.assign_matter(m, actor=city.supervisor, version=m.version)

    m = services.update_matter(m, actor=city.supervisor, version=m.version, deadline=D(2026, 4, 1))
    m = services.submit_for_approval(m, actor=city.supervisor, version=m.version)
    m = services.approve_dispatch(m, actor=city.leader, version=m.version, approve=True)
    assert m.state == State.APPROVED
    m = services.assign_matter(m, actor=city.supervisor, version=m.version)
    assert (m.state, m.deadline) == (State.ASSIGNED, D(2026, 4, 1))
    assert kinds(m) == [
        EventKind.REGISTERED,
        EventKind.SUBMITTED,
        EventKind.APPROVAL_REJECTED,
        EventKind.UPDATED,
        EventKind.SUBMITTED,
        EventKind.APPROVED,
        EventKind.ASSIGNED,
    ]


def test_submit_refused_when_the_source_needs_no_approval(city):
    m = register(city)
    with pytest.raises(IllegalTransition):
        services.submit_for_approval(m, actor=city.supervisor, version=m.version)


@time_machine.travel(beijing(D(2026, 3, 2)), tick=False)
def test_decomposition_rolls_progress_up_to_parent_and_grandparent(city):
    root = assigned(city, title="全年重点项目", deadline=D(2026, 12, 31))
    a, b = services.decompose_matter(
        root,
        [
            services.MatterSpec(title="项目A", source=Source.MEETING, lead_unit=city.lead),
            services.MatterSpec(
                title="项目B", source=Source.MEETING, lead_unit=city.co, deadline=D(2026, 6, 30)
            ),
        ],
        actor=city.supervisor,
        version=root.version,
    )
    assert (a.parent_id, a.deadline, b.deadline) == (root.pk, D(2026, 12, 31), D(2026, 6, 30))
    assert fresh(root).events.filter(kind=EventKind.DECOMPOSED).get().data == {
        "children": [a.pk, b.pk],
        "weights": ["1.00", "1.00"],
    }
    (a1, a2) = services.decompose_matter(
        a,
        [
            services.MatterSpec(title="A1", source=Source.MEETING, lead_unit=city.lead),
            services.MatterSpec(title="A2", source=Source.MEETING, lead_unit=city.lead),
        ],
        actor=city.supervisor,
        version=a.version,
    )
    for child in (a1, a2, b):
        child = services.assign_matter(child, actor=city.supervisor, version=child.version)
        handler = city.co_handler if child.lead_unit == city.co else city.lead_handler
        services.accept_matter(child, actor=handler, version=child.version)

    services.report_progress(fresh(a1), actor=city.lead_handler, version=3, text="x", percent=60)
    assert fresh(a).progress == 30  # (60 + 0) / 2
    assert fresh(root).progress == 15  # (30 + 0 [B]) / 2
    services.report_progress(fresh(b), actor=city.co_handler, version=3, text="x", percent=50)
    assert fresh(root).progress == 40  # (30 + 50) / 2
    a2 = fresh(a2)
    services.request_completion(a2, actor=city.lead_handler, version=a2.version, text="done")
    assert fresh(a).progress == 80  # (60 + 100) / 2
    assert fresh(root).progress == 65
    # A roll-up is derived: the parents' versions do not move.
    assert fresh(root).version == root.version + 1  # only the decomposition event

    # A withdrawn child no longer counts.
    b = fresh(b)
    services.withdraw_matter(b, actor=city.supervisor, version=b.version, reason="并入A")
    assert fresh(root).progress == 80


def test_sub_matter_cannot_be_due_after_its_parent(city):
    with time_machine.travel(beijing(D(2026, 3, 2)), tick=False):
        root = assigned(city, deadline=D(2026, 6, 30))
        with pytest.raises(InvalidInput) as refused:
            services.decompose_matter(
                root,
                [services.MatterSpec(title="late", source=Source.MEETING, deadline=D(2026, 7, 1))],
                actor=city.supervisor,
                version=root.version,
            )
    assert refused.value.field == "children[1].deadline"
    assert fresh(root).children.count() == 0 and fresh(root).version == root.version


@time_machine.travel(beijing(D(2026, 9, 28)), tick=False)
def test_milestone_template(city):
    template = MilestoneTemplate.objects.create(name="会议决定跟踪", kind="task")
    for order, (title, offset) in enumerate([("方案", 2), ("推进", 5), ("总结", 10)]):
        MilestoneTemplateItem.objects.create(
            template=template, title=title, offset_workdays=offset, order=order
        )
    m = register(city, deadline=D(2026, 12, 31), milestone_template=template)
    # From Mon Sep 28: 29, 30 | Oct 8, 9, 10 (调休) | … 15
    assert list(m.milestones.values_list("title", "deadline")) == [
        ("方案", D(2026, 9, 30)),
        ("推进", D(2026, 10, 10)),
        ("总结", D(2026, 10, 16)),
    ]
    m = services.assign_matter(m, actor=city.supervisor, version=m.version)
    m = services.add_milestones(
        m, services.template_specs(template)[:1], actor=city.supervisor, version=m.version
    )
    assert m.milestones.count() == 4
    m = services.accept_matter(m, actor=city.lead_handler, version=m.version)
    first = m.milestones.first()
    services.complete_milestone(m, first.pk, actor=city.lead_handler, version=m.version)
    event = fresh(m).events.get(kind=EventKind.MILESTONE_DONE)
    assert event.data == {"milestone": first.pk, "title": "方案", "late": False}
    with pytest.raises(IllegalTransition):
        services.complete_milestone(fresh(m), first.pk, actor=city.lead_handler, version=None)


def test_milestone_after_the_deadline_refused(city):
    with time_machine.travel(beijing(D(2026, 9, 28)), tick=False), pytest.raises(InvalidInput):
        register(
            city,
            deadline=D(2026, 10, 9),
            milestones=[services.MilestoneSpec("late", deadline=D(2026, 10, 12))],
        )
    assert Matter.objects.count() == 0


def test_hastening_numbers_merges_and_copies_the_head(city, run_on_commit):
    with time_machine.travel(beijing(D(2026, 3, 2)), tick=False):
        m = accepted(city, deadline=D(2026, 4, 30))
        other = accepted(city, title="另一事项", deadline=D(2026, 4, 30))
        (first,) = run_on_commit(services.hasten_matter, m, actor=city.supervisor, message="请加快")
        (again,) = run_on_commit(services.hasten_matter, m, actor=city.supervisor, message="再催")
        (third,) = run_on_commit(services.hasten_matter, other, actor=city.supervisor)
    assert first.pk == again.pk and fresh(m).hastenings.get().repeats == 1
    assert first.notice == "催办〔2026〕1号" and third.notice == "催办〔2026〕2号"
    # Sent once to the unit's handler and copied to its head; the merged repeat sent nothing.
    for user in (city.lead_handler, city.lead_head):
        texts = inbox(user, NotificationKind.HASTENED)
        assert len(texts) == 2 and texts[0].startswith("催办〔2026〕1号")
    assert inbox(city.co_handler, NotificationKind.HASTENED) == []
    # Every reminder is in the timeline; hastening does not raise the version.
    events = fresh(m).events.filter(kind=EventKind.HASTENED).order_by("id")
    assert [e.data["merged"] for e in events] == [False, True]
    assert fresh(m).version == m.version

    with time_machine.travel(beijing(D(2026, 3, 3)), tick=False):
        (next_day,) = services.hasten_matter(fresh(m), actor=city.supervisor, unit_ids=[city.co.pk])
        assert next_day.notice == "催办〔2026〕3号"
        with pytest.raises(InvalidInput):
            services.hasten_matter(fresh(m), actor=city.supervisor, unit_ids=[city.other.pk])
    # Counted per unit: one notice a day per matter and unit.
    assert Hastening.objects.filter(unit=city.lead).count() == 2
    assert Hastening.objects.filter(unit=city.co).count() == 1


@time_machine.travel(beijing(D(2026, 3, 2)), tick=False)
def test_leader_comment(city, run_on_commit):
    m = assigned(city, deadline=D(2026, 4, 30))
    run_on_commit(services.comment_on_matter, m, actor=city.leader, text="抓紧推进")
    assert inbox(city.lead_handler, NotificationKind.COMMENT) and inbox(city.supervisor)
    with pytest.raises(NotAllowed):
        services.comment_on_matter(fresh(m), actor=city.other_leader, text="x")
    assert fresh(m).events.filter(kind=EventKind.COMMENTED).count() == 1


@time_machine.travel(beijing(D(2026, 3, 2)), tick=False)
def test_update_matter_records_the_changes(city):
    m = register(city, deadline=D(2026, 4, 30))
    m = services.update_matter(m, actor=city.supervisor, version=m.version, title="新标题")
    assert m.events.last().data == {"changes": {"title": ["推进重点项目签约落地", "新标题"]}}
    m = services.assign_matter(m, actor=city.supervisor, version=m.version)
    # After dispatch the deadline moves only by extension or suspension.
    with pytest.raises(InvalidInput) as refused:
        services.update_matter(m, actor=city.supervisor, version=m.version, deadline=D(2026, 5, 1))
    assert refused.value.field == "deadline"
    assert fresh(m).deadline == D(2026, 4, 30)
