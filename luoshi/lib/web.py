"""What every app's pages and admin share: domain errors as HTTP, read-only admin."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse

from .errors import DomainError, IllegalTransition, InvalidInput, NotAllowed, NotFound, StaleVersion

# Refusals a page shows beside the form the user filled, so they keep what they typed
# (NotFound and NotAllowed go through `domain_errors` instead: 404 and 403).
FORM_REFUSALS = (InvalidInput, IllegalTransition, StaleVersion)


def domain_errors(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """NotFound → 404 and NotAllowed → 403 for page views.

    Refusals of a form (409 stale or illegal, 422 invalid) are rendered by the view
    itself with the form, so the user keeps what they typed.
    """

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except NotFound as error:
            raise Http404(error.message) from error
        except NotAllowed as error:
            raise PermissionDenied(error.message) from error

    return wrapper


def add_refusal(form: Any, error: DomainError) -> int:
    """Put a service's refusal on the form (on the field it names, when the form has it);
    returns the HTTP status the page answers with (409 or 422)."""
    form.add_error(error.field if error.field in form.fields else None, error.message)
    return error.status


def is_htmx(request: HttpRequest) -> bool:
    """The request comes from htmx (it then gets the partial, not the whole page)."""
    return request.headers.get("HX-Request") == "true"


class ReadOnlyAdmin(admin.ModelAdmin):
    """Admin for records the services own: readable, never added, edited or deleted here."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
