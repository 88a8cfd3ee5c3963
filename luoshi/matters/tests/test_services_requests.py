"""Disputes (退回), extensions (延期), suspension (中止), rework and withdrawal, with their limits.

Dates are chosen around 国庆 2026 (Oct 1–7 off, Saturday Oct 10 worked) so that every
time limit is counted in working days across a holiday.
"""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine

from luoshi.lib.errors import IllegalTransition, InvalidInput, NotAllowed
from luoshi.matters import services
from luoshi.matters.models import (
    Dispute,
    EventKind,
    Extension,
    Matter,
    MatterWarning,
    PartRole,
    PartState,
    Policy,
    RequestState,
    ReturnReason,
    SourcePolicy,
    State,
)
from luoshi.notifications.models import Notification, NotificationKind
from luoshi.testing import accepted, assigned, register

D = dt.date


def beijing(day: dt.date, hour: int = 10) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, tzinfo=ZoneInfo("Asia/Shanghai"))


def at(day: dt.date, hour: int = 10):
    return time_machine.travel(beijing(day, hour), tick=False)


def fresh(matter: Matter) -> Matter:
    return Matter.objects.get(pk=matter.pk)


def notified(user, kind: str) -> bool:
    return Notification.objects.filter(user=user, kind=kind).exists()


@pytest.fixture
def run_on_commit(django_capture_on_commit_callbacks):
    def run(call, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return call(*args, **kwargs)

    return run


def dispute(matter, user, **kwargs):
    return services.raise_dispute(
        fresh(matter),
        actor=user,
        version=None,
        reason_code=kwargs.pop("reason_code", ReturnReason.WRONG_TERRITORY),
        reason=kwargs.pop("reason", "不属于本单位职责"),
        **kwargs,
    )


# --- Disputes ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("assigned_hour", "dispute_day", "allowed"),
    [
        (10, D(2026, 9, 30), True),
        # 1 working day after Wed Sep 30 is Thu Oct 8: the holiday week does not count.
        (10, D(2026, 10, 5), True),
        (10, D(2026, 10, 8), True),
        (10, D(2026, 10, 9), False),
        # Assigned at 07:00 in Beijing (still Sep 29 in UTC): the limit is still Oct 8.
        (7, D(2026, 10, 8), True),
    ],
)
def test_dispute_time_limit(city, assigned_hour, dispute_day, allowed):
    with at(D(2026, 9, 30), assigned_hour):
        m = assigned(city, deadline=D(2026, 11, 30))
    with at(dispute_day):
        if allowed:
            dispute(m, city.lead_handler)
        else:
            with pytest.raises(IllegalTransition, match="2026-10-08"):
                dispute(m, city.lead_handler)
    assert Dispute.objects.count() == int(allowed)


def test_dispute_then_reassign_moves_the_lead(city, run_on_commit):
    with at(D(2026, 9, 30)):
        m = assigned(city, deadline=D(2026, 11, 30))
    with at(D(2026, 10, 8)):
        d = run_on_commit(
            dispute,
            m,
            city.lead_handler,
            reason_code="overlapping_duties",
            suggested_unit=city.other,
        )
        assert notified(city.supervisor, NotificationKind.REQUEST)
        assert fresh(m).parts.get(unit=city.lead).state == PartState.DISPUTED
        # While the dispute waits, the disputing unit cannot accept.
        with pytest.raises(IllegalTransition):
            services.accept_matter(fresh(m), actor=city.lead_handler, version=None)
        with pytest.raises(InvalidInput) as refused:
            services.rule_dispute(
                fresh(m), d.pk, actor=city.supervisor, version=None, ruling="reassign"
            )
        assert refused.value.field == "new_unit"
        run_on_commit(
            services.rule_dispute,
            fresh(m),
            d.pk,
            actor=city.supervisor,
            version=None,
            ruling="reassign",
            new_unit=city.other,
            comment="由市商务局牵头",
        )
    m = fresh(m)
    assert m.lead_unit == city.other and m.state == State.ASSIGNED
    old = m.parts.get(unit=city.lead)
    assert (old.active, old.state) == (False, PartState.REPLACED)
    new = m.parts.get(active=True, role=PartRole.LEAD)
    assert (new.unit, new.state) == (city.other, PartState.ASSIGNED)
    d.refresh_from_db()
    assert (d.state, d.new_unit, d.ruling) == (RequestState.APPROVED, city.other, "reassign")
    assert d.reason_code == ReturnReason.OVERLAPPING_DUTIES
    assert notified(city.other_handler, NotificationKind.RULING)
    assert notified(city.lead_handler, NotificationKind.RULING)
    # The old unit no longer sees it; the new one does and can accept.
    assert not Matter.objects.visible_to(city.lead_handler).filter(pk=m.pk).exists()
    assert Matter.objects.visible_to(city.other_handler).filter(pk=m.pk).exists()
    with at(D(2026, 10, 9)):
        m = services.accept_matter(m, actor=city.other_handler, version=m.version)
    assert m.state == State.ACCEPTED
    assert list(m.events.filter(kind__startswith="dispute").values_list("kind", flat=True)) == [
        EventKind.DISPUTE_RAISED,
        EventKind.DISPUTE_REASSIGNED,
    ]


def test_co_unit_dispute_reassigned_to_the_lead_keeps_one_lead(city):
    """A co-part handed to the lead unit: the lead keeps its role, the co-part goes."""
    with at(D(2026, 9, 30)):
        m = assigned(city, deadline=D(2026, 11, 30))
        d = dispute(m, city.co_handler)
        services.rule_dispute(
            fresh(m),
            d.pk,
            actor=city.supervisor,
            version=None,
            ruling="reassign",
            new_unit=city.lead,
            comment="牵头单位一并办理",
        )
    m = fresh(m)
    active = list(m.parts.filter(active=True).values_list("unit_id", "role"))
    assert active == [(city.lead.pk, PartRole.LEAD)]
    assert m.lead_unit == city.lead


def test_dispute_rejected_binds(city, run_on_commit):
    with at(D(2026, 9, 30)):
        m = assigned(city, deadline=D(2026, 11, 30))
        d = dispute(m, city.lead_handler)
        with pytest.raises(InvalidInput) as refused:  # a rejection says why
            services.rule_dispute(
                fresh(m), d.pk, actor=city.supervisor, version=None, ruling="reject"
            )
        assert refused.value.field == "comment"
        run_on_commit(
            services.rule_dispute,
            fresh(m),
            d.pk,
            actor=city.supervisor,
            version=None,
            ruling="reject",
            comment="属本单位职责",
        )
        assert notified(city.lead_handler, NotificationKind.RULING)
        part = fresh(m).parts.get(unit=city.lead)
        assert (part.state, part.dispute_ruled, part.active) == (PartState.ASSIGNED, True, True)
        before = fresh(m).version
        with pytest.raises(IllegalTransition, match="binds"):
            dispute(m, city.lead_handler)
        with pytest.raises(IllegalTransition, match="already ruled"):
            services.rule_dispute(
                fresh(m), d.pk, actor=city.supervisor, version=None, ruling="reject", comment="x"
            )
        assert fresh(m).version == before and Dispute.objects.count() == 1
        m = services.accept_matter(fresh(m), actor=city.lead_handler, version=before)
    assert m.state == State.ACCEPTED


def test_accepted_part_cannot_be_disputed(city):
    with at(D(2026, 9, 30)):
        m = accepted(city, deadline=D(2026, 11, 30))
        with pytest.raises(IllegalTransition):
            dispute(m, city.lead_handler)
        # The co-unit has not signed yet and may still dispute its own part.
        dispute(m, city.co_handler)
    assert fresh(m).parts.get(unit=city.co).state == PartState.DISPUTED


# --- Extensions -------------------------------------------------------------------------


def extension(matter, new_deadline, user=None, city=None):
    return services.request_extension(
        fresh(matter),
        actor=user or city.lead_handler,
        version=None,
        new_deadline=new_deadline,
        reason="等待上级批复",
    )


@pytest.mark.parametrize(
    ("deadline", "asked_on", "allowed"),
    [
        (D(2026, 10, 16), D(2026, 10, 15), True),  # 1 working day before: the last chance
        (D(2026, 10, 16), D(2026, 10, 16), False),  # on the deadline day
        (D(2026, 10, 8), D(2026, 9, 30), True),  # the working day before, across 国庆
        (D(2026, 10, 8), D(2026, 10, 7), False),  # a holiday after the last working day
        (D(2026, 10, 12), D(2026, 10, 10), True),  # the 调休 Saturday counts
    ],
)
def test_extension_only_before_the_deadline(city, deadline, asked_on, allowed):
    with at(D(2026, 9, 28)):
        m = accepted(city, deadline=deadline)
    with at(asked_on):
        if allowed:
            extension(m, deadline + dt.timedelta(days=30), city=city)
        else:
            with pytest.raises(IllegalTransition, match="working day"):
                extension(m, deadline + dt.timedelta(days=30), city=city)
    assert Extension.objects.count() == int(allowed)
    assert fresh(m).version == m.version + int(allowed)


def test_extension_approved_moves_the_deadline_with_history(city, run_on_commit):
    with at(D(2026, 9, 28)):
        m = accepted(city, deadline=D(2026, 10, 16))
    with at(D(2026, 10, 12)):
        with pytest.raises(InvalidInput) as refused:
            extension(m, D(2026, 10, 16), city=city)
        assert refused.value.field == "new_deadline"
        # The co-unit does not ask: the lead unit answers for the deadline.
        with pytest.raises(NotAllowed):
            extension(m, D(2026, 11, 20), user=city.co_handler)
        ext = extension(m, D(2026, 11, 13), city=city)
        with pytest.raises(IllegalTransition, match="already pending"):
            extension(m, D(2026, 11, 20), city=city)
        run_on_commit(
            services.rule_extension,
            fresh(m),
            ext.pk,
            actor=city.supervisor,
            version=None,
            approve=True,
        )
    m = fresh(m)
    assert (m.deadline, m.original_deadline) == (D(2026, 11, 13), D(2026, 10, 16))
    approved = m.events.get(kind=EventKind.EXTENSION_APPROVED)
    assert approved.data == {
        "extension": ext.pk,
        "requested": "2026-11-13",
        "waited_workdays": 0,
        "from": "2026-10-16",
        "to": "2026-11-13",
    }
    assert notified(city.lead_handler, NotificationKind.RULING)
    ext.refresh_from_db()
    assert ext.state == RequestState.APPROVED and ext.ruled_by == city.supervisor
    assert Extension.objects.count() == 1


def test_extension_rejected_keeps_the_deadline(city):
    with at(D(2026, 9, 28)):
        m = accepted(city, deadline=D(2026, 10, 16))
        ext = extension(m, D(2026, 11, 13), city=city)
        with pytest.raises(InvalidInput):  # a rejection says why
            services.rule_extension(
                fresh(m), ext.pk, actor=city.supervisor, version=None, approve=False
            )
        services.rule_extension(
            fresh(m), ext.pk, actor=city.supervisor, version=None, approve=False, comment="不同意"
        )
        # Once ruled, a new request may be made.
        extension(m, D(2026, 10, 30), city=city)
    m = fresh(m)
    assert m.deadline == D(2026, 10, 16)
    rejected = m.events.get(kind=EventKind.EXTENSION_REJECTED)
    assert (rejected.data["from"], rejected.data["to"]) == ("2026-10-16", "2026-10-16")
    assert list(Extension.objects.order_by("pk").values_list("state", flat=True)) == [
        "rejected",
        "pending",
    ]


# --- Suspension -------------------------------------------------------------------------


def test_suspension_moves_deadline_and_open_milestones(city):
    with at(D(2026, 9, 21)):
        m = accepted(
            city,
            deadline=D(2026, 10, 30),
            milestones=[
                services.MilestoneSpec("方案", deadline=D(2026, 9, 25)),
                services.MilestoneSpec("施工", deadline=D(2026, 10, 15)),
            ],
        )
        done = m.milestones.get(title="方案")
        services.complete_milestone(m, done.pk, actor=city.lead_handler, version=m.version)
    with at(D(2026, 9, 28)):
        with pytest.raises(InvalidInput):
            services.suspend_matter(fresh(m), actor=city.supervisor, version=None, reason=" ")
        m = services.suspend_matter(
            fresh(m), actor=city.supervisor, version=None, reason="待省里批复"
        )
        assert m.is_suspended and m.warning == MatterWarning.NORMAL
        with pytest.raises(IllegalTransition):
            services.suspend_matter(fresh(m), actor=city.supervisor, version=None, reason="again")
        with pytest.raises(IllegalTransition, match="suspended"):
            extension(m, D(2026, 11, 30), city=city)
        with pytest.raises(IllegalTransition, match="suspended"):
            services.request_completion(fresh(m), actor=city.lead_handler, version=None, text="x")
    with at(D(2026, 10, 9)):
        m = services.resume_matter(fresh(m), actor=city.supervisor, version=None)
    # Paused Sep 29, Sep 30, Oct 8, Oct 9 = 4 working days (国庆 does not count).
    assert m.deadline == D(2026, 11, 5) and not m.is_suspended
    assert m.events.get(kind=EventKind.RESUMED).data == {
        "paused_workdays": 4,
        "from": "2026-10-30",
        "to": "2026-11-05",
    }
    deadlines = dict(m.milestones.values_list("title", "deadline"))
    assert deadlines == {"方案": D(2026, 9, 25), "施工": D(2026, 10, 21)}
    with pytest.raises(IllegalTransition, match="not suspended"):
        services.resume_matter(fresh(m), actor=city.supervisor, version=None)


def test_suspension_over_a_holiday_only_moves_nothing(city):
    with at(D(2026, 9, 30), 17):
        m = accepted(city, deadline=D(2026, 10, 30))
        m = services.suspend_matter(m, actor=city.supervisor, version=None, reason="节前暂停")
    with at(D(2026, 10, 7)):
        m = services.resume_matter(fresh(m), actor=city.supervisor, version=None)
    assert m.deadline == D(2026, 10, 30)


# --- Rework and withdrawal --------------------------------------------------------------


def test_rework_is_counted_by_events(city, run_on_commit):
    with at(D(2026, 3, 2)):
        m = accepted(city, deadline=D(2026, 4, 30))
        for round_ in range(2):
            m = services.request_completion(
                fresh(m), actor=city.lead_handler, version=None, text="完成"
            )
            with pytest.raises(InvalidInput):
                services.review_completion(m, actor=city.supervisor, version=None, outcome="rework")
            with pytest.raises(InvalidInput):
                services.review_completion(m, actor=city.supervisor, version=None, outcome="maybe")
            m = run_on_commit(
                services.review_completion,
                m,
                actor=city.supervisor,
                version=None,
                outcome="rework",
                comment=f"材料不全 {round_}",
            )
            assert m.state == State.IN_PROGRESS
        m = services.request_completion(m, actor=city.lead_handler, version=None, text="补齐")
        m = services.review_completion(m, actor=city.supervisor, version=None, outcome="approve")
    assert m.state == State.COMPLETED
    assert m.events.filter(kind=EventKind.REVIEW_REWORK).count() == 2
    assert Notification.objects.filter(user=city.lead_handler, kind="review").count() == 2


def test_late_completion_is_marked_not_on_time(city):
    with at(D(2026, 3, 2)):
        m = accepted(city, deadline=D(2026, 3, 6))
    with at(D(2026, 3, 9)):
        m = services.request_completion(m, actor=city.lead_handler, version=None, text="完成")
        m = services.review_completion(m, actor=city.supervisor, version=None, outcome="approve")
    assert m.events.get(kind=EventKind.REVIEW_APPROVED).data == {
        "asked_on": "2026-03-09",
        "on_time": False,
        "waited_workdays": 0,
    }


def _to_state(city, state):
    if state in (State.DRAFT, State.PENDING_APPROVAL):
        m = register(city, deadline=D(2026, 4, 30))
        if state == State.PENDING_APPROVAL:
            SourcePolicy.objects.create(source=m.source, requires_leader_approval=True)
            m = services.submit_for_approval(m, actor=city.supervisor, version=None)
        return m
    m = accepted(city, deadline=D(2026, 4, 30)) if state != State.ASSIGNED else None
    if state == State.ASSIGNED:
        return assigned(city, deadline=D(2026, 4, 30))
    if state == State.ACCEPTED:
        return m
    services.report_progress(m, actor=city.lead_handler, version=None, text="x", percent=10)
    m = fresh(m)
    if state == State.IN_PROGRESS:
        return m
    m = services.request_completion(m, actor=city.lead_handler, version=None, text="x")
    if state == State.COMPLETION_REQUESTED:
        return m
    return services.review_completion(m, actor=city.supervisor, version=None, outcome="approve")


@pytest.mark.parametrize(
    "state",
    [
        State.DRAFT,
        State.PENDING_APPROVAL,
        State.ASSIGNED,
        State.ACCEPTED,
        State.IN_PROGRESS,
        State.COMPLETION_REQUESTED,
    ],
)
def test_withdrawal_from_open_states(city, run_on_commit, state):
    with at(D(2026, 3, 2)):
        m = _to_state(city, state)
        assert m.state == state
        m = run_on_commit(
            services.withdraw_matter, m, actor=city.supervisor, version=None, reason="任务取消"
        )
    assert m.state == State.WITHDRAWN
    event = m.events.last()
    assert (event.kind, event.from_state, event.comment) == (EventKind.WITHDRAWN, state, "任务取消")
    # Units hear of it only if it had reached them.
    dispatched = state not in (State.DRAFT, State.PENDING_APPROVAL)
    assert notified(city.lead_handler, NotificationKind.RULING) is dispatched


def test_withdrawal_refused_once_completed(city):
    with at(D(2026, 3, 2)):
        m = _to_state(city, State.COMPLETED)
        with pytest.raises(IllegalTransition):
            services.withdraw_matter(m, actor=city.supervisor, version=None, reason="x")
        with pytest.raises(InvalidInput):
            services.withdraw_matter(
                assigned(city, deadline=D(2026, 4, 30)),
                actor=city.supervisor,
                version=None,
                reason="",
            )
    assert fresh(m).state == State.COMPLETED


def test_policy_limits_are_configurable(city):
    Policy.objects.update_or_create(pk=1, defaults={"dispute_limit_workdays": 3})
    with at(D(2026, 9, 30)):
        m = assigned(city, deadline=D(2026, 11, 30))
    # Oct 8, 9, 10 (调休) are the three working days.
    with at(D(2026, 10, 12)), pytest.raises(IllegalTransition, match="2026-10-10"):
        dispute(m, city.lead_handler)


@pytest.mark.parametrize(("accept_day", "late"), [(D(2026, 10, 8), False), (D(2026, 10, 9), True)])
def test_signing_has_its_own_limit(city, accept_day, late):
    """The clock starts at assignment; signing late is recorded (1 working day by default)."""
    with at(D(2026, 9, 30), 7):  # 07:00 in Beijing is still Sep 29 in UTC
        m = assigned(city, deadline=D(2026, 11, 30))
    assert m.parts.get(unit=city.lead).accept_due == D(2026, 10, 8)
    with at(accept_day, 7):
        m = services.accept_matter(fresh(m), actor=city.lead_handler, version=None)
    assert m.events.get(kind=EventKind.ACCEPTED).data == {"role": "lead", "late": late}
