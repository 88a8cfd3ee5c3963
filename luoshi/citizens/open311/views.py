"""Open311 GeoReport v2: services, service definitions, requests (read and create), tokens.

Services are the hotline's categories; a posted request is received like any other
(services.receive_request, channel `open311`), its `api_key` being an API token of
the platform (org.tokens). Status is `open` while the matter runs and `closed` once
answered, closed, withdrawn or merged; `agency_responsible` is the lead unit. The
citizen's text is shown only to callers with a key, and the contact never.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

from luoshi.lib import requestkeys
from luoshi.lib.errors import DomainError
from luoshi.lib.numbers import id_or_none
from luoshi.matters.models import State
from luoshi.org.models import Unit, UnitKind
from luoshi.org.tokens import token_for_key, user_for_token

from .. import services as citizen_services
from ..models import (
    Category,
    Channel,
    CitizenPolicy,
    CitizenRequest,
    MergeState,
    RequestType,
    WithdrawalState,
)
from .formats import error, respond

MAX_RESULTS = 1000
MAX_SPAN = dt.timedelta(days=90)
CLOSED_STATES = {State.COMPLETED, State.CLOSED, State.WITHDRAWN}


def _jurisdiction_ok(request: HttpRequest) -> bool:
    given = (
        request.GET.get("jurisdiction_id") or request.POST.get("jurisdiction_id") or ""
    ).strip()
    return not given or given == settings.LUOSHI["OPEN311_JURISDICTION"]


def _guard(view):
    """Check the jurisdiction and turn a domain refusal into the spec's error format."""

    def wrapper(request: HttpRequest, fmt: str, **kwargs) -> HttpResponse:
        if not _jurisdiction_ok(request):
            return error(fmt, 404, _("Unknown jurisdiction_id."))
        try:
            return view(request, fmt, **kwargs)
        except DomainError as refusal:
            return error(fmt, 400 if refusal.status == 422 else refusal.status, refusal.message)

    wrapper.__name__ = view.__name__
    wrapper.__doc__ = view.__doc__
    return wrapper


@require_GET
def discovery(request: HttpRequest) -> HttpResponse:
    base = request.build_absolute_uri()
    return respond(
        "json",
        "discovery",
        {
            "changeset": "2026-01-01T00:00:00Z",
            "contact": "",
            "endpoints": [
                {
                    "specification": "http://wiki.open311.org/GeoReport_v2",
                    "url": base,
                    "type": "production",
                    "formats": ["application/json", "text/xml"],
                }
            ],
        },  # fmt: skip
    )


def _service(category: Category) -> dict:
    return {
        "service_code": category.code,
        "service_name": category.name,
        "description": _("Citizen requests about %(name)s") % {"name": category.name},
        "metadata": True,
        "type": "realtime",
        "keywords": ",".join(category.keyword_list()),
        "group": _("Citizen requests"),
    }


@require_GET
@_guard
def services(request: HttpRequest, fmt: str) -> HttpResponse:
    rows = [_service(c) for c in Category.objects.filter(is_active=True)]
    return respond(fmt, "services", rows)


def _list_attribute(code: str, order: int, description: str, values, required: bool) -> dict:
    return {
        "variable": True,
        "code": code,
        "datatype": "singlevaluelist",
        "required": required,
        "datatype_description": "",
        "order": order,
        "description": description,
        "values": [{"key": key, "name": str(name)} for key, name in values],
    }


@require_GET
@_guard
def service_definition(request: HttpRequest, fmt: str, code: str) -> HttpResponse:
    category = Category.objects.filter(code=code, is_active=True).first()
    if category is None:
        return error(fmt, 404, _("No service %(code)s.") % {"code": code})
    units = Unit.objects.filter(kind__in=[UnitKind.DISTRICT, UnitKind.STREET], is_active=True)
    districts = [(u.pk, u.name) for u in units if u.kind == UnitKind.DISTRICT]
    streets = [(u.pk, u.name) for u in units if u.kind == UnitKind.STREET]
    definition = {
        "service_code": category.code,
        "attributes": [
            _list_attribute("request_type", 1, _("Request type"), RequestType.choices, True),
            _list_attribute("district", 2, _("District"), districts, False),
            _list_attribute("street", 3, _("Street or town"), streets, False),
        ],
    }
    return respond(fmt, "service_definition", definition)


def status_of(row: CitizenRequest) -> str:
    if row.merge_state == MergeState.MERGED or row.withdrawal_state == WithdrawalState.CONFIRMED:
        return "closed"
    return "closed" if row.matter_id and row.matter.state in CLOSED_STATES else "open"


def _w3c(moment: dt.datetime | None) -> str | None:
    return timezone.localtime(moment).isoformat(timespec="seconds") if moment else None


def _as_float(value: Decimal | None) -> float | None:
    return float(value) if value is not None else None


def _request_out(row: CitizenRequest, *, with_text: bool) -> dict:
    matter = row.matter
    updated = max(filter(None, [row.received_at, matter.updated_at if matter else None]))
    deadline = (
        timezone.make_aware(dt.datetime.combine(matter.deadline, dt.time(17, 30)))
        if matter and matter.deadline
        else None
    )
    return {
        "service_request_id": row.work_order_number,
        "status": status_of(row),
        "status_notes": str(row.stage.label),
        "service_name": row.category.name if row.category else "",
        "service_code": row.category.code if row.category else "",
        "description": row.text if with_text else "",
        "agency_responsible": matter.lead_unit.name if matter and matter.lead_unit else "",
        "service_notice": "",
        "requested_datetime": _w3c(row.received_at),
        "updated_datetime": _w3c(updated),
        "expected_datetime": _w3c(deadline),
        "address": row.address,
        "address_id": "",
        "zipcode": "",
        "lat": _as_float(row.latitude),
        "long": _as_float(row.longitude),
        "media_url": "",
    }


def _rows() -> QuerySet[CitizenRequest]:
    return CitizenRequest.objects.select_related("matter", "matter__lead_unit", "category")


def _has_key(request: HttpRequest) -> bool:
    return user_for_token(request.GET.get("api_key") or "") is not None


def _moment(value: str, name: str) -> dt.datetime | None:
    if not value:
        return None
    moment = parse_datetime(value.replace(" ", "+"))  # a "+" arrives as a space in a query
    if moment is None:
        raise DomainError(
            _("%(name)s must be a W3C date-time like 2026-01-01T00:00:00Z.") % {"name": name}
        )
    return moment if timezone.is_aware(moment) else timezone.make_aware(moment)


def _filtered(request: HttpRequest) -> QuerySet[CitizenRequest]:
    get = request.GET
    ids = [i.strip() for i in (get.get("service_request_id") or "").split(",") if i.strip()]
    if ids:  # the spec: it overrides every other parameter
        return _rows().filter(work_order_number__in=ids[:MAX_RESULTS])
    end = _moment(get.get("end_date", ""), "end_date") or timezone.now()
    start = _moment(get.get("start_date", ""), "start_date") or end - MAX_SPAN
    if end - start > MAX_SPAN:
        raise DomainError(_("start_date and end_date may not span more than 90 days."))
    rows = _rows().filter(received_at__gte=start, received_at__lte=end)
    codes = [c.strip() for c in (get.get("service_code") or "").split(",") if c.strip()]
    if codes:
        rows = rows.filter(category__code__in=codes)
    statuses = {s.strip() for s in (get.get("status") or "").split(",") if s.strip()}
    if statuses - {"open", "closed"}:
        raise DomainError(_("status is open or closed."))
    rows = list(rows.order_by("-received_at", "-id")[: MAX_RESULTS * 2])
    if statuses:
        rows = [r for r in rows if status_of(r) in statuses]
    return rows[:MAX_RESULTS]


@csrf_exempt
@require_http_methods(["GET", "POST"])
@_guard
def requests(request: HttpRequest, fmt: str) -> HttpResponse:
    if request.method == "POST":
        return _create(request, fmt)
    with_text = _has_key(request)
    rows = [_request_out(r, with_text=with_text) for r in _filtered(request)]
    return respond(fmt, "service_requests", rows)


@require_GET
@_guard
def request_detail(request: HttpRequest, fmt: str, request_id: str) -> HttpResponse:
    row = _rows().filter(work_order_number=request_id).first()
    if row is None:
        return error(fmt, 404, _("No request %(id)s.") % {"id": request_id})
    return respond(fmt, "service_requests", [_request_out(row, with_text=_has_key(request))])


@require_GET
@_guard
def token(request: HttpRequest, fmt: str, token: str) -> HttpResponse:
    row = CitizenRequest.objects.filter(tracking_token=token).first()
    if row is None:
        return error(fmt, 404, _("No request for this token."))
    return respond(
        fmt, "service_requests", [{"service_request_id": row.work_order_number, "token": token}]
    )


def _attribute(post, code: str) -> str:
    return (post.get(f"attribute[{code}]") or "").strip()


def _unit(pk: str, kind: str) -> Unit | None:
    if not pk:
        return None
    found = Unit.objects.filter(pk=id_or_none(pk) or 0, kind=kind, is_active=True).first()
    if found is None:
        raise DomainError(_("Unknown %(what)s: %(value)s.") % {"what": kind, "value": pk})
    return found


def _create(request: HttpRequest, fmt: str) -> HttpResponse:
    post = request.POST
    token = token_for_key(post.get("api_key") or "")
    if token is None:
        return error(fmt, 403, _("A valid api_key is required to post a request."))
    if token.is_read_only:  # secauth: a read-only token never changes anything
        return error(
            fmt, 403, _("This API token may only read: make a token that may act for this.")
        )
    actor = token.user
    category = Category.objects.filter(code=post.get("service_code", ""), is_active=True).first()
    if category is None:
        return error(fmt, 400, _("service_code is missing or unknown."))
    located = post.get("lat") and post.get("long")
    if not (located or post.get("address_string") or post.get("address_id")):
        return error(fmt, 400, _("Give lat and long, or address_string, or address_id."))
    name = " ".join(p for p in (post.get("last_name", ""), post.get("first_name", "")) if p)
    phone = (post.get("phone") or "").strip()
    created = citizen_services.receive_request(
        citizen_services.Intake(
            request_type=_attribute(post, "request_type") or RequestType.COMPLAINT,
            text=(post.get("description") or "")[:4000],
            channel=Channel.OPEN311,
            address=post.get("address_string") or post.get("address_id") or "",
            latitude=post.get("lat") or None,
            longitude=post.get("long") or None,
            district=_unit(_attribute(post, "district"), UnitKind.DISTRICT),
            street=_unit(_attribute(post, "street"), UnitKind.STREET),
            anonymous=not phone,
            contact_name=name,
            contact_phone=phone,
            category=category,
        ),
        actor=actor,
        request_key=requestkeys.from_request(request),
    )
    policy = CitizenPolicy.current()
    notice = _("Answered within %(n)s working day(s) of dispatch.") % {
        "n": policy.limit_workdays(created.request_type, created.urgent)
    }
    body = [
        {
            "service_request_id": created.work_order_number,
            "token": created.tracking_token,
            "service_notice": notice,
            "account_id": None,
        }
    ]
    return respond(fmt, "service_requests", body)
