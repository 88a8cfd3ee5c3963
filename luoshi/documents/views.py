"""Pages of documents: import a table (upload → preview → confirm), the ledger, bulletins.

Each view parses the request, asks documents.permissions what to offer, calls a service
or query, and renders; refusals go on the form (FORM_REFUSALS) or become 403/404.
"""

from __future__ import annotations

from collections.abc import Callable

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from luoshi.lib.errors import InvalidInput
from luoshi.lib.web import FORM_REFUSALS, add_refusal, domain_errors, is_htmx
from luoshi.org.access import access_for

from . import exports, permissions, responses, services
from .forms import BulletinForm, ImportForm, PeriodForm, VersionForm
from .models import ExportState, ImportState, LedgerExport
from .queries import batches_for, get_batch_for_user, get_bulletin_for_user, visible_bulletins


@login_required
def index(request: HttpRequest) -> HttpResponse:
    """The documents home: import, ledger, bulletins, and the latest of each."""
    context = {
        "is_supervisor": permissions.may_act(access_for(request.user)),
        "batches": batches_for(request.user)[:10],
        "bulletins": visible_bulletins(request.user)[:10],
    }
    return render(request, "documents/index.html", context)


# --- Import -----------------------------------------------------------------------------------


@login_required
@domain_errors
@require_http_methods(["GET", "POST"])
def import_upload(request: HttpRequest) -> HttpResponse:
    permissions.require(permissions.may_act, request.user, _("import tables"))
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            batch = services.upload_import(
                upload.read(), filename=upload.name, options=form.options(), actor=request.user
            )
        except FORM_REFUSALS as error:
            form.add_error("file" if error.field in (None, "file") else None, error.message)
        else:
            return redirect("documents:import_preview", batch.pk)
    status = 422 if form.errors else 200
    return render(request, "documents/import_upload.html", {"form": form}, status=status)


@login_required
@domain_errors
def import_preview(request: HttpRequest, pk: int) -> HttpResponse:
    batch = get_batch_for_user(request.user, pk)
    previewed = batch.state == ImportState.PREVIEWED
    context = {
        "batch": batch,
        "preview": batch.preview,
        "has_suggestions": previewed
        and any(p.get("code") == "unit_suggestion" for p in batch.preview.get("problems", [])),
        "can_cancel": previewed,
        "created": services.created_matters(batch) if batch.created_count else [],
    }
    return render(request, "documents/import_preview.html", context)


@login_required
@domain_errors
@require_POST
def import_accept_suggestions(request: HttpRequest, pk: int) -> HttpResponse:
    """Preview the same file again, reading near-miss unit names as the suggested units."""
    batch = get_batch_for_user(request.user, pk)
    batch = services.preview_again(batch, actor=request.user, accept_suggestions=True)
    return redirect("documents:import_preview", batch.pk)


@login_required
@domain_errors
@require_POST
def import_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    batch = get_batch_for_user(request.user, pk)
    done = _attempt(request, lambda: services.confirm_import(batch, actor=request.user))
    if done is not None:
        n = done.created_count
        messages.success(request, _("%(n)s matters were registered as drafts.") % {"n": n})
    return redirect("documents:import_preview", batch.pk)


@login_required
@domain_errors
@require_POST
def import_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    """Set a previewed table aside (a wrong file, a superseded draft)."""
    batch = get_batch_for_user(request.user, pk)
    if _attempt(request, lambda: services.cancel_import(batch, actor=request.user)):
        messages.success(request, _("The import was cancelled; nothing was registered."))
    return redirect("documents:import_preview", batch.pk)


def _attempt[T](request: HttpRequest, action: Callable[[], T]) -> T | None:
    """Run a button's service; a refusal becomes the page's message (None)."""
    try:
        return action()
    except FORM_REFUSALS as error:
        messages.error(request, error.message)
        return None


# --- Ledger -----------------------------------------------------------------------------------


@login_required
def ledger(request: HttpRequest) -> HttpResponse:
    try:
        result = responses.ledger(request.user, request.GET)
    except InvalidInput as error:
        return HttpResponse(error.message, status=422, content_type="text/plain; charset=utf-8")
    if isinstance(result, LedgerExport):
        messages.info(
            request,
            _("This ledger is long: it is being prepared, and you will be told when it is ready."),
        )
        return redirect("documents:export_list")
    return result


@login_required
def export_list(request: HttpRequest) -> HttpResponse:
    """The user's background ledgers; the page refreshes itself while one is being prepared."""
    rows = list(exports.exports_for(request.user)[:50])
    context = {"exports": rows, "pending": any(e.state == ExportState.PENDING for e in rows)}
    partial = "documents/partials/exports.html"
    return render(request, partial if is_htmx(request) else "documents/exports.html", context)


@login_required
@domain_errors
def export_file(request: HttpRequest, pk: int) -> HttpResponse:
    return responses.export_file(exports.get_export_for_user(request.user, pk))


# --- Bulletins --------------------------------------------------------------------------------


@login_required
@domain_errors
@require_http_methods(["GET", "POST"])
def bulletin_list(request: HttpRequest) -> HttpResponse:
    can_draft = permissions.may_act(access_for(request.user))
    form = PeriodForm(request.POST or None)
    if request.method == "POST":
        permissions.require(permissions.may_act, request.user, _("draft bulletins"))
        if form.is_valid():
            try:
                bulletin = services.draft_bulletin(actor=request.user, **form.cleaned_data)
            except FORM_REFUSALS as error:
                add_refusal(form, error)
            else:
                return redirect("documents:bulletin_detail", bulletin.pk)
    bulletins = visible_bulletins(request.user)[:100]
    context = {"bulletins": bulletins, "form": form, "can_draft": can_draft}
    return render(
        request, "documents/bulletin_list.html", context, status=422 if form.errors else 200
    )


@login_required
@domain_errors
@require_http_methods(["GET", "POST"])
def bulletin_detail(request: HttpRequest, pk: int) -> HttpResponse:
    bulletin = get_bulletin_for_user(request.user, pk)
    initial = {name: getattr(bulletin, name) for name in services.TEXT_FIELDS}
    form = BulletinForm(request.POST or None, initial={**initial, "version": bulletin.version})
    status = 200
    if request.method == "POST":
        permissions.require(permissions.may_act, request.user, _("edit bulletins"))
        status = 422
        if form.is_valid():
            data = dict(form.cleaned_data)
            version = data.pop("version")
            try:
                services.update_bulletin(bulletin, actor=request.user, version=version, **data)
            except FORM_REFUSALS as error:
                status = add_refusal(form, error)
            else:
                messages.success(request, _("The draft was saved."))
                return redirect("documents:bulletin_detail", bulletin.pk)
    context = {
        "bulletin": bulletin,
        "form": form,
        "mentions": bulletin.mentions.select_related("unit", "matter"),
    }
    return render(request, "documents/bulletin_detail.html", context, status=status)


@login_required
@domain_errors
@require_POST
def bulletin_issue(request: HttpRequest, pk: int) -> HttpResponse:
    bulletin = get_bulletin_for_user(request.user, pk)
    form = VersionForm(request.POST)
    issued = _attempt(
        request,
        lambda: services.issue_bulletin(bulletin, actor=request.user, version=_version(form)),
    )
    if issued is not None:
        messages.success(request, _("Bulletin %(n)s was issued.") % {"n": issued.number_label})
    return redirect("documents:bulletin_detail", bulletin.pk)


def _version(form: forms.Form) -> int:
    """The version the page showed; a post without one is refused, never defaulted."""
    if not form.is_valid():
        raise InvalidInput(
            _("Reload the page: the form lacks the version you saw."), field="version"
        )
    return form.cleaned_data["version"]


@login_required
@domain_errors
def bulletin_file(request: HttpRequest, pk: int) -> HttpResponse:
    return responses.bulletin_file(get_bulletin_for_user(request.user, pk))
