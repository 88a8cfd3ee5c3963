"""The enterprise service API: enterprises, problems, figures, and the office's steps.

Reads go through queries.visible_enterprises / visible_problems and the same filters
as the pages (filters.py); changes through enterprises.services (which call
matters.services for the matter loop), with the version the caller read (a stale one
is 409 stale_version, a missing one 422).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.contrib.auth.models import User
from django.http import HttpRequest
from django.utils import timezone
from ninja import Query, Router, Schema

from luoshi.lib.errors import InvalidInput
from luoshi.lib.schemas import Input
from luoshi.org.models import Unit

from . import queries, services
from .filters import EnterpriseFilter, ProblemFilter

router = Router(tags=["enterprises"])


class EnterpriseOut(Schema):
    id: int
    name: str
    credit_code: str
    district_id: int
    industry: str
    size: str
    version: int


class LiaisonOut(Schema):
    id: int
    cadre_id: int
    assigned_at: dt.datetime


class WhitelistOut(Schema):
    id: int
    guarantee: str
    valid_from: dt.date
    valid_to: dt.date
    revoked_at: dt.datetime | None
    version: int


class EnterpriseDetail(EnterpriseOut):
    liaisons: list[LiaisonOut]
    whitelist: list[WhitelistOut]


class EnterpriseProblemOut(Schema):
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
    version: int


class EnterpriseFiguresOut(Schema):
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


class EnterpriseFiltersIn(Input):
    q: str = ""
    district: str = ""
    industry: str = ""
    size: str = ""
    whitelisted: str = ""


class ProblemFiltersIn(Input):
    show: str = ""
    enterprise: str = ""
    category: str = ""
    tier: str = ""
    q: str = ""


class EnterpriseVersionIn(Input):
    version: int


class TransferIn(EnterpriseVersionIn):
    lead_unit: int
    category: str | None = None
    tier: str | None = None


class RevisitIn(EnterpriseVersionIn):
    """`version` is the matter's: reopening and settling change the matter."""

    comment: str


class LiaisonIn(EnterpriseVersionIn):
    cadre: int


class WhitelistIn(Input):
    guarantee: str
    valid_from: dt.date
    valid_to: dt.date


class RenewIn(EnterpriseVersionIn):
    valid_to: dt.date


class RevokeIn(EnterpriseVersionIn):
    reason: str


def _checked(found):
    """A filter's first error as 422 naming the field, else the filter."""
    if found.errors:
        name, message = next(iter(found.errors.items()))
        raise InvalidInput(message, field=name)
    return found


@router.get("/", response=list[EnterpriseOut])
def list_enterprises(request: HttpRequest, params: Query[EnterpriseFiltersIn]):
    found = _checked(EnterpriseFilter.from_params(params.dict()))
    return list(found.apply(queries.visible_enterprises(request.user)).order_by("name")[:1000])


def _problem_out(problem) -> dict:
    data = {f: getattr(problem, f) for f in EnterpriseProblemOut.model_fields if f != "state"}
    data["state"] = problem.matter.state if problem.matter_id else None
    return data


@router.get("/problems", response=list[EnterpriseProblemOut])
def list_problems(request: HttpRequest, params: Query[ProblemFiltersIn]):
    found = _checked(ProblemFilter.from_params(params.dict()))
    rows = found.apply(queries.visible_problems(request.user))
    return [_problem_out(p) for p in rows[:1000]]


@router.get("/figures", response=list[EnterpriseFiguresOut])
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
    names = [f for f in EnterpriseFiguresOut.model_fields if f != "key"]
    return [
        {"key": None if r.key is None else str(r.key), **{n: getattr(r, n) for n in names}}
        for r in rows
    ]


@router.post("/problems/{pk}/transfer", response=EnterpriseProblemOut)
def transfer(request: HttpRequest, pk: int, payload: TransferIn):
    problem = queries.get_problem_for_user(request.user, pk)
    services.transfer_problem(
        problem,
        actor=request.user,
        version=payload.version,
        lead_unit=_unit(payload.lead_unit),
        category=payload.category,
        tier=payload.tier,
    )
    return _problem_out(queries.get_problem_for_user(request.user, pk))


@router.post("/problems/{pk}/reopen", response=EnterpriseProblemOut)
def reopen(request: HttpRequest, pk: int, payload: RevisitIn):
    problem = queries.get_problem_for_user(request.user, pk)
    services.reopen_problem(problem, actor=request.user, **payload.dict())
    return _problem_out(queries.get_problem_for_user(request.user, pk))


@router.post("/problems/{pk}/settle", response=EnterpriseProblemOut)
def settle(request: HttpRequest, pk: int, payload: RevisitIn):
    problem = queries.get_problem_for_user(request.user, pk)
    services.settle_problem(problem, actor=request.user, **payload.dict())
    return _problem_out(queries.get_problem_for_user(request.user, pk))


@router.post("/whitelist/{pk}/renew", response=WhitelistOut)
def renew_whitelist_entry(request: HttpRequest, pk: int, payload: RenewIn):
    entry = queries.get_whitelist_entry_for_user(request.user, pk)
    return services.renew_whitelist_entry(entry, actor=request.user, **payload.dict())


@router.post("/whitelist/{pk}/revoke", response=WhitelistOut)
def revoke_whitelist_entry(request: HttpRequest, pk: int, payload: RevokeIn):
    entry = queries.get_whitelist_entry_for_user(request.user, pk)
    return services.revoke_whitelist_entry(entry, actor=request.user, **payload.dict())


@router.get("/{pk}", response=EnterpriseDetail)
def enterprise_detail(request: HttpRequest, pk: int):
    enterprise = queries.get_enterprise_for_user(request.user, pk)
    data = {f: getattr(enterprise, f) for f in EnterpriseOut.model_fields}
    data["liaisons"] = list(enterprise.liaisons.filter(ended_at__isnull=True))
    data["whitelist"] = list(enterprise.whitelist.all())
    return data


@router.post("/{pk}/liaisons", response=LiaisonOut)
def assign_liaison(request: HttpRequest, pk: int, payload: LiaisonIn):
    enterprise = queries.get_enterprise_for_user(request.user, pk)
    cadre = User.objects.filter(pk=payload.cadre, is_active=True).first()
    if cadre is None:
        raise InvalidInput(f"cadre: {payload.cadre}", field="cadre")
    return services.assign_liaison(enterprise, cadre, actor=request.user, version=payload.version)


@router.post("/{pk}/liaisons/{liaison}/end", response=LiaisonOut)
def end_liaison(request: HttpRequest, pk: int, liaison: int, payload: EnterpriseVersionIn):
    enterprise = queries.get_enterprise_for_user(request.user, pk)
    found = queries.liaison_of(enterprise, liaison)
    return services.end_liaison(found, actor=request.user, version=payload.version)


@router.post("/{pk}/whitelist", response={201: WhitelistOut})
def add_to_whitelist(request: HttpRequest, pk: int, payload: WhitelistIn):
    enterprise = queries.get_enterprise_for_user(request.user, pk)
    entry = services.add_to_whitelist(actor=request.user, enterprise=enterprise, **payload.dict())
    return 201, entry


def _unit(pk: int) -> Unit:
    unit = Unit.objects.filter(pk=pk, is_active=True).first()
    if unit is None:
        raise InvalidInput(f"lead_unit: {pk}", field="lead_unit")
    return unit
