"""Pages of documents: import a table (upload → preview → confirm), the ledger, bulletins.

Each view parses the request, calls a service or query, and renders; domain errors
become the matching HTTP answer (403/404) or a message on the page.
"""

from __future__ import annotations

import tempfile

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import (
    FileResponse,
    Http404,
    HttpResponse,
    HttpResponseBadRequest,
    JsonResponse,
)
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from luoshi.lib.errors import DomainError, InvalidInput, NotAllowed
from luoshi.lib.web import domain_errors
from luoshi.org.access import access_for

from . import exports, services
from .forms import BulletinForm, ImportForm, PeriodForm
from .ledger import describe_filter, write_ledger
from .models import ExportState, LedgerExport
from .queries import (
    batches_for,
    get_batch_for_user,
    get_bulletin_for_user,
    visible_bulletins,
)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _require_supervisor(request) -> None:
    access = access_for(request.user)
    if not (access.is_office):
        raise NotAllowed(_("Only the office's supervisors may do this."))


@login_required
def index(request):
    """The documents home: import, ledger, bulletins, and the latest of each."""
    access = access_for(request.user)
    context = {
        "is_supervisor": access.is_office,
        "batches": batches_for(request.user)[:10],
        "bulletins": visible_bulletins(request.user)[:10],
    }
    return render(request, "documents/index.html", context)


# --- Import -----------------------------------------------------------------------------------


@login_required
@domain_errors
@require_http_methods(["GET", "POST"])
def import_upload(request):
    _require_supervisor(request)
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            batch = services.upload_import(
                upload.read(), filename=upload.name, options=form.options(), actor=request.user
            )
        except DomainError as error:
            if isinstance(error, NotAllowed):
                raise
            form.add_error("file" if error.field in (None, "file") else None, error.message)
        else:
            return redirect("documents:import_preview", batch.pk)
    status = 422 if form.errors else 200
    return render(request, "documents/import_upload.html", {"form": form}, status=status)


@login_required
@domain_errors
def import_preview(request, pk: int):
    batch = get_batch_for_user(request.user, pk)
    context = {
        "batch": batch,
        "preview": batch.preview,
        "has_suggestions": batch.state == "previewed"
        and any(p.get("code") == "unit_suggestion" for p in batch.preview.get("problems", [])),
        "created": services.created_matters(batch) if batch.created_count else [],
    }
    return render(request, "documents/import_preview.html", context)


@login_required
@domain_errors
@require_POST
def import_accept_suggestions(request, pk: int):
    """Preview the same file again, reading near-miss unit names as the suggested units."""
    batch = get_batch_for_user(request.user, pk)
    batch = services.preview_again(batch, actor=request.user, accept_suggestions=True)
    return redirect("documents:import_preview", batch.pk)


@login_required
@domain_errors
@require_POST
def import_confirm(request, pk: int):
    batch = get_batch_for_user(request.user, pk)
    try:
        batch = services.confirm_import(batch, actor=request.user)
    except NotAllowed:
        raise
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request, _("%(n)s matters were registered as drafts.") % {"n": batch.created_count}
        )
    return redirect("documents:import_preview", batch.pk)


# --- Ledger -----------------------------------------------------------------------------------


def ledger_response(request, *, json_errors: bool = True) -> HttpResponse:
    """The ledger of the list the user filtered, as the matter list shows it (also the API's).

    Up to LUOSHI["LEDGER_INTERACTIVE_ROWS"] matters it is written now and sent from a
    temporary file; past that it is built in the background (documents.exports) and the
    answer says where it will be: the exports page, or 202 with the export for the API.
    """
    try:
        matter_filter = exports.parse_filter(request.GET)
    except InvalidInput as error:
        if json_errors:
            body = {"code": error.code, "message": error.message, "field": error.field}
            return JsonResponse(body, status=400)
        return HttpResponseBadRequest(error.message, content_type="text/plain; charset=utf-8")
    queryset = exports.ledger_queryset(request.user, matter_filter, request.GET)
    if queryset.count() > exports.interactive_limit():
        export = exports.request_export(actor=request.user, params=request.GET)
        if json_errors:
            return JsonResponse(export_json(export), status=202)
        messages.info(
            request,
            _("This ledger is long: it is being prepared, and you will be told when it is ready."),
        )
        return redirect("documents:export_list")
    out = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)  # noqa: SIM115 (FileResponse closes it)
    write_ledger(queryset, out, filter_text=describe_filter(matter_filter))
    out.seek(0)
    name = f"督查督办台账-{timezone.localdate():%Y%m%d}.xlsx"
    return FileResponse(out, as_attachment=True, filename=name, content_type=XLSX)


@login_required
def ledger(request):
    return ledger_response(request, json_errors=False)


def export_json(export: LedgerExport) -> dict:
    return {
        "id": export.pk,
        "state": export.state,
        "filter": export.filter_text,
        "row_count": export.row_count,
        "created_at": export.created_at.isoformat(),
        "file": f"/api/documents/exports/{export.pk}/file" if export.file else None,
    }


@login_required
def export_list(request):
    """The user's background ledgers; the page refreshes itself while one is being prepared."""
    rows = list(exports.exports_for(request.user)[:50])
    context = {"exports": rows, "pending": any(e.state == ExportState.PENDING for e in rows)}
    template = (
        "documents/partials/exports.html"
        if request.headers.get("HX-Request")
        else "documents/exports.html"
    )
    return render(request, template, context)


@login_required
@domain_errors
def export_file(request, pk: int):
    export = exports.get_export_for_user(request.user, pk)
    if not export.file:
        raise Http404(_("This export is not ready."))
    name = f"督查督办台账-{timezone.localtime(export.created_at):%Y%m%d-%H%M}.xlsx"
    return FileResponse(
        export.file.open("rb"), as_attachment=True, filename=name, content_type=XLSX
    )


# --- Bulletins --------------------------------------------------------------------------------


@login_required
@domain_errors
@require_http_methods(["GET", "POST"])
def bulletin_list(request):
    access = access_for(request.user)
    can_draft = access.is_office
    form = PeriodForm(request.POST or None)
    if request.method == "POST":
        _require_supervisor(request)
        if form.is_valid():
            bulletin = services.draft_bulletin(actor=request.user, **form.cleaned_data)
            return redirect("documents:bulletin_detail", bulletin.pk)
    bulletins = visible_bulletins(request.user)[:100]
    context = {"bulletins": bulletins, "form": form, "can_draft": can_draft}
    return render(
        request, "documents/bulletin_list.html", context, status=422 if form.errors else 200
    )


@login_required
@domain_errors
@require_http_methods(["GET", "POST"])
def bulletin_detail(request, pk: int):
    bulletin = get_bulletin_for_user(request.user, pk)
    initial = {name: getattr(bulletin, name) for name in services.TEXT_FIELDS}
    form = BulletinForm(request.POST or None, initial={**initial, "version": bulletin.version})
    if request.method == "POST":
        _require_supervisor(request)
        if form.is_valid():
            data = dict(form.cleaned_data)
            version = data.pop("version")
            try:
                services.update_bulletin(bulletin, actor=request.user, version=version, **data)
            except NotAllowed:
                raise
            except DomainError as error:
                form.add_error(None, error.message)
            else:
                messages.success(request, _("The draft was saved."))
                return redirect("documents:bulletin_detail", bulletin.pk)
    context = {
        "bulletin": bulletin,
        "form": form,
        "mentions": bulletin.mentions.select_related("unit", "matter"),
    }
    return render(
        request, "documents/bulletin_detail.html", context, status=422 if form.errors else 200
    )


@login_required
@domain_errors
@require_POST
def bulletin_issue(request, pk: int):
    bulletin = get_bulletin_for_user(request.user, pk)
    try:
        version = int(request.POST.get("version", ""))
    except ValueError:
        version = None
    try:
        bulletin = services.issue_bulletin(bulletin, actor=request.user, version=version)
    except NotAllowed:
        raise
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Bulletin %(n)s was issued.") % {"n": bulletin.number_label})
    return redirect("documents:bulletin_detail", bulletin.pk)


@login_required
@domain_errors
def bulletin_file(request, pk: int):
    bulletin = get_bulletin_for_user(request.user, pk)
    if not bulletin.file:
        raise Http404(_("This bulletin has not been issued yet."))
    name = f"督查通报{bulletin.number_label}.docx"
    return FileResponse(
        bulletin.file.open("rb"), as_attachment=True, filename=name, content_type=DOCX
    )
