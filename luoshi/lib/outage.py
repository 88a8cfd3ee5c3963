"""When the database or the disk fails under a request: a clean refusal, never a 500 page.

The database restarting (connections cut, "terminating connection due to administrator
command"), a failover, a locked SQLite file: Django raises OperationalError or
InterfaceError. A disk that fills up raises OSError(ENOSPC). Any of these is answered

- on the API (`/api/…`): 503 (507 for the disk) in the JSON error shape
  `{code, message, field}`, with Retry-After, so a client retries;
- on pages: a plain page that needs neither the database nor the base template
  (which reads the user and the unread count), with the same status.

The services run each change in one transaction, so a request refused here wrote
nothing (or all of it, if the failure came after the commit). The broken connection
is dropped at the end of the request (Django closes a connection whose errors make it
unusable) and CONN_HEALTH_CHECKS (settings) checks a kept one before the next request.

`OutageMiddleware` catches what views raise; `server_error` (urls.handler500) catches
the rest, e.g. a session that cannot be saved after the view.
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Callable
from dataclasses import dataclass

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.views import defaults

from .storage import is_disk_full

log = logging.getLogger("luoshi.outage")
API_PREFIX = "/api/"  # where luoshi/urls.py mounts the API
RETRY_AFTER_SECONDS = 5


@dataclass(frozen=True)
class Outage:
    status: int
    code: str
    message: str


def outage_of(error: BaseException) -> Outage | None:
    """What to tell the user about `error`, or None if it is not an outage."""
    if isinstance(error, OperationalError | InterfaceError):
        message = _(
            "The database is unavailable for a moment (restarting or busy). Nothing was "
            "saved by this request; please try again in a few seconds."
        )
        return Outage(503, "database_unavailable", message)
    if is_disk_full(error):
        message = _(
            "The server's storage is full. Nothing was saved by this request; please "
            "tell the administrator and try again later."
        )
        return Outage(507, "storage_full", message)
    return None


def response_for(request: HttpRequest, outage: Outage) -> HttpResponse:
    if request.path.startswith(API_PREFIX):
        body = {"code": outage.code, "message": outage.message, "field": None}
        response = HttpResponse(
            json.dumps(body, ensure_ascii=False),
            status=outage.status,
            content_type="application/json; charset=utf-8",
        )
    else:
        page = render_to_string("outage.html", {"outage": outage})
        response = HttpResponse(page, status=outage.status)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    # refuse() logged it in one line; not django.request too. Django reads this flag
    # (django.utils.log.log_response) but its stubs do not declare it.
    response._has_been_logged = True  # type: ignore[attr-defined]
    response["Cache-Control"] = "no-store"
    return response


def refuse(request: HttpRequest, error: BaseException) -> HttpResponse | None:
    outage = outage_of(error)
    if outage is None:
        return None
    # One line, not a traceback: an outage is the server's state, not a bug.
    log.warning("%s %s: %s %s", request.method, request.path, outage.code, error)
    return response_for(request, outage)


class OutageMiddleware:
    """Turns an outage raised by a view (page or API) into its clean refusal."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        return refuse(request, exception)


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500: an outage raised outside a view still gets its refusal.

    Django calls the handler while it handles the exception, so sys.exception()
    is the error that made the 500.
    """
    error = sys.exception()
    response = refuse(request, error) if error is not None else None
    return response or defaults.server_error(request)
