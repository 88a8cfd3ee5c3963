"""Pages of enterprise service: enterprises, problems, service days, figures, and the
enterprise's own tokened page (no account)."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from luoshi.lib.errors import DomainError, InvalidInput, NotFound
from luoshi.lib.web import domain_errors
from luoshi.matters.models import RUNNING_STATES, Rating, State
from luoshi.org.access import access_for
from luoshi.org.models import Unit

from . import queries, services
from .models import (
    Channel,
    EnterpriseProblem,
    EnterpriseSize,
    Guarantee,
    ProblemCategory,
    ServiceDay,
    Tier,
)


def _is_office(user) -> bool:
    access = access_for(user)
    return access.is_office


def _attempt(request: HttpRequest, action, success: str) -> bool:
    """Run a service for a form post; a refusal is shown as a message and changes nothing."""
    try:
        action()
    except DomainError as error:
        messages.error(request, error.message)
        return False
    except (ValueError, TypeError):
        messages.error(request, _("Enter dates as 2026-06-30 and choose from the lists."))
        return False
    messages.success(request, success)
    return True


def _day(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


def _unit(pk) -> Unit:
    unit = Unit.objects.filter(pk=pk or 0, is_active=True).first()
    if unit is None:
        raise InvalidInput(_("Choose a unit."), field="unit")
    return unit


def _units() -> list[Unit]:
    return list(Unit.objects.filter(is_active=True).order_by("path"))


# -- enterprises ----------------------------------------------------------------------


@login_required
def enterprise_list(request: HttpRequest) -> HttpResponse:
    rows = queries.visible_enterprises(request.user).select_related("district").order_by("name")
    q = (request.GET.get("q") or "").strip()
    if q:
        rows = rows.filter(name__icontains=q) | rows.filter(credit_code__icontains=q.upper())
    office = _is_office(request.user)
    if request.method == "POST" and office:
        post = request.POST
        if _attempt(
            request,
            lambda: services.register_enterprise(
                actor=request.user,
                name=post.get("name", ""),
                credit_code=post.get("credit_code", ""),
                district=_unit(post.get("district")),
                industry=post.get("industry", ""),
                size=post.get("size", ""),
                contact_name=post.get("contact_name", ""),
                contact_phone=post.get("contact_phone", ""),
            ),
            _("Enterprise added."),
        ):
            return redirect("enterprises:list")
    context = {
        "enterprises": rows[:500],
        "q": q,
        "is_office": office,
        "whitelist": queries.whitelist_warnings()
        if access_for(request.user).sees_everything
        else [],
        "units": _units(),
        "sizes": EnterpriseSize.choices,
        "counts": _problem_counts(request.user),
    }
    return render(request, "enterprises/enterprise_list.html", context)


def _problem_counts(user: User) -> dict[str, int]:
    problems = queries.visible_problems(user)
    return {
        "to_transfer": problems.filter(matter__isnull=True).count(),
        "to_rate": problems.filter(matter__state=State.COMPLETED, rating="").count(),
        "unsatisfied": problems.filter(matter__state=State.COMPLETED).exclude(rating="").count(),
    }


@login_required
@domain_errors
def enterprise_detail(request: HttpRequest, pk: int) -> HttpResponse:
    enterprise = queries.get_enterprise_for_user(request.user, pk)
    access = access_for(request.user)
    serves = enterprise.liaisons.filter(cadre=request.user, ended_at__isnull=True).exists()
    context = {
        "enterprise": enterprise,
        "liaisons": enterprise.liaisons.filter(ended_at__isnull=True).select_related("cadre"),
        "whitelist": enterprise.whitelist.select_related("approved_by"),
        "problems": queries.visible_problems(request.user).filter(enterprise=enterprise),
        "is_office": _is_office(request.user),
        "may_send": serves or _is_office(request.user),
        "may_approve": access.sees_everything,
        "link": request.build_absolute_uri(reverse("enterprises:public", args=[enterprise.token]))
        if serves or _is_office(request.user)
        else "",
        "categories": ProblemCategory.choices,
        "tiers": Tier.choices,
        "guarantees": Guarantee.choices,
        "cadres": User.objects.filter(is_active=True).order_by("username")[:500],
        "today": timezone.localdate(),
    }
    return render(request, "enterprises/enterprise_detail.html", context)


@login_required
@require_POST
@domain_errors
def enterprise_action(request: HttpRequest, pk: int, verb: str) -> HttpResponse:
    """Office and liaison actions on an enterprise: send in a problem, liaison, whitelist."""
    enterprise = queries.get_enterprise_for_user(request.user, pk)
    post, actor = request.POST, request.user
    actions = {
        "problem": (
            lambda: services.receive_problem(
                enterprise,
                title=post.get("title", ""),
                content=post.get("content", ""),
                category=post.get("category", ""),
                tier=post.get("tier", Tier.ORDINARY),
                channel=Channel.LIAISON,
                actor=actor,
            ),
            _("Problem received."),
        ),
        "liaison": (
            lambda: services.assign_liaison(
                enterprise, User.objects.get(pk=post.get("cadre") or 0), actor=actor
            ),
            _("Liaison cadre assigned."),
        ),
        "whitelist": (
            lambda: services.add_to_whitelist(
                actor=actor,
                enterprise=enterprise,
                guarantee=post.get("guarantee", ""),
                valid_from=_day(post.get("valid_from")),
                valid_to=_day(post.get("valid_to")),
            ),
            _("Added to the whitelist."),
        ),
        "token": (lambda: services.reissue_token(enterprise, actor=actor), _("New link issued.")),
    }
    if verb not in actions:
        raise Http404(verb)
    try:
        _attempt(request, *actions[verb])
    except User.DoesNotExist:
        messages.error(request, _("Choose a cadre."))
    return redirect("enterprises:detail", pk=pk)


# -- problems -------------------------------------------------------------------------


def _filter_problems(queryset, show: str):
    if show == "to_transfer":
        return queryset.filter(matter__isnull=True)
    if show == "to_rate":
        return queryset.filter(matter__state=State.COMPLETED, rating="")
    if show == "unsatisfied":
        return queryset.filter(matter__state=State.COMPLETED).exclude(rating="")
    if show == "open":
        return queryset.filter(matter__state__in=sorted(RUNNING_STATES))
    return queryset


@login_required
def problem_list(request: HttpRequest) -> HttpResponse:
    show = request.GET.get("show", "")
    rows = _filter_problems(queries.visible_problems(request.user), show).order_by("-received_at")
    context = {"problems": rows[:200], "show": show, "counts": _problem_counts(request.user)}
    return render(request, "enterprises/problem_list.html", context)


def _get_problem(user: User, pk: int) -> EnterpriseProblem:
    problem = queries.visible_problems(user).filter(pk=pk).first()
    if problem is None:
        raise NotFound(_("Problem %(pk)s does not exist or is not visible to you.") % {"pk": pk})
    return problem


@login_required
@domain_errors
def problem_detail(request: HttpRequest, pk: int) -> HttpResponse:
    problem = _get_problem(request.user, pk)
    context = {
        "problem": problem,
        "is_office": _is_office(request.user),
        "units": _units(),
        "categories": ProblemCategory.choices,
        "tiers": Tier.choices,
        "unsatisfied": problem.rating and problem.rating not in queries.SATISFIED_GRADES,
    }
    return render(request, "enterprises/problem_detail.html", context)


@login_required
@require_POST
@domain_errors
def problem_action(request: HttpRequest, pk: int, verb: str) -> HttpResponse:
    """The office transfers, reopens after a revisit, or settles an unsatisfied problem."""
    problem = _get_problem(request.user, pk)
    post, actor = request.POST, request.user
    version = int(post.get("version") or 0) or None
    actions = {
        "transfer": (
            lambda: services.transfer_problem(
                problem,
                actor=actor,
                lead_unit=_unit(post.get("lead_unit")),
                category=post.get("category") or None,
                tier=post.get("tier") or None,
            ),
            _("Transferred: the matter is assigned to the unit."),
        ),
        "reopen": (
            lambda: services.reopen_problem(
                problem, actor=actor, version=version, comment=post.get("comment", "")
            ),
            _("Reopened."),
        ),
        "settle": (
            lambda: services.settle_problem(
                problem, actor=actor, version=version, comment=post.get("comment", "")
            ),
            _("Closed with the supervisor's ruling."),
        ),
    }
    if verb not in actions:
        raise Http404(verb)
    _attempt(request, *actions[verb])
    return redirect("enterprises:problem", pk=pk)


# -- service days and figures ---------------------------------------------------------


@login_required
def service_days(request: HttpRequest) -> HttpResponse:
    access = access_for(request.user)
    post = request.POST
    if request.method == "POST" and post.get("form") == "schedule":
        _attempt(
            request,
            lambda: services.schedule_service_day(
                _unit(post.get("unit")),
                _day(post.get("day")),
                actor=request.user,
                place=post.get("place", ""),
                topic=post.get("topic", ""),
            ),
            _("Service day scheduled."),
        )
        return redirect("enterprises:service_days")
    if request.method == "POST" and post.get("form") == "take":
        _take_problem(request)
        return redirect("enterprises:service_days")
    days = ServiceDay.objects.select_related("unit").order_by("-day")
    if not access.sees_everything:
        days = days.filter(unit_id__in=sorted(access.visible_units))
    context = {
        "days": days[:100],
        "units": _units(),
        "enterprises": queries.visible_enterprises(request.user).order_by("name")[:500],
        "categories": ProblemCategory.choices,
        "tiers": Tier.choices,
        "today": timezone.localdate(),
    }
    return render(request, "enterprises/service_days.html", context)


def _take_problem(request: HttpRequest) -> None:
    post = request.POST
    day = ServiceDay.objects.filter(pk=post.get("service_day") or 0).first()
    enterprise = queries.visible_enterprises(request.user).filter(pk=post.get("enterprise") or 0)
    _attempt(
        request,
        lambda: services.receive_problem(
            enterprise.get(),
            title=post.get("title", ""),
            content=post.get("content", ""),
            category=post.get("category", ""),
            tier=post.get("tier", Tier.ORDINARY),
            channel=Channel.SERVICE_DAY,
            service_day=day,
            actor=request.user,
        ),
        _("Problem received."),
    )


@login_required
def figures(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    try:
        start = _day(request.GET.get("start")) or today.replace(month=1, day=1)
        end = _day(request.GET.get("end")) or today
    except ValueError:
        start, end = today.replace(month=1, day=1), today
    by = request.GET.get("by") if request.GET.get("by") in queries.GROUPS else "unit"
    rows = queries.problem_figures(start=start, end=end, by=by, user=request.user)
    names = _names(by, [r.key for r in rows])
    context = {
        "rows": [{"name": names.get(r.key, r.key), "fig": r} for r in rows],
        "total": queries.total_of(rows),
        "by": by,
        "start": start,
        "end": end,
    }
    return render(request, "enterprises/figures.html", context)


def _names(by: str, keys: list) -> dict:
    if by == "unit":
        return dict(Unit.objects.filter(pk__in=[k for k in keys if k]).values_list("pk", "name"))
    if by == "category":
        return {k: ProblemCategory(k).label for k in keys}
    from .models import Enterprise

    return dict(Enterprise.objects.filter(pk__in=keys).values_list("pk", "name"))


# -- the enterprise's own page (no account) -------------------------------------------


@domain_errors
def public_page(request: HttpRequest, token: str) -> HttpResponse:
    """The enterprise's page reached by its tokened link: send in, follow, rate."""
    enterprise = queries.enterprise_for_token(token)
    if request.method == "POST":
        post = request.POST
        if _attempt(
            request,
            lambda: services.receive_problem(
                enterprise,
                title=post.get("title", ""),
                content=post.get("content", ""),
                category=post.get("category", ""),
                channel=Channel.ENTERPRISE,
            ),
            _("Your problem was received. You can follow it on this page."),
        ):
            return redirect("enterprises:public", token=token)
    context = {
        "enterprise": enterprise,
        "problems": queries.problems_of(enterprise),
        "categories": ProblemCategory.choices,
        "grades": Rating.choices,
    }
    response = render(request, "enterprises/public.html", context)
    response["Referrer-Policy"] = "no-referrer"  # the token must not leak in Referer headers
    return response


@require_POST
@domain_errors
def public_rate(request: HttpRequest, token: str, pk: int) -> HttpResponse:
    enterprise = queries.enterprise_for_token(token)
    problem = queries.problems_of(enterprise).filter(pk=pk).first()
    if problem is None:
        raise Http404
    _attempt(
        request,
        lambda: services.rate_problem(
            problem, request.POST.get("grade", ""), comment=request.POST.get("comment", "")
        ),
        _("Thank you for your rating."),
    )
    return redirect("enterprises:public", token=token)
