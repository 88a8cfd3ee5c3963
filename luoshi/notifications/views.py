"""The inbox: a user's notifications, newest first, with mark-as-read."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from .models import Notification
from .services import mark_read

PAGE_SIZE = 30


def _inbox(request: HttpRequest) -> HttpResponse:
    rows = Notification.objects.filter(user=request.user).select_related("matter")
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    htmx = request.headers.get("HX-Request") == "true"
    template = "notifications/partials/inbox_body.html" if htmx else "notifications/inbox.html"
    return render(request, template, {"page_obj": page, "htmx": htmx})


@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    return _inbox(request)


@require_POST
@login_required
def read(request: HttpRequest) -> HttpResponse:
    """Mark one notification (`id`) or all of them read; only the user's own."""
    ids = [int(i) for i in request.POST.getlist("id") if i.isdigit()]
    mark_read(request.user, ids or None)
    if request.headers.get("HX-Request") == "true":
        return _inbox(request)
    return redirect("notifications:inbox")
