"""The JSON API (django-ninja) at /api/: one router per app, domain errors as JSON.

Authentication: a Django session (with CSRF on unsafe methods, as ninja's
django_auth does) or `Authorization: Bearer <key>` (org.tokens). Every error is
`{"code", "message", "field"}` with the status of its DomainError; messages follow
the request's language (LocaleMiddleware). The docs page at /api/docs loads
Swagger UI from ninja's own static files ("ninja" in INSTALLED_APPS), never a CDN.
"""

import re
from importlib import import_module

from django.db import InterfaceError, OperationalError
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Swagger
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.security import HttpBearer, SessionAuth
from ninja.utils import check_csrf

from luoshi.lib import outage
from luoshi.lib.errors import DomainError, NotAllowed
from luoshi.org.tokens import token_for_key

# ── secauth (issue 14 C): token scope and expiry ─────────────────────────────────────
# A read-only token may only read: anything but GET/HEAD/OPTIONS is refused with 403.
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


class BearerToken(HttpBearer):
    """`Authorization: Bearer <key>`. Sets request.user so reads go through visible_to;
    an expired or revoked key is 401, a read-only key on a change 403 (token_read_only)."""

    def authenticate(self, request: HttpRequest, token: str):
        found = token_for_key(token)
        if found is None:
            return None
        if found.is_read_only and request.method not in SAFE_METHODS:
            raise NotAllowed(
                _("This API token may only read: make a token that may act for this."),
                code="token_read_only",
            )
        request.user = found.user
        return found.user


# ── end secauth ──────────────────────────────────────────────────────────────────────────


class Session(SessionAuth):
    """Django's session; unsafe methods need the CSRF token, refused as our JSON error."""

    def _get_key(self, request: HttpRequest) -> str | None:
        if not request.user.is_authenticated:
            return None  # nobody logged in: 401, not a CSRF refusal
        exempt = getattr(request, "_ninja_csrf_exempt", False)
        if self.csrf and not exempt and check_csrf(request):
            raise NotAllowed(
                _("CSRF check failed: send the X-CSRFToken header with the session."),
                code="csrf_failed",
            )
        return request.COOKIES.get(self.param_name)


api = NinjaAPI(
    title="Luoshi API",
    version="1",
    urls_namespace="api",
    auth=[BearerToken(), Session(csrf=True)],
    # validatorUrl would fetch a badge from validator.swagger.io: nothing loads from outside.
    docs=Swagger(settings={"validatorUrl": None}),
    description=(
        "Every error is JSON: code, message (in the request's Accept-Language) and field. "
        "Every operation that changes a matter carries the version the caller read; "
        "a stale one is refused with 409 stale_version."
    ),
)


def error_response(
    request: HttpRequest, status: int, code: str, message: str, field: str | None = None, **extra
) -> HttpResponse:
    body = {"code": code, "message": message, "field": field, **extra}
    return api.create_response(request, body, status=status)


@api.exception_handler(DomainError)
def domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
    request.luoshi_refusal = exc.code  # type: ignore[attr-defined]  (secauth: the log line)
    return error_response(request, exc.status, exc.code, exc.message, exc.field)


# pydantic's error types in the user's words (its own messages are English only).
PROBLEMS = {
    "missing": lambda e: _("This field is required."),
    "int_parsing": lambda e: _("Enter a whole number."),
    "int_type": lambda e: _("Enter a whole number."),
    "bool_parsing": lambda e: _("Enter true or false."),
    "date_from_datetime_parsing": lambda e: _("Enter a date like 2026-06-30."),
    "date_parsing": lambda e: _("Enter a date like 2026-06-30."),
    "date_type": lambda e: _("Enter a date like 2026-06-30."),
    "enum": lambda e: (
        _("Choose one of: %(values)s.") % {"values": e.get("ctx", {}).get("expected", "")}
    ),
    "greater_than_equal": lambda e: (
        _("Must be at least %(n)s.") % {"n": e.get("ctx", {}).get("ge")}
    ),
    "less_than_equal": lambda e: _("Must be at most %(n)s.") % {"n": e.get("ctx", {}).get("le")},
    "string_too_long": lambda e: (
        _("Too long: at most %(n)s characters.") % {"n": e.get("ctx", {}).get("max_length")}
    ),
    "list_type": lambda e: _("Give a list."),
    "string_type": lambda e: _("Enter text."),
}
# --- robust: the refusals of the bounds and the shared Input schema, in the user's words.
PROBLEMS.update(
    {
        "extra_forbidden": lambda e: _("Unknown field: this operation does not take it."),
        "int_too_large": lambda e: _("The number is too large."),
        "int_from_float": lambda e: _("Enter a whole number."),
        "invisible_text": lambda e: _("Enter visible text, not only blank marks."),
        "decimal_parsing": lambda e: _("Enter a number."),
        "decimal_type": lambda e: _("Enter a number."),
        "finite_number": lambda e: _("Enter a number."),
        "decimal_max_digits": lambda e: (
            _("At most %(n)s digits.") % {"n": e.get("ctx", {}).get("max_digits")}
        ),
        "decimal_max_places": lambda e: (
            _("At most %(n)s decimal places.") % {"n": e.get("ctx", {}).get("decimal_places")}
        ),
        "greater_than": lambda e: _("Must be more than %(n)s.") % {"n": e.get("ctx", {}).get("gt")},
        "less_than": lambda e: _("Must be less than %(n)s.") % {"n": e.get("ctx", {}).get("lt")},
        "json_invalid": lambda e: _("The body is not valid JSON."),
    }
)
# --- end robust
# Where ninja puts a parameter; our operations name their schema argument "payload"/"params".
LOCATIONS = {"body", "query", "path", "form", "file", "header", "cookie"}
WRAPPERS = {"payload", "params"}


# --- robust: a union's branch (`trajectory: str | list[Decimal]`) is no part of the field's
# name, and an error from the branch the caller did not mean ("Enter text." for a list)
# comes after the errors of the branch they did.
BRANCH_RE = re.compile(r"^(str|int|float|bool|decimal|date|datetime|none|list\[.*\]|dict\[.*\])$")
WRONG_BRANCH = {"string_type", "list_type", "int_type", "float_type", "bool_type", "dict_type"}


def _most_telling(errors: list[dict]) -> list[dict]:
    return sorted(errors, key=lambda e: len(errors) > 1 and e.get("type") in WRONG_BRANCH)


# --- end robust


def field_name(loc: list) -> str:
    parts = [p for p in loc if not (isinstance(p, str) and BRANCH_RE.match(p))]
    if parts and parts[0] in LOCATIONS:
        parts = parts[1:]
    if len(parts) > 1 and parts[0] in WRAPPERS:
        parts = parts[1:]
    name = ""
    for part in parts:
        name += f"[{part}]" if isinstance(part, int) else (f".{part}" if name else str(part))
    return name


def problem(error: dict) -> str:
    explain = PROBLEMS.get(error.get("type", ""))
    return str(explain(error)) if explain else str(error.get("msg", _("Invalid value.")))


@api.exception_handler(ValidationError)
def validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    errors = [
        {"field": field_name(e.get("loc", [])), "message": problem(e)}
        for e in _most_telling(list(exc.errors))  # robust: the branch meant first
    ]
    first = errors[0] if errors else {"field": None, "message": _("Invalid input.")}
    message = _("%(field)s: %(problem)s") % {"field": first["field"], "problem": first["message"]}
    return error_response(request, 422, "invalid_input", message, first["field"], errors=errors)


@api.exception_handler(AuthenticationError)
def not_authenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    message = _("Log in, or send an API token as 'Authorization: Bearer <key>'.")
    request.luoshi_refusal = "not_authenticated"  # type: ignore[attr-defined]  (secauth)
    return error_response(request, 401, "not_authenticated", message)


@api.exception_handler(HttpError)
def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    """ninja's own refusals; 400 is a body that is not JSON or form data at all."""
    if exc.status_code == 400:
        message = _("The request body could not be read: send JSON, or form data with files.")
        return error_response(request, 400, "bad_request", message)
    return error_response(request, exc.status_code, "http_error", str(exc))


@api.exception_handler(Http404)
def not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return error_response(request, 404, "not_found", _("Not found."))


@api.exception_handler(OperationalError)
@api.exception_handler(InterfaceError)
def database_unavailable(request: HttpRequest, exc: Exception) -> HttpResponse:
    """503 in the error shape, also with DEBUG on (ninja would show a traceback)."""
    return outage.refuse(request, exc)


ROUTERS = {
    "org": "/units",
    "matters": "/matters",
    "notifications": "/notifications",
    "documents": "/documents",
    "evaluation": "/evaluation",
    "targets": "/targets",
    "cockpit": "/cockpit",
    "projects": "/projects",
    "enterprises": "/enterprises",
    "citizens": "/citizens",
    "hazards": "/hazards",
    "assessments": "/assessments",
}
for _app, _prefix in ROUTERS.items():
    api.add_router(_prefix, import_module(f"luoshi.{_app}.api").router)
