"""Target pages: the year's targets on their trajectory, one target's months, and the
unit's monthly report of an actual (through targets.services.report_actual)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from luoshi.lib.errors import DomainError
from luoshi.matters.views._common import domain_errors
from luoshi.org.access import access_for

from . import services
from .forms import ActualForm
from .models import STATUS_COLOURS
from .queries import get_target_for_user, trajectory, visible_targets


@login_required
def index(request: HttpRequest) -> HttpResponse:
    year = request.GET.get("year", "")
    year = int(year) if year.isdigit() else timezone.localdate().year
    paths = [trajectory(t) for t in visible_targets(request.user).filter(year=year)]
    return render(request, "targets/index.html", {"year": year, "paths": paths})


@login_required
@domain_errors
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    target = get_target_for_user(request.user, pk)
    form = ActualForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.report_actual(target, actor=request.user, **form.cleaned_data)
        except DomainError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            messages.success(request, _("The actual was recorded."))
            return redirect("targets:detail", pk=pk)
    context = {
        "path": trajectory(target),
        "form": form,
        "may_report": access_for(request.user).acts_for(target.unit_id),
        "colours": STATUS_COLOURS,
    }
    return render(request, "targets/detail.html", context, status=400 if form.errors else 200)
