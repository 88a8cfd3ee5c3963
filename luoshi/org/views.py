"""Unit pages: every unit, and one unit's open matters, overdue and hastening counts."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db.models import Exists, OuterRef
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from luoshi.matters.models import OPEN_STATES, Matter, MatterUnit
from luoshi.matters.queries import unit_summary

from .models import Unit

UNIT_LIST_SIZE = 50


@login_required
def unit_index(request: HttpRequest) -> HttpResponse:
    units = Unit.objects.filter(is_active=True).order_by("path")
    return render(request, "org/unit_index.html", {"units": units})


@login_required
def unit_detail(request: HttpRequest, pk: int) -> HttpResponse:
    unit = get_object_or_404(Unit.objects.select_related("parent"), pk=pk)
    held = Exists(MatterUnit.objects.filter(matter=OuterRef("pk"), unit_id=unit.pk, active=True))
    matters = (
        Matter.objects.visible_to(request.user)
        .filter(held, state__in=sorted(OPEN_STATES))
        .select_related("lead_unit")
        .order_by("deadline", "id")[:UNIT_LIST_SIZE]
    )
    context = {"unit": unit, "matters": matters, "summary": unit_summary(request.user, unit.pk)}
    return render(request, "org/unit_detail.html", context)
