"""What the page views share: htmx detection, rendering, domain errors to HTTP."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from luoshi.lib.web import domain_errors  # noqa: F401  (re-exported for the matter views)
from luoshi.org.models import Membership, Role, Unit

from ..models import MilestoneTemplate


def is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def render_page(
    request: HttpRequest,
    full: str,
    partial: str,
    context: dict,
    status: int = 200,
) -> HttpResponse:
    """The full page, or only its partial (with out-of-band counters) for htmx."""
    htmx = is_htmx(request)
    context = {**context, "htmx": htmx, "partial_template": partial}
    return render(request, partial if htmx else full, context, status=status)


def active_units() -> list[Unit]:
    return list(Unit.objects.filter(is_active=True).order_by("path"))


def leaders() -> list[User]:
    ids = Membership.objects.filter(role=Role.LEADER).values("user_id")
    return list(User.objects.filter(pk__in=ids).order_by("username"))


def milestone_templates() -> list[MilestoneTemplate]:
    return list(MilestoneTemplate.objects.order_by("name"))
