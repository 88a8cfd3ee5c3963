"""The one filter of matter lists: it drives the page, its htmx partial, the JSON list
and the Excel export, so an export never builds its own query.

`MatterFilter.from_params(request.GET)` parses and validates; `errors` names each
bad field; `apply(queryset)` filters and orders a queryset that already went
through `Matter.objects.visible_to(user)`.

`as_of=<day>` lists the matters as they stood at the end of that day: state, warning,
lead unit and deadline are read from their standings (matters.history), the same rows
the cockpit counts "as of" a day, so a past figure and its list agree. `since=<day>`
compares two stocktakes: each row carries its standing then too (`changed=1` keeps
the matters whose state or warning moved between the two days).
"""

from __future__ import annotations

import copy
import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from django.db import connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Count, F, FilteredRelation, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from luoshi.lib.dates import parse_date
from luoshi.lib.errors import InvalidInput
from luoshi.lib.numbers import id_or_none

from . import textsearch
from .models import (
    OPEN_STATES,
    Matter,
    MatterKind,
    MatterUnit,
    MatterWarning,
    Priority,
    Source,
    State,
    valid_on,
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
    as_of: dt.date | None = None  # the list as it stood at the end of that day
    since: dt.date | None = None  # the earlier stocktake it is compared with
    changed: bool = False  # only matters whose state or warning moved since `since`
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
        for name in ("deadline_from", "deadline_to", "as_of", "since"):
            setattr(f, name, f._date(params, name))
        f._check_stocktakes()
        f.open = _flag(params, "open")
        f.changed = _flag(params, "changed") and f.since is not None
        f.q = " ".join(_values(params, "q"))[:100]
        ordering = (_values(params, "ordering") or [DEFAULT_ORDERING])[0]
        if ordering not in ORDERINGS:
            f.errors["ordering"] = _("Unknown ordering: %(value)s") % {"value": ordering}
            ordering = DEFAULT_ORDERING
        f.ordering = ordering
        return f

    def _check_stocktakes(self) -> None:
        """as_of not after today; since before as_of (or today)."""
        today = timezone.localdate()
        if self.as_of and self.as_of > today:
            self.errors["as_of"] = _("as_of cannot be later than today.")
            self.as_of = None
        if self.since and self.since >= (self.as_of or today):
            self.errors["since"] = _("since must be a day before as_of (or before today).")
            self.since = None

    @property
    def is_history(self) -> bool:
        """The list reads the matters' standings (a past day, or two days compared)."""
        return self.as_of is not None or self.since is not None

    def _int(self, params: Mapping, name: str) -> int | None:
        values = _values(params, name)
        if not values:
            return None
        found = id_or_none(values[0])
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
        history = self.is_history
        if history:
            queryset = self._standings(queryset)
        # Read from the standing in a history list: what the matter was that day.
        where = "as_of_" if history else ""
        for name in self.CHOICES:
            values = getattr(self, name)
            if values:
                column = where + name if name in ("state", "warning") else name
                queryset = queryset.filter(**{f"{column}__in": values})
        if self.open:
            queryset = queryset.filter(**{f"{where}state__in": OPEN_STATES})
        if self.unit is not None:
            held = MatterUnit.objects.filter(unit_id=self.unit, active=True)
            queryset = queryset.filter(pk__in=held.values("matter_id"))
        if self.lead_unit is not None:
            queryset = queryset.filter(**{f"{where}lead_unit_id": self.lead_unit})
        if self.leader is not None:
            queryset = queryset.filter(responsible_leader_id=self.leader)
        if self.parent is not None:
            queryset = queryset.filter(parent_id=self.parent)
        if self.deadline_from:
            queryset = queryset.filter(**{f"{where}deadline__gte": self.deadline_from})
        if self.deadline_to:
            queryset = queryset.filter(**{f"{where}deadline__lte": self.deadline_to})
        if self.q:
            queryset = queryset.filter(self._text_query(connections[queryset.db]))
        if ordered:
            ordering = ORDERINGS[self.ordering]
            if history:
                ordering = tuple(o.replace("deadline", "as_of_deadline") for o in ordering)
            queryset = queryset.order_by(*ordering)
        return queryset

    def _standings(self, queryset: QuerySet[Matter]) -> QuerySet[Matter]:
        """Join each matter's standing at `as_of` (today if only `since` is given), and
        at `since`: one row per matter (standings of a matter never overlap)."""
        then = self.as_of or timezone.localdate()
        queryset = queryset.annotate(
            then=FilteredRelation("standings", condition=valid_on(then, "standings__"))
        ).filter(then__id__isnull=False)  # a matter registered later is not in the list
        queryset = queryset.annotate(
            as_of_state=F("then__state"),
            as_of_warning=F("then__warning"),
            as_of_deadline=F("then__deadline"),
            as_of_lead_unit_id=F("then__lead_unit_id"),
        )
        if self.since is None:
            return queryset
        queryset = queryset.annotate(
            before=FilteredRelation("standings", condition=valid_on(self.since, "standings__")),
        ).annotate(since_state=F("before__state"), since_warning=F("before__warning"))
        if self.changed:
            queryset = queryset.filter(
                Q(before__id__isnull=True)
                | ~Q(before__state=F("then__state"))
                | ~Q(before__warning=F("then__warning"))
            )
        return queryset

    def _text_query(self, connection: BaseDatabaseWrapper) -> Q:
        query = textsearch.contains(self.q, connection)
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
            "as_of",
            "since",
        ):
            value = getattr(self, name)
            if value in (None, "", []):
                continue
            params[name] = ",".join(value) if isinstance(value, list) else str(value)
        if self.open:
            params["open"] = "1"
        if self.changed:
            params["changed"] = "1"
        if self.ordering != DEFAULT_ORDERING:
            params["ordering"] = self.ordering
        return params


# A text search with at most this many hits reads their ids first (see `searched`).
SEARCH_IDS_FIRST = 2000


def searched(mfilter: MatterFilter, rows: QuerySet[Matter], total: int) -> QuerySet[Matter]:
    """The page query of a text search with few hits, pinned to their ids.

    PostgreSQL cannot estimate how many titles a LIKE '%…%' matches; with ORDER BY
    deadline LIMIT 25 it may walk the deadline index testing every matter for the one
    hit (5.5 s at 1M, docs/benchmarks.md). The grouped count has already counted the
    hits exactly, so when they are few their ids are read by the trigram index first
    and the page sorts those only: one more query, bounded work.
    """
    if not mfilter.q or total > SEARCH_IDS_FIRST:
        return rows
    return rows.filter(pk__in=list(rows.order_by().values_list("pk", flat=True)))


def facet_counts(queryset: QuerySet[Matter], *, history: bool = False) -> dict[str, dict[str, int]]:
    """Counts by state and by warning (of the open matters) of a filtered queryset."""
    return counted(queryset, history=history)[1]


def counted(
    queryset: QuerySet[Matter], *, history: bool = False
) -> tuple[int, dict[str, dict[str, int]]]:
    """The list's total and its facets (counts by state, and by warning of the open
    matters) from ONE grouped query over (state, warning).

    The totals are sums of its few rows, so a list pays one pass over its matters for
    the count and both facets instead of a COUNT(*) plus a pass per facet (issue 15: at
    1M matters each pass reads an index of them all).

    `history`: the queryset is a MatterFilter history list; count the standings then.
    """
    queryset = queryset.order_by()
    state, warning = ("as_of_state", "as_of_warning") if history else ("state", "warning")
    by_state: dict[str, int] = {}
    by_warning: dict[str, int] = {}
    # COUNT(*), not COUNT(id): PostgreSQL then answers from the (state, warning) index
    # alone (index-only scan), 2-3x faster over 1M matters than reading the table.
    # A history list joins one standing per matter, so rows are matters either way.
    rows = queryset.values_list(state, warning).annotate(n=Count("*"))
    for state_value, warning_value, n in rows.values_list(state, warning, "n"):
        by_state[state_value] = by_state.get(state_value, 0) + n
        if state_value in OPEN_STATES:
            by_warning[warning_value] = by_warning.get(warning_value, 0) + n
    return sum(by_state.values()), {"state": by_state, "warning": by_warning}


def _flag(params: Mapping, name: str) -> bool:
    return (_values(params, name) or ["0"])[0].lower() in {"1", "true", "yes", "on"}


def as_shown(matter: Matter) -> Matter:
    """The matter as a history list shows it: state, warning, deadline as they stood
    (the lead unit shown is today's; it differs only after a dispute reassigned it).

    For templates and exports: a row of a MatterFilter history list carries
    as_of_* annotations; this copies them over the current values (on a copy, so the
    object is never saved back by mistake). A row of a current list is returned as is.
    """
    if not hasattr(matter, "as_of_state"):
        return matter
    shown = copy.copy(matter)
    shown.state, shown.warning = matter.as_of_state, matter.as_of_warning
    shown.deadline = matter.as_of_deadline
    return shown
