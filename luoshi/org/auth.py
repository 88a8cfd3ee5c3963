"""Signing in: the lockout backend (django-axes) and the second-factor gate.

LoginThrottleBackend is axes' standalone backend, except that a call without a request
(Django's test client `login`, a management command) is let through: only requests from
outside can be throttled by address, and axes would otherwise refuse such calls outright.

SecondFactorMiddleware keeps a signed-in user who has a confirmed TOTP device on the
verification page until they enter a code; with settings.OTP_REQUIRED_FOR_OFFICE it sends a
supervisor or admin without one to set it up first. The answer for the session is kept in
the session (one query per sign-in, not per request).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from axes.backends import AxesStandaloneBackend
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

from luoshi.lib.security import SEEN, STARTED

from . import twofactor


class LoginThrottleBackend(AxesStandaloneBackend):
    def authenticate(self, request: HttpRequest | None, *args: Any, **kwargs: Any) -> None:
        if request is None:
            return None
        return super().authenticate(request, *args, **kwargs)


GATE = "_luoshi_second_factor"  # "verify", "enrol" or "" for this session
# Pages a user waiting at the gate may still reach.
ALWAYS_OPEN = {"matters:logout", "matters:set_language", "account:verify"}
OPEN_TO_ENROL = ALWAYS_OPEN | {"account:page", "account:otp_start", "account:otp_confirm"}


def compute_gate(user: Any) -> str:
    if twofactor.confirmed_device(user) is not None:
        return "verify"
    return "enrol" if twofactor.must_enrol(user) else ""


def gate_for(request: HttpRequest) -> str:
    cached = request.session.get(GATE)
    if cached is None:  # a session begun before this was deployed
        cached = request.session[GATE] = compute_gate(request.user)
    return cached


def session_begins(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    """user_logged_in: the session's start (lib.security's limits) and its gate, once."""
    if request is None or not hasattr(request, "session"):
        return
    now = int(time.time())
    request.session[STARTED] = request.session[SEEN] = now
    request.session[GATE] = compute_gate(user)


def refuse_api(message: str) -> HttpResponse:
    body = {"code": "second_factor_required", "message": message, "field": None}
    return JsonResponse(body, status=401)


class SecondFactorMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view: Any, args: Any, kwargs: Any
    ) -> HttpResponse | None:
        user = request.user
        # OTPMiddleware gave the user is_verified().
        if not user.is_authenticated or user.is_verified():  # type: ignore[attr-defined]
            return None
        gate = gate_for(request)
        match = request.resolver_match
        name = match.view_name if match is not None else ""
        if not gate or name in (ALWAYS_OPEN if gate == "verify" else OPEN_TO_ENROL):
            return None
        if request.path.startswith("/api/"):
            return refuse_api(_("Enter the code of your second factor first (sign in again)."))
        if gate == "enrol":
            return redirect("account:page")
        query = urlencode({"next": request.get_full_path()})
        return redirect(f"{reverse('account:verify')}?{query}")


def reset_gate(request: HttpRequest) -> None:
    """Forget the session's answer (after enrolling or removing the second factor)."""
    request.session.pop(GATE, None)
