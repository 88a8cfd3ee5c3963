"""The one filter of the hazard register: it drives the page, its htmx partial, the JSON
list, the figures and the Excel ledger (隐患台账), so an export never builds its own query.

`HazardFilter.from_params(request.GET)` parses and validates (errors name each bad
field); `apply(queryset)` filters and orders a queryset that already went through
`queries.visible_hazards(user)`.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from django.db.models import Case, IntegerField, Q, QuerySet, Value, When
from django.utils.translation import gettext as _

from luoshi.lib.numbers import id_or_none
from luoshi.org.models import Unit

from .models import LEVEL_ORDER, Discovery, Hazard, HazardLevel, HazardStatus, HazardWarning
from .queries import open_q, overdue_q, status_q

ORDERINGS = {
    "found": ("found_on", "id"),
    "-found": ("-found_on", "-id"),
    "serial": ("serial_year", "serial_no"),
    "-serial": ("-serial_year", "-serial_no"),
    "deadline": ("matter__deadline", "id"),
    "level": ("level_rank", "-found_on", "-id"),  # 重大, 较大, 一般 (see _level_rank)
    "reinspection": ("reinspection_due", "id"),
}
DEFAULT_ORDERING = "-found"
SERIAL_RE = re.compile(r"(?:(\d{4})\D+)?(\d+)\s*号?$")
STATUS_VALUES = [*HazardStatus.values, "open"]


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


def _level_rank() -> Case:
    return Case(
        *[When(level=level, then=Value(rank)) for rank, level in enumerate(LEVEL_ORDER)],
        default=Value(len(LEVEL_ORDER)),
        output_field=IntegerField(),
    )


def _flag(params: Mapping, name: str) -> bool:
    return (_values(params, name) or ["0"])[0].lower() in {"1", "true", "yes", "on"}


@dataclass
class HazardFilter:
    level: list[str] = field(default_factory=list)
    status: list[str] = field(default_factory=list)
    warning: list[str] = field(default_factory=list)
    discovery: list[str] = field(default_factory=list)
    category: list[int] = field(default_factory=list)
    unit: int | None = None  # the responsible unit
    place: int | None = None  # the place, with every unit below it
    found_by: int | None = None
    campaign: int | None = None
    overdue: bool = False
    listed: bool = False
    found_from: dt.date | None = None
    found_to: dt.date | None = None
    q: str = ""
    ordering: str = DEFAULT_ORDERING
    errors: dict[str, str] = field(default_factory=dict)

    CHOICES = {
        "level": HazardLevel.values,
        "status": STATUS_VALUES,
        "warning": HazardWarning.values,
        "discovery": Discovery.values,
    }
    NUMBERS = ("unit", "place", "found_by", "campaign")

    @classmethod
    def from_params(cls, params: Mapping) -> HazardFilter:
        f = cls()
        for name, allowed in cls.CHOICES.items():
            values = _values(params, name)
            bad = [v for v in values if v not in allowed]
            if bad:
                f.errors[name] = _("Unknown %(field)s: %(values)s") % {
                    "field": name,
                    "values": ", ".join(bad),
                }
            setattr(f, name, [v for v in values if v in allowed])
        f.category = [n for n in (f._int(v, "category") for v in _values(params, "category")) if n]
        for name in cls.NUMBERS:
            values = _values(params, name)
            setattr(f, name, f._int(values[0], name) if values else None)
        for name in ("found_from", "found_to"):
            setattr(f, name, f._date(params, name))
        f.overdue, f.listed = _flag(params, "overdue"), _flag(params, "listed")
        f.q = " ".join(_values(params, "q"))[:100]
        ordering = (_values(params, "ordering") or [DEFAULT_ORDERING])[0]
        if ordering not in ORDERINGS:
            f.errors["ordering"] = _("Unknown ordering: %(value)s") % {"value": ordering}
            ordering = DEFAULT_ORDERING
        f.ordering = ordering
        return f

    def _int(self, value: str, name: str) -> int | None:
        found = id_or_none(value)
        if found is None:
            self.errors[name] = _("%(field)s must be the id of one (a whole number from 1).") % {
                "field": name
            }
        return found

    def _date(self, params: Mapping, name: str) -> dt.date | None:
        values = _values(params, name)
        if not values:
            return None
        try:
            return dt.date.fromisoformat(values[0])
        except ValueError:
            self.errors[name] = _("%(field)s must be a date like 2026-06-30.") % {"field": name}
            return None

    @property
    def is_valid(self) -> bool:
        return not self.errors

    def apply(self, queryset: QuerySet[Hazard], *, ordered: bool = True) -> QuerySet[Hazard]:
        for name in ("level", "warning", "discovery"):
            if getattr(self, name):
                queryset = queryset.filter(**{f"{name}__in": getattr(self, name)})
        if self.status:
            queryset = queryset.filter(self._status_q())
        if self.category:
            queryset = queryset.filter(category_id__in=self.category)
        for name, column in (
            ("unit", "responsible_unit_id"),
            ("found_by", "found_by_unit_id"),
            ("campaign", "campaign_id"),
        ):
            if getattr(self, name) is not None:
                queryset = queryset.filter(**{column: getattr(self, name)})
        if self.place is not None:
            queryset = queryset.filter(unit_id__in=self._subtree(self.place))
        if self.overdue:
            queryset = queryset.filter(overdue_q())
        if self.listed:
            queryset = queryset.filter(listed_supervision=True)
        if self.found_from:
            queryset = queryset.filter(found_on__gte=self.found_from)
        if self.found_to:
            queryset = queryset.filter(found_on__lte=self.found_to)
        if self.q:
            queryset = queryset.filter(self._text_query())
        if ordered:
            if self.ordering == "level":
                queryset = queryset.annotate(level_rank=_level_rank())
            queryset = queryset.order_by(*ORDERINGS[self.ordering])
        return queryset

    def _status_q(self) -> Q:
        condition = Q(pk__in=[])
        for status in self.status:
            condition |= open_q() if status == "open" else status_q(status)
        return condition

    @staticmethod
    def _subtree(unit_id: int) -> QuerySet[Unit]:
        """The unit and every unit below it: one indexed prefix on the materialised path."""
        path = Unit.objects.filter(pk=unit_id).values_list("path", flat=True).first() or "-"
        return Unit.objects.filter(path__startswith=path).values("pk")

    def _text_query(self) -> Q:
        query = (
            Q(title__icontains=self.q)
            | Q(address__icontains=self.q)
            | Q(description__icontains=self.q)
        )
        match = SERIAL_RE.search(self.q)
        if match:
            serial = Q(serial_no=int(match.group(2)))
            if match.group(1):
                serial &= Q(serial_year=int(match.group(1)))
            query |= serial
        return query

    def as_params(self) -> dict[str, str]:
        """The filter as query parameters (for links: pagination, the ledger of this list)."""
        params: dict[str, str] = {}
        for name in (*self.CHOICES, "category", *self.NUMBERS, "found_from", "found_to", "q"):
            value = getattr(self, name)
            if value in (None, "", []):
                continue
            params[name] = ",".join(map(str, value)) if isinstance(value, list) else str(value)
        for name in ("overdue", "listed"):
            if getattr(self, name):
                params[name] = "1"
        if self.ordering != DEFAULT_ORDERING:
            params["ordering"] = self.ordering
        return params
