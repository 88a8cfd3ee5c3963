"""Evaluation pages for the office and the units: schemes with their rules in words,
periods (open, compute, review, close), bonus and penalty items with their reasons,
rankings, and each unit's scorecard with every point explained. Views parse, call a
service or query, and render; who may do what is asked of evaluation.permissions."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from luoshi.lib.errors import IllegalTransition, InvalidInput, StaleVersion
from luoshi.lib.web import domain_errors
from luoshi.org.access import access_for
from luoshi.org.models import Unit, UnitKind

from . import permissions, queries, services
from .explain import indicator, scheme_lines
from .filters import AdjustmentFilter, PeriodFilter, SchemeFilter, ScorecardFilter
from .forms import (
    AdjustmentForm,
    CloseForm,
    ComputeForm,
    OpenPeriodForm,
    ReviewForm,
    SchemeForm,
    WithdrawForm,
)
from .models import Adjustment, AdjustmentKind, Period, PeriodKind, PeriodState, Scheme


def _schemes():
    return Scheme.objects.order_by("name", "-version")


@login_required
def index(request: HttpRequest) -> HttpResponse:
    """Leaders and the office: the periods (and opening one). Units: their scorecards."""
    access = access_for(request.user)
    if not permissions.may_read_rankings(access):
        cards = ScorecardFilter.from_params(request.GET)
        rows = cards.apply(queries.visible_scorecards(request.user))
        context = {"cards": rows, "filters": cards}
        return render(request, "evaluation/index.html", context, status=_status(cards))
    filters = PeriodFilter.from_params(request.GET)
    may_open = permissions.may("open_period", access)
    form = OpenPeriodForm(schemes=_schemes(), initial=_next_month()) if may_open else None
    return _periods(request, filters, form, _status(filters))


def _periods(request: HttpRequest, filters: PeriodFilter, form, status: int) -> HttpResponse:
    context = {
        "periods": filters.apply(Period.objects.select_related("scheme")),
        "filters": filters,
        "open_form": form,
        "kinds": PeriodKind.choices,
        "states": PeriodState.choices,
    }
    return render(request, "evaluation/index.html", context, status=status)


def _next_month() -> dict:
    """The period an office usually opens next: the coming month."""
    today = timezone.localdate()
    following = today.replace(day=28) + dt.timedelta(days=4)
    return {"year": following.year, "number": following.month}


def _status(filters) -> int:
    return 422 if filters.errors else 200


@require_POST
@login_required
@domain_errors
def open_period(request: HttpRequest) -> HttpResponse:
    permissions.check("open_period", access_for(request.user))
    form = OpenPeriodForm(request.POST, schemes=_schemes())
    if form.is_valid():
        try:
            period = services.open_period(actor=request.user, **form.cleaned_data)
        except InvalidInput as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            messages.success(request, _("%(period)s is open.") % {"period": period.label})
            return redirect("evaluation:period", pk=period.pk)
    return _periods(request, PeriodFilter(), form, 422)


# -- schemes -----------------------------------------------------------------------------


@login_required
@domain_errors
def schemes(request: HttpRequest) -> HttpResponse:
    access = access_for(request.user)
    permissions.require_schemes(access)
    filters = SchemeFilter.from_params(request.GET)
    rows = filters.apply(Scheme.objects.select_related("published_by"))
    context = {
        "schemes": rows,
        "filters": filters,
        "may_publish": permissions.may("publish_scheme", access),
    }
    return render(request, "evaluation/schemes.html", context)


@login_required
@domain_errors
def scheme_new(request: HttpRequest) -> HttpResponse:
    permissions.check("publish_scheme", access_for(request.user))
    form = SchemeForm(request.POST or None)
    return (
        _publish(request, form, None) if request.method == "POST" else _scheme_form(request, form)
    )


def _scheme_form(request, form, scheme=None, status=200) -> HttpResponse:
    context = {"form": form, "scheme": scheme}
    return render(request, "evaluation/scheme_form.html", context, status=status)


def _publish(request: HttpRequest, form: SchemeForm, scheme: Scheme | None) -> HttpResponse:
    if not form.is_valid():
        return _scheme_form(request, form, scheme, 422)
    d = form.cleaned_data
    fields = ("name", "base", "honour_count", "unit_kinds", "rules")
    try:
        published = services.publish_scheme(
            actor=request.user, version=d.get("version"), **{k: d[k] for k in fields}
        )
    except StaleVersion as error:
        messages.error(request, error.message)
        return (
            redirect("evaluation:scheme", pk=scheme.pk)
            if scheme
            else redirect("evaluation:schemes")
        )
    except InvalidInput as error:
        form.add_error(error.field if error.field in form.fields else None, error.message)
        return _scheme_form(request, form, scheme, 422)
    messages.success(
        request,
        _("%(name)s version %(n)s is published.")
        % {"name": published.name, "n": published.version},
    )
    return redirect("evaluation:scheme", pk=published.pk)


@login_required
@domain_errors
def scheme(request: HttpRequest, pk: int) -> HttpResponse:
    """A scheme version in words; the office edits the newest version into the next one."""
    access = access_for(request.user)
    permissions.require_schemes(access)
    shown = queries.get_scheme(pk)
    newest = queries.latest_version(shown) == shown.version
    may_edit = newest and permissions.may("publish_scheme", access)
    if request.method == "POST":
        permissions.check("publish_scheme", access)
        return _publish(request, SchemeForm(request.POST, scheme=shown), shown)
    context = {
        "scheme": shown,
        "lines": scheme_lines(shown),
        "versions": Scheme.objects.filter(name=shown.name).order_by("-version"),
        "periods": shown.periods.order_by("-start"),
        "form": SchemeForm(scheme=shown) if may_edit else None,
        "newest": newest,
        "kinds": [UnitKind(k).label for k in shown.unit_kinds if k in UnitKind.values],
    }
    return render(request, "evaluation/scheme.html", context)


# -- periods -----------------------------------------------------------------------------

ACTIONS = {
    "compute": (ComputeForm, lambda: _("The results were computed.")),
    "review": (ReviewForm, lambda: _("The results are reviewed; the period may be closed.")),
    "close": (CloseForm, lambda: _("The period is closed; its results are frozen.")),
    "adjust": (AdjustmentForm, lambda: _("The item was added; the scores are updated.")),
}


RANKING_LONGEST, RANKING_ENDS = 200, 50  # a longer group shows its first and last 50


class PeriodPage:
    """A period: its ranking, its items, its history, and the office's forms."""

    def __init__(self, request: HttpRequest, period: Period):
        self.request, self.period = request, period
        self.access = access_for(request.user)
        permissions.require_rankings(self.access)
        self.items = AdjustmentFilter.from_params(request.GET)

    def form(self, verb: str, data=None):
        if not permissions.may(verb, self.access):
            return None
        form_class, _done = ACTIONS[verb]
        kwargs = {"units": self.evaluated_units()} if verb == "adjust" else {}
        return form_class(data, initial={"version": self.period.version}, prefix=verb, **kwargs)

    def evaluated_units(self):
        """Items are for the units the period's scheme ranks."""
        kinds = self.period.scheme.unit_kinds
        return Unit.objects.filter(is_active=True, kind__in=kinds).order_by("path")

    def offered(self) -> list[str]:
        """The actions the period's state allows now (the services decide again)."""
        if self.period.is_closed:
            return []
        if self.period.is_reviewed:
            return ["compute", "close", "adjust"]
        return ["compute", "review", "adjust"] if self.period.computed_at else ["compute", "adjust"]

    def render(self, bound: dict | None = None, status: int = 200) -> HttpResponse:
        bound = bound or {}
        forms = {v: bound.get(v) or self.form(v) for v in self.offered()}
        context = {
            "period": self.period,
            "groups": self.groups(),
            "forms": {v: f for v, f in forms.items() if f is not None},
            "items": self.items.apply(self.period.adjustments.all()),
            "item_filter": self.items,
            "withdraw_form": WithdrawForm(initial={"version": self.period.version})
            if permissions.may("adjust", self.access) and not self.period.is_closed
            else None,
            "events": queries.period_events(self.period),
            "item_kinds": AdjustmentKind.choices,
            "early": self._early(),
        }
        return render(self.request, "evaluation/period.html", context, status=status)

    def groups(self) -> list:
        """Each group's ranking; a group of hundreds shows its ends unless all are asked for."""
        groups = queries.ranking(self.period)
        if self.request.GET.get("all") == "1":
            return groups
        return [g.trimmed(RANKING_ENDS, RANKING_LONGEST) for g in groups]

    def _early(self) -> bool:
        return timezone.localdate() <= self.period.end


@login_required
@domain_errors
def period(request: HttpRequest, pk: int) -> HttpResponse:
    page = PeriodPage(request, queries.get_period(pk))
    return page.render(status=_status(page.items))


def _act(verb: str, period: Period, user, d: dict) -> None:
    v = {"actor": user, "version": d["version"]}
    if verb == "compute":
        services.compute_period(period, **v)
    elif verb == "review":
        services.review_period(period, **v, comment=d["comment"])
    elif verb == "close":
        services.close_period(period, **v, reason=d["reason"])
    else:
        fields = {k: d[k] for k in ("unit", "kind", "reason")}
        services.add_adjustment(period, **v, points=d["points"] or 0, **fields)


@require_POST
@login_required
@domain_errors
def period_action(request: HttpRequest, pk: int, verb: str) -> HttpResponse:
    """One of the office's actions on a period: validate, call the service, show."""
    if verb not in ACTIONS:
        raise Http404(verb)
    page = PeriodPage(request, queries.get_period(pk))
    form = page.form(verb, request.POST)
    if form is None:
        permissions.check(verb, page.access)
    if not form.is_valid():
        return page.render({verb: form}, status=422)
    try:
        _act(verb, page.period, request.user, form.cleaned_data)
    except (StaleVersion, IllegalTransition) as error:
        messages.error(request, error.message)
        return PeriodPage(request, queries.get_period(pk)).render(status=409)
    except InvalidInput as error:
        form.add_error(error.field if error.field in form.fields else None, error.message)
        return page.render({verb: form}, status=422)
    messages.success(request, ACTIONS[verb][1]())
    return redirect("evaluation:period", pk=pk)


@require_POST
@login_required
@domain_errors
def withdraw_item(request: HttpRequest, pk: int) -> HttpResponse:
    permissions.check("adjust", access_for(request.user))
    item = Adjustment.objects.select_related("period").filter(pk=pk).first()
    if item is None:
        raise Http404
    form = WithdrawForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give the reason for withdrawing the item."))
        return redirect("evaluation:period", pk=item.period_id)
    try:
        services.withdraw_adjustment(item, actor=request.user, **form.cleaned_data)
    except (StaleVersion, IllegalTransition, InvalidInput) as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The item was withdrawn; the scores are updated."))
    return redirect("evaluation:period", pk=item.period_id)


# -- scorecards --------------------------------------------------------------------------


@login_required
@domain_errors
def scorecard(request: HttpRequest, pk: int) -> HttpResponse:
    card = queries.scorecard_for_user(request.user, pk)
    history = queries.visible_scorecards(request.user).filter(unit_id=card.unit_id)
    context = {
        "card": card,
        "explained": queries.explained_card(card),
        "history": ScorecardFilter(unit=card.unit_id).apply(history)[:12],
        "may_rank": permissions.may_read_rankings(access_for(request.user)),
    }
    return render(request, "evaluation/scorecard.html", context)


@login_required
@domain_errors
def figure_matters(request: HttpRequest, pk: int, indicator_code: str) -> HttpResponse:
    card = queries.scorecard_for_user(request.user, pk)
    matters = queries.matters_behind(request.user, card, indicator_code)
    context = {"card": card, "indicator": indicator(indicator_code), "matters": matters}
    return render(request, "evaluation/figure_matters.html", context)
