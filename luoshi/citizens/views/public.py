"""The citizen's pages, without an account: the request form and the tracking page."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from luoshi.lib import requestkeys
from luoshi.lib.errors import DomainError
from luoshi.lib.web import domain_errors
from luoshi.org.models import Unit, UnitKind

from .. import queries, services
from ..forms import RatingForm, RequestForm
from ..models import CITIZEN_GRADES, Stage
from ._common import attempt, form_error


def _private(response: HttpResponse) -> HttpResponse:
    """The token must not leak to other sites in Referer headers, nor the page sit in a
    shared cache. (same-origin, not no-referrer: with no-referrer the browser sends
    `Origin: null` on the page's own forms and the CSRF check refuses them.)"""
    response["Referrer-Policy"] = "same-origin"
    response["Cache-Control"] = "no-store"
    return response


def streets() -> list[tuple[Unit, list[Unit]]]:
    """Districts with their streets, for the grouped street list."""
    rows = Unit.objects.filter(kind__in=[UnitKind.DISTRICT, UnitKind.STREET], is_active=True)
    districts = [u for u in rows if u.kind == UnitKind.DISTRICT]
    return [(d, [s for s in rows if s.parent_id == d.pk]) for d in districts]


def request_form(request: HttpRequest) -> HttpResponse:
    """诉求登记: the public form (phone-friendly). On success, the tracking page."""
    form = RequestForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            created = services.receive_request(
                form.intake(), request_key=requestkeys.from_request(request)
            )
        except DomainError as error:
            form_error(form, error)
        else:
            return redirect(f"{created.tracking_url_path}?new=1")
    context = {"form": form, "streets": streets()}
    return _private(render(request, "citizens/public_form.html", context))


@domain_errors
def track(request: HttpRequest, token: str) -> HttpResponse:
    """查询: state, the unit handling it (by name), the replies; rating at the end."""
    mine = queries.request_for_token(token)
    shown = queries.followed(mine)
    stage = shown.stage
    context = {
        "mine": mine,
        "shown": shown,
        "stage": stage,
        "replies": queries.replies(shown),
        "may_rate": mine.pk == shown.pk and stage == Stage.ANSWERED and not shown.rating,
        "may_withdraw": stage in (Stage.RECEIVED, Stage.DISPATCHED, Stage.IN_HAND)
        and mine.pk == shown.pk
        and not mine.withdrawal_state,
        "rating_form": RatingForm(),
        "grades": CITIZEN_GRADES,
        "new": request.GET.get("new") == "1",
        "stages": [Stage.RECEIVED, Stage.DISPATCHED, Stage.IN_HAND, Stage.ANSWERED, Stage.CLOSED],
    }
    return _private(render(request, "citizens/track.html", context))


@require_POST
@domain_errors
def track_action(request: HttpRequest, token: str, verb: str) -> HttpResponse:
    """The citizen rates the answer or withdraws the request from the tracking page."""
    mine = queries.request_for_token(token)
    post = request.POST
    if verb == "rate":
        attempt(
            request,
            lambda: services.rate_request(
                mine, post.get("grade", ""), comment=post.get("comment", "")
            ),
            _("Thank you for your rating."),
        )
    elif verb == "withdraw":
        attempt(
            request,
            lambda: services.request_withdrawal(mine, reason=post.get("reason", "")),
            _("Your withdrawal was received. The hotline will call you to confirm it."),
        )
    return redirect(mine.tracking_url_path)
