"""The enterprise service API: enterprises, problems, figures, and the office's steps.

Reads go through queries.visible_enterprises / visible_problems; changes through
enterprises.services (which call matters.services for the matter loop).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.http import HttpRequest
from django.utils import timezone
from ninja import Router, Schema

from luoshi.lib.errors import InvalidInput, NotFound
from luoshi.org.models import Unit

from . import queries, services

router = Router(tags=["enterprises"])


class EnterpriseOut(Schema):
    id: int
    name: str
    credit_code: str
    district_id: int
    industry: str
    size: str


class ProblemOut(Schema):
    id: int
    enterprise_id: int
    title: str
    category: str
    tier: str
    channel: str
    received_at: dt.datetime
    transfer_due: dt.date
    first_answer_due: dt.date
    solve_due: dt.date
    matter_id: int | None
    state: str | None
    rating: str
    rating_automatic: bool
    escalated_at: dt.datetime | None


class FiguresOut(Schema):
    key: str | None
    taken: int
    transferred_on_time: int
    first_answer_on_time: int
    solved: int
    solved_on_time: int
    rated: int
    satisfied: int
    solved_rate: Decimal | None
    on_time_rate: Decimal | None
    satisfaction_rate: Decimal | None


class TransferIn(Schema):
    lead_unit: int
    category: str | None = None
    tier: str | None = None


class RevisitIn(Schema):
    version: int
    comment: str


@router.get("/", response=list[EnterpriseOut])
def list_enterprises(request: HttpRequest, q: str = ""):
    rows = queries.visible_enterprises(request.user).order_by("name")
    if q:
        rows = rows.filter(name__icontains=q)
    return list(rows[:1000])


def _problem_out(problem) -> dict:
    data = {f: getattr(problem, f) for f in ProblemOut.model_fields if f != "state"}
    data["state"] = problem.matter.state if problem.matter_id else None
    return data


@router.get("/problems", response=list[ProblemOut])
def list_problems(request: HttpRequest, enterprise: int | None = None):
    rows = queries.visible_problems(request.user).order_by("-received_at")
    if enterprise:
        rows = rows.filter(enterprise_id=enterprise)
    return [_problem_out(p) for p in rows[:1000]]


@router.get("/figures", response=list[FiguresOut])
def problem_figures(
    request: HttpRequest, start: dt.date | None = None, end: dt.date | None = None, by: str = "unit"
):
    """Problems taken, solved, on time and satisfaction, by unit, category or enterprise."""
    if by not in queries.GROUPS:
        raise InvalidInput(f"by: {', '.join(queries.GROUPS)}", field="by")
    today = timezone.localdate()
    rows = queries.problem_figures(
        start=start or today.replace(month=1, day=1), end=end or today, by=by, user=request.user
    )
    names = [f for f in FiguresOut.model_fields if f != "key"]
    return [
        {"key": None if r.key is None else str(r.key), **{n: getattr(r, n) for n in names}}
        for r in rows
    ]


def _problem(request: HttpRequest, pk: int):
    problem = queries.visible_problems(request.user).filter(pk=pk).first()
    if problem is None:
        raise NotFound(f"problem {pk}")
    return problem


@router.post("/problems/{pk}/transfer", response=ProblemOut)
def transfer(request: HttpRequest, pk: int, payload: TransferIn):
    problem = _problem(request, pk)
    unit = Unit.objects.filter(pk=payload.lead_unit, is_active=True).first()
    if unit is None:
        raise InvalidInput(f"lead_unit: {payload.lead_unit}", field="lead_unit")
    services.transfer_problem(
        problem, actor=request.user, lead_unit=unit, category=payload.category, tier=payload.tier
    )
    return _problem_out(_problem(request, pk))


@router.post("/problems/{pk}/reopen", response=ProblemOut)
def reopen(request: HttpRequest, pk: int, payload: RevisitIn):
    problem = _problem(request, pk)
    services.reopen_problem(
        problem, actor=request.user, version=payload.version, comment=payload.comment
    )
    return _problem_out(_problem(request, pk))
