"""Credit codes, whitelist expiry, the problem loop with its rating and reopen rules."""

import datetime as dt

import pytest
from django.core.management import call_command

from luoshi.enterprises import services
from luoshi.enterprises.credit_code import credit_code_problem, is_valid_credit_code
from luoshi.enterprises.models import EnterprisePolicy
from luoshi.enterprises.queries import whitelist_warnings
from luoshi.lib.errors import IllegalTransition, InvalidInput, NotAllowed
from luoshi.matters import services as matter_services
from luoshi.matters.models import EventKind, MatterKind, Source, State

from .helpers import MONDAY, answered, complete, enterprise, rate, received, transfer

D = dt.date

# -- the credit code ------------------------------------------------------------------


@pytest.mark.parametrize(
    "code",
    ["91110000802100433B", "9144030071526726XG", "91310000132149237G", "91110108551385082q"],
)
def test_valid_credit_codes(code):
    assert is_valid_credit_code(code)


@pytest.mark.parametrize(
    ("code", "why"),
    [
        ("91110000802100433A", "check character"),  # last character changed
        ("91110000802100434B", "check character"),  # a typo in the body
        ("9111000080210043B", "18 characters"),
        ("9111000080210043IB", "not used"),  # I is not in the alphabet
        ("", "18 characters"),
    ],
)
def test_invalid_credit_codes(code, why):
    assert why in credit_code_problem(code)


def test_register_refuses_a_bad_code_and_a_duplicate(city):
    with pytest.raises(InvalidInput) as error:
        services.register_enterprise(
            actor=city.supervisor,
            name="甲",
            credit_code="91110000802100433A",
            district=city.district,
        )
    assert error.value.field == "credit_code"
    enterprise(city, 1)
    with pytest.raises(InvalidInput, match="already"):
        enterprise(city, 1)


# -- whitelist ------------------------------------------------------------------------


def test_whitelist_expiry_warnings(city):
    ent = enterprise(city)
    soon = services.add_to_whitelist(
        actor=city.leader,
        enterprise=ent,
        guarantee="labour",
        valid_from=D(2026, 1, 1),
        valid_to=D(2026, 6, 20),
    )
    gone = services.add_to_whitelist(
        actor=city.supervisor,
        enterprise=ent,
        guarantee="funding",
        valid_from=D(2026, 1, 1),
        valid_to=D(2026, 5, 25),
    )
    services.add_to_whitelist(
        actor=city.supervisor,
        enterprise=ent,
        guarantee="logistics",
        valid_from=D(2026, 1, 1),
        valid_to=D(2026, 12, 31),
    )
    found = {w.entry.pk: w for w in whitelist_warnings(D(2026, 6, 1))}
    assert set(found) == {soon.pk, gone.pk}
    assert found[soon.pk].days_left == 19 and not found[soon.pk].expired
    assert found[gone.pk].expired
    assert soon.approved_by == city.leader


def test_whitelist_needs_one_subject_and_a_period(city):
    ent = enterprise(city)
    with pytest.raises(InvalidInput):
        services.add_to_whitelist(
            actor=city.supervisor,
            guarantee="labour",
            valid_from=D(2026, 1, 1),
            valid_to=D(2026, 2, 1),
        )
    with pytest.raises(InvalidInput):
        services.add_to_whitelist(
            actor=city.supervisor,
            enterprise=ent,
            guarantee="labour",
            valid_from=D(2026, 3, 1),
            valid_to=D(2026, 2, 1),
        )
    with pytest.raises(NotAllowed):
        services.add_to_whitelist(
            actor=city.lead_handler,
            enterprise=ent,
            guarantee="labour",
            valid_from=D(2026, 1, 1),
            valid_to=D(2026, 2, 1),
        )


# -- receiving and transferring -------------------------------------------------------


def test_tiered_limits_count_working_days_from_receipt(city):
    ent = enterprise(city)
    ordinary = received(city, ent)
    # Received Monday 2026-06-01: transfer by Tue 06-02, answer by Thu 06-04, solve in 7.
    assert ordinary.transfer_due == D(2026, 6, 2)
    assert ordinary.first_answer_due == D(2026, 6, 4)
    assert ordinary.solve_due == D(2026, 6, 10)
    major = received(city, ent, tier="major")
    assert major.solve_due == D(2026, 7, 14)  # 30 working days, Dragon Boat day (06-19) off


def test_limits_are_configurable(city):
    EnterprisePolicy.objects.update_or_create(pk=1, defaults={"ordinary_workdays": 5})
    assert received(city, enterprise(city)).solve_due == D(2026, 6, 8)


def test_transfer_registers_and_assigns_through_matter_services(city):
    problem = received(city, enterprise(city))
    matter = transfer(city, problem, city.lead)
    assert matter.kind == MatterKind.ENTERPRISE and matter.source == Source.ENTERPRISE
    assert matter.state == State.ASSIGNED and matter.deadline == D(2026, 6, 10)
    kinds = list(matter.events.values_list("kind", flat=True))
    assert kinds == [EventKind.REGISTERED, EventKind.ASSIGNED]
    with pytest.raises(IllegalTransition):
        transfer(city, problem, city.lead)


def test_who_may_send_problems_in(city):
    ent = enterprise(city)
    with pytest.raises(NotAllowed):
        received(city, ent, channel="liaison", actor=city.co_handler)
    services.assign_liaison(ent, city.co_handler, actor=city.supervisor, version=ent.version)
    assert received(city, ent, channel="liaison", actor=city.co_handler).channel == "liaison"
    day = services.schedule_service_day(city.other, D(2026, 6, 5), actor=city.supervisor)
    with pytest.raises(NotAllowed):
        received(city, ent, channel="service_day", actor=city.lead_handler, service_day=day)
    taken = received(city, ent, channel="service_day", actor=city.other_handler, service_day=day)
    assert taken.service_day == day


def test_only_the_lead_unit_transfer_by_supervisor(city):
    problem = received(city, enterprise(city))
    with pytest.raises(NotAllowed):
        transfer(city, problem, city.lead, actor=city.lead_handler)


# -- rating, reopen, escalation -------------------------------------------------------


def test_enterprise_problem_is_not_closed_by_the_supervisor(city):
    problem = answered(city, enterprise(city))
    matter = problem.matter
    assert matter.state == State.COMPLETED
    with pytest.raises(IllegalTransition, match="rating"):
        matter_services.close_matter(matter, actor=city.supervisor, version=matter.version)


def test_satisfied_rating_closes(city):
    problem = answered(city, enterprise(city))
    problem = rate(problem, "satisfied", comment="很快")
    problem.matter.refresh_from_db()
    assert problem.matter.state == State.CLOSED and problem.rating == "satisfied"
    kinds = list(problem.matter.events.values_list("kind", flat=True))
    assert kinds[-2:] == [EventKind.RATED, EventKind.CLOSED]
    with pytest.raises(IllegalTransition):
        rate(problem, "satisfied")


def test_bad_grade_is_refused(city):
    problem = answered(city, enterprise(city))
    with pytest.raises(InvalidInput):
        rate(problem, "ok")


def test_no_rating_in_seven_days_counts_as_basically_satisfied(city, frozen):
    problem = answered(city, enterprise(city))
    frozen.move_to(MONDAY + dt.timedelta(days=6, hours=23))
    call_command("enterprise_scan", verbosity=0)
    problem.refresh_from_db()
    assert problem.rating == ""
    frozen.move_to(MONDAY + dt.timedelta(days=7, minutes=1))
    call_command("enterprise_scan", verbosity=0)
    problem.refresh_from_db()
    problem.matter.refresh_from_db()
    assert problem.rating == "basically_satisfied" and problem.rating_automatic
    assert problem.matter.state == State.CLOSED
    assert problem.matter.events.get(kind=EventKind.RATED).data["automatic"] is True


def test_unsatisfied_reopens_once_with_fifteen_working_days_then_supervisor(city, frozen):
    problem = answered(city, enterprise(city))
    problem = rate(problem, "unsatisfied", comment="路还是没通")
    matter = problem.matter
    matter.refresh_from_db()
    assert matter.state == State.COMPLETED
    matter = services.reopen_problem(
        problem, actor=city.supervisor, version=matter.version, comment="回访：尚需协调土地"
    )
    assert matter.state == State.IN_PROGRESS
    assert matter.deadline == D(2026, 6, 23)  # 15 working days from Monday 06-01, 06-19 off
    assert matter.events.filter(kind=EventKind.REOPENED).count() == 1
    problem.refresh_from_db()
    assert problem.rating == ""
    matter = complete(city, matter)
    problem = rate(problem, "very_unsatisfied")
    assert problem.escalated_at is not None  # reopen used up: to the supervisor
    matter.refresh_from_db()
    with pytest.raises(IllegalTransition, match="already reopened"):
        services.reopen_problem(
            problem, actor=city.supervisor, version=matter.version, comment="再办"
        )
    matter = services.settle_problem(
        problem, actor=city.supervisor, version=matter.version, comment="经研究，依政策无法支持"
    )
    assert matter.state == State.CLOSED


def test_reopen_needs_an_unsatisfied_rating_and_a_supervisor(city):
    problem = answered(city, enterprise(city))
    matter = problem.matter
    with pytest.raises(IllegalTransition):
        services.reopen_problem(problem, actor=city.supervisor, version=matter.version, comment="x")
    rate(problem, "unsatisfied")
    matter.refresh_from_db()
    with pytest.raises(NotAllowed):
        services.reopen_problem(
            problem, actor=city.lead_handler, version=matter.version, comment="x"
        )
    with pytest.raises(IllegalTransition, match="reopen left"):
        services.settle_problem(problem, actor=city.supervisor, version=matter.version, comment="x")


def test_unrevisited_unsatisfied_rating_goes_to_the_supervisor_after_48_hours(city, frozen):
    problem = answered(city, enterprise(city))
    rate(problem, "unsatisfied")
    frozen.move_to(MONDAY + dt.timedelta(hours=47))
    call_command("enterprise_scan", verbosity=0)
    problem.refresh_from_db()
    assert problem.escalated_at is None
    frozen.move_to(MONDAY + dt.timedelta(hours=49))
    call_command("enterprise_scan", verbosity=0)
    problem.refresh_from_db()
    assert problem.escalated_at is not None


def test_rating_and_reopening_serve_any_kind_of_matter(city):
    """matters.services.reopening is generic: a citizen request is rated the same way."""
    from luoshi.testing import accepted

    matter = accepted(city, kind=MatterKind.CITIZEN, source=Source.CITIZEN, deadline=D(2026, 6, 30))
    matter = matter_services.request_completion(
        matter, actor=city.lead_handler, version=matter.version, text="已答复"
    )
    matter = matter_services.review_completion(
        matter, actor=city.supervisor, version=matter.version, outcome="approve"
    )
    matter = matter_services.rate_matter(matter, grade="very_unsatisfied")
    assert matter.state == State.COMPLETED
    matter = matter_services.reopen_matter(
        matter, actor=city.supervisor, version=matter.version, comment="回访", limit_workdays=5
    )
    assert matter.state == State.IN_PROGRESS and matter.deadline == D(2026, 6, 8)
    event = matter.events.get(kind=EventKind.REOPENED)
    assert event.data["rating"] == "very_unsatisfied" and event.data["round"] == 1
