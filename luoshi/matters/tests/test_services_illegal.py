"""Every illegal operation is refused with a reason and changes nothing.

One table: the state the matter is in, the operation, who tries it, and the refusal.
After each refusal the matter's state, version, events, parts and requests are as before.
"""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine

from luoshi.lib.errors import IllegalTransition, InvalidInput, NotAllowed
from luoshi.matters import services
from luoshi.matters.models import Matter, SourcePolicy, State
from luoshi.testing import accepted, assigned, register

D = dt.date
NOW = dt.datetime(2026, 3, 2, 10, tzinfo=ZoneInfo("Asia/Shanghai"))


def matter_in(city, state: str) -> Matter:
    """A matter brought to `state` through the services."""
    if state in (State.DRAFT, State.PENDING_APPROVAL, State.APPROVED):
        return _pre_dispatch(city, state)
    if state == State.ASSIGNED:
        return assigned(city, deadline=D(2026, 4, 30))
    m = accepted(city, deadline=D(2026, 4, 30))
    if state != State.ACCEPTED:
        services.report_progress(m, actor=city.lead_handler, version=None, text="x", percent=10)
        m = Matter.objects.get(pk=m.pk)
    if state in (State.ACCEPTED, State.IN_PROGRESS):
        return m
    m = services.request_completion(m, actor=city.lead_handler, version=None, text="x")
    if state == State.COMPLETION_REQUESTED:
        return m
    if state == State.WITHDRAWN:
        return services.withdraw_matter(m, actor=city.supervisor, version=None, reason="x")
    m = services.review_completion(m, actor=city.supervisor, version=None, outcome="approve")
    if state == State.CLOSED:
        m = services.close_matter(m, actor=city.supervisor, version=None)
    return m


def _pre_dispatch(city, state: str) -> Matter:
    if state != State.DRAFT:
        SourcePolicy.objects.create(source="meeting", requires_leader_approval=True)
    m = register(city, deadline=D(2026, 4, 30))
    if state != State.DRAFT:
        m = services.submit_for_approval(m, actor=city.supervisor, version=None)
    if state == State.APPROVED:
        m = services.approve_dispatch(m, actor=city.leader, version=None, approve=True)
    return m


def snapshot(m: Matter) -> dict:
    m = Matter.objects.get(pk=m.pk)
    return {
        "state": m.state,
        "version": m.version,
        "deadline": m.deadline,
        "progress": m.progress,
        "lead_unit": m.lead_unit_id,
        "suspended": m.suspended_at,
        "events": m.events.count(),
        "parts": list(m.parts.values_list("unit_id", "state", "active", "role")),
        "disputes": m.disputes.count(),
        "extensions": m.extensions.count(),
        "reports": m.reports.count(),
        "hastenings": m.hastenings.count(),
        "milestones": list(m.milestones.values_list("deadline", "done_at")),
    }


V = {"version": None}
OPERATIONS = {
    "assign": lambda c, m: services.assign_matter(m, actor=c.supervisor, **V),
    "submit": lambda c, m: services.submit_for_approval(m, actor=c.supervisor, **V),
    "approve": lambda c, m: services.approve_dispatch(m, actor=c.leader, approve=True, **V),
    "accept": lambda c, m: services.accept_matter(m, actor=c.lead_handler, **V),
    "accept_co": lambda c, m: services.accept_matter(m, actor=c.co_handler, **V),
    "dispute": lambda c, m: services.raise_dispute(
        m, actor=c.lead_handler, reason_code="other", reason="不是我们的事", **V
    ),
    "report": lambda c, m: services.report_progress(
        m, actor=c.lead_handler, text="x", percent=50, **V
    ),
    "complete_part": lambda c, m: services.complete_part(m, actor=c.co_handler, text="x", **V),
    "complete_part_lead": lambda c, m: services.complete_part(
        m, actor=c.lead_handler, text="x", **V
    ),
    "extension": lambda c, m: services.request_extension(
        m, actor=c.lead_handler, new_deadline=D(2026, 6, 30), reason="x", **V
    ),
    "suspend": lambda c, m: services.suspend_matter(m, actor=c.supervisor, reason="x", **V),
    "resume": lambda c, m: services.resume_matter(m, actor=c.supervisor, **V),
    "request_completion": lambda c, m: services.request_completion(
        m, actor=c.lead_handler, text="x", **V
    ),
    "review": lambda c, m: services.review_completion(
        m, actor=c.supervisor, outcome="approve", **V
    ),
    "close": lambda c, m: services.close_matter(m, actor=c.supervisor, **V),
    "withdraw": lambda c, m: services.withdraw_matter(m, actor=c.supervisor, reason="x", **V),
    "hasten": lambda c, m: services.hasten_matter(m, actor=c.supervisor),
    "comment": lambda c, m: services.comment_on_matter(m, actor=c.leader, text="x"),
    "update": lambda c, m: services.update_matter(m, actor=c.supervisor, title="新", **V),
    "decompose": lambda c, m: services.decompose_matter(
        m, [services.MatterSpec(title="子", source="meeting")], actor=c.supervisor, **V
    ),
    # Wrong people.
    "assign_by_handler": lambda c, m: services.assign_matter(m, actor=c.lead_handler, **V),
    "accept_by_other": lambda c, m: services.accept_matter(m, actor=c.other_handler, **V),
    "report_by_other": lambda c, m: services.report_progress(
        m, actor=c.other_handler, text="x", percent=50, **V
    ),
    "report_by_district_head": lambda c, m: services.report_progress(
        m, actor=c.district_head, text="x", percent=50, **V
    ),
    "review_by_leader": lambda c, m: services.review_completion(
        m, actor=c.leader, outcome="approve", **V
    ),
    "review_by_lead_head": lambda c, m: services.review_completion(
        m, actor=c.lead_head, outcome="approve", **V
    ),
    "close_by_handler": lambda c, m: services.close_matter(m, actor=c.lead_handler, **V),
    "hasten_by_handler": lambda c, m: services.hasten_matter(m, actor=c.lead_handler),
    "extension_by_co": lambda c, m: services.request_extension(
        m, actor=c.co_handler, new_deadline=D(2026, 6, 30), reason="x", **V
    ),
    "suspend_by_leader": lambda c, m: services.suspend_matter(m, actor=c.leader, reason="x", **V),
    "comment_by_other_leader": lambda c, m: services.comment_on_matter(
        m, actor=c.other_leader, text="x"
    ),
    "approve_by_other_leader": lambda c, m: services.approve_dispatch(
        m, actor=c.other_leader, approve=True, **V
    ),
    "withdraw_by_head": lambda c, m: services.withdraw_matter(
        m, actor=c.lead_head, reason="x", **V
    ),
    # Bad input on a legal operation.
    "report_101": lambda c, m: services.report_progress(
        m, actor=c.lead_handler, text="x", percent=101, **V
    ),
    "report_empty": lambda c, m: services.report_progress(
        m, actor=c.lead_handler, text="  ", percent=10, **V
    ),
    "extension_earlier": lambda c, m: services.request_extension(
        m, actor=c.lead_handler, new_deadline=D(2026, 4, 1), reason="x", **V
    ),
}

ILLEGAL = IllegalTransition
CASES = [
    # Before dispatch.
    (State.DRAFT, "accept", ILLEGAL),
    (State.DRAFT, "report", ILLEGAL),
    (State.DRAFT, "dispute", ILLEGAL),
    (State.DRAFT, "extension", ILLEGAL),
    (State.DRAFT, "request_completion", ILLEGAL),
    (State.DRAFT, "review", ILLEGAL),
    (State.DRAFT, "close", ILLEGAL),
    (State.DRAFT, "hasten", ILLEGAL),
    (State.DRAFT, "suspend", ILLEGAL),
    (State.DRAFT, "resume", ILLEGAL),
    (State.DRAFT, "approve", ILLEGAL),
    (State.DRAFT, "submit", ILLEGAL),  # this source needs no approval
    (State.DRAFT, "comment", ILLEGAL),
    (State.DRAFT, "assign_by_handler", NotAllowed),
    (State.PENDING_APPROVAL, "assign", ILLEGAL),
    (State.PENDING_APPROVAL, "submit", ILLEGAL),
    (State.PENDING_APPROVAL, "approve_by_other_leader", NotAllowed),
    (State.APPROVED, "approve", ILLEGAL),
    (State.APPROVED, "accept", ILLEGAL),
    # Assigned, not yet signed for.
    (State.ASSIGNED, "assign", ILLEGAL),
    (State.ASSIGNED, "submit", ILLEGAL),
    (State.ASSIGNED, "approve", ILLEGAL),
    (State.ASSIGNED, "report", ILLEGAL),
    (State.ASSIGNED, "complete_part", ILLEGAL),
    (State.ASSIGNED, "request_completion", ILLEGAL),
    (State.ASSIGNED, "review", ILLEGAL),
    (State.ASSIGNED, "close", ILLEGAL),
    (State.ASSIGNED, "resume", ILLEGAL),
    (State.ASSIGNED, "assign_by_handler", NotAllowed),
    (State.ASSIGNED, "accept_by_other", NotAllowed),
    (State.ASSIGNED, "hasten_by_handler", NotAllowed),
    (State.ASSIGNED, "suspend_by_leader", NotAllowed),
    (State.ASSIGNED, "withdraw_by_head", NotAllowed),
    (State.ASSIGNED, "comment_by_other_leader", NotAllowed),
    # Accepted / in progress.
    (State.ACCEPTED, "accept", ILLEGAL),
    (State.ACCEPTED, "dispute", ILLEGAL),
    (State.ACCEPTED, "review", ILLEGAL),
    (State.ACCEPTED, "close", ILLEGAL),
    (State.IN_PROGRESS, "complete_part_lead", NotAllowed),
    (State.IN_PROGRESS, "complete_part", ILLEGAL),  # the co-unit has not accepted
    (State.IN_PROGRESS, "report_by_other", NotAllowed),
    (State.IN_PROGRESS, "report_by_district_head", NotAllowed),
    (State.IN_PROGRESS, "extension_by_co", NotAllowed),
    (State.IN_PROGRESS, "report_101", InvalidInput),
    (State.IN_PROGRESS, "report_empty", InvalidInput),
    (State.IN_PROGRESS, "extension_earlier", InvalidInput),
    # Waiting for review: the unit's side is frozen.
    (State.COMPLETION_REQUESTED, "report", ILLEGAL),
    (State.COMPLETION_REQUESTED, "request_completion", ILLEGAL),
    (State.COMPLETION_REQUESTED, "extension", ILLEGAL),
    (State.COMPLETION_REQUESTED, "dispute", ILLEGAL),
    (State.COMPLETION_REQUESTED, "accept_co", ILLEGAL),
    (State.COMPLETION_REQUESTED, "close", ILLEGAL),
    (State.COMPLETION_REQUESTED, "assign", ILLEGAL),
    (State.COMPLETION_REQUESTED, "hasten", ILLEGAL),
    (State.COMPLETION_REQUESTED, "review_by_leader", NotAllowed),
    (State.COMPLETION_REQUESTED, "review_by_lead_head", NotAllowed),
    # Done.
    (State.COMPLETED, "review", ILLEGAL),
    (State.COMPLETED, "withdraw", ILLEGAL),
    (State.COMPLETED, "report", ILLEGAL),
    (State.COMPLETED, "suspend", ILLEGAL),
    (State.COMPLETED, "hasten", ILLEGAL),
    (State.COMPLETED, "update", ILLEGAL),
    (State.COMPLETED, "decompose", ILLEGAL),
    (State.COMPLETED, "close_by_handler", NotAllowed),
    (State.CLOSED, "close", ILLEGAL),
    (State.CLOSED, "withdraw", ILLEGAL),
    (State.CLOSED, "review", ILLEGAL),
    (State.WITHDRAWN, "assign", ILLEGAL),
    (State.WITHDRAWN, "accept", ILLEGAL),
    (State.WITHDRAWN, "report", ILLEGAL),
    (State.WITHDRAWN, "withdraw", ILLEGAL),
    (State.WITHDRAWN, "comment", ILLEGAL),
    (State.WITHDRAWN, "update", ILLEGAL),
]


@time_machine.travel(NOW, tick=False)
@pytest.mark.parametrize(("state", "operation", "error"), CASES)
def test_refused_and_nothing_changed(city, state, operation, error):
    m = matter_in(city, state)
    assert m.state == state
    before = snapshot(m)
    with pytest.raises(error) as refused:
        OPERATIONS[operation](city, Matter.objects.get(pk=m.pk))
    assert type(refused.value) is error
    assert refused.value.message  # a message that says why
    assert snapshot(m) == before


@time_machine.travel(NOW, tick=False)
def test_illegal_messages_name_the_state_and_action(city):
    m = matter_in(city, State.COMPLETED)
    with pytest.raises(IllegalTransition) as refused:
        OPERATIONS["report"](city, m)
    assert refused.value.message == "Cannot report progress: the matter is Completed."
    assert refused.value.status == 409
    with pytest.raises(NotAllowed) as refused:
        OPERATIONS["close_by_handler"](city, m)
    assert refused.value.message == "Only the office's supervisors may close."
    assert refused.value.status == 403


@time_machine.travel(NOW, tick=False)
def test_register_by_a_unit_refused_and_nothing_created(city):
    with pytest.raises(NotAllowed):
        services.register_matter(
            services.MatterSpec(title="x", source="meeting", lead_unit=city.lead),
            actor=city.lead_handler,
        )
    with pytest.raises(InvalidInput) as refused:
        register(city, deadline=D(2026, 3, 1))
    assert refused.value.field == "deadline"
    with pytest.raises(InvalidInput) as refused:
        register(city, source="gossip")
    assert refused.value.field == "source"
    with pytest.raises(InvalidInput) as refused:
        register(city, responsible_leader=city.lead_handler)
    assert refused.value.field == "responsible_leader"
    assert Matter.objects.count() == 0


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"title": "  "}, "title"),
        ({"title": "长" * 301}, "title"),
        ({"deadline": dt.date(2020, 1, 1)}, "deadline"),
        ({"deadline_workdays": 0}, "deadline_workdays"),
        ({"priority": "whenever"}, "priority"),
    ],
)
def test_edit_is_checked_like_registration(city, changes, field):
    matter = register(city)
    with pytest.raises(InvalidInput) as refused:
        services.update_matter(matter, actor=city.supervisor, version=matter.version, **changes)
    assert refused.value.field == field
    matter.refresh_from_db()
    assert matter.version == 1


def test_edit_refuses_a_non_leader_as_responsible_leader(city):
    matter = register(city)
    with pytest.raises(InvalidInput) as refused:
        services.update_matter(
            matter,
            actor=city.supervisor,
            version=matter.version,
            responsible_leader=city.lead_handler,
        )
    assert refused.value.field == "responsible_leader"
