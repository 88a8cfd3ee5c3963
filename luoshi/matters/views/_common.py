"""What the page views share: htmx rendering, the pickers' lists, domain errors to HTTP."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from luoshi.lib.web import domain_errors, is_htmx
from luoshi.org.queries import active_units, leaders

from ..models import MilestoneTemplate


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


def milestone_templates() -> list[MilestoneTemplate]:
    return list(MilestoneTemplate.objects.order_by("name"))


__all__ = [
    "active_units",
    "domain_errors",
    "is_htmx",
    "leaders",
    "milestone_templates",
    "render_page",
]
