"""The one filter of each evaluation list (periods, schemes, bonus and penalty items, a
unit's scorecards): each drives the page and the API alike.

`XFilter.from_params(request.GET)` parses and validates (`errors` names each bad field);
`apply(queryset)` filters a queryset the caller already restricted to what the user
may read.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from .models import Adjustment, AdjustmentKind, Period, PeriodKind, PeriodState, Scheme, Scorecard

MIN_YEAR, MAX_YEAR = 2000, 2100


def _first(params: Mapping, name: str) -> str:
    value = params.get(name)
    if isinstance(value, list | tuple):
        value = value[0] if value else ""
    return str(value if value is not None else "").strip()


@dataclass
class _Filter:
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def is_valid(self) -> bool:
        return not self.errors

    def _choice(self, params: Mapping, name: str, choices) -> str:
        value = _first(params, name)
        if value and value not in choices.values:
            self.errors[name] = _("Unknown %(field)s: %(values)s") % {
                "field": name,
                "values": value[:40],
            }
            return ""
        return value

    def _int(self, params: Mapping, name: str, low: int = 1, high: int = 2**31 - 1) -> int | None:
        value = _first(params, name)
        if not value:
            return None
        if value.isdecimal() and len(value) <= 19 and low <= int(value) <= high:
            return int(value)
        self.errors[name] = _("%(field)s must be a number from %(low)s to %(high)s.") % {
            "field": name,
            "low": low,
            "high": high,
        }
        return None

    def _flag(self, params: Mapping, name: str) -> bool:
        return _first(params, name).lower() in {"1", "true", "yes", "on"}


@dataclass
class PeriodFilter(_Filter):
    kind: str = ""
    state: str = ""
    year: int | None = None

    @classmethod
    def from_params(cls, params: Mapping) -> PeriodFilter:
        f = cls()
        f.kind = f._choice(params, "kind", PeriodKind)
        f.state = f._choice(params, "state", PeriodState)
        f.year = f._int(params, "year", MIN_YEAR, MAX_YEAR)
        return f

    def apply(self, queryset: QuerySet[Period]) -> QuerySet[Period]:
        if self.kind:
            queryset = queryset.filter(kind=self.kind)
        if self.state:
            queryset = queryset.filter(state=self.state)
        if self.year:
            queryset = queryset.filter(start__year=self.year)
        return queryset.order_by("-start", "kind")


@dataclass
class SchemeFilter(_Filter):
    name: str = ""
    latest: bool = False

    @classmethod
    def from_params(cls, params: Mapping) -> SchemeFilter:
        f = cls()
        f.name = _first(params, "name")[:100]
        f.latest = f._flag(params, "latest")
        return f

    def apply(self, queryset: QuerySet[Scheme]) -> QuerySet[Scheme]:
        if self.name:
            queryset = queryset.filter(name__icontains=self.name)
        queryset = queryset.order_by("name", "-version")
        if self.latest:
            # The newest version of each name (an office has a handful of schemes).
            newest = {}
            for pk, name in queryset.values_list("pk", "name"):
                newest.setdefault(name, pk)
            queryset = queryset.filter(pk__in=newest.values())
        return queryset


@dataclass
class AdjustmentFilter(_Filter):
    unit: int | None = None
    kind: str = ""
    withdrawn: bool = False  # show withdrawn items too

    @classmethod
    def from_params(cls, params: Mapping) -> AdjustmentFilter:
        f = cls()
        f.unit = f._int(params, "unit")
        f.kind = f._choice(params, "kind", AdjustmentKind)
        f.withdrawn = f._flag(params, "withdrawn")
        return f

    def apply(self, queryset: QuerySet[Adjustment]) -> QuerySet[Adjustment]:
        if self.unit is not None:
            queryset = queryset.filter(unit_id=self.unit)
        if self.kind:
            queryset = queryset.filter(kind=self.kind)
        if not self.withdrawn:
            queryset = queryset.filter(withdrawn_at__isnull=True)
        return queryset.select_related("unit", "created_by", "withdrawn_by", "matter").order_by(
            "unit__order", "unit__name", "id"
        )


@dataclass
class ScorecardFilter(_Filter):
    unit: int | None = None
    period: int | None = None
    kind: str = ""

    @classmethod
    def from_params(cls, params: Mapping) -> ScorecardFilter:
        f = cls()
        f.unit = f._int(params, "unit")
        f.period = f._int(params, "period")
        f.kind = f._choice(params, "kind", PeriodKind)
        return f

    def apply(self, queryset: QuerySet[Scorecard]) -> QuerySet[Scorecard]:
        if self.unit is not None:
            queryset = queryset.filter(unit_id=self.unit)
        if self.period is not None:
            queryset = queryset.filter(period_id=self.period)
        if self.kind:
            queryset = queryset.filter(period__kind=self.kind)
        return queryset.select_related("unit", "period__scheme").order_by(
            "-period__start", "period__kind", "unit__order", "unit__name"
        )
