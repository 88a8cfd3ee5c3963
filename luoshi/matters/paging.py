"""Pages of a matter list that cost what the first page costs, however deep (issue 15).

A page is read in one of three ways, all through the same ordered, filtered queryset:

- `?page=N`: by OFFSET, for the first PAGE_NUMBER_ROWS rows only (page 100 at 25 a
  page). Old links keep working; an offset past that would make the database read and
  throw away every row before the page (page 40,000 of a million matters: seconds).
- `?after=<cursor>` / `?before=<cursor>`: keyset pages. The cursor holds the ordering's
  columns of the row at the page's edge (e.g. deadline and id); the page is the next
  rows in index order after (or before) it, so page 40,000 costs what page 1 costs.
  "Next" and "Previous" always link this way.
- `?start=<value>`: a jump to where the ordering reaches a value — a deadline or an
  update day (YYYY-MM-DD), a progress percentage, a serial (2025-123) — which is how a
  supervisor reaches the middle of a long list: "matters due from 1 June".

Deadlines may be empty (ongoing matters); databases put empty values first or last
(`nulls_order_largest`), so a keyset page walks the dated rows and the undated ones as
two blocks, each read from the (deadline, id) index.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.db import connections
from django.db.models import F, Q, QuerySet
from django.db.models.expressions import RawSQL
from django.db.models.fields.tuple_lookups import (
    Tuple,
    TupleGreaterThan,
    TupleGreaterThanOrEqual,
    TupleLessThan,
    TupleLessThanOrEqual,
)
from django.utils import timezone
from django.utils.translation import gettext as _

from luoshi.lib.dates import parse_date
from luoshi.lib.errors import InvalidInput

from .counts import ListCount, estimated_rows
from .filters import ORDERINGS, SERIAL_RE, MatterFilter
from .models import Matter
from .textsearch import MIN_FRAGMENT

# ?page=N reaches this many rows by OFFSET (page 100 at 25 a page); beyond, pages are
# read by cursor. An OFFSET of 10,000 rows cost ~120 ms of SQL at 300k matters under
# load (docs/benchmarks.md), a quarter of it ~30 ms: about what page 1 costs.
PAGE_NUMBER_ROWS = 2_500
NULLABLE = {"deadline"}  # ORDERINGS' columns that may be empty


def _datetime(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)


DECODE: dict[str, Callable[[Any], Any]] = {
    "deadline": dt.date.fromisoformat,
    "updated_at": _datetime,
    "id": int,
    "progress": int,
    "serial_year": int,
    "serial_no": int,
}


def keyset(ordering: str) -> tuple[tuple[str, ...], bool]:
    """The ordering's columns (without "-") and whether it runs descending."""
    columns = ORDERINGS[ordering]
    return tuple(c.lstrip("-") for c in columns), columns[0].startswith("-")


def opposite(ordering: str) -> str:
    return ordering[1:] if ordering.startswith("-") else f"-{ordering}"


@dataclass
class PageRequest:
    """Which page of a list: a page number, a cursor either way, or a jump."""

    number: int = 1
    after: tuple | None = None
    before: tuple | None = None
    start: tuple | None = None
    inclusive: bool = True  # whether the jump's bound row itself is on the page
    errors: dict[str, str] = field(default_factory=dict)
    searched: bool = False  # a text search: its hits are read by the search's index

    @classmethod
    def from_params(cls, params, mfilter: MatterFilter) -> PageRequest:
        # A fragment the trigram index can look up (three characters or more).
        searched = len((mfilter.q or "").strip()) >= MIN_FRAGMENT and not mfilter.is_history
        request = cls(searched=searched)
        try:
            request.number = max(1, int(params.get("page") or 1))
        except ValueError:
            request.errors["page"] = _("page must be a number.")
        for name in ("after", "before", "start"):
            text = (params.get(name) or "").strip()
            if not text:
                continue
            if mfilter.is_history:
                request.errors[name] = _("A list as of a past day is paged by page number only.")
                continue
            try:
                if name == "start":
                    request.start, request.inclusive = _jump_bound(text, mfilter.ordering)
                else:
                    setattr(request, name, decode(text, mfilter.ordering, name))
            except InvalidInput as error:
                request.errors[name] = error.message
        return request

    @property
    def by_number(self) -> bool:
        return self.after is None and self.before is None and self.start is None

    def check_reach(self, per_page: int) -> bool:
        """Whether page numbers reach the page asked for; if not, an error says how on."""
        if not self.by_number or self.number <= last_number(per_page):
            return True
        self.errors["page"] = _(
            "Page numbers reach page %(n)s: go on with Next, or jump to a value."
        ) % {"n": last_number(per_page)}
        return False


def row_values(matter: Matter, ordering: str) -> tuple:
    """The row's values of the ordering's columns: where a keyset page starts after it."""
    return tuple(getattr(matter, c) for c in keyset(ordering)[0])


def encode(matter: Matter, ordering: str) -> str:
    """The cursor of a row: its values of the ordering's columns, as a URL-safe token."""
    values = row_values(matter, ordering)
    plain = [v.isoformat() if isinstance(v, dt.date) else v for v in values]
    raw = json.dumps(plain, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode(token: str, ordering: str, name: str) -> tuple:
    columns, _desc = keyset(ordering)
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        plain = json.loads(raw)
        if not isinstance(plain, list) or len(plain) != len(columns):
            raise ValueError
        return tuple(
            None if v is None and c in NULLABLE else DECODE[c](v)
            for c, v in zip(columns, plain, strict=True)
        )
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError) as error:
        message = _("%(field)s is not a cursor of this list (its ordering changed?).")
        raise InvalidInput(message % {"field": name}, field=name) from error


def _jump_bound(text: str, ordering: str) -> tuple[tuple, bool]:
    """(bound on the ordering's leading column(s), inclusive) for `start=text`."""
    columns, desc = keyset(ordering)
    if columns[0] == "progress":
        if not (text.isdecimal() and len(text) <= 3) or int(text) > 100:
            raise InvalidInput(_("start: a progress from 0 to 100."), field="start")
        return (int(text),), True
    if columns[0] == "serial_year":
        match = SERIAL_RE.search(text)
        if not match or not match.group(1):
            raise InvalidInput(_("start: a serial with its year, e.g. 2025-123."), field="start")
        return (int(match.group(1)), int(match.group(2))), True
    day = parse_date(text, field="start")
    if columns[0] == "deadline":
        return (day,), True
    # updated_at is a moment: the day runs from its midnight to the next one.
    midnight = timezone.make_aware(dt.datetime.combine(day, dt.time()))
    if desc:
        return (midnight + dt.timedelta(days=1),), False
    return (midnight,), True


def _beyond(columns: tuple[str, ...], values: tuple, desc: bool, inclusive: bool) -> Q | Any:
    """Rows past `values` in the ordering's direction: a row comparison, which the
    database answers as a range of the ordering's index."""
    columns = columns[: len(values)]
    if len(columns) == 1:
        op = ("lte" if inclusive else "lt") if desc else ("gte" if inclusive else "gt")
        return Q(**{f"{columns[0]}__{op}": values[0]})
    if desc:
        lookup = TupleLessThanOrEqual if inclusive else TupleLessThan
    else:
        lookup = TupleGreaterThanOrEqual if inclusive else TupleGreaterThan
    return lookup(Tuple(*[F(c) for c in columns]), list(values))


def rows_after(
    rows: QuerySet[Matter], ordering: str, values: tuple, limit: int, *, inclusive: bool = False
) -> list[Matter]:
    """Up to `limit` rows of `rows` (ordered by `ordering`) that come after `values`."""
    columns, desc = keyset(ordering)
    first = columns[0]
    rows = _unjoined(rows).order_by(*ORDERINGS[ordering])  # a page before: in reverse
    if first not in NULLABLE:
        return list(rows.filter(_beyond(columns, values, desc, inclusive))[:limit])
    # Two blocks, dated and undated, in the order this database sorts them.
    largest = connections[rows.db].features.nulls_order_largest
    undated_last = desc != largest
    undated = rows.filter(**{f"{first}__isnull": True})
    dated = rows.filter(**{f"{first}__isnull": False})
    if values[0] is None:
        current = undated.filter(_beyond(columns[1:], values[1:], desc, inclusive))
        following = None if undated_last else dated
    else:
        current = dated.filter(_beyond(columns, values, desc, inclusive))
        following = undated if undated_last else None
    found = list(current[:limit])
    if following is not None and len(found) < limit:
        found += list(following[: limit - len(found)])
    return found


def _unjoined(rows: QuerySet[Matter]) -> QuerySet[Matter]:
    """The rows with their joined relations fetched by a second query instead.

    An OFFSET page joins every row it skips; and:

    PostgreSQL estimates a row comparison by its first column alone: after a cursor
    inside a long run of equal values (all matters updated by one bulk change, a common
    progress) it expects about one row. Joined, that estimate makes sorting every
    following row look cheap (seconds at 300k); alone, the matters table is read in
    index order and stops after one page.
    """
    joined = rows.query.select_related
    if not isinstance(joined, dict) or not joined:
        return rows
    return rows.select_related(None).prefetch_related(*joined)


@dataclass
class ListPage:
    """One page of a list, with the links on to the next and previous pages."""

    rows: list[Matter]
    count: ListCount
    per_page: int
    ordering: str
    number: int | None = None  # when read by page number
    has_next: bool = False
    has_previous: bool = False

    def __iter__(self) -> Iterator[Matter]:
        return iter(self.rows)

    def __len__(self) -> int:
        return len(self.rows)

    @property
    def object_list(self) -> list[Matter]:
        return self.rows

    @property
    def pages(self) -> int | None:
        """How many pages the list has, when its count is exact."""
        return max(1, math.ceil(self.count.total / self.per_page)) if self.count.exact else None

    @property
    def next_cursor(self) -> str | None:
        return encode(self.rows[-1], self.ordering) if self.has_next and self.rows else None

    @property
    def previous_cursor(self) -> str | None:
        return encode(self.rows[0], self.ordering) if self.has_previous and self.rows else None

    @property
    def next_number(self) -> int | None:
        """The next page by number, while page numbers reach it (else use the cursor)."""
        if self.number is None or not self.has_next:
            return None
        return self.number + 1 if self.number * self.per_page < PAGE_NUMBER_ROWS else None


def last_number(per_page: int) -> int:
    """The last page a page number reaches."""
    return max(1, PAGE_NUMBER_ROWS // per_page)


def read_page(
    rows: QuerySet[Matter],
    request: PageRequest,
    count: ListCount,
    per_page: int,
    ordering: str,
    *,
    clamp: bool = True,
) -> ListPage:
    """The page `request` asks for of `rows` (filtered, ordered by `ordering`).

    `clamp`: a page number past the end shows the last page (the HTML list, as Django's
    get_page), past the numbered pages the last numbered one; else it is read as asked
    (the API: an empty page past the end; past the numbered pages refused before)."""
    page = ListPage([], count, per_page, ordering)
    if request.after is not None:
        page.rows = rows_after(rows, ordering, request.after, per_page + 1)
        page.has_next, page.has_previous = len(page.rows) > per_page, True
    elif request.before is not None:
        found = rows_after(rows, opposite(ordering), request.before, per_page + 1)
        if not found:  # nothing before it: the list's first page
            return read_page(rows, PageRequest(), count, per_page, ordering)
        page.rows = found[:per_page][::-1]
        page.has_next, page.has_previous = True, len(found) > per_page
        return page
    elif request.start is not None:
        page.rows = rows_after(
            rows, ordering, request.start, per_page + 1, inclusive=request.inclusive
        )
        page.has_next = len(page.rows) > per_page
        if page.rows:  # is there a row before the jump's first? one indexed row
            edge = row_values(page.rows[0], ordering)
            page.has_previous = bool(rows_after(rows, opposite(ordering), edge, 1))
    else:
        return _numbered(rows, request, count, per_page, ordering, clamp)
    page.rows = page.rows[:per_page]
    return page


def _numbered(
    rows: QuerySet[Matter],
    request: PageRequest,
    count: ListCount,
    per_page: int,
    ordering: str,
    clamp: bool,
) -> ListPage:
    """A page by number, by OFFSET (bounded by PAGE_NUMBER_ROWS)."""
    if clamp and count.exact:
        request.number = min(request.number, max(1, math.ceil(count.total / per_page)))
    number = request.number if request.check_reach(per_page) else last_number(per_page)
    offset = (number - 1) * per_page
    if count.exact and count.total <= SORTED_HERE_ROWS and not _walked(count, ordering, offset):
        found = _sorted_here(rows, ordering, offset, per_page + 1, count)
    elif request.searched and _few_hits(rows, count):
        found = list(_unjoined(_hits_sorted(rows, ordering))[offset : offset + per_page + 1])
    else:
        # Unjoined: an OFFSET joins every row it skips (page 100 by deadline at 300k:
        # 171 ms joined, 25 ms alone).
        found = list(_unjoined(rows)[offset : offset + per_page + 1])
    page = ListPage(found[:per_page], count, per_page, ordering, number=number)
    page.has_next, page.has_previous = len(found) > per_page, number > 1
    return page


# A list known to hold at most this many rows (its count is exact) is ordered here.
SORTED_HERE_ROWS = 10_000


# Rows before a page that the database's walk may pass (`_walked`); deeper, sorted here.
WALKED_ROWS = 200


def _walked(count: ListCount, ordering: str, offset: int) -> bool:
    """Whether a short list's first pages are read in the database's order after all:
    counted from kept rows (an area's or a unit user's: its own rows unread, and no
    drafts among them — counts.ListCount.walkable) and ordered by deadline, which the
    indexes of the filters such a list has (state, warning: matter_state_dl_id,
    matter_warning_dl) serve in order — a page is the first rows of the area met on the
    walk. Reading every row of a county head's overdue list to sort them took 44 ms at
    1M, the walk 2 ms. By another order the walk can read the whole index of a column no
    filter bounds (due soon by progress: 0.7 s); a deep page makes it pass every row
    before it, and the undated (ongoing) last: those are sorted here."""
    deadline = ORDERINGS[ordering][0].lstrip("-") == "deadline"
    return count.walkable and deadline and offset < WALKED_ROWS


def _sorted_here(
    rows: QuerySet[Matter], ordering: str, offset: int, limit: int, count: ListCount
) -> list[Matter]:
    """`limit` rows from `offset` of a short list: its ids and ordering columns read in
    whatever order the filter's index gives (as its count was), sorted here, then the
    page's rows by id. The count may have read them already (`count.rows`).

    Given ORDER BY and LIMIT, PostgreSQL walks the ordering's index and tests each row
    against the filter, expecting the matches spread evenly. When they gather at one
    end it reads the whole index: a search whose 4,685 hits were all drafts (no deadline,
    so last by deadline) took 1.9 s at 1M. Sorting at most SORTED_HERE_ROWS rows costs a
    few ms whatever their order.
    """
    # The queryset's own ordering: a history list orders by the standing's deadline.
    own = tuple(rows.query.order_by)
    fields = own if own and all(isinstance(f, str) for f in own) else ORDERINGS[ordering]
    names = [name.lstrip("-") for name in fields]
    if count.rows is not None and count.keys == tuple(fields):
        keys = list(count.rows)
    else:
        keys = list(rows.order_by().values_list("pk", *names)[: SORTED_HERE_ROWS + 1])
    if len(keys) > SORTED_HERE_ROWS:  # a count that was not this list's (stale rollups)
        return list(_unjoined(rows)[offset : offset + limit])
    empty_largest = connections[rows.db].features.nulls_order_largest
    for position in range(len(fields), 0, -1):  # stable sorts, last column first

        def key(row: tuple, i: int = position) -> tuple:
            # Empty values where this database sorts them (first or last), as its ORDER BY.
            return ((row[i] is None) == empty_largest, row[i])

        keys.sort(key=key, reverse=fields[position - 1].startswith("-"))
    wanted = [row[0] for row in keys[offset : offset + limit]]
    found = _unjoined(rows).order_by().in_bulk(wanted)
    # A row changed between the two reads (accepted off a "to accept" list) is left out.
    return [found[pk] for pk in wanted if pk in found]


# A text search with at most this many hits is read by its index and sorted (PostgreSQL).
SEARCH_SORTED_ROWS = 20_000


def _few_hits(rows: QuerySet[Matter], count: ListCount) -> bool:
    """Whether a long search's hits are few enough to sort, by the planner's estimate
    (EXPLAIN without running: ~1 ms; counting 20k hits through the index took 60–120 ms).
    Past that they are everywhere, and walking the ordering's index finds a page at once."""
    expected = count.estimate if count.estimate is not None else estimated_rows(rows)
    return expected is not None and expected <= SEARCH_SORTED_ROWS


# Each ordering column plus a zero of its type: the same order, but no index's.
_ZERO = {
    "deadline": "+ 0",
    "progress": "+ 0",
    "serial_year": "+ 0",
    "serial_no": "+ 0",
    "id": "+ 0",
    "updated_at": "+ interval '0 seconds'",
}


def _hits_sorted(rows: QuerySet[Matter], ordering: str) -> QuerySet[Matter]:
    """A long text search's page, ordered so that PostgreSQL reads the hits by the search's
    trigram index and sorts them, instead of walking the ordering's index and testing
    each matter against the search. The walk stops early when hits are spread out; when
    they gather at one end (13k undated drafts, last by deadline) it reads every matter:
    2–3 s at 1M. Sorting the hits costs what they number, bounded by the search."""
    table = Matter._meta.db_table
    terms = []
    for name in ORDERINGS[ordering]:
        column = name.lstrip("-")
        expression = RawSQL(f'"{table}"."{column}" {_ZERO[column]}', [])
        terms.append(expression.desc() if name.startswith("-") else expression.asc())
    return rows.order_by(*terms)
