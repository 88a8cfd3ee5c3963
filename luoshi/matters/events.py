"""What a MatterEvent's `data` holds, per kind: the contract between the service that
writes an event and the code that reads it (the matter page, evaluation, the cockpit…).

Each kind read outside the service that writes it has here a TypedDict (the JSON
shape), a writer (the services call it to fill `data`) and a reader (everyone else
calls it instead of indexing `event.data`). tests/test_events.py runs each service
and checks its reader sees what it wrote. Add a kind here before reading its data
anywhere else.

Rows written before a field existed are read with a default, never a KeyError.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, TypedDict

from django.db.models import FloatField
from django.db.models.fields.json import KT
from django.db.models.functions import Cast

from .models import EventKind, MatterEvent, Rating

# ---- matter.rated: the requester's rating (services.reopening.rate_matter) ----------------

# The five grades as the 1–5 score averaged for satisfaction (evaluation's indicator).
GRADE_SCORES: dict[str, int] = {
    Rating.VERY_SATISFIED: 5,
    Rating.SATISFIED: 4,
    Rating.BASICALLY_SATISFIED: 3,
    Rating.UNSATISFIED: 2,
    Rating.VERY_UNSATISFIED: 1,
}


class Rated(TypedDict):
    grade: str  # a Rating value
    satisfied: bool  # a satisfied grade closes the matter
    automatic: bool  # the default grade, given when the requester did not rate in time
    score: int  # 1–5 (GRADE_SCORES)


def rated(grade: str, *, satisfied: bool, automatic: bool) -> Rated:
    return {
        "grade": grade,
        "satisfied": satisfied,
        "automatic": automatic,
        "score": GRADE_SCORES[grade],
    }


def read_rated(event: MatterEvent) -> Rated:
    data, grade = event.data, event.data.get("grade", "")
    return {
        "grade": grade,
        "satisfied": bool(data.get("satisfied")),
        "automatic": bool(data.get("automatic")),
        "score": int(data.get("score") or GRADE_SCORES.get(grade, 0)),
    }


def rated_score() -> Cast:
    """The score of matter.rated rows as an SQL expression (to average in the database)."""
    return Cast(KT("data__score"), FloatField())


# ---- matter.reopened and matter.closed after a rating (services.reopening) ----------------

Reopened = TypedDict("Reopened", {"rating": str, "round": int, "from": str | None, "deadline": str})


def reopened(rating: str, round_: int, old_deadline: str | None, deadline: str) -> Reopened:
    return {"rating": rating, "round": round_, "from": old_deadline, "deadline": deadline}


class Closed(TypedDict, total=False):
    rated: str  # closed by a satisfied rating: its grade
    settled: bool  # closed by the supervisor's ruling after the reopens ran out
    rating: str  # … and the unsatisfied grade it settled


def closed_by_rating(grade: str) -> Closed:
    return {"rated": grade}


def closed_by_ruling(grade: str) -> Closed:
    return {"settled": True, "rating": grade}


def read_closed(event: MatterEvent) -> Closed:
    return {k: event.data[k] for k in ("rated", "settled", "rating") if k in event.data}  # type: ignore[return-value]


# ---- extension.requested / approved / rejected (services.requests) ------------------------

# The extension's id and the deadline before and after (ISO dates). The matter page lists
# pending requests from these alone, without reading the Extension rows.
ExtensionStep = TypedDict("ExtensionStep", {"extension": int, "from": str, "to": str})
EXTENSION_RULINGS = (EventKind.EXTENSION_APPROVED, EventKind.EXTENSION_REJECTED)


def extension_step(extension_id: int, old: str, new: str) -> ExtensionStep:
    return {"extension": extension_id, "from": old, "to": new}


def read_extension_step(event: MatterEvent) -> ExtensionStep:
    data = event.data
    return {"extension": int(data["extension"]), "from": data["from"], "to": data["to"]}


# ---- review.approved (services.handling.review_completion) -------------------------------


class ReviewApproved(TypedDict):
    asked_on: str | None  # the day the unit asked for completion (ISO), the fair clock's day
    on_time: bool  # the unit asked by its deadline (a matter without one is on time)
    waited_workdays: int  # working days the request waited for the office's review


def review_approved(asked: dt.date | None, on_time: bool, waited: int) -> ReviewApproved:
    return {
        "asked_on": asked.isoformat() if asked else None,
        "on_time": on_time,
        "waited_workdays": waited,
    }


def read_review_approved(event: MatterEvent) -> ReviewApproved:
    data = event.data
    return {
        "asked_on": data.get("asked_on"),
        "on_time": bool(data.get("on_time", True)),
        "waited_workdays": int(data.get("waited_workdays") or 0),
    }


# Every kind with a contract, and its shape (tests check each writer against it).
CONTRACTS: dict[str, Any] = {
    EventKind.RATED: Rated,
    EventKind.REOPENED: Reopened,
    EventKind.CLOSED: Closed,
    EventKind.EXTENSION_REQUESTED: ExtensionStep,
    EventKind.EXTENSION_APPROVED: ExtensionStep,
    EventKind.EXTENSION_REJECTED: ExtensionStep,
    EventKind.REVIEW_APPROVED: ReviewApproved,
}
