"""The one filter of matter lists: it drives the page, its htmx partial, the JSON list
and the Excel export, so an export never builds its own query.

`MatterFilter.from_params(request.GET)` parses and validates; `errors` names each
bad field; `apply(queryset)` filters and orders a queryset that already went
through `Matter.objects.visible_to(user)`.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext as _

from luoshi.lib.dates import parse_date
from luoshi.lib.errors import InvalidInput

from .models import (
    OPEN_STATES,
    Matter,
    MatterKind,
    MatterUnit,
    MatterWarning,
    Priority,
    Source,
    State,
)

ORDERINGS = {
    "deadline": ("deadline", "id"),
    "-deadline": ("-deadline", "-id"),
    "serial": ("serial_year", "serial_no"),
    "-serial": ("-serial_year", "-serial_no"),
    "updated": ("updated_at", "id"),
    "-updated": ("-updated_at", "-id"),
    "progress": ("progress", "id"),
    "-progress": ("-progress", "-id"),
}
DEFAULT_ORDERING = "deadline"
MAX_PAGE_SIZE = 100
SERIAL_RE = re.compile(r"(?:(\d{4})\D+)?(\d+)\s*号?$")


def _values(params: Mapping, name: str) -> list[str]:
    if hasattr(params, "getlist"):
        raw = params.getlist(name)
    else:
        raw = params.get(name) or []
        raw = raw if isinstance(raw, list | tuple) else [raw]
    out: list[str] = []
    for item in raw:
        out += [v.strip() for v in str(item).split(",") if v.strip()]
    return out


@dataclass
class MatterFilter:
    state: list[str] = field(default_factory=list)
    warning: list[str] = field(default_factory=list)
    kind: list[str] = field(default_factory=list)
    source: list[str] = field(default_factory=list)
    priority: list[str] = field(default_factory=list)
    unit: int | None = None  # lead unit or co-unit
    lead_unit: int | None = None
    leader: int | None = None
    parent: int | None = None
    deadline_from: dt.date | None = None
    deadline_to: dt.date | None = None
    open: bool = False
    q: str = ""
    ordering: str = DEFAULT_ORDERING
    errors: dict[str, str] = field(default_factory=dict)

    CHOICES = {
        "state": State,
        "warning": MatterWarning,
        "kind": MatterKind,
        "source": Source,
        "priority": Priority,
    }

    @classmethod
    def from_params(cls, params: Mapping) -> MatterFilter:
        f = cls()
        for name, choices in cls.CHOICES.items():
            values = _values(params, name)
            bad = [v for v in values if v not in choices.values]
            if bad:
                f.errors[name] = _("Unknown %(field)s: %(values)s") % {
                    "field": name,
                    "values": ", ".join(bad),
                }
            setattr(f, name, [v for v in values if v in choices.values])
        for name in ("unit", "lead_unit", "leader", "parent"):
            setattr(f, name, f._int(params, name))
        for name in ("deadline_from", "deadline_to"):
            setattr(f, name, f._date(params, name))
        f.open = (_values(params, "open") or ["0"])[0].lower() in {"1", "true", "yes", "on"}
        f.q = " ".join(_values(params, "q"))[:100]
        ordering = (_values(params, "ordering") or [DEFAULT_ORDERING])[0]
        if ordering not in ORDERINGS:
            f.errors["ordering"] = _("Unknown ordering: %(value)s") % {"value": ordering}
            ordering = DEFAULT_ORDERING
        f.ordering = ordering
        return f

    def _int(self, params: Mapping, name: str) -> int | None:
        values = _values(params, name)
        if not values:
            return None
        try:
            return int(values[0])
        except ValueError:
            self.errors[name] = _("%(field)s must be a number.") % {"field": name}
            return None

    def _date(self, params: Mapping, name: str) -> dt.date | None:
        values = _values(params, name)
        if not values:
            return None
        try:
            return parse_date(values[0], field=name)
        except InvalidInput as error:
            self.errors[name] = _("%(field)s: %(problem)s") % {
                "field": name,
                "problem": error.message,
            }
            return None

    @property
    def is_valid(self) -> bool:
        return not self.errors

    def apply(self, queryset: QuerySet[Matter], *, ordered: bool = True) -> QuerySet[Matter]:
        for name in self.CHOICES:
            values = getattr(self, name)
            if values:
                queryset = queryset.filter(**{f"{name}__in": values})
        if self.open:
            queryset = queryset.filter(state__in=OPEN_STATES)
        if self.unit is not None:
            held = MatterUnit.objects.filter(unit_id=self.unit, active=True)
            queryset = queryset.filter(pk__in=held.values("matter_id"))
        if self.lead_unit is not None:
            queryset = queryset.filter(lead_unit_id=self.lead_unit)
        if self.leader is not None:
            queryset = queryset.filter(responsible_leader_id=self.leader)
        if self.parent is not None:
            queryset = queryset.filter(parent_id=self.parent)
        if self.deadline_from:
            queryset = queryset.filter(deadline__gte=self.deadline_from)
        if self.deadline_to:
            queryset = queryset.filter(deadline__lte=self.deadline_to)
        if self.q:
            queryset = queryset.filter(self._text_query())
        if ordered:
            queryset = queryset.order_by(*ORDERINGS[self.ordering])
        return queryset

    def _text_query(self) -> Q:
        query = Q(title__icontains=self.q) | Q(content__icontains=self.q)
        match = SERIAL_RE.search(self.q)
        if match:
            serial = Q(serial_no=int(match.group(2)))
            if match.group(1):
                serial &= Q(serial_year=int(match.group(1)))
            query |= serial
        return query

    def as_params(self) -> dict[str, str]:
        """The filter as query parameters (for links: pagination, export of this list)."""
        params: dict[str, str] = {}
        for name in (
            *self.CHOICES,
            "unit",
            "lead_unit",
            "leader",
            "parent",
            "deadline_from",
            "deadline_to",
            "q",
        ):
            value = getattr(self, name)
            if value in (None, "", []):
                continue
            params[name] = ",".join(value) if isinstance(value, list) else str(value)
        if self.open:
            params["open"] = "1"
        if self.ordering != DEFAULT_ORDERING:
            params["ordering"] = self.ordering
        return params


def facet_counts(queryset: QuerySet[Matter]) -> dict[str, dict[str, int]]:
    """Counts by state and by warning of a filtered queryset: two grouped queries."""
    queryset = queryset.order_by()
    return {
        "state": dict(
            queryset.values_list("state").annotate(n=Count("pk")).values_list("state", "n")
        ),
        "warning": dict(
            queryset.filter(state__in=OPEN_STATES)
            .values_list("warning")
            .annotate(n=Count("pk"))
            .values_list("warning", "n")
        ),
    }
