"""Unit pages (every unit; one unit with what the other apps show about it), and the user's
own page: their roles, API tokens and second factor."""

from __future__ import annotations

import logging
import re
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST
from django_otp import login as otp_login
from django_otp import match_token

from luoshi.lib.errors import DomainError, IllegalTransition, InvalidInput
from luoshi.lib.web import add_refusal, domain_errors, is_htmx

from . import tokens, twofactor
from .auth import reset_gate
from .forms import CodeForm, TokenForm
from .models import ApiToken, Unit
from .panels import panels_for
from .queries import UNIT_SEARCH_LIMIT, find_units, get_unit

security_log = logging.getLogger("luoshi.security")


@login_required
def unit_search(request: HttpRequest) -> HttpResponse:
    """Units matching `q` for the unit pickers: the options alone for htmx, a page with
    links otherwise (the picker without JavaScript). `next` is the list the picked unit
    filters (a local URL), so a picker in any page can use it, and `field` the filter's
    parameter (`unit` unless named). A form's picker sends its text as "<field>_text"
    (the name the form resolves without JavaScript, org.forms)."""
    typed = (v for k, v in request.GET.items() if k.endswith("_text"))
    text = (request.GET.get("q") or next(typed, ""))[:100]
    target = request.GET.get("next", "")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = ""
    field = request.GET.get("field", "")
    field = field if FILTER_FIELD.fullmatch(field) else "unit"
    units = find_units(text)
    for unit in units:  # the list as it was, filtered by the picked unit
        unit.pick_url = _with_unit(target, unit.pk, field) if target else ""
    context = {"q": text, "units": units, "next": target, "field": field}
    context["limit"] = UNIT_SEARCH_LIMIT
    template = "org/partials/unit_options.html" if is_htmx(request) else "org/unit_search.html"
    return render(request, template, context)


FILTER_FIELD = re.compile(r"[a-z_]{1,30}")


def _with_unit(target: str, pk: int, field: str = "unit") -> str:
    """`target` with `<field>=<pk>` in its query string (its page dropped: the filter
    changed), its other parameters kept."""
    parts = urlsplit(target)
    kept = parse_qsl(parts.query, keep_blank_values=True)
    query = [(k, v) for k, v in kept if k not in (field, "page")]
    return urlunsplit(parts._replace(query=urlencode([*query, (field, pk)])))


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


# ── The user's own page (我的账号): API tokens and the second factor ─────────────────────
# Every page here shows or takes secrets, so none is kept by a cache (never_cache).


def _account(request: HttpRequest, status: int = 200, **extra: Any) -> HttpResponse:
    user = request.user
    pending = twofactor.pending_device(user)  # type: ignore[arg-type]
    context = {
        "memberships": user.memberships.select_related("unit"),  # type: ignore[union-attr]
        "tokens": user.api_tokens.all(),  # type: ignore[union-attr]
        "token_form": TokenForm(),
        "code_form": CodeForm(),
        "may_enrol": twofactor.may_enrol(user),  # type: ignore[arg-type]
        "must_enrol": twofactor.must_enrol(user),  # type: ignore[arg-type]
        "confirmed": twofactor.confirmed_device(user),  # type: ignore[arg-type]
        "pending": pending,
        "qr": mark_safe(twofactor.qr_svg(pending)) if pending else "",  # noqa: S308  (our SVG)
        "secret": twofactor.secret_text(pending) if pending else "",
        **extra,
    }
    return render(request, "org/account.html", context, status=status)


@never_cache
@login_required
def account(request: HttpRequest) -> HttpResponse:
    return _account(request)


@never_cache
@login_required
@require_POST
def token_new(request: HttpRequest) -> HttpResponse:
    """A new token: its key is shown on this one answer, never again (nor in a URL)."""
    form = TokenForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            token, key = tokens.issue_token(
                request.user,  # type: ignore[arg-type]
                data["name"],
                actor=request.user,  # type: ignore[arg-type]
                scope=data["scope"],
                days=data["days"],
            )
        except DomainError as error:
            return _account(request, add_refusal(form, error), token_form=form)
        return _account(request, new_key=key, new_token=token)
    return _account(request, 422, token_form=form)


@never_cache
@login_required
@require_POST
@domain_errors
def token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    token = get_object_or_404(ApiToken, pk=pk, user=request.user)
    try:
        tokens.revoke_token(token, actor=request.user)  # type: ignore[arg-type]
    except IllegalTransition as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The token %(prefix)s… no longer works.") % {
            "prefix": token.prefix})  # fmt: skip
    return redirect("account:page")


@never_cache
@login_required
@require_POST
@domain_errors
def otp_start(request: HttpRequest) -> HttpResponse:
    try:
        twofactor.start_enrolment(request.user, actor=request.user)  # type: ignore[arg-type]
    except IllegalTransition as error:
        messages.error(request, error.message)
    return redirect("account:page")


@never_cache
@login_required
@require_POST
@domain_errors
def otp_confirm(request: HttpRequest) -> HttpResponse:
    form = CodeForm(request.POST)
    if not form.is_valid():
        return _account(request, 422, code_form=form)
    try:
        device = twofactor.confirm_enrolment(
            request.user,  # type: ignore[arg-type]
            form.cleaned_data["code"],
            actor=request.user,  # type: ignore[arg-type]
        )
    except (InvalidInput, IllegalTransition) as error:
        return _account(request, add_refusal(form, error), code_form=form)
    otp_login(request, device)
    reset_gate(request)
    messages.success(request, _("Your second factor is set up: sign-ins now ask for a code."))
    return redirect("account:page")


@never_cache
@login_required
@require_POST
@domain_errors
def otp_remove(request: HttpRequest) -> HttpResponse:
    form = CodeForm(request.POST)
    if not form.is_valid():
        return _account(request, 422, remove_form=form)
    try:
        twofactor.remove_second_factor(
            request.user,  # type: ignore[arg-type]
            form.cleaned_data["code"],
            actor=request.user,  # type: ignore[arg-type]
        )
    except (InvalidInput, IllegalTransition) as error:
        return _account(request, add_refusal(form, error), remove_form=form)
    reset_gate(request)
    messages.success(request, _("Your second factor is removed."))
    return redirect("account:page")


@never_cache
@login_required
def verify(request: HttpRequest) -> HttpResponse:
    """The second step of signing in: the code of the user's authenticator app."""
    target = request.POST.get("next") or request.GET.get("next") or "/"
    if not url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        target = "/"
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = match_token(request.user, form.cleaned_data["code"])
        if device is not None:
            otp_login(request, device)
            return redirect(target)
        security_log.warning("Refused second factor code for %s", request.user.get_username())
        form.add_error("code", _("That code is not right: enter the six digits the app shows now."))
    status = 422 if form.errors else 200
    return render(request, "org/verify.html", {"form": form, "next": target}, status=status)
