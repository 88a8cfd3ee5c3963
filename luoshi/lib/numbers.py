"""Bounds every number a user can enter is held to, in one place.

A number is stored only if the database can hold it and every reader can render it:
the schemas (ninja `Field(ge=, le=)`), the forms and the models' validators take their
limits from here, and `bounded_decimal` is the services' check of a decimal figure.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext as _

from luoshi.lib.errors import InvalidInput

# Years a plan, a period or a figure may belong to.
YEAR_MIN, YEAR_MAX = 2000, 2100
# A time limit in working days: about ten years of working days at most (and far below
# the 32,767 a SMALLINT column holds).
WORKDAYS_MAX = 2500
# A percentage that is a share (progress, a margin): 0 to 100.
PERCENT_MAX = 100
# A statistical figure (a target's yearly value, a planned month, an actual): twelve
# digits before the point, four after — what DECIMAL(16, 4) holds.
FIGURE_MAX = Decimal("999999999999.9999")
# An amount of money in 万元 (an investment, funds in place, an effect): twelve digits
# before the point, two after — what DECIMAL(14, 2) holds.
AMOUNT_MAX = Decimal("999999999999.99")
# A score or a number of points of an assessment: DECIMAL(6, 1) holds 99999.9, far above
# any real score; the bound keeps a mistyped figure from making every total absurd.
POINTS_MAX = Decimal("10000")
# A policy's limit in calendar days (a rating window, a re-inspection cadence): ten years.
DAYS_MAX = 3650
# Members of a branch at a meeting: far below the 32,767 a SMALLINT column holds.
MEMBERS_MAX = 10000


def year_validators() -> list:
    return [MinValueValidator(YEAR_MIN), MaxValueValidator(YEAR_MAX)]


def workday_validators(minimum: int = 0) -> list:
    return [MinValueValidator(minimum), MaxValueValidator(WORKDAYS_MAX)]


def amount_validators() -> list:
    return [MinValueValidator(0), MaxValueValidator(AMOUNT_MAX)]


def amount_field(verbose_name: Any) -> models.DecimalField:
    """An amount in 万元 as projects keep it: DECIMAL(14, 2), zero by default, bounded."""
    return models.DecimalField(
        verbose_name,
        max_digits=14,
        decimal_places=2,
        default=0,
        validators=amount_validators(),
    )


def points_validators() -> list:
    return [MinValueValidator(0), MaxValueValidator(POINTS_MAX)]


def range_validators(minimum: Any, maximum: Any) -> list:
    return [MinValueValidator(minimum), MaxValueValidator(maximum)]


def bounded_decimal(
    value: Any,
    *,
    field: str,
    places: int,
    minimum: Decimal | int,
    maximum: Decimal | int,
    label: str | None = None,
) -> Decimal:
    """`value` as a Decimal rounded to `places`, refused (naming `field`) when it is not a
    finite number from `minimum` to `maximum`."""
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        number = Decimal("NaN")
    name = label or field
    if not number.is_finite():
        raise InvalidInput(_("%(field)s must be a number.") % {"field": name}, field=field)
    # Compared before and after rounding: 999.999 rounds to 1000.00, over a 999.99 limit.
    if Decimal(minimum) <= number <= Decimal(maximum):
        number = number.quantize(Decimal(1).scaleb(-places))
    if not Decimal(minimum) <= number <= Decimal(maximum):
        raise InvalidInput(
            _("%(field)s must be from %(min)s to %(max)s.")
            % {"field": name, "min": minimum, "max": maximum},
            field=field,
        )
    return number


def finite_or_none(value: Any) -> float | None:
    """A stored figure as a float for a reader, or None when it is not a finite number —
    one bad row shows as "—" instead of failing the page."""
    try:
        number = float(value)
    except (TypeError, ValueError, OverflowError):
        return None
    if number != number or number in (float("inf"), float("-inf")):
        return None
    return number


# The last page a list may be asked for: past it the offset is no list's, and a huge one
# overflows the database's OFFSET (a 500 instead of an empty page).
PAGE_MAX = 100_000


# The largest id a database holds (a signed 64-bit integer): a longer number typed into
# an address or a form is no id, and would overflow the database driver (a 500).
ID_MAX = 2**63 - 1


def is_id(value: Any) -> bool:
    """`value` (a parameter's text, or a number) is a row id: a whole number 1 … ID_MAX."""
    text = str(value).strip()
    # isdecimal: full-width digits too (int reads them), never "²" (int refuses it); a
    # length first: int() refuses a string of thousands of digits (ValueError)
    return text.isdecimal() and len(text) <= len(str(ID_MAX)) and 0 < int(text) <= ID_MAX


def id_or_none(value: Any) -> int | None:
    """The row id `value` spells, or None (see is_id)."""
    return int(str(value).strip()) if value is not None and is_id(value) else None
