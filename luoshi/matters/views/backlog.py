"""督查室待办: the office's own backlog, oldest first, with each item's age."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse

from ..backlog import BacklogKind, backlog_counts, backlog_items, require_backlog
from ..models import Policy
from ._common import domain_errors, render_page


@login_required
@domain_errors
def office_backlog(request: HttpRequest) -> HttpResponse:
    require_backlog(request.user)
    kind = request.GET.get("kind") if request.GET.get("kind") in BacklogKind.values else None
    late = request.GET.get("late") == "1"
    context = {
        "counts": backlog_counts(),
        "items": backlog_items(kind=kind, late=late),
        "kinds": BacklogKind.choices,
        "kind": kind,
        "late": late,
        "limit": Policy.current().office_backlog_workdays,
    }
    return render_page(
        request, "matters/backlog.html", "matters/partials/backlog_body.html", context
    )
