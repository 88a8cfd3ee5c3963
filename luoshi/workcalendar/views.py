"""The office's calendar page: each year's status, and entering an official schedule.

Two steps on one page: the notice's text (or a table) is read and checked and shown
with its problems (nothing saved); confirming saves it and recounts the provisional
deadlines (workcalendar.services).
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from luoshi.lib.errors import DomainError, NotAllowed
from luoshi.lib.web import domain_errors

from . import queries, services
from .forms import ScheduleForm


@login_required
@domain_errors
@require_http_methods(["GET", "POST"])
def index(request):
    services.require_office(request.user)
    form = ScheduleForm(request.POST or None, request.FILES or None, initial=queries.form_initial())
    preview = None
    if request.method == "POST" and form.is_valid():
        try:
            if request.POST.get("action") == "confirm":
                return _confirm(request, form.cleaned_data)
            preview = _preview(request, form.cleaned_data)
        except NotAllowed:
            raise
        except DomainError as error:
            form.add_error("file" if error.field == "file" else None, error.message)
    status = 422 if form.errors or (preview and not preview.is_valid) else 200
    context = {
        "form": form,
        "preview": preview,
        "years": queries.year_rows(),
        "provisional_matters": queries.provisional_matters(),
    }
    return render(request, "workcalendar/index.html", context, status=status)


def _preview(request, data: dict) -> services.SchedulePreview:
    upload = data.get("file")
    if upload:
        return services.preview_schedule(
            actor=request.user, year=data["year"], data=upload.read(), filename=upload.name
        )
    return services.preview_schedule(actor=request.user, year=data["year"], text=data["text"])


def _confirm(request, data: dict):
    entry = services.enter_schedule(
        actor=request.user, year=data["year"], text=data["text"], notice=data["notice"]
    )
    messages.success(
        request,
        _(
            "The holiday schedule of %(year)s is entered; the deadlines of %(n)s matters "
            "were recounted and their units told."
        )
        % {"year": entry.year, "n": entry.recounted},
    )
    return redirect("workcalendar:index")
