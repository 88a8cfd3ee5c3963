"""Every refusal under /api/ in the JSON error shape, whoever made it; a request body too
large refused with 413, on the API and on the pages.

ninja answers its operations' errors itself (luoshi/api.py). Some refusals come from
before or around an operation: Django's URL resolver (a path no operation has: 404,
an `{int:pk}` that is not a number), ninja's method check (405, an empty body), a body
over DATA_UPLOAD_MAX_MEMORY_SIZE or an upload over its limit (RequestDataTooBig, which
Django would answer with its 400 page). This middleware gives those the same
`{"code", "message", "field"}` body a client reads everywhere else.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _

API_PREFIX = "/api/"
CODES = {
    400: ("bad_request", lambda: _("The request could not be read.")),
    401: ("not_authenticated", lambda: _("Log in, or send an API token.")),
    403: ("forbidden", lambda: _("You may not do this.")),
    404: ("not_found", lambda: _("Not found.")),
    405: ("method_not_allowed", lambda: _("This address does not take that method.")),
    413: ("too_large", lambda: _("The request is too large.")),
}


def _json(status: int, code: str, message: str, field: str | None = None) -> HttpResponse:
    body = {"code": code, "message": message, "field": field}
    return HttpResponse(
        json.dumps(body, ensure_ascii=False),
        status=status,
        content_type="application/json; charset=utf-8",
    )


def too_large_message() -> str:
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE or 0
    return _(
        "The request is too large: a body may have %(body)s MB, files %(files)s MB in all."
    ) % {"body": round(limit / (1024 * 1024), 1), "files": round(upload_limit() / (1024 * 1024))}


def upload_limit() -> int:
    """The most a request with files may carry: a few attachments and the form."""
    limits: dict[str, Any] = settings.LUOSHI
    return int(limits.get("REQUEST_MAX_BYTES", 0)) or (
        5 * int(limits.get("ATTACHMENT_MAX_BYTES", 0)) + 1024 * 1024
    )


def _declared_length(request: HttpRequest) -> int:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0


def _body_limit(request: HttpRequest) -> int:
    if request.META.get("CONTENT_TYPE", "").startswith("multipart/"):
        return upload_limit()
    # A JSON or form body is read into memory: Django's own limit (None: no limit).
    return settings.DATA_UPLOAD_MAX_MEMORY_SIZE or 2**63


class ApiErrorMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        # A declared length over the limit is refused before a byte of the body is read.
        if _declared_length(request) > _body_limit(request):
            if request.path.startswith(API_PREFIX):
                return _json(413, "too_large", too_large_message())
            return _page(413, too_large_message())
        response = self.get_response(request)
        if (
            request.path.startswith(API_PREFIX)
            and response.status_code >= 400
            and not response.get("Content-Type", "").startswith("application/json")
        ):
            code, message = CODES.get(response.status_code, ("http_error", lambda: ""))
            text = message() or response.reason_phrase
            fresh = _json(response.status_code, code, text)
            if response.has_header("Allow"):
                fresh["Allow"] = response["Allow"]
            return fresh
        return response

    def process_view(self, request: HttpRequest, view, args, kwargs) -> HttpResponse | None:
        """Read a posted form here, before the CSRF check and the views do: a body over
        Django's limits raises while it is read, and is answered here with 413 instead of
        Django's bare 400."""
        if request.method == "POST":
            content_type = request.META.get("CONTENT_TYPE", "")
            if content_type.startswith(("application/x-www-form-urlencoded", "multipart/")):
                try:
                    request.POST  # noqa: B018  (parsed once; the view reads the same)
                except (RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent) as error:
                    return self.process_exception(request, error)
        return None

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, RequestDataTooBig):
            if request.path.startswith(API_PREFIX):
                return _json(413, "too_large", too_large_message())
            return _page(413, too_large_message())
        if isinstance(exception, TooManyFieldsSent | TooManyFilesSent):
            message = _("The request has too many fields or files.")
            if request.path.startswith(API_PREFIX):
                return _json(413, "too_large", message)
            return _page(413, message)
        return None


def _page(status: int, message: str) -> HttpResponse:
    from django.template.loader import render_to_string

    html = render_to_string("request_refused.html", {"message": message})
    return HttpResponse(html, status=status)
