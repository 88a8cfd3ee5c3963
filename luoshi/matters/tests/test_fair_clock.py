"""The fair clock (matters.fairness): the office's time is never the unit's.

Dates: March 2026 has no holiday, so working days are Monday to Friday.
"""

import datetime as dt
from zoneinfo import ZoneInfo

import time_machine

from luoshi.matters import services
from luoshi.matters.models import EventKind, Matter, MatterWarning, Policy, ReturnReason, State
from luoshi.matters.warnings import scan
from luoshi.testing import accepted, assigned

D = dt.date
TZ = ZoneInfo("Asia/Shanghai")
AWAITING, LATE = MatterWarning.AWAITING_OFFICE, MatterWarning.OVERDUE


def at(day: dt.date, hour: int = 10):
    return time_machine.travel(
        dt.datetime(day.year, day.month, day.day, hour, tzinfo=TZ), tick=False
    )


def fresh(matter: Matter) -> Matter:
    return Matter.objects.get(pk=matter.pk)


def warning_on(matter: Matter, day: dt.date) -> str:
    with at(day):
        scan(notify_units=False)
    return fresh(matter).warning


def ask(city, matter: Matter, day: dt.date) -> Matter:
    with at(day):
        return services.request_completion(
            fresh(matter), actor=city.lead_handler, version=None, text="已完成"
        )


def review(city, matter: Matter, day: dt.date, outcome: str) -> Matter:
    with at(day):
        return services.review_completion(
            fresh(matter),
            actor=city.supervisor,
            version=None,
            outcome=outcome,
            comment="请补充材料",
        )


def event(matter: Matter, kind: str) -> dict:
    return matter.events.filter(kind=kind).latest("id").data


# ---- completion requests ----------------------------------------------------------------


def test_a_review_that_waits_is_the_office_s_time_and_judged_on_the_day_asked(city):
    with at(D(2026, 3, 2)):
        m = accepted(city, deadline=D(2026, 3, 13), report_cycle="none")
    m = ask(city, m, D(2026, 3, 12))
    assert fresh(m).awaiting_office_since is not None
    # Months later the unit is still not overdue: the matter waits for the office.
    assert warning_on(m, D(2026, 3, 20)) == AWAITING
    assert warning_on(m, D(2026, 6, 30)) == AWAITING
    m = review(city, m, D(2026, 4, 1), "approve")
    assert (m.state, m.awaiting_office_since) == (State.COMPLETED, None)
    assert event(m, EventKind.REVIEW_APPROVED) == {
        "asked_on": "2026-03-12",
        "on_time": True,
        "waited_workdays": 14,  # Mar 13, 16–20, 23–27, 30, 31, Apr 1
    }


def test_a_unit_that_asked_late_is_late_however_fast_the_review(city):
    with at(D(2026, 3, 2)):
        m = accepted(city, deadline=D(2026, 3, 6))
    m = ask(city, m, D(2026, 3, 9))
    m = review(city, m, D(2026, 3, 9), "approve")
    assert event(m, EventKind.REVIEW_APPROVED)["on_time"] is False


def test_sent_back_the_unit_gets_the_working_days_it_had_left(city):
    with at(D(2026, 3, 2)):
        m = accepted(city, deadline=D(2026, 3, 13), report_cycle="none")
    m = ask(city, m, D(2026, 3, 9))  # Mon: 4 working days left (10, 11, 12, 13)
    m = review(city, m, D(2026, 3, 20), "rework")  # 9 working days later
    assert (m.state, m.deadline, m.awaiting_office_since) == (
        State.IN_PROGRESS,
        D(2026, 3, 26),  # 4 working days after Fri Mar 20: 23, 24, 25, 26
        None,
    )
    assert m.completion_requested_at is None
    assert event(m, EventKind.REVIEW_REWORK) == {
        "asked_on": "2026-03-09",
        "waited_workdays": 9,
        "from": "2026-03-13",
        "to": "2026-03-26",
        "left_workdays": 4,
    }
    assert fresh(m).warning != LATE
    assert warning_on(m, D(2026, 3, 27)) == LATE  # then the clock is the unit's again


def test_sent_back_on_the_last_day_the_unit_gets_at_least_the_minimum(city):
    Policy.objects.update_or_create(pk=1, defaults={"rework_min_workdays": 5})
    with at(D(2026, 3, 2)):
        m = accepted(city, deadline=D(2026, 3, 13), report_cycle="none")
    m = ask(city, m, D(2026, 3, 13))  # on the deadline: no working day left
    m = review(city, m, D(2026, 3, 16), "rework")
    assert m.deadline == D(2026, 3, 23)  # 5 working days after Mon Mar 16
    assert event(m, EventKind.REVIEW_REWORK)["left_workdays"] == 5


def test_sent_back_after_asking_late_the_unit_is_as_late_as_when_it_asked(city):
    with at(D(2026, 3, 2)):
        m = accepted(city, deadline=D(2026, 3, 6), report_cycle="none")
    m = ask(city, m, D(2026, 3, 10))  # two working days late (9, 10)
    m = review(city, m, D(2026, 3, 20), "rework")  # the review took 8 working days
    assert m.deadline == D(2026, 3, 18)  # Mar 6 + 8 working days
    assert fresh(m).warning == LATE  # still late, not forgiven and not blamed more
    assert event(m, EventKind.REVIEW_REWORK)["left_workdays"] == -2


# ---- rulings ----------------------------------------------------------------------------


def extension(city, matter: Matter, day: dt.date, new_deadline: dt.date):
    with at(day):
        return services.request_extension(
            fresh(matter),
            actor=city.lead_head,
            version=None,
            new_deadline=new_deadline,
            reason="受审批影响",
        )


def test_an_extension_waiting_for_its_ruling_stops_the_clock(city):
    with at(D(2026, 3, 2)):
        m = accepted(city, deadline=D(2026, 3, 13), report_cycle="none")
    ext = extension(city, m, D(2026, 3, 10), D(2026, 4, 20))
    assert warning_on(m, D(2026, 3, 16)) == AWAITING  # past the deadline, not overdue
    with at(D(2026, 3, 17)):
        services.rule_extension(fresh(m), ext.pk, actor=city.supervisor, version=None, approve=True)
    m = fresh(m)
    assert m.deadline == D(2026, 4, 27)  # Apr 20 + the 5 working days the request waited
    assert m.awaiting_office_since is None
    assert m.warning not in (AWAITING, LATE)  # the clock is the unit's again
    assert event(m, EventKind.EXTENSION_APPROVED)["waited_workdays"] == 5


def test_a_rejected_extension_gives_back_the_days_it_waited(city):
    with at(D(2026, 3, 2)):
        m = accepted(city, deadline=D(2026, 3, 13), report_cycle="none")
    ext = extension(city, m, D(2026, 3, 12), D(2026, 4, 20))
    with at(D(2026, 3, 19)):  # 5 working days later, past the old deadline
        services.rule_extension(
            fresh(m), ext.pk, actor=city.supervisor, version=None, approve=False, comment="时限不变"
        )
    m = fresh(m)
    assert m.deadline == D(2026, 3, 20)
    assert m.warning != LATE  # one working day left, as when it asked


def test_the_lead_unit_s_dispute_stops_the_clock_a_co_unit_s_does_not(city):
    with at(D(2026, 3, 2)):
        m = assigned(city, deadline=D(2026, 3, 13), report_cycle="none")
        dispute = services.raise_dispute(
            fresh(m),
            actor=city.lead_handler,
            version=None,
            reason_code=ReturnReason.OVERLAPPING_DUTIES,
            reason="职能交叉",
        )
        co_dispute = services.raise_dispute(
            fresh(m),
            actor=city.co_handler,
            version=None,
            reason_code=ReturnReason.OTHER,
            reason="不属本单位职责",
        )
    assert fresh(m).warning == AWAITING
    with at(D(2026, 3, 4)):
        services.rule_dispute(
            fresh(m),
            co_dispute.pk,
            actor=city.supervisor,
            version=None,
            ruling="reject",
            comment="请配合",
        )
    assert fresh(m).awaiting_office_since is not None  # the lead unit's still waits
    assert fresh(m).deadline == D(2026, 3, 13)
    with at(D(2026, 3, 9)):
        services.rule_dispute(
            fresh(m),
            dispute.pk,
            actor=city.supervisor,
            version=None,
            ruling="reject",
            comment="属本单位职责",
        )
    m = fresh(m)
    assert (m.deadline, m.awaiting_office_since) == (D(2026, 3, 20), None)  # 5 working days
    assert event(m, EventKind.DISPUTE_REJECTED)["waited_workdays"] == 5


def test_a_suspension_inside_a_wait_is_not_given_back_twice(city):
    with at(D(2026, 3, 2)):
        m = accepted(city, deadline=D(2026, 3, 31), report_cycle="none")
    ext = extension(city, m, D(2026, 3, 9), D(2026, 4, 20))
    with at(D(2026, 3, 11)):
        services.suspend_matter(fresh(m), actor=city.supervisor, version=None, reason="待省厅批复")
    with at(D(2026, 3, 16)):
        services.resume_matter(fresh(m), actor=city.supervisor, version=None)
    assert fresh(m).deadline == D(2026, 3, 31)  # the wait began first: it gives back all
    with at(D(2026, 3, 18)):
        services.rule_extension(
            fresh(m), ext.pk, actor=city.supervisor, version=None, approve=False, comment="不予延期"
        )
    assert fresh(m).deadline == D(2026, 4, 10)  # 7 working days (10–18); Apr 6 is 清明


# ---- what the pages and the API say -------------------------------------------------------


def test_the_matter_page_and_api_say_whose_time_it_is(client, city):
    with at(D(2026, 3, 2)):
        m = accepted(city, deadline=D(2026, 3, 13), report_cycle="none")
    m = ask(city, m, D(2026, 3, 12))
    for user in (city.supervisor, city.lead_handler, city.leader):
        client.force_login(user)
        with at(D(2026, 3, 20)):
            page = client.get(f"/matters/{m.pk}/").content.decode()
            item = client.get(f"/api/matters/{m.pk}").json()
        assert "Waiting for the office since 2026-03-12: 6 working days" in page, user
        assert item["warning"] == AWAITING and item["awaiting_office_since"], user
    m = review(city, m, D(2026, 3, 20), "rework")
    client.force_login(city.lead_handler)
    with at(D(2026, 3, 20)):
        page = client.get(f"/matters/{m.pk}/").content.decode()
    assert "Waiting for the office since" not in page
    # 6 working days given back (Mar 23), and at least the minimum 3 from today (Mar 25).
    assert (
        "Waited for the office 6 working days, given back to the unit: 2026-03-13 → 2026-03-25"
        in page
    )
