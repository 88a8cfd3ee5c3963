"""The one filter of the target list: it drives the page, the JSON list and the cockpit.

`TargetFilter.from_params(request.GET, today=…)` parses and validates (`errors` names
each bad field); `apply(queryset)` filters a queryset that already went through
`queries.visible_targets(user)`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from luoshi.lib.numbers import is_id

from .models import Target, TargetWarning

MIN_YEAR, MAX_YEAR = 2000, 2100


def _first(params: Mapping, name: str) -> str:
    value = params.get(name)
    if isinstance(value, list | tuple):
        value = value[0] if value else ""
    return str(value if value is not None else "").strip()


@dataclass
class TargetFilter:
    year: int
    unit: int | None = None
    warning: str = ""
    q: str = ""
    errors: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_params(cls, params: Mapping, *, today: dt.date) -> TargetFilter:
        f = cls(year=today.year)
        year = _first(params, "year")
        if year:
            if year.isdecimal() and len(year) == 4 and MIN_YEAR <= int(year) <= MAX_YEAR:
                f.year = int(year)
            else:
                f.errors["year"] = _("Enter a year from %(min)s to %(max)s.") % {
                    "min": MIN_YEAR,
                    "max": MAX_YEAR,
                }
        unit = _first(params, "unit")
        if unit:
            if is_id(unit):
                f.unit = int(unit)
            else:
                f.errors["unit"] = _("%(field)s must be a number.") % {"field": "unit"}
        warning = _first(params, "warning")
        if warning and warning not in TargetWarning.values:
            f.errors["warning"] = _("Unknown %(field)s: %(values)s") % {
                "field": "warning",
                "values": warning[:40],
            }
        elif warning:
            f.warning = warning
        f.q = _first(params, "q")[:100]
        return f

    @property
    def is_valid(self) -> bool:
        return not self.errors

    def apply(self, queryset: QuerySet[Target]) -> QuerySet[Target]:
        queryset = queryset.filter(year=self.year)
        if self.unit is not None:
            queryset = queryset.filter(unit_id=self.unit)
        if self.warning:
            queryset = queryset.filter(warning=self.warning)
        if self.q:
            queryset = queryset.filter(Q(name__icontains=self.q) | Q(unit__name__icontains=self.q))
        return queryset.order_by("unit__order", "unit__name", "name")

    def as_params(self) -> dict[str, str]:
        params = {"year": str(self.year)}
        if self.unit is not None:
            params["unit"] = str(self.unit)
        if self.warning:
            params["warning"] = self.warning
        if self.q:
            params["q"] = self.q
        return params
