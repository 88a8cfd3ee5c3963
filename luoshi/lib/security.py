"""Session limits, security headers and one-line refusal logs (issue 14 C, ASVS level 2).

- SessionLimitsMiddleware ends a signed-in session after settings.SESSION_IDLE_MINUTES
  without a request, and SESSION_MAX_HOURS after it began, whatever the activity.
- SecurityHeadersMiddleware adds Permissions-Policy everywhere and `Cache-Control:
  no-store` on what must not stay in a browser's or proxy's cache: API data, attachments
  and exports (any response sent as a file).
- OneLineRefusals turns Django's log of a refused request (403, 401, 429) into one line:
  status, method, path, who, why — never a traceback.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import FileResponse, HttpRequest, HttpResponse
from django.utils.translation import gettext as _

STARTED, SEEN = "_luoshi_started", "_luoshi_seen"
# Recording the last request in the session costs a session write; once a minute is
# precise enough for a timeout counted in tens of minutes.
SEEN_EVERY = 60


def session_end_reason(session: Any, now: int) -> str | None:
    """Why this signed-in session is over ("idle", "lifetime"), or None if it goes on."""
    started, seen = session.get(STARTED), session.get(SEEN)
    if started is None or seen is None:
        return None
    if now - int(seen) > settings.SESSION_IDLE_MINUTES * 60:
        return "idle"
    if now - int(started) > settings.SESSION_MAX_HOURS * 3600:
        return "lifetime"
    return None


class SessionLimitsMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and hasattr(request, "session"):
            self.check(request)
        return self.get_response(request)

    def check(self, request: HttpRequest) -> None:
        session, now = request.session, int(time.time())
        reason = session_end_reason(session, now)
        if reason is not None:
            logout(request)  # the page then asks to sign in again (login_required), API 401
            messages.info(request, _("Your session has ended: please sign in again."))
            return
        if STARTED not in session:
            session[STARTED] = session[SEEN] = now
        elif now - int(session.get(SEEN, 0)) >= SEEN_EVERY:
            session[SEEN] = now


def is_private_download(request: HttpRequest, response: HttpResponse) -> bool:
    """API data, an attachment or an export: not to be kept by any cache."""
    if request.path.startswith(settings.STATIC_URL or "/static/"):
        return False  # whitenoise's files are public and meant to be cached
    return (
        request.path.startswith("/api/")
        or response.has_header("Content-Disposition")
        or isinstance(response, FileResponse)
    )


class SecurityHeadersMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
        if is_private_download(request, response):
            response["Cache-Control"] = "no-store"
        return response


REFUSALS = {401, 403, 429}


def _who(request: HttpRequest) -> str:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return "anonymous"
    return f"{user.get_username()} (#{user.pk})"


def _where(request: HttpRequest) -> str:
    """The path, with a public link's token cut short (a log is no place for a key)."""
    path = request.path
    match = request.resolver_match
    token = match.kwargs.get("token") if match is not None else None
    if token:
        path = path.replace(str(token), f"{str(token)[:4]}…")
    return path


class OneLineRefusals(logging.Filter):
    """A refused request as `Refused 403 GET /path by alice (#3): why`, without traceback.

    The why is the PermissionDenied's message, or what the API's error handler left on
    the request (luoshi.api: request.luoshi_refusal, the error's code).
    """

    def filter(self, record: logging.LogRecord) -> bool:
        request = getattr(record, "request", None)
        status = getattr(record, "status_code", None)
        if status not in REFUSALS or not isinstance(request, HttpRequest):
            return True
        if getattr(record, "one_line", False):
            return True  # shaped already (by the logger's filter, now the handler's)
        record.one_line = True
        why = getattr(request, "luoshi_refusal", "")
        if not why and record.exc_info and record.exc_info[1] is not None:
            why = str(record.exc_info[1])
        record.msg = "Refused %s %s %s by %s: %s"
        record.args = (status, request.method, _where(request), _who(request), why or "-")
        record.exc_info, record.exc_text, record.stack_info = None, None, None
        return True
