"""Target pages: the year's targets on their trajectory, one target with its months, plan
versions and events, and the forms that change them. Views parse, call a service, and
render; who may do what is asked of targets.permissions."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from luoshi.lib.errors import IllegalTransition, InvalidInput, NotAllowed, StaleVersion
from luoshi.lib.web import domain_errors
from luoshi.org.access import access_for
from luoshi.org.models import Unit

from . import permissions, services
from .filters import TargetFilter
from .forms import ActualForm, CloseMonthForm, ReplanForm, SpawnForm, TargetForm
from .models import STATUS_COLOURS, Target, TargetWarning
from .queries import (
    get_target_for_user,
    plan_history,
    plan_in_force,
    target_events,
    trajectory,
    visible_targets,
)

PAGE_SIZE = 50


def _units():
    return Unit.objects.filter(is_active=True).order_by("path")


@login_required
def index(request: HttpRequest) -> HttpResponse:
    """The year's targets; the office also closes a month here."""
    today = timezone.localdate()
    filters = TargetFilter.from_params(request.GET, today=today)
    page = Paginator(filters.apply(visible_targets(request.user)), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    paths = [trajectory(t) for t in page.object_list]
    may_plan = permissions.may_plan(access_for(request.user))
    context = {
        "year": filters.year,
        "filters": filters,
        "paths": paths,
        "page": page,
        "query": urlencode(filters.as_params()),
        "may_plan": may_plan,
        "close_form": CloseMonthForm(
            initial={"year": filters.year, "month": max(today.month - 1, 1)}
        )
        if may_plan
        else None,
        "units": _units() if may_plan else [],
    }
    return render(request, "targets/index.html", context, status=422 if filters.errors else 200)


class TargetPage:
    """One target with the forms the user may use on it."""

    def __init__(self, request: HttpRequest, target: Target):
        self.request, self.target = request, target
        self.access = access_for(request.user)
        self.path = trajectory(target)

    def form(self, name: str, data=None):
        initial = {"version": self.target.version}
        if name == "report" and permissions.may_report(self.access, self.target):
            form = ActualForm(
                data, initial={**initial, "month": self._due_month()}, prefix="report"
            )
            if not self.target.accumulates:
                form.fields["value"].label = _("Actual")
            return form
        if name == "replan" and permissions.may_plan(self.access):
            planned = [plan_in_force(self.target).get(m) for m in range(1, 13)]
            return ReplanForm(data, initial=initial, prefix="replan", planned=planned)
        if name == "matter" and permissions.may_plan(self.access):
            return SpawnForm(data, initial=initial, prefix="matter")
        return None

    def _due_month(self) -> int:
        """The month a unit reports next: the last one over, in the target's year."""
        today = timezone.localdate()
        if self.target.year != today.year:
            return 12 if self.target.year < today.year else 1
        return max(today.month - 1, 1)

    @property
    def offers_matter(self) -> bool:
        """A catch-up matter is offered for a target behind that has none yet."""
        return self.target.warning == TargetWarning.BEHIND and not self.target.matter_id

    def render(self, bound: dict | None = None, status: int = 200) -> HttpResponse:
        bound = bound or {}
        forms = {n: bound.get(n) or self.form(n) for n in ("report", "replan", "matter")}
        context = {
            "path": self.path,
            "target": self.target,
            "plans": plan_history(self.target),
            "events": target_events(self.target),
            "forms": forms,
            "offers_matter": self.offers_matter,
            "colours": STATUS_COLOURS,
        }
        return render(self.request, "targets/detail.html", context, status=status)


@login_required
@domain_errors
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    return TargetPage(request, get_target_for_user(request.user, pk)).render()


def _call(name: str, target: Target, user, d: dict):
    version = d["version"]
    if name == "report":
        fields = {k: d[k] for k in ("month", "value", "source", "note")}
        return services.report_actual(target, actor=user, version=version, **fields)
    if name == "replan":
        return services.replan_target(
            target,
            actor=user,
            version=version,
            trajectory_spec=d["_form"].trajectory(),
            reason=d["reason"],
            yearly_value=d["yearly_value"],
        )
    return services.spawn_matter(target, actor=user, version=version, deadline=d["deadline"])


DONE = {
    "report": lambda: _("The actual was recorded."),
    "replan": lambda: _("The new plan is in force; the months already closed keep their rating."),
    "matter": lambda: _("A matter was opened for the target."),
}


@require_POST
@login_required
@domain_errors
def action(request: HttpRequest, pk: int, name: str) -> HttpResponse:
    """One change from the target page: report, re-plan, open a matter."""
    if name not in DONE:
        raise Http404(name)
    page = TargetPage(request, get_target_for_user(request.user, pk))
    form = page.form(name, request.POST)
    if form is None:
        raise NotAllowed(_("You may not do this with the target."))
    if not form.is_valid():
        return page.render({name: form}, status=422)
    try:
        _call(name, page.target, request.user, {**form.cleaned_data, "_form": form})
    except (StaleVersion, IllegalTransition) as error:
        messages.error(request, error.message)
        return TargetPage(request, get_target_for_user(request.user, pk)).render(status=409)
    except InvalidInput as error:
        form.add_error(error.field if error.field in form.fields else None, error.message)
        return page.render({name: form}, status=422)
    messages.success(request, DONE[name]())
    return redirect("targets:detail", pk=pk)


@login_required
@domain_errors
def create(request: HttpRequest) -> HttpResponse:
    """A new target with its trajectory (the office)."""
    permissions.require_plan(access_for(request.user))
    year = timezone.localdate().year
    form = TargetForm(request.POST or None, units=_units(), initial={"year": year})
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        fields = (
            "unit",
            "year",
            "name",
            "yearly_value",
            "measure",
            "direction",
            "accumulates",
            "margin",
        )
        try:
            target = services.create_target(
                actor=request.user, trajectory_spec=form.trajectory(), **{k: d[k] for k in fields}
            )
        except InvalidInput as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            messages.success(request, _("The target was set."))
            return redirect("targets:detail", pk=target.pk)
    status = 422 if form.errors else 200
    return render(request, "targets/create.html", {"form": form}, status=status)


@require_POST
@login_required
@domain_errors
def close_month(request: HttpRequest) -> HttpResponse:
    """月度封存 from the target list (the office)."""
    permissions.require_plan(access_for(request.user))
    form = CloseMonthForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose the month to close."))
        return redirect("targets:index")
    year, month = form.cleaned_data["year"], form.cleaned_data["month"]
    try:
        count = services.close_month(actor=request.user, year=year, month=month)
    except (IllegalTransition, InvalidInput) as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _("%(year)s-%(month)02d closed: the rating of %(n)s target(s) is frozen.")
            % {"year": year, "month": month, "n": count},
        )
    return redirect(f"{reverse('targets:index')}?{urlencode({'year': year})}")
