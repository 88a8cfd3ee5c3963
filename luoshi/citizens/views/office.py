"""The office's pages: the list of requests, the operator's form, a request and its actions."""

from __future__ import annotations

import csv

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from luoshi.lib import requestkeys
from luoshi.lib.cells import csv_text
from luoshi.lib.errors import DomainError, InvalidInput, StaleVersion
from luoshi.lib.eventlog import stale
from luoshi.lib.numbers import id_or_none
from luoshi.lib.storage import open_stored
from luoshi.lib.web import domain_errors
from luoshi.org.access import access_for

from .. import queries, services
from ..dispatch.suggest import suggest
from ..filters import QUEUE_LABELS, CitizenRequestFilter
from ..forms import DispatchUnitsForm, OperatorForm
from ..models import (
    CITIZEN_GRADES,
    CallPurpose,
    Category,
    Channel,
    CitizenRequest,
    MergeState,
    RequestPhoto,
    RequestType,
    Stage,
)
from ..permissions import may_see_contact, require_office
from ._common import category, form_error, is_htmx, refusal, version
from .public import streets

PAGE_SIZE = 30


@login_required
@domain_errors
def request_list(request: HttpRequest) -> HttpResponse:
    """群众诉求: the office's queues and every visible request, filtered one way for all."""
    chosen = CitizenRequestFilter(request.GET)
    try:
        rows = chosen.filter(queries.visible_requests(request.user))
    except InvalidInput as error:
        rows = queries.visible_requests(request.user).none()
        chosen.error = error.message
    if request.GET.get("format") == "csv":
        return _csv(rows)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "page_obj": page,
        "filter": chosen,
        "queues": [(k, v) for k, v in QUEUE_LABELS.items()],
        "counts": queries.counts(request.user),
        "types": RequestType.choices,
        "stages": Stage.choices,
        "categories": Category.objects.filter(is_active=True),
        "is_office": access_for(request.user).is_office,
    }
    template = "citizens/partials/list_body.html" if is_htmx(request) else "citizens/list.html"
    return render(request, template, context)


def _csv(rows) -> HttpResponse:
    """The list as CSV (no contact: an export leaves the office)."""
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="citizen-requests.csv"'
    response.write("\ufeff")  # Excel opens UTF-8 CSV correctly only with a BOM
    writer = csv.writer(response)
    writer.writerow(
        [_("Work-order number"), _("Received at"), _("Request type"), _("Category"),
         _("District"), _("Street or town"), _("Address"), _("Stage"), _("Unit"), _("Request")]
    )  # fmt: skip
    for r in rows[:50_000]:
        writer.writerow(
            [csv_text(v) for v in (
                r.work_order_number, f"{r.received_at:%Y-%m-%d %H:%M}",
                r.get_request_type_display(), r.category or "", r.district or "",
                r.street or "", r.address, r.stage.label,
                r.matter.lead_unit if r.matter_id and r.matter.lead_unit else "", r.text)]
        )  # fmt: skip
    return response


@login_required
@domain_errors
def intake(request: HttpRequest) -> HttpResponse:
    """受理: the operator takes a hotline call; suggestions follow the text as it is typed."""
    require_office(access_for(request.user), _("take calls"))
    form = OperatorForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            created = services.receive_request(
                form.intake(), actor=request.user, request_key=requestkeys.from_request(request)
            )
        except DomainError as error:
            form_error(form, error)
        else:
            return redirect("citizens:detail", pk=created.pk)
    return render(request, "citizens/intake.html", {"form": form, "streets": streets()})


@login_required
@domain_errors
def suggestions(request: HttpRequest) -> HttpResponse:
    """The top 3 categories and units for the text typed so far (an htmx partial)."""
    require_office(access_for(request.user), _("dispatch requests"))
    text = request.POST.get("text") or request.GET.get("text") or ""
    context = {"suggestions": suggest(text[:2000]), "pick": request.GET.get("pick") == "1"}
    return render(request, "citizens/partials/suggestions.html", context)


@login_required
@domain_errors
def request_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail_page(request, queries.get_request_for_user(request.user, pk))


def _detail_page(
    request: HttpRequest, shown: CitizenRequest, refused: QueryDict | None = None
) -> HttpResponse:
    """The request's page; `refused` holds a dispatch the services refused, shown again
    as posted (the units typed or picked, the category, urgency) beside the message."""
    access = access_for(request.user)
    office = access.is_office
    posted_category = (refused or {}).get("category", "")
    context = {
        "r": shown,
        "is_office": office,
        "contact_visible": may_see_contact(access, shown),
        "events": queries.timeline(shown),
        "photos": shown.photos.all(),
        "suggestions": suggest(shown.text) if office and shown.matter_id is None else None,
        "categories": Category.objects.filter(is_active=True).select_related("default_unit"),
        "dispatch_units": DispatchUnitsForm(refused) if refused else DispatchUnitsForm(),
        "dispatch_category": (id_or_none(posted_category) or shown.category_id),
        "dispatch_urgent": refused.get("urgent") == "on" if refused else shown.urgent,
        "purposes": CallPurpose.choices,
        "grades": CITIZEN_GRADES,
        "duplicates": shown.duplicates.filter(merge_state=MergeState.MERGED),
        "channels": Channel,
    }
    return render(request, "citizens/detail.html", context, status=422 if refused else 200)


def _dispatch(shown, post, actor):
    # The version first: a page out of date is refused as such, whatever else it holds —
    # refused for a mistyped unit instead, it would be shown again with its old choices
    # under the new version, and one more click would save them over the other change.
    had = version(post)
    if had != shown.version:
        raise stale(shown.work_order_number, shown.version, had)
    lead_unit, co_units = DispatchUnitsForm(post).units()
    return services.dispatch_request(
        shown,
        actor=actor,
        version=had,
        category=category(post.get("category")),
        lead_unit=lead_unit,
        co_units=co_units,
        urgent=post.get("urgent") == "on",
    )


# What each verb does, as the services name it when they refuse someone else.
OFFICE_ACTIONS = {
    "dispatch": gettext_lazy("dispatch requests"),
    "merge": gettext_lazy("merge requests"),
    "decline": gettext_lazy("rule on duplicates"),
    "call": gettext_lazy("record return calls"),
    "reply": gettext_lazy("reply to citizens"),
    "category": gettext_lazy("correct the category"),
}


def _actions(shown, post, actor) -> dict:
    """verb → (service call, success message); each posts the version it was shown."""
    return {
        "dispatch": (
            lambda: _dispatch(shown, post, actor),
            _("Dispatched: the matter is assigned to the unit."),
        ),
        "merge": (
            lambda: services.merge_request(
                shown, actor=actor, version=version(post), comment=post.get("comment", "")
            ),
            _("Merged; the requesters are told."),
        ),
        "decline": (
            lambda: services.decline_merge(
                shown, actor=actor, version=version(post), comment=post.get("comment", "")
            ),
            _("Not a duplicate: dispatch it on its own."),
        ),
        "call": (
            lambda: services.record_return_call(
                shown,
                actor=actor,
                version=version(post),
                purpose=post.get("purpose", ""),
                reached=post.get("reached") == "yes",
                notes=post.get("notes", ""),
                grade=post.get("grade", ""),
                pressed={"yes": True, "no": False}.get(post.get("pressed", "")),
            ),
            _("Return call recorded."),
        ),
        "reply": (
            lambda: services.reply_to_citizen(shown, actor=actor, text=post.get("text", "")),
            _("Reply sent."),
        ),
        "category": (
            lambda: services.correct_category(
                shown, actor=actor, version=version(post), category=category(post.get("category"))
            ),
            _("Category corrected."),
        ),
    }


@login_required
@require_http_methods(["GET", "POST"])
@domain_errors
def request_action(request: HttpRequest, pk: int, verb: str) -> HttpResponse:
    shown = queries.get_request_for_user(request.user, pk)
    if request.method == "GET":  # a refused form's address, opened again: its request
        return redirect("citizens:detail", pk=pk)
    actions = _actions(shown, request.POST, request.user)
    if verb not in actions:
        raise Http404(verb)
    # Every action here is the office's: asked before the form is read, so that anyone
    # else is told so (403), not that a field of a form they may not send is wrong.
    require_office(access_for(request.user), str(OFFICE_ACTIONS[verb]))
    refused = refusal(request, *actions[verb])
    if verb == "dispatch" and refused is not None and not isinstance(refused, StaleVersion):
        # the office typed units, chose a category: shown again, not reset by a redirect.
        # Not after a version conflict: someone changed the request meanwhile, and the
        # choices made on the old page would overwrite theirs with one more click —
        # the page is shown as it now stands instead.
        return _detail_page(request, shown, refused=request.POST)
    return redirect("citizens:detail", pk=pk)


@login_required
@domain_errors
def photo(request: HttpRequest, pk: int, photo_pk: int) -> FileResponse:
    """A request's photo, to whoever may see the request."""
    shown = queries.get_request_for_user(request.user, pk)
    item = RequestPhoto.objects.filter(request=shown, pk=photo_pk).first()
    if item is None:
        raise Http404
    response = FileResponse(open_stored(item.file), filename=item.name)
    response["X-Content-Type-Options"] = "nosniff"
    return response
