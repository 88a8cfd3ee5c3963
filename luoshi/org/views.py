"""Unit pages: every unit, and one unit with what the other apps show about it (panels)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from luoshi.lib.web import domain_errors

from .models import Unit
from .panels import panels_for
from .queries import get_unit


@login_required
def unit_index(request: HttpRequest) -> HttpResponse:
    units = Unit.objects.filter(is_active=True).order_by("path")
    return render(request, "org/unit_index.html", {"units": units})


@login_required
@domain_errors
def unit_detail(request: HttpRequest, pk: int) -> HttpResponse:
    unit = get_unit(pk)
    context = {"unit": unit, "panels": panels_for(request, unit)}
    return render(request, "org/unit_detail.html", context)
