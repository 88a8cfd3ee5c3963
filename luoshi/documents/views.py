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

from . import exports, permissions, responses, services, uploads
from .forms import (
    BulletinForm,
    ColumnsForm,
    ImportForm,
    ImportOptionsForm,
    PeriodForm,
    VersionForm,
    all_past_date,
    date_choices,
    unit_choices,
)
from .models import ExportState, LedgerExport
from .queries import (
    batches_for,
    get_batch_for_user,
    get_bulletin_for_user,
    import_context,
    visible_bulletins,
)
from .unitnames import UnitDirectory


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
#
# Upload → the preview page. Each question the preview asks (columns, unknown units,
# time limits, options) is a small form posted to its own view, which calls one
# service and answers with the preview's body (htmx swaps it) or a redirect to it.


@login_required
@domain_errors
@require_http_methods(["GET", "POST"])
def import_upload(request: HttpRequest) -> HttpResponse:
    permissions.require(permissions.may_act, request.user, _("import tables"))
    files = request.FILES if request.method == "POST" else None
    form = ImportForm(request.POST or None, files or None)
    if request.method == "POST" and uploads.refused(request):
        context = {"form": ImportForm(), "refused": _too_large(uploads.refused(request))}
        return render(request, "documents/import_upload.html", context, status=413)
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


def _too_large(limit: int) -> str:
    return _("The file is larger than %(mb)s MB.") % {"mb": round(limit / (1024 * 1024), 1)}


@login_required
@domain_errors
def import_preview(request, pk: int):
    batch = get_batch_for_user(request.user, pk)
    return _import_page(request, batch)


def _import_page(request, batch, *, status: int = 200, error: str = "") -> HttpResponse:
    """The preview page, or only its body for htmx (every step swaps it)."""
    context = {**import_context(batch), "error": error}
    template = (
        "documents/partials/import_body.html"
        if is_htmx(request)
        else ("documents/import_preview.html")
    )
    return render(request, template, context, status=status)


def _step(request, batch, action, notice: str = "") -> HttpResponse:
    """Run one step of the import; its refusal is shown on the preview, nothing changed."""
    try:
        batch = action()
    except FORM_REFUSALS as error:
        if is_htmx(request):
            return _import_page(request, batch, status=error.status, error=error.message)
        messages.error(request, error.message)
        return redirect("documents:import_preview", batch.pk)
    if is_htmx(request):
        return _import_page(request, batch, error=notice)
    if notice:
        messages.error(request, notice)
    return redirect("documents:import_preview", batch.pk)


@login_required
@domain_errors
@require_POST
def import_columns(request, pk: int):
    batch = get_batch_for_user(request.user, pk)
    form = ColumnsForm(request.POST, preview=batch.preview)
    if not form.is_valid():
        message = "; ".join(str(e) for errors in form.errors.values() for e in errors)
        return _step(request, batch, lambda: _refuse(message, "columns"))
    return _step(
        request,
        batch,
        lambda: services.choose_columns(
            batch,
            actor=request.user,
            header_row=form.cleaned_data["header_row"],
            fields=form.mapping(),
        ),
    )


def _refuse(message: str, field: str):
    raise InvalidInput(message, field=field)


@login_required
@domain_errors
@require_POST
def import_units(request, pk: int):
    """Map the unknown unit names the preview lists: to a unit, or to a new unit."""
    batch = get_batch_for_user(request.user, pk)
    unknown = batch.preview.get("unknown_units", [])

    if request.POST.get("accept_all"):
        return _step(
            request,
            batch,
            lambda: services.change_options(batch, actor=request.user, accept_suggestions=True),
        )
    choices, unread = unit_choices(request.POST, unknown, UnitDirectory().find)

    def action():
        if not choices:
            raise InvalidInput(
                " ".join(unread) or _("Choose a unit for at least one name."), field="units"
            )
        return services.map_units(batch, actor=request.user, choices=choices)

    # The choices that could be read are applied; the names typed wrong are said.
    return _step(request, batch, action, notice=" ".join(unread))


@login_required
@domain_errors
@require_POST
def import_dates(request, pk: int):
    """New time limits for rows whose limit is past or unreadable, one by one or for all."""
    batch = get_batch_for_user(request.user, pk)
    dated = batch.preview.get("dated", [])
    return _step(
        request,
        batch,
        lambda: services.choose_dates(
            batch,
            actor=request.user,
            rows=date_choices(request.POST, dated),
            for_all_past=all_past_date(request.POST),
        ),
    )


@login_required
@domain_errors
@require_POST
def import_options(request, pk: int):
    batch = get_batch_for_user(request.user, pk)
    form = ImportOptionsForm(request.POST)
    if not form.is_valid():
        message = "; ".join(str(e) for errors in form.errors.values() for e in errors)
        return _step(request, batch, lambda: _refuse(message, "options"))
    return _step(
        request,
        batch,
        lambda: services.change_options(batch, actor=request.user, **form.cleaned_data),
    )


@login_required
@domain_errors
@require_POST
def import_accept_suggestions(request, pk: int):
    """Preview the same file again, reading near-miss unit names as the suggested units."""
    batch = get_batch_for_user(request.user, pk)
    return _step(
        request,
        batch,
        lambda: services.change_options(batch, actor=request.user, accept_suggestions=True),
    )


@login_required
@domain_errors
@require_POST
def import_confirm(request, pk: int):
    batch = get_batch_for_user(request.user, pk)
    try:
        batch = services.confirm_import(batch, actor=request.user)
    except FORM_REFUSALS as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _("%(created)s matters were registered as drafts; %(updated)s were updated.")
            % {"created": batch.created_count, "updated": batch.updated_count},
        )
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
