"""我的工作台: what waits for the user, each item one click from its action."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _

from luoshi.org.access import access_for

from ..backlog import BacklogKind, backlog_counts, backlog_items
from ..models import Policy, ReportCycle
from ..queries import DESK_LIST_SIZE, desk_counts, desk_lists
from ._common import render_page

# Desk sections in the order shown: label, colour, and the action each item leads to
# (the anchor of that action's form on the matter page; "accept" is a button on the desk).
SECTIONS = [
    ("to_accept", _("To accept"), "", "accept"),
    ("to_report", _("To report"), "", "report"),
    ("overdue", _("Overdue"), "red", ""),
    ("due_soon", _("Due soon"), "yellow", ""),
    ("stalled", _("Stalled"), "grey", ""),
    ("approvals", _("To approve for dispatch"), "", "approve_dispatch"),
    ("to_assign", _("To assign"), "", "assign"),
    ("disputes", _("Disputes to rule"), "", "rule_dispute"),
    ("extensions", _("Extensions to rule"), "", "rule_extension"),
    ("review", _("Completions to review"), "", "review"),
]


# The sections whose whole list is the matter list filtered by warning — for a unit user,
# whose desk counts every matter of theirs with that warning (the office's and a leader's
# sections count what they watch, which no list filter says: theirs link to the list).
WARNING_KEYS = {"overdue", "due_soon", "stalled"}


def desk_context(user: User) -> dict:
    counts = desk_counts(user)
    lists = desk_lists(user, counts)
    access = access_for(user)
    by_warning = bool(access.visible_units) and not access.sees_everything
    sections = [
        {"key": key, "label": label, "colour": colour, "action": action,
         "count": counts[key], "items": lists.get(key, []),
         "list_query": urlencode({"warning": key}) if by_warning and key in WARNING_KEYS else "",
         # a unit user's own sections (to accept, to report): no list filter holds them
         "listed": not by_warning or key in WARNING_KEYS}
        for key, label, colour, action in SECTIONS
        if key in counts
    ]  # fmt: skip
    cycles = [
        (label, counts[f"to_report_{value}"])
        for value, label in ReportCycle.choices
        if counts.get(f"to_report_{value}")
    ]
    total = sum(s["count"] for s in sections if s["key"] not in {"due_soon", "stalled"})
    context = {"sections": sections, "cycles": cycles, "total": total}
    if access.is_office:
        context["backlog"] = office_backlog_card()
    return context


def office_backlog_card() -> dict:
    """督查室待办 on the supervisor desk: counts by kind, the oldest items with their age."""
    return {
        "counts": backlog_counts(),
        "items": backlog_items(limit=DESK_LIST_SIZE),
        "kinds": BacklogKind.choices,
        "limit": Policy.current().office_backlog_workdays,
    }


@login_required
def desk(request: HttpRequest) -> HttpResponse:
    context = desk_context(request.user)
    return render_page(request, "matters/desk.html", "matters/partials/desk_body.html", context)
