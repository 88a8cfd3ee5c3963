"""Pages of enterprise service: enterprises, problems, service days, figures, and the
enterprise's own tokened page (no account).

Views translate HTTP to services: forms (forms.py) parse, services decide, and a
refusal is shown on the page with its status (422 bad input, 409 stale or illegal).
"""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from luoshi.lib.forms import run_form
from luoshi.lib.numbers import is_id
from luoshi.lib.web import domain_errors
from luoshi.matters.models import Rating
from luoshi.org.access import access_for
from luoshi.org.models import Unit

from . import permissions, queries, services
from .filters import EnterpriseFilter, ProblemFilter
from .forms import (
    EndLiaisonForm,
    EnterpriseForm,
    LiaisonForm,
    PeriodForm,
    ProblemForm,
    RatingForm,
    RenewForm,
    RevisitForm,
    RevokeForm,
    ServiceDayForm,
    TakeProblemForm,
    TokenForm,
    TransferForm,
    WhitelistForm,
)
from .models import Channel, Enterprise, EnterpriseProblem, ProblemCategory, ServiceDay, Tier

Page = Callable[[dict | None, int], HttpResponse]


def _units() -> list[Unit]:
    return list(Unit.objects.filter(is_active=True).order_by("path"))


def _cadres() -> list[User]:
    return list(User.objects.filter(is_active=True).order_by("username")[:500])


def _submit(
    request: HttpRequest, name: str, form, action, *, done: str, then: str, page: Page
) -> HttpResponse:
    """Run one form through its service: redirect to `then` when done, else show `page`
    again with the refused form (422) or afresh with the reason (409)."""
    status = run_form(request, form, action)
    if status == 200:
        messages.success(request, done)
        return redirect(then)
    return page({name: form} if status == 422 else None, status)


# -- enterprises ----------------------------------------------------------------------


def _list_page(request: HttpRequest, bound: dict | None = None, status: int = 200):
    efilter = EnterpriseFilter.from_params(request.GET)
    visible = efilter.apply(queries.visible_enterprises(request.user))
    access, units = access_for(request.user), _units()
    context = {
        "enterprises": visible.select_related("district").order_by("name")[:500],
        "filter": efilter,
        "is_office": permissions.may_manage(access),
        "whitelist": queries.whitelist_warnings() if access.sees_everything else [],
        "districts": units,
        "counts": queries.problem_counts(request.user),
        "form": (bound or {}).get("enterprise") or EnterpriseForm(units=units),
    }
    return render(request, "enterprises/enterprise_list.html", context, status=status)


@login_required
@domain_errors
def enterprise_list(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return _list_page(request)
    permissions.require_manage(access_for(request.user))
    return _submit(
        request,
        "enterprise",
        EnterpriseForm(request.POST, units=_units()),
        lambda d: services.register_enterprise(actor=request.user, **d),
        done=_("Enterprise added."),
        then=reverse("enterprises:list"),
        page=lambda bound, status: _list_page(request, bound, status),
    )


def _detail_page(request: HttpRequest, pk: int, bound: dict | None = None, status: int = 200):
    enterprise = queries.get_enterprise_for_user(request.user, pk)
    access = access_for(request.user)
    may_send = permissions.may_send_in(access, enterprise)
    version = {"version": enterprise.version}
    forms = {
        "problem": ProblemForm(),
        "liaison": LiaisonForm(initial=version, cadres=_cadres()),
        "whitelist": WhitelistForm(),
        "token": TokenForm(initial=version),
        **(bound or {}),
    }
    link = reverse("enterprises:public", args=[enterprise.token])
    context = {
        "enterprise": enterprise,
        "liaisons": enterprise.liaisons.filter(ended_at__isnull=True).select_related("cadre"),
        "whitelist": _with_entry_forms(enterprise.whitelist.select_related("approved_by"), forms),
        "problems": queries.visible_problems(request.user).filter(enterprise=enterprise),
        "events": queries.history(enterprise),
        "is_office": permissions.may_manage(access),
        "may_send": may_send,
        "may_approve": permissions.may_approve_whitelist(access),
        "link": request.build_absolute_uri(link) if may_send else "",
        "forms": forms,
        "today": timezone.localdate(),
    }
    return render(request, "enterprises/enterprise_detail.html", context, status=status)


def _with_entry_forms(entries, forms: dict) -> list:
    """Each whitelist entry with its renew and revoke forms (a refused one bound)."""
    entries = list(entries)
    for entry in entries:
        initial = {"version": entry.version}
        entry.renew_form = forms.get(f"renew-{entry.pk}") or RenewForm(
            initial={**initial, "valid_to": entry.valid_to}, prefix=f"renew-{entry.pk}"
        )
        entry.revoke_form = forms.get(f"revoke-{entry.pk}") or RevokeForm(
            initial=initial, prefix=f"revoke-{entry.pk}"
        )
    return entries


@login_required
@domain_errors
def enterprise_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail_page(request, pk)


def _enterprise_actions(request: HttpRequest, enterprise: Enterprise) -> dict:
    """verb → (form, service call, message) for the forms of the enterprise page."""
    post, actor = request.POST, request.user
    return {
        "problem": (
            ProblemForm(post),
            lambda d: services.receive_problem(
                enterprise, **d, channel=Channel.LIAISON, actor=actor
            ),
            _("Problem received."),
        ),
        "liaison": (
            LiaisonForm(post, cadres=_cadres()),
            lambda d: services.assign_liaison(enterprise, d["cadre"], actor=actor, **_v(d)),
            _("Liaison cadre assigned."),
        ),
        "end_liaison": (
            EndLiaisonForm(post),
            lambda d: services.end_liaison(
                queries.liaison_of(enterprise, d["liaison"]), actor=actor, **_v(d)
            ),
            _("Liaison ended."),
        ),
        "whitelist": (
            WhitelistForm(post),
            lambda d: services.add_to_whitelist(actor=actor, enterprise=enterprise, **d),
            _("Added to the whitelist."),
        ),
        "token": (
            TokenForm(post),
            lambda d: services.reissue_token(enterprise, actor=actor, **_v(d)),
            _("New link issued."),
        ),
    }


def _v(cleaned: dict) -> dict:
    return {"version": cleaned["version"]}


@login_required
@require_POST
@domain_errors
def enterprise_action(request: HttpRequest, pk: int, verb: str) -> HttpResponse:
    """Office, leader and liaison actions on an enterprise (the page offers each to whom
    the services allow it)."""
    enterprise = queries.get_enterprise_for_user(request.user, pk)
    actions = _enterprise_actions(request, enterprise)
    if verb not in actions:
        raise Http404(verb)
    form, action, done = actions[verb]
    return _submit(
        request,
        verb,
        form,
        action,
        done=done,
        then=reverse("enterprises:detail", args=[pk]),
        page=lambda bound, status: _detail_page(request, pk, bound, status),
    )


@login_required
@require_POST
@domain_errors
def whitelist_action(request: HttpRequest, pk: int, verb: str) -> HttpResponse:
    """Renew or revoke a whitelist entry, from its enterprise's page or the list."""
    entry = queries.get_whitelist_entry_for_user(request.user, pk)
    prefix = f"{verb}-{entry.pk}"
    forms = {
        "renew": (RenewForm(request.POST, prefix=prefix), services.renew_whitelist_entry),
        "revoke": (RevokeForm(request.POST, prefix=prefix), services.revoke_whitelist_entry),
    }
    if verb not in forms:
        raise Http404(verb)
    form, service = forms[verb]
    done = _("Renewed.") if verb == "renew" else _("Revoked.")
    if entry.enterprise_id:
        then = reverse("enterprises:detail", args=[entry.enterprise_id])
        page = lambda bound, status: _detail_page(request, entry.enterprise_id, bound, status)  # noqa: E731
    else:
        then = reverse("enterprises:list")
        page = lambda bound, status: _list_page(request, bound, status)  # noqa: E731
    return _submit(
        request,
        prefix,
        form,
        lambda d: service(entry, actor=request.user, **d),
        done=done,
        then=then,
        page=page,
    )


# -- problems -------------------------------------------------------------------------


@login_required
def problem_list(request: HttpRequest) -> HttpResponse:
    pfilter = ProblemFilter.from_params(request.GET)
    rows = pfilter.apply(queries.visible_problems(request.user))
    context = {
        "problems": rows[:200],
        "filter": pfilter,
        "counts": queries.problem_counts(request.user),
        "categories": ProblemCategory.choices,
        "tiers": Tier.choices,
    }
    return render(request, "enterprises/problem_list.html", context)


def _problem_page(request: HttpRequest, pk: int, bound: dict | None = None, status: int = 200):
    problem = queries.get_problem_for_user(request.user, pk)
    initial = {"version": problem.version, "category": problem.category, "tier": problem.tier}
    matter_version = {"version": problem.matter.version if problem.matter_id else None}
    forms = {
        "transfer": TransferForm(initial=initial, units=_units()),
        "revisit": RevisitForm(initial=matter_version),
        **(bound or {}),
    }
    context = {
        "problem": problem,
        "is_office": permissions.may_manage(access_for(request.user)),
        "unsatisfied": problem.rating and problem.rating not in queries.SATISFIED_GRADES,
        "events": list(problem.events.select_related("actor").order_by("-at", "-id")),
        "forms": forms,
    }
    return render(request, "enterprises/problem_detail.html", context, status=status)


@login_required
@domain_errors
def problem_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _problem_page(request, pk)


@login_required
@require_POST
@domain_errors
def problem_action(request: HttpRequest, pk: int, verb: str) -> HttpResponse:
    """The office transfers, reopens after a revisit, or settles an unsatisfied problem."""
    problem = queries.get_problem_for_user(request.user, pk)
    post, actor = request.POST, request.user
    actions = {
        "transfer": (
            TransferForm(post, units=_units()),
            lambda d: services.transfer_problem(problem, actor=actor, **d),
            _("Transferred: the matter is assigned to the unit."),
        ),
        "reopen": (
            RevisitForm(post),
            lambda d: services.reopen_problem(problem, actor=actor, **d),
            _("Reopened."),
        ),
        "settle": (
            RevisitForm(post),
            lambda d: services.settle_problem(problem, actor=actor, **d),
            _("Closed with the supervisor's ruling."),
        ),
    }
    if verb not in actions:
        raise Http404(verb)
    form, action, done = actions[verb]
    return _submit(
        request,
        "revisit" if verb != "transfer" else verb,
        form,
        action,
        done=done,
        then=reverse("enterprises:problem", args=[pk]),
        page=lambda bound, status: _problem_page(request, pk, bound, status),
    )


# -- service days and figures ---------------------------------------------------------


def _days_page(request: HttpRequest, bound: dict | None = None, status: int = 200):
    access = access_for(request.user)
    days = list(queries.visible_service_days(request.user)[:100])
    enterprises = list(queries.visible_enterprises(request.user).order_by("name")[:500])
    units = [u for u in _units() if permissions.may_schedule(access, u.pk)]
    takes = _days_to_take(request, days)
    forms = {
        "schedule": ServiceDayForm(units=units),
        "take": TakeProblemForm(days=takes, enterprises=enterprises),
        **(bound or {}),
    }
    context = {"days": days, "forms": forms, "may_schedule": bool(units), "may_take": takes}
    return render(request, "enterprises/service_days.html", context, status=status)


def _days_to_take(request: HttpRequest, days) -> list[ServiceDay]:
    access = access_for(request.user)
    return [d for d in days if permissions.may_take(access, d)]


@login_required
@domain_errors
def service_days(request: HttpRequest) -> HttpResponse:
    """The service days; a unit's head schedules them, the receiving unit takes problems."""
    post = request.POST
    if request.method != "POST":
        return _days_page(request)
    if post.get("form") == "schedule":
        form = ServiceDayForm(post, units=_units())
        action, done = _schedule(request), _("Service day scheduled.")
    else:
        days = _days_to_take(request, queries.visible_service_days(request.user)[:100])
        form = TakeProblemForm(post, days=days, enterprises=_enterprises_for_take(request))
        action, done = _take(request), _("Problem received.")
    return _submit(
        request,
        post.get("form") or "take",
        form,
        action,
        done=done,
        then=reverse("enterprises:service_days"),
        page=lambda bound, status: _days_page(request, bound, status),
    )


def _enterprises_for_take(request: HttpRequest) -> list[Enterprise]:
    chosen = request.POST.get("enterprise") or ""
    visible = queries.visible_enterprises(request.user)
    return list(visible.filter(pk=int(chosen))) if is_id(chosen) else []


def _schedule(request: HttpRequest):
    return lambda d: services.schedule_service_day(
        d["unit"], d["day"], actor=request.user, place=d["place"], topic=d["topic"]
    )


def _take(request: HttpRequest):
    def take(d: dict) -> EnterpriseProblem:
        fields = {k: d[k] for k in ("title", "content", "category", "tier")}
        return services.receive_problem(
            d["enterprise"],
            **fields,
            channel=Channel.SERVICE_DAY,
            service_day=d["service_day"],
            actor=request.user,
        )

    return take


@login_required
def figures(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    period = PeriodForm(request.GET)
    found = period.cleaned_data if period.is_valid() else {}
    start = found.get("start") or today.replace(month=1, day=1)
    end = found.get("end") or today
    by = found.get("by") or "unit"
    rows = queries.problem_figures(start=start, end=end, by=by, user=request.user)
    names = queries.group_names(by, [r.key for r in rows])
    context = {
        "rows": [{"name": names.get(r.key, r.key), "fig": r} for r in rows],
        "total": queries.total_of(rows),
        "by": by,
        "start": start,
        "end": end,
        "period": period,
    }
    return render(request, "enterprises/figures.html", context)


# -- the enterprise's own page (no account) -------------------------------------------


def _public_page(request: HttpRequest, token: str, bound: dict | None = None, status=200):
    enterprise = queries.enterprise_for_token(token)
    problems = list(queries.problems_of(enterprise))
    forms = {"problem": ProblemForm(tiers=False), **(bound or {})}
    for problem in problems:
        bound_rating = forms.get(f"rate-{problem.pk}")
        problem.rating_form = bound_rating or RatingForm(
            initial={"version": problem.version}, grades=Rating.choices, prefix=f"p{problem.pk}"
        )
    context = {"enterprise": enterprise, "problems": problems, "forms": forms}
    response = render(request, "enterprises/public.html", context, status=status)
    response["Referrer-Policy"] = "no-referrer"  # the token must not leak in Referer headers
    return response


@domain_errors
def public_page(request: HttpRequest, token: str) -> HttpResponse:
    """The enterprise's page reached by its tokened link: send in, follow, rate."""
    enterprise = queries.enterprise_for_token(token)
    if request.method != "POST":
        return _public_page(request, token)
    return _submit(
        request,
        "problem",
        ProblemForm(request.POST, tiers=False),
        lambda d: services.receive_problem(enterprise, **d, channel=Channel.ENTERPRISE),
        done=_("Your problem was received. You can follow it on this page."),
        then=reverse("enterprises:public", args=[token]),
        page=lambda bound, status: _public_page(request, token, bound, status),
    )


@require_POST
@domain_errors
def public_rate(request: HttpRequest, token: str, pk: int) -> HttpResponse:
    enterprise = queries.enterprise_for_token(token)
    problem = queries.problems_of(enterprise).filter(pk=pk).first()
    if problem is None:
        raise Http404
    form = RatingForm(request.POST, grades=Rating.choices, prefix=f"p{pk}")
    return _submit(
        request,
        f"rate-{pk}",
        form,
        lambda d: services.rate_problem(problem, d["grade"], **_rating(d)),
        done=_("Thank you for your rating."),
        then=reverse("enterprises:public", args=[token]),
        page=lambda bound, status: _public_page(request, token, bound, status),
    )


def _rating(cleaned: dict) -> dict:
    return {"version": cleaned["version"], "comment": cleaned["comment"]}
