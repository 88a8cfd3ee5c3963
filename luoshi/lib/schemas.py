"""What every app's JSON API shares: the error shape and choice labels.

The API answers every refusal as `ErrorOut` (luoshi/api.py fills it from the
DomainError); each router names it in its `response=` so the schema documents it.
"""

from __future__ import annotations

from typing import Any

from django.db.models import TextChoices
from ninja import Field, Schema


class UnitRef(Schema):
    id: int
    name: str


class FieldError(Schema):
    field: str
    message: str


class ErrorOut(Schema):
    """Every error: a stable code, a message in the request's language, the field at fault."""

    code: str = Field(examples=["stale_version"])
    message: str
    field: str | None = None
    errors: list[FieldError] | None = Field(None, description="Validation errors: each field.")


def errors(*statuses: int) -> dict[int, Any]:
    """`response=` entries for the refusals an operation may answer with."""
    return dict.fromkeys(statuses, ErrorOut)


def label(choices: type[TextChoices], value: str) -> str:
    """The label of a choice, translated once: Model.get_FOO_display() translates every
    label of the field on each call (it hashes the lazy choices), a cost per row."""
    try:
        return str(choices(value).label)
    except ValueError:
        return value
