"""What the citizen pages share: running a service for a form post, parsing its fields."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.http import HttpRequest
from django.utils.translation import gettext as _

from luoshi.lib.errors import DomainError, InvalidInput
from luoshi.lib.numbers import id_or_none, is_id
from luoshi.lib.web import FORM_REFUSALS

from ..models import Category


def attempt(request: HttpRequest, action: Callable[[], object], success: str) -> bool:
    """Run a service for a form post; a refusal of the form (invalid, stale, not now) is
    shown as a message and changes nothing. Who may not (NotAllowed) or may not see
    (NotFound) is left to `domain_errors`: 403 and 404, as on every page."""
    return refusal(request, action, success) is None


def refusal(request: HttpRequest, action: Callable[[], object], success: str) -> DomainError | None:
    """`attempt`, telling which refusal it showed (None when the action was done)."""
    try:
        action()
    except FORM_REFUSALS as error:
        messages.error(request, error.message)
        return error
    messages.success(request, success)
    return None


def version(post) -> int:
    """The version the form was rendered with; a form without one is refused."""
    value = (post.get("version") or "").strip()
    if not is_id(value):
        raise InvalidInput(_("The form is out of date: reload the page."), field="version")
    return int(value)


def category(pk) -> Category:
    found = Category.objects.filter(pk=id_or_none(pk) or 0, is_active=True).first()
    if found is None:
        raise InvalidInput(_("Choose the category."), field="category")
    return found


def is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def form_error(form, error: DomainError) -> None:
    """Show a service's refusal on the form: at its field, or above the form when the
    field is not shown (a hidden coordinate, the robot trap)."""
    field = form.fields.get(error.field or "")
    form.add_error(
        error.field if field is not None and not field.widget.is_hidden else None, error.message
    )
