"""What the page forms of every app share: dates as users type them, the version a form
on a versioned record carries, and running a form through a service.

A form that changes a versioned record carries the version the user saw; a post
without it is refused like any other missing field (it is never filled in with the
record's current version, which would skip the stale-edit check).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from .dates import parse_date
from .errors import IllegalTransition, InvalidInput, StaleVersion


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs: Any):
        super().__init__(format="%Y-%m-%d", **kwargs)


class DayField(forms.DateField):
    """A date read by lib.dates.parse_date (2026-06-30, 2026/6/30, 2026.6.30)."""

    widget = DateInput

    def to_python(self, value: Any) -> dt.date | None:
        try:
            return parse_date(value, field=str(self.label or "date"))
        except InvalidInput as error:
            raise ValidationError(error.message, code="invalid") from None


class VersionedForm(forms.Form):
    """Base of a form that changes a versioned record: the version the user saw."""

    version = forms.IntegerField(
        widget=forms.HiddenInput,
        min_value=1,
        error_messages=dict.fromkeys(
            ("required", "invalid", "min_value"),
            _("The form lacks the version of the record: reload the page and try again."),
        ),
    )


def run_form(request: HttpRequest, form: forms.Form, action: Callable[[dict], object]) -> int:
    """Validate `form` and run `action(cleaned_data)`, the one service of the form.

    Returns 200 when done; 422 when the form or the service refuses the input (the
    errors stand on the form, what the user typed is kept); 409 when the record was
    changed meanwhile or is in no state for the action (the message says why; the
    caller shows the record afresh). NotAllowed and NotFound go on to lib.web.
    """
    if not form.is_valid():
        for hidden in form.hidden_fields():  # the page shows no error beside a hidden input
            for message in hidden.errors:
                form.add_error(None, message)
        return 422
    try:
        action(form.cleaned_data)
    except (StaleVersion, IllegalTransition) as error:
        messages.error(request, error.message)
        return 409
    except InvalidInput as error:
        form.add_error(error.field if error.field in form.fields else None, error.message)
        return 422
    return 200
