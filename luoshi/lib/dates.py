"""Dates as users type them and as the database compares them."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from django.utils.translation import gettext as _

from .errors import InvalidInput


def day_start(day: dt.date) -> dt.datetime:
    """Midnight at the start of `day`, in the local time zone (aware)."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def parse_date(value: object, *, field: str = "date", required: bool = False) -> dt.date | None:
    """A date typed as 2026-06-30 (also 2026/6/30, 2026.6.30); InvalidInput names the field.

    Empty means None unless `required`. Years outside 1900–2200 are refused: no
    deadline or stocktake of an office lies there, and they would break date arithmetic.
    """
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        day = value
    else:
        text = str(value or "").strip()
        if not text:
            if required:
                raise InvalidInput(_("Enter a date."), field=field)
            return None
        try:
            year, month, date = (
                int(p) for p in text.replace("/", "-").replace(".", "-").split("-")
            )
            day = dt.date(year, month, date)
        except (TypeError, ValueError):
            raise InvalidInput(
                _("“%(value)s” is not a date: enter it as 2026-06-30.") % {"value": text[:40]},
                field=field,
            ) from None
    if not 1900 <= day.year <= 2200:
        raise InvalidInput(_("Enter a date between 1900 and 2200."), field=field)
    return day
