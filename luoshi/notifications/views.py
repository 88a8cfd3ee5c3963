"""The inbox: what waits for the user, like notices grouped, and the user's preferences."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from luoshi.lib.errors import DomainError
from luoshi.lib.numbers import is_id

from . import queries
from .forms import PreferenceForm
from .models import Notification
from .services import mark_read, save_preference

PAGE_SIZE = 30


def _inbox(request: HttpRequest) -> HttpResponse:
    show_all = request.GET.get("show") == "all"
    rows = queries.grouped(request.user, waiting_only=not show_all)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    htmx = request.headers.get("HX-Request") == "true"
    template = "notifications/partials/inbox_body.html" if htmx else "notifications/inbox.html"
    context = {
        "page_obj": page,
        "groups": queries.groups_of(list(page)),
        "htmx": htmx,
        "show_all": show_all,
    }
    return render(request, template, context)


@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    return _inbox(request)


@require_POST
@login_required
def read(request: HttpRequest) -> HttpResponse:
    """Mark notices read: given ids (with their groups when `group` is set) or all."""
    ids = [int(i) for i in request.POST.getlist("id") if is_id(i)]
    if ids and request.POST.get("group"):
        for notice in Notification.objects.filter(user=request.user, pk__in=ids):
            ids += list(queries.group_members(request.user, notice).values_list("pk", flat=True))
    mark_read(request.user, ids or None)
    if request.headers.get("HX-Request") == "true":
        return _inbox(request)
    return redirect("notifications:inbox")


@login_required
def preferences(request: HttpRequest) -> HttpResponse:
    """通知设置: e-mail, SMS, when, which kinds, in which language."""
    form = PreferenceForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            save_preference(request.user, **form.cleaned_data)
        except DomainError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            messages.success(request, _("Your notification settings are saved."))
            return redirect("notifications:preferences")
    return render(request, "notifications/preferences.html", {"form": form})
