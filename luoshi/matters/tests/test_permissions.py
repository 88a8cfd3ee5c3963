"""The permission matrix: persona × operation × relation to the matter → allowed or NotAllowed.

Each row runs the real service on a matter set up in a state where the operation is
legal, so the only thing deciding the outcome is who the user is and how they relate
to the matter. `available_actions` (what pages offer) must agree with the service.
"""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.auth.models import AnonymousUser

from luoshi.lib.errors import NotAllowed, NotFound
from luoshi.matters import permissions, services
from luoshi.matters.models import Matter, Source, SourcePolicy, State
from luoshi.matters.queries import get_matter_for_user
from luoshi.matters.services import permission_context as context
from luoshi.org.access import access_for
from luoshi.testing import accepted, assigned, register

D = dt.date
NOW = dt.datetime(2026, 3, 2, 10, tzinfo=ZoneInfo("Asia/Shanghai"))
DEADLINE = D(2026, 4, 30)

PERSONAS = [
    "supervisor",  # the office
    "admin",
    "lead_handler",  # handler of the lead unit
    "lead_head",  # head of the lead unit
    "co_handler",  # handler of a co-unit
    "other_handler",  # an unrelated unit
    "district_head",  # head of the district above the street unit that leads
    "street_handler",  # handler of that street unit (the lead, for street matters)
    "leader",  # the responsible leader
    "other_leader",  # a leader not responsible for the matter
    "anonymous",
]
# Street personas act on a matter led by the street unit; everyone else on one led by
# 市发改委 with 市工信局 as co-unit.
STREET_PERSONAS = {"district_head", "street_handler"}
OFFICE = {"supervisor", "admin"}
LEAD = {"lead_handler", "lead_head", "street_handler"}


def _matter(city, persona, *, state="assigned", **kwargs):
    street = persona in STREET_PERSONAS
    kwargs.setdefault("deadline", DEADLINE)
    if street:
        kwargs.update(lead=city.street, co=False)
    if state == "draft":
        return register(city, **kwargs)
    m = assigned(city, **kwargs) if state == "assigned" else accepted(city, **kwargs)
    if state == "accepted" and street:
        m = Matter.objects.get(pk=m.pk)  # accepted() signs as lead_handler: sign as street
    return m


def _accepted_by_all(city, persona, **kwargs):
    if persona in STREET_PERSONAS:
        m = _matter(city, persona, **kwargs)
        return services.accept_matter(m, actor=city.street_handler, version=None)
    m = _matter(city, persona, state="accepted", **kwargs)
    return services.accept_matter(m, actor=city.co_handler, version=None)


def _in_progress(city, persona):
    m = _accepted_by_all(city, persona)
    handler = city.street_handler if persona in STREET_PERSONAS else city.lead_handler
    services.report_progress(m, actor=handler, version=None, text="x", percent=10)
    return Matter.objects.get(pk=m.pk)


def _completion_requested(city, persona):
    m = _in_progress(city, persona)
    handler = city.street_handler if persona in STREET_PERSONAS else city.lead_handler
    return services.request_completion(m, actor=handler, version=None, text="done")


def _pending_dispute(city, persona):
    m = _matter(city, persona)
    handler = city.street_handler if persona in STREET_PERSONAS else city.lead_handler
    d = services.raise_dispute(m, actor=handler, version=None, reason_code="other", reason="x")
    return Matter.objects.get(pk=m.pk), {"dispute": d.pk}


def _pending_extension(city, persona):
    m = _accepted_by_all(city, persona)
    handler = city.street_handler if persona in STREET_PERSONAS else city.lead_handler
    e = services.request_extension(
        m, actor=handler, version=None, new_deadline=D(2026, 5, 29), reason="x"
    )
    return Matter.objects.get(pk=m.pk), {"extension": e.pk}


def _pending_approval(city, persona):
    SourcePolicy.objects.create(source=Source.INSTRUCTION, requires_leader_approval=True)
    m = _matter(city, persona, state="draft", source=Source.INSTRUCTION)
    return services.submit_for_approval(m, actor=city.supervisor, version=None)


def _with_milestone(city, persona):
    m = _accepted_by_all(
        city, persona, milestones=[services.MilestoneSpec("节点", deadline=D(2026, 3, 31))]
    )
    return m, {"milestone": m.milestones.get().pk}


def _completed(city, persona):
    m = _completion_requested(city, persona)
    return services.review_completion(m, actor=city.supervisor, version=None, outcome="approve")


V = {"version": None}
# operation: (verb for available_actions, setup, call, personas allowed)
OPERATIONS = {
    "update": (
        "update",
        lambda c, p: _matter(c, p),
        lambda m, u, x: services.update_matter(m, actor=u, title="改", **V),
        OFFICE,
    ),
    "assign": (
        "assign",
        lambda c, p: _matter(c, p, state="draft"),
        lambda m, u, x: services.assign_matter(m, actor=u, **V),
        OFFICE,
    ),
    "approve_dispatch": (
        "approve_dispatch",
        _pending_approval,
        lambda m, u, x: services.approve_dispatch(m, actor=u, approve=True, **V),
        {"leader"},
    ),
    "withdraw": (
        "withdraw",
        lambda c, p: _matter(c, p),
        lambda m, u, x: services.withdraw_matter(m, actor=u, reason="x", **V),
        OFFICE,
    ),
    "accept": (
        "accept",
        lambda c, p: _matter(c, p),
        lambda m, u, x: services.accept_matter(m, actor=u, **V),
        LEAD | {"co_handler"},
    ),
    "dispute": (
        "dispute",
        lambda c, p: _matter(c, p),
        lambda m, u, x: services.raise_dispute(m, actor=u, reason_code="other", reason="x", **V),
        LEAD | {"co_handler"},
    ),
    "rule_dispute": (
        "rule_dispute",
        _pending_dispute,
        lambda m, u, x: services.rule_dispute(
            m, x["dispute"], actor=u, ruling="reject", comment="x", **V
        ),
        OFFICE,
    ),
    "report": (
        "report",
        _accepted_by_all,
        lambda m, u, x: services.report_progress(m, actor=u, text="x", percent=20, **V),
        LEAD | {"co_handler"},
    ),
    "complete_part": (
        "complete_part",
        _accepted_by_all,
        lambda m, u, x: services.complete_part(m, actor=u, text="x", **V),
        {"co_handler"},
    ),
    "milestone": (
        "milestone",
        _with_milestone,
        lambda m, u, x: services.complete_milestone(m, x["milestone"], actor=u, **V),
        LEAD,
    ),
    "request_extension": (
        "request_extension",
        _accepted_by_all,
        lambda m, u, x: services.request_extension(
            m, actor=u, new_deadline=D(2026, 5, 29), reason="x", **V
        ),
        LEAD,
    ),
    "rule_extension": (
        "rule_extension",
        _pending_extension,
        lambda m, u, x: services.rule_extension(m, x["extension"], actor=u, approve=True, **V),
        OFFICE,
    ),
    "suspend": (
        "suspend",
        _accepted_by_all,
        lambda m, u, x: services.suspend_matter(m, actor=u, reason="x", **V),
        OFFICE,
    ),
    "request_completion": (
        "request_completion",
        _in_progress,
        lambda m, u, x: services.request_completion(m, actor=u, text="x", **V),
        LEAD,
    ),
    "review": (
        "review",
        _completion_requested,
        lambda m, u, x: services.review_completion(m, actor=u, outcome="approve", **V),
        OFFICE,
    ),
    "close": (
        "close",
        _completed,
        lambda m, u, x: services.close_matter(m, actor=u, **V),
        OFFICE,
    ),
    "hasten": (
        "hasten",
        lambda c, p: _matter(c, p),
        lambda m, u, x: services.hasten_matter(m, actor=u),
        OFFICE,
    ),
    "comment": (
        "comment",
        lambda c, p: _matter(c, p),
        lambda m, u, x: services.comment_on_matter(m, actor=u, text="x"),
        {"leader"},
    ),
}

MATRIX = [
    pytest.param(
        persona, operation, persona in OPERATIONS[operation][3], id=f"{operation}-{persona}"
    )
    for operation in OPERATIONS
    for persona in PERSONAS
]


def _user(city, persona):
    return AnonymousUser() if persona == "anonymous" else getattr(city, persona)


@time_machine.travel(NOW, tick=False)
@pytest.mark.parametrize(("persona", "operation", "allowed"), MATRIX)
def test_permission_matrix(city, persona, operation, allowed):
    verb, setup, call, _allowed = OPERATIONS[operation]
    made = setup(city, persona)
    matter, extra = made if isinstance(made, tuple) else (made, {})
    matter = Matter.objects.get(pk=matter.pk)
    user = _user(city, persona)
    offered = verb in permissions.available_actions(access_for(user), context(matter))
    assert offered is allowed
    if allowed:
        call(matter, user, extra)
    else:
        version, events = matter.version, matter.events.count()
        with pytest.raises(NotAllowed):
            call(matter, user, extra)
        matter.refresh_from_db()
        assert (matter.version, matter.events.count()) == (version, events)


def test_register_allowed_only_to_the_office(city):
    spec = services.MatterSpec(title="x", source=Source.MEETING, lead_unit=city.lead)
    for persona in PERSONAS:
        user = _user(city, persona)
        if persona in OFFICE:
            services.register_matter(spec, actor=user)
        else:
            with pytest.raises(NotAllowed):
                services.register_matter(spec, actor=user)
    assert Matter.objects.count() == len(OFFICE)


# --- Visibility -------------------------------------------------------------------------

VISIBLE = {
    "supervisor": {"draft", "pending", "lead", "street", "other", "withdrawn_draft"},
    "admin": {"draft", "pending", "lead", "street", "other", "withdrawn_draft"},
    "leader": {"pending", "lead", "street", "other", "withdrawn_draft"},
    "other_leader": {"pending", "lead", "street", "other", "withdrawn_draft"},
    "lead_handler": {"lead"},
    "lead_head": {"lead"},
    "co_handler": {"lead"},
    "other_handler": {"other"},
    "district_head": {"street"},  # a head sees the matters of the units below
    "street_handler": {"street"},
    "anonymous": set(),
}


def _visibility_city(city) -> dict[str, int]:
    SourcePolicy.objects.create(source=Source.INSTRUCTION, requires_leader_approval=True)
    pending = register(city, source=Source.INSTRUCTION, deadline=DEADLINE)
    pending = services.submit_for_approval(pending, actor=city.supervisor, version=None)
    withdrawn = register(city, deadline=DEADLINE)
    withdrawn = services.withdraw_matter(withdrawn, actor=city.supervisor, version=None, reason="x")
    matters = {
        "draft": register(city, deadline=DEADLINE),
        "pending": pending,
        "lead": assigned(city, deadline=DEADLINE),
        "street": assigned(city, deadline=DEADLINE, lead=city.street, co=False),
        "other": assigned(city, deadline=DEADLINE, lead=city.other, co=False),
        # Withdrawn before dispatch: it never reached a unit, so units never see it.
        "withdrawn_draft": withdrawn,
    }
    return {name: m.pk for name, m in matters.items()}


@time_machine.travel(NOW, tick=False)
@pytest.mark.parametrize("persona", PERSONAS)
def test_visibility(city, persona, django_assert_max_num_queries):
    ids = _visibility_city(city)
    names = {pk: name for name, pk in ids.items()}
    user = _user(city, persona)
    # Memberships, units below a headed unit, then the one query for the matters.
    with django_assert_max_num_queries(3):
        seen = {names[pk] for pk in Matter.objects.visible_to(user).values_list("pk", flat=True)}
    assert seen == VISIBLE[persona]
    for name, pk in ids.items():
        if name in VISIBLE[persona]:
            assert get_matter_for_user(user, pk).pk == pk
        else:
            with pytest.raises(NotFound):
                get_matter_for_user(user, pk)


@time_machine.travel(NOW, tick=False)
def test_reassigned_unit_loses_sight_but_co_unit_part_stays(city):
    m = assigned(city, deadline=DEADLINE)
    d = services.raise_dispute(
        m, actor=city.lead_handler, version=None, reason_code="other", reason="x"
    )
    services.rule_dispute(
        Matter.objects.get(pk=m.pk),
        d.pk,
        actor=city.supervisor,
        version=None,
        ruling="reassign",
        new_unit=city.other,
    )
    visible = {
        p: Matter.objects.visible_to(getattr(city, p)).filter(pk=m.pk).exists()
        for p in ("lead_handler", "co_handler", "other_handler")
    }
    assert visible == {"lead_handler": False, "co_handler": True, "other_handler": True}
    assert Matter.objects.get(pk=m.pk).state == State.ASSIGNED
