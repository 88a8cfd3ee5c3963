"""Registering a matter (立项) and decomposing one into sub-matters (分解)."""

from __future__ import annotations

from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from luoshi.lib import requestkeys
from luoshi.lib.errors import IllegalTransition, InvalidInput, NotAllowed, StaleVersion
from luoshi.org.access import access_for

from .. import services
from ..forms import ChildFormSet, DecomposeForm, RegisterForm
from ..permissions import check, require_registrar
from ..queries import get_matter_for_user
from ._common import domain_errors, leaders, milestone_templates


def _spec(data: dict) -> services.MatterSpec:
    return services.MatterSpec(
        title=data["title"],
        source=data["source"],
        kind=data["kind"],
        content=data["content"],
        priority=data["priority"],
        lead_unit=data["lead_unit"],
        co_units=[services.CoUnit(u) for u in data["co_units"]],
        responsible_leader=data["responsible_leader"],
        deadline=data["deadline"],
        deadline_workdays=data["deadline_workdays"],
        report_cycle=data["report_cycle"],
        milestones=[services.MilestoneSpec(title=t, deadline=d) for t, d in data["milestones"]],
        milestone_template=data["milestone_template"],
    )


@login_required
@domain_errors
def register(request: HttpRequest) -> HttpResponse:
    require_registrar(access_for(request.user))
    choices = {"leaders": leaders(), "templates": milestone_templates()}
    form = RegisterForm(request.POST or None, **choices)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                matter = services.register_matter(
                    _spec(form.cleaned_data),
                    actor=request.user,
                    request_key=requestkeys.from_request(request),
                )
            except InvalidInput as error:
                form.add_error(error.field if error.field in form.fields else None, error.message)
            else:
                messages.success(request, _("%(serial)s registered.") % {"serial": matter.serial})
                return redirect("matters:detail", pk=matter.pk)
        status = 422
    return render(request, "matters/register.html", {"form": form}, status=status)


def _child_spec(parent, data: dict) -> services.MatterSpec:
    return services.MatterSpec(
        title=data["title"],
        source=parent.source,
        kind=parent.kind,
        lead_unit=data["lead_unit"],
        deadline=data["deadline"],
        report_cycle=parent.report_cycle,
        weight=data.get("weight") or Decimal(1),
    )


@login_required
@domain_errors
def decompose(request: HttpRequest, pk: int) -> HttpResponse:
    """Several sub-matters at once; each becomes a draft under the matter."""
    matter = get_matter_for_user(request.user, pk)
    try:
        check("decompose", access_for(request.user), services.permission_context(matter))
    except IllegalTransition as error:
        messages.error(request, error.message)
        return redirect("matters:detail", pk=matter.pk)
    data = request.POST if request.method == "POST" else None
    form = DecomposeForm(data, initial={"version": matter.version})
    formset = ChildFormSet(data, prefix="children")
    status = 200
    if data is not None:
        status = 422
        if form.is_valid() and formset.is_valid():
            filled = [f for f in formset.forms if f.cleaned_data.get("title")]
            specs = [_child_spec(matter, f.cleaned_data) for f in filled]
            try:
                children = services.decompose_matter(
                    matter, specs, actor=request.user, version=form.cleaned_data["version"]
                )
            except StaleVersion as error:
                messages.error(request, error.message)
                return redirect("matters:detail", pk=matter.pk)
            except (InvalidInput, NotAllowed) as error:
                _place_error(form, filled, error)
            else:
                messages.success(
                    request, _("%(n)s sub-matter(s) registered.") % {"n": len(children)}
                )
                return redirect("matters:detail", pk=matter.pk)
    context_ = {"matter": matter, "form": form, "formset": formset}
    return render(request, "matters/decompose.html", context_, status=status)


def _place_error(form, filled: list, error) -> None:
    """Put the service's message on the child row and field it names (children[2].deadline)."""
    field = getattr(error, "field", None) or ""
    if field.startswith("children[") and "]." in field:
        index, name = field[len("children[") :].split("].", 1)
        row = filled[int(index) - 1]
        row.add_error(name if name in row.fields else None, error.message)
        return
    form.add_error(None, error.message)
