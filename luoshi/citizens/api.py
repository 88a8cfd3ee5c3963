"""The citizen requests API: intake, the office's steps, suggestions, hot spots, and the
citizen's tokened door (no account).

Reads go through queries.visible_requests (the token for the tracking calls); every
change through citizens.services. The contact comes masked unless the caller handles
the request (permissions.may_see_contact).
"""

from __future__ import annotations

import datetime as dt
import math

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema

from luoshi.lib import requestkeys
from luoshi.lib.errors import InvalidInput
from luoshi.lib.numbers import PAGE_MAX
from luoshi.lib.schemas import Input
from luoshi.matters.schemas import ErrorOut
from luoshi.org.access import access_for
from luoshi.org.models import Unit

from . import queries, services
from .dispatch.suggest import suggest
from .filters import CitizenRequestFilter
from .models import Category, Channel, CitizenRequest, Stage
from .permissions import may_see_contact, require_office

router = Router(tags=["citizens"])
ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}
MAX_PAGE_SIZE = 100


class RequestIn(Input):
    request_type: str
    text: str
    address: str = ""
    latitude: str | None = None
    longitude: str | None = None
    district_id: int | None = None
    street_id: int | None = None
    anonymous: bool = False
    contact_name: str = ""
    contact_phone: str = ""
    urgent: bool = False
    category_id: int | None = None


class RequestOut(Schema):
    id: int
    work_order_number: str
    request_type: str
    text: str
    channel: str
    stage: str
    stage_label: str
    category: str | None
    address: str
    latitude: float | None
    longitude: float | None
    district: str | None
    street: str | None
    anonymous: bool
    contact_name: str
    contact_phone: str
    received_at: dt.datetime
    dispatch_due_at: dt.datetime
    dispatched_at: dt.datetime | None
    matter_id: int | None
    unit: str | None
    rating: str
    merge_state: str
    duplicate_of: str | None
    withdrawal_state: str
    version: int


class RequestPage(Schema):
    items: list[RequestOut]
    count: int
    page: int
    page_size: int
    pages: int


class DispatchIn(Input):
    version: int
    category_id: int
    lead_unit_id: int
    co_unit_ids: list[int] = []
    urgent: bool | None = None


class MergeIn(Input):
    version: int
    into_id: int | None = None
    comment: str = ""


class CallIn(Input):
    version: int
    purpose: str
    reached: bool
    notes: str = ""
    grade: str = ""
    pressed: bool | None = None


class RatingIn(Input):
    grade: str
    comment: str = ""


class WithdrawalIn(Input):
    reason: str


class ScoredOut(Schema):
    id: int
    name: str
    score: float


class SuggestionsOut(Schema):
    categories: list[ScoredOut]
    units: list[ScoredOut]
    source: str


class ReplyOut(Schema):
    at: dt.datetime
    text: str


class TrackOut(Schema):
    work_order_number: str
    request_type: str
    text: str
    stage: str
    stage_label: str
    unit: str | None
    merged_into: str | None
    replies: list[ReplyOut]
    rating: str
    withdrawal_state: str


def _float(value) -> float | None:
    return float(value) if value is not None else None


def out(row: CitizenRequest, *, contact: bool) -> dict:
    matter = row.matter
    return {
        "id": row.pk,
        "work_order_number": row.work_order_number,
        "request_type": row.request_type,
        "text": row.text,
        "channel": row.channel,
        "stage": row.stage.value,
        "stage_label": str(row.stage.label),
        "category": row.category.name if row.category else None,
        "address": row.address,
        "latitude": _float(row.latitude),
        "longitude": _float(row.longitude),
        "district": row.district.name if row.district else None,
        "street": row.street.name if row.street else None,
        "anonymous": row.anonymous,
        "contact_name": row.contact_name if contact else "",
        "contact_phone": row.contact_phone if contact else row.masked_phone,
        "received_at": row.received_at,
        "dispatch_due_at": row.dispatch_due_at,
        "dispatched_at": row.dispatched_at,
        "matter_id": row.matter_id,
        "unit": matter.lead_unit.name if matter and matter.lead_unit else None,
        "rating": row.rating,
        "merge_state": row.merge_state,
        "duplicate_of": row.duplicate_of.work_order_number if row.duplicate_of else None,
        "withdrawal_state": row.withdrawal_state,
        "version": row.version,
    }


def _unit(pk: int | None, field: str) -> Unit | None:
    if pk is None:
        return None
    unit = Unit.objects.filter(pk=pk, is_active=True).first()
    if unit is None:
        raise InvalidInput(_("No active unit %(pk)s.") % {"pk": pk}, field=field)
    return unit


def _category(pk: int | None) -> Category | None:
    if pk is None:
        return None
    category = Category.objects.filter(pk=pk, is_active=True).first()
    if category is None:
        raise InvalidInput(_("No active category %(pk)s.") % {"pk": pk}, field="category_id")
    return category


@router.post("/requests", response={201: RequestOut, **ERRORS}, url_name="citizen_create")
def create_request(request: HttpRequest, payload: RequestIn):
    """Enter a request (the office, or a system acting for it, e.g. the 12345 platform)."""
    created = services.receive_request(
        services.Intake(
            request_type=payload.request_type,
            text=payload.text,
            channel=Channel.API,
            address=payload.address,
            latitude=payload.latitude,
            longitude=payload.longitude,
            district=_unit(payload.district_id, "district_id"),
            street=_unit(payload.street_id, "street_id"),
            anonymous=payload.anonymous,
            contact_name=payload.contact_name,
            contact_phone=payload.contact_phone,
            urgent=payload.urgent,
            category=_category(payload.category_id),
        ),
        actor=request.user,
        request_key=requestkeys.from_request(request),
    )
    return 201, out(created, contact=True)


@router.get("/requests", response={200: RequestPage, **ERRORS}, url_name="citizen_list")
def list_requests(
    request: HttpRequest,
    queue: str = "",
    stage: str = "",
    request_type: str = "",
    category: str = "",
    district: str = "",
    street: str = "",
    week: str = "",
    since: str = "",
    until: str = "",
    q: str = "",
    page: int = Query(1, ge=1, le=PAGE_MAX),
    page_size: int = Query(20, ge=1, le=MAX_PAGE_SIZE),
):
    """Visible requests, filtered as the list page filters them."""
    params = {k: v for k, v in locals().items() if isinstance(v, str)}
    rows = CitizenRequestFilter(params).filter(
        queries.with_parts(queries.visible_requests(request.user))
    )
    count = rows.count()
    access = access_for(request.user)
    items = [
        out(r, contact=may_see_contact(access, r))
        for r in rows[(page - 1) * page_size : page * page_size]
    ]
    return {"items": items, "count": count, "page": page, "page_size": page_size,
            "pages": math.ceil(count / page_size)}  # fmt: skip


@router.get("/requests/{pk}", response={200: RequestOut, **ERRORS}, url_name="citizen_detail")
def get_request(request: HttpRequest, pk: int):
    row = queries.get_request_for_user(request.user, pk)
    return out(row, contact=may_see_contact(access_for(request.user), row))


def _acted(request: HttpRequest, pk: int) -> dict:
    row = queries.get_request_for_user(request.user, pk)
    return out(row, contact=may_see_contact(access_for(request.user), row))


@router.post(
    "/requests/{pk}/dispatch", response={200: RequestOut, **ERRORS}, url_name="citizen_dispatch"
)
def dispatch(request: HttpRequest, pk: int, payload: DispatchIn):
    """Dispatch (派单): register and assign the request's matter to the lead unit."""
    row = queries.get_request_for_user(request.user, pk)
    # Who may dispatch is answered before the ids are read: a refused user learns
    # nothing about which categories and units exist.
    require_office(access_for(request.user), _("dispatch requests"))
    services.dispatch_request(
        row,
        actor=request.user,
        version=payload.version,
        category=_category(payload.category_id),
        lead_unit=_unit(payload.lead_unit_id, "lead_unit_id"),
        co_units=[u for u in (_unit(i, "co_unit_ids") for i in payload.co_unit_ids) if u],
        urgent=payload.urgent,
    )
    return _acted(request, pk)


@router.post("/requests/{pk}/merge", response={200: RequestOut, **ERRORS}, url_name="citizen_merge")
def merge(request: HttpRequest, pk: int, payload: MergeIn):
    """Merge a duplicate into the earlier request (the proposed one unless into_id)."""
    row = queries.get_request_for_user(request.user, pk)
    into = queries.get_request_for_user(request.user, payload.into_id) if payload.into_id else None
    services.merge_request(
        row, actor=request.user, version=payload.version, into=into, comment=payload.comment
    )
    return _acted(request, pk)


@router.post(
    "/requests/{pk}/return-calls", response={200: RequestOut, **ERRORS}, url_name="citizen_call"
)
def return_call(request: HttpRequest, pk: int, payload: CallIn):
    """Record a return call (回访): satisfaction, an unsatisfied revisit, a withdrawal check."""
    row = queries.get_request_for_user(request.user, pk)
    services.record_return_call(row, actor=request.user, **payload.dict())
    return _acted(request, pk)


@router.get("/suggestions", response={200: SuggestionsOut, **ERRORS}, url_name="citizen_suggest")
def suggestions(request: HttpRequest, text: str):
    """The top 3 categories and units for a request's text, with calibrated scores (the
    office: as on the intake page)."""
    require_office(access_for(request.user), _("dispatch requests"))
    found = suggest(text[:2000])

    def scored(rows):
        return [{"id": s.key, "name": s.name, "score": s.score} for s in rows]

    return {
        "categories": scored(found.categories),
        "units": scored(found.units),
        "source": found.source,
    }


# -- the citizen's door (no account: the token is the key) ---------------------------


def _track_out(mine: CitizenRequest) -> dict:
    shown = queries.followed(mine)
    matter = shown.matter
    return {
        "work_order_number": mine.work_order_number,
        "request_type": mine.request_type,
        "text": mine.text,
        "stage": shown.stage.value if shown.pk == mine.pk else Stage.MERGED.value,
        "stage_label": str(shown.stage.label),
        "unit": matter.lead_unit.name if matter and matter.lead_unit else None,
        "merged_into": shown.work_order_number if shown.pk != mine.pk else None,
        "replies": [{"at": e.at, "text": e.comment} for e in queries.replies(shown)],
        "rating": shown.rating,
        "withdrawal_state": mine.withdrawal_state,
    }


@router.get(
    "/track/{token}", auth=None, response={200: TrackOut, **ERRORS}, url_name="citizen_track"
)
def track(request: HttpRequest, token: str):
    return _track_out(queries.request_for_token(token))


@router.post(
    "/track/{token}/rating", auth=None, response={200: TrackOut, **ERRORS}, url_name="citizen_rate"
)
def rate(request: HttpRequest, token: str, payload: RatingIn):
    mine = queries.request_for_token(token)
    services.rate_request(mine, payload.grade, comment=payload.comment)
    return _track_out(queries.request_for_token(token))


@router.post(
    "/track/{token}/withdrawal",
    auth=None,
    response={200: TrackOut, **ERRORS},
    url_name="citizen_withdraw",
)
def withdraw(request: HttpRequest, token: str, payload: WithdrawalIn):
    mine = queries.request_for_token(token)
    services.request_withdrawal(mine, reason=payload.reason)
    return _track_out(queries.request_for_token(token))
