"""Refusals through the API: illegal transitions (409), roles (403), invisible matters (404),
stale versions (409), and the permission matrix for representative operations.
"""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from luoshi.matters.models import Matter, MatterEvent
from luoshi.testing import accepted, assigned, register

from .test_api_client import NOW, Api, ok, refused

pytestmark = pytest.mark.django_db
DEADLINE = dt.date(2026, 4, 30)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def unchanged(matter: Matter) -> None:
    """A refused operation changed nothing: same version and state, no new event."""
    events = MatterEvent.objects.filter(matter=matter).count()
    fresh = Matter.objects.get(pk=matter.pk)
    assert (fresh.version, fresh.state) == (matter.version, matter.state)
    assert MatterEvent.objects.filter(matter=matter).count() == events


@pytest.mark.parametrize(
    ("verb", "data", "persona", "why"),
    [
        ("close", {}, "supervisor", "Cannot close: the matter is Accepted."),
        ("review", {"outcome": "approve"}, "supervisor", "Cannot review the completion"),
        ("resume", {}, "supervisor", "The clock of this matter is not suspended."),
        ("accept", {}, "lead_handler", "Your unit's part is Accepted, not waiting"),
        ("submit", {}, "supervisor", "Cannot submit for leader approval: the matter is Accepted"),
        ("assign", {}, "supervisor", "Cannot assign: the matter is Accepted."),
    ],
)
def test_illegal_transitions_are_409_and_change_nothing(city, verb, data, persona, why):
    matter = accepted(city, deadline=DEADLINE)
    response = Api(getattr(city, persona)).post(
        f"matters/{matter.pk}/{verb}", {"version": matter.version, **data}
    )
    assert refused(response, 409, "illegal_transition")["message"].startswith(why)
    unchanged(matter)


def test_reporting_before_accepting_says_why(city):
    matter = assigned(city, deadline=DEADLINE)
    response = Api(city.lead_handler).form(
        f"matters/{matter.pk}/report", {"version": matter.version, "text": "x", "percent": 10}
    )
    assert refused(response, 409, "illegal_transition")["message"] == (
        "Accept the matter before you report progress."
    )
    unchanged(matter)


@pytest.mark.parametrize(
    ("verb", "data", "persona"),
    [
        ("hasten", {}, "lead_handler"),
        ("complete-part", {"text": "done"}, "lead_handler"),  # the lead requests completion
        ("suspend", {"reason": "x"}, "lead_head"),
        ("request-completion", {"text": "x"}, "co_handler"),
        ("extension", {"new_deadline": "2026-05-29", "reason": "x"}, "co_handler"),
        ("comment", {"text": "x"}, "other_leader"),
        ("rule-dispute", {"dispute_id": 1, "ruling": "reject"}, "lead_head"),
    ],
)
def test_role_refusals_are_403_and_change_nothing(city, verb, data, persona):
    matter = accepted(city, deadline=DEADLINE)
    api = Api(getattr(city, persona))
    body = {"version": matter.version, **data}
    send = api.form if verb == "request-completion" else api.post  # multipart
    response = send(f"matters/{matter.pk}/{verb}", body)
    refused(response, 403, "not_allowed")
    unchanged(matter)


def test_invisible_matter_is_404_for_every_door(city):
    matter = accepted(city, deadline=DEADLINE)
    other = Api(city.other_handler)
    for response in [
        other.get(f"matters/{matter.pk}"),
        other.get(f"matters/{matter.pk}/events"),
        other.get(f"matters/{matter.pk}/reports"),
        other.post(f"matters/{matter.pk}/accept", {"version": matter.version}),
        other.post(f"matters/{matter.pk}/hasten", {}),
        other.patch(f"matters/{matter.pk}", {"version": matter.version, "title": "x"}),
        Api(city.supervisor).get("matters/999999"),
    ]:
        refused(response, 404, "not_found")
    unchanged(matter)


def test_concurrent_edit_one_wins_the_other_is_refused(city):
    """Two people read version N; the first change wins, the second gets a clear refusal."""
    matter = accepted(city, deadline=DEADLINE)
    lead, supervisor = Api(city.lead_handler), Api(city.supervisor)
    seen = lead.version(matter.pk)
    assert supervisor.version(matter.pk) == seen
    ok(supervisor.post(f"matters/{matter.pk}/suspend", {"version": seen, "reason": "等待批复"}))
    late = lead.form(
        f"matters/{matter.pk}/report", {"version": seen, "text": "进展", "percent": 30}
    )
    body = refused(late, 409, "stale_version")
    assert body["message"] == (
        f"{matter.serial} was changed by someone else (now version {seen + 1}, you had {seen}). "
        "Reload it and try again."
    )
    assert not Matter.objects.get(pk=matter.pk).reports.exists()


# ---- the permission matrix: anonymous / unrelated unit / allowed / co-unit ---------------

MATRIX = {
    # operation: (state the matter is in, body, {persona: expected status})
    "assign": (
        "draft",
        {},
        {
            None: 401,
            "other_handler": 404,
            "lead_handler": 404,  # drafts are the office's own
            "leader": 404,
            "supervisor": 200,
        },
    ),
    "accept": (
        "assigned",
        {},
        {
            None: 401,
            "other_handler": 404,
            "lead_handler": 200,
            "co_handler": 200,  # signs for its own part
            "supervisor": 403,
            "district_head": 404,
        },
    ),
    "extension": (
        "accepted",
        {"new_deadline": "2026-05-29", "reason": "等待审批"},
        {
            None: 401,
            "other_handler": 404,
            "lead_handler": 200,
            "lead_head": 200,
            "co_handler": 403,  # only the lead unit asks
            "supervisor": 403,
        },
    ),
    "hasten": (
        "assigned",
        {},
        {
            None: 401,
            "other_handler": 404,
            "supervisor": 200,
            "co_handler": 403,
            "leader": 403,
        },
    ),
    "comment": (
        "assigned",
        {"text": "抓紧办理"},
        {
            None: 401,
            "other_handler": 404,
            "leader": 200,
            "other_leader": 403,
            "co_handler": 403,
        },
    ),
}
CASES = [
    (verb, persona, status)
    for verb, (_state, _body, expected) in MATRIX.items()
    for persona, status in expected.items()
]
MAKERS = {"draft": register, "assigned": assigned, "accepted": accepted}


@pytest.mark.parametrize(("verb", "persona", "status"), CASES)
def test_permission_matrix(city, verb, persona, status):
    state, body, _expected = MATRIX[verb]
    matter = MAKERS[state](city, deadline=DEADLINE)
    api = Api(getattr(city, persona) if persona else None)
    response = api.post(f"matters/{matter.pk}/{verb}", {"version": matter.version, **body})
    assert response.status_code == status, (verb, persona, response.content.decode())
    if status != 200:
        unchanged(matter)


def test_head_of_a_parent_unit_reads_but_does_not_act_for_the_sub_unit(city):
    matter = assigned(city, lead=city.street, co=False, deadline=DEADLINE)
    head = Api(city.district_head)
    detail = ok(head.get(f"matters/{matter.pk}"))
    assert "accept" not in detail["available_actions"]
    refused(
        head.post(f"matters/{matter.pk}/accept", {"version": matter.version}), 403, "not_allowed"
    )
    assert ok(head.get("matters/"))["count"] == 1
