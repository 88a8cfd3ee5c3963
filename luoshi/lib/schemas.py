"""What every app's JSON API shares: the error shape and choice labels.

The API answers every refusal as `ErrorOut` (luoshi/api.py fills it from the
DomainError); each router names it in its `response=` so the schema documents it.
"""

from __future__ import annotations

from enum import Enum
from typing import Any

from django.db.models import TextChoices
from ninja import Field, Schema
from pydantic import ConfigDict, field_validator
from pydantic_core import PydanticCustomError

from luoshi.lib.text import clean_text, is_invisible


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


class Input(Schema):
    """Base of every request body and query schema of the API.

    Unknown fields are refused (422 naming the field: a typo such as `titel` must not
    be dropped in silence), and every text field goes through lib.text: control
    characters removed, text of nothing but invisible characters refused.
    """

    model_config = ConfigDict(extra="forbid")

    @field_validator("*", mode="after")
    @classmethod
    def _clean_values(cls, value: Any) -> Any:
        if isinstance(value, list):
            return [_clean(v) for v in value]
        return _clean(value)


# The widest whole number any column holds (BIGINT): an id or a page number past it can
# only be a mistake, and SQLite would fail on it instead of finding nothing.
INT_LIMIT = 2**63 - 1


def _clean(value: Any) -> Any:
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) > INT_LIMIT:
        raise PydanticCustomError("int_too_large", "The number is too large.")
    if not isinstance(value, str) or isinstance(value, Enum):
        return value
    cleaned = clean_text(value)
    if is_invisible(cleaned):
        raise PydanticCustomError("invisible_text", "Enter visible text, not only blank marks.")
    return value if cleaned == value else cleaned
