"""Event payload contracts (matters.events): what each service writes into an event's
`data` is what the reader used elsewhere sees. A writer that drops or renames a field
fails here, not in the evaluation or on the matter page months later."""

import datetime as dt
from typing import get_type_hints

import pytest
import time_machine
from django.db.models import Avg

from luoshi.matters import events, services
from luoshi.matters.models import EventKind, MatterEvent, MatterKind, Source
from luoshi.testing import accepted

pytestmark = pytest.mark.django_db
D = dt.date
MONDAY = dt.datetime(2026, 6, 1, 10, tzinfo=dt.UTC)


@pytest.fixture
def completed(city):
    with time_machine.travel(MONDAY, tick=False):
        matter = accepted(
            city, kind=MatterKind.CITIZEN, source=Source.CITIZEN, deadline=D(2026, 6, 30)
        )
        matter = services.request_completion(
            matter, actor=city.lead_handler, version=matter.version, text="已答复群众"
        )
        yield services.review_completion(
            matter, actor=city.supervisor, version=matter.version, outcome="approve"
        )


def only(matter, kind) -> MatterEvent:
    return matter.events.get(kind=kind)


def keys_of(contract) -> set[str]:
    return set(get_type_hints(contract))


def test_each_kind_writes_its_contracts_fields(completed, city):
    """The data written carries every field of the kind's contract, no more."""
    matter = services.rate_matter(completed, grade="unsatisfied")
    with time_machine.travel(MONDAY, tick=False):
        matter = services.reopen_matter(
            matter, actor=city.supervisor, version=None, comment="回访", limit_workdays=5
        )
    matter = services.request_completion(
        matter, actor=city.lead_handler, version=None, text="再次答复"
    )
    matter = services.review_completion(
        matter, actor=city.supervisor, version=None, outcome="approve"
    )
    services.rate_matter(matter, grade="satisfied")
    written = MatterEvent.objects.filter(matter=matter, kind__in=list(events.CONTRACTS))
    assert {e.kind for e in written} >= {
        EventKind.RATED,
        EventKind.REOPENED,
        EventKind.CLOSED,
        EventKind.REVIEW_APPROVED,
    }
    for event in written:
        contract = events.CONTRACTS[event.kind]
        if getattr(contract, "__total__", True):
            assert set(event.data) == keys_of(contract), event.kind
        else:
            assert set(event.data) <= keys_of(contract), event.kind


def test_a_rating_is_read_with_its_score(completed):
    services.rate_matter(completed, grade="basically_satisfied", automatic=True)
    seen = events.read_rated(only(completed, EventKind.RATED))
    assert seen == {
        "grade": "basically_satisfied",
        "satisfied": True,
        "automatic": True,
        "score": 3,
    }
    closed = events.read_closed(only(completed, EventKind.CLOSED))
    assert closed == {"rated": "basically_satisfied"}
    # The score averages in SQL the way evaluation's satisfaction indicator reads it.
    rated = MatterEvent.objects.filter(kind=EventKind.RATED)
    assert rated.aggregate(avg=Avg(events.rated_score()))["avg"] == 3.0


def test_a_rating_stored_before_scores_existed_reads_its_score_from_the_grade(completed):
    row = MatterEvent(matter=completed, kind=EventKind.RATED, data={"grade": "very_satisfied"})
    assert events.read_rated(row)["score"] == 5


def test_reopening_and_settling_read_back(completed, city):
    matter = services.rate_matter(completed, grade="very_unsatisfied")
    with time_machine.travel(MONDAY, tick=False):
        matter = services.reopen_matter(
            matter, actor=city.supervisor, version=None, comment="回访", limit_workdays=5
        )
    data = only(matter, EventKind.REOPENED).data
    assert data == {"rating": "very_unsatisfied", "round": 1, "from": "2026-06-30",
                    "deadline": "2026-06-08"}  # fmt: skip
    matter = services.request_completion(matter, actor=city.lead_handler, version=None, text="再答")
    matter = services.review_completion(
        matter, actor=city.supervisor, version=None, outcome="approve"
    )
    matter = services.rate_matter(matter, grade="unsatisfied")
    services.settle_unsatisfied(matter, actor=city.supervisor, version=None, comment="已尽力")
    closed = matter.events.filter(kind=EventKind.CLOSED).get()
    assert events.read_closed(closed) == {"settled": True, "rating": "unsatisfied"}


def test_extension_steps_read_back_on_the_matter_page(city, client):
    with time_machine.travel(MONDAY, tick=False):
        matter = accepted(city, deadline=D(2026, 6, 30))
        asked = services.request_extension(
            matter, actor=city.lead_handler, version=None, new_deadline=D(2026, 7, 31),
            reason="等待省级批复",
        )  # fmt: skip
        step = events.read_extension_step(only(matter, EventKind.EXTENSION_REQUESTED))
        assert step == {"extension": asked.pk, "from": "2026-06-30", "to": "2026-07-31"}
        client.force_login(city.supervisor)
        page = client.get(f"/matters/{matter.pk}/").context["page"]
        assert [(e.pk, e.requested_deadline) for e in page.extensions] == [(asked.pk, "2026-07-31")]
        matter = asked.matter
        services.rule_extension(matter, asked.pk, actor=city.supervisor, version=None, approve=True)
        ruling = events.read_extension_step(only(matter, EventKind.EXTENSION_APPROVED))
        assert ruling == {"extension": asked.pk, "from": "2026-06-30", "to": "2026-07-31"}
        assert client.get(f"/matters/{matter.pk}/").context["page"].extensions == []


def test_review_approved_says_whether_it_was_on_time(completed):
    approved = only(completed, EventKind.REVIEW_APPROVED)
    read = events.read_review_approved(approved)
    assert read["on_time"] is True and read["waited_workdays"] >= 0
    assert read["asked_on"] == approved.data["asked_on"] is not None
