"""The data generator of `luoshi generate` and the benchmarks (bench.scan, bench.http).

Rows as the services would have left them, written in bulk (luoshi.lib.bulkload: COPY
on PostgreSQL, executemany on SQLite) — not through the services, which would take
days at a province's size:

1. The unit tree (names.tree): a city, or a province of cities, each with its
   departments, districts, towns and villages; Chinese names with their aliases.
2. Users for every role, all with one password hash: supervisors (sup1…) in the office,
   leaders (leader1…) at the root, a handler (handler<unit id>) and a unit head
   (head<unit id>) in every unit that takes work.
3. Matters day by day over the years asked for, in registration order (ids and serials
   rise with time): the open ones in the last RECENT_DAYS, the closed ones before. Lead
   units drawn Zipf-like (a few units hold most); each matter's parts, events and
   reports from lifecycle.Lifecycle, consistent with its state, its events hash-chained.

`settle()` then does what the services would have done since: the warning scan, the
standings and the cockpit's rollups, and VACUUM (ANALYZE).
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
import random
import time
from bisect import bisect_right
from collections.abc import Callable, Iterator
from typing import Any

from . import names
from .clock import Clock
from .lifecycle import (
    CITIZEN_COLUMNS,
    EVENT_COLUMNS,
    MATTER_COLUMNS,
    PART_COLUMNS,
    REPORT_COLUMNS,
    Lifecycle,
    Rows,
)

UNIT_COLUMNS = ("id", "name", "kind", "parent_id", "path", "aliases", "order")
USER_COLUMNS = ("id", "username", "password", "date_joined", "first_name")
MEMBERSHIP_COLUMNS = ("id", "user_id", "unit_id", "role")


class Generator:
    """`matters` matters (a share `open_share` of them open) over `years` years, in a tree
    of `units` units (`cities` cities: more than one makes a province)."""

    KINDS = ["task", "enterprise", "hazard", "citizen"]
    KIND_WEIGHTS = [50, 20, 10, 20]
    OPEN = (["assigned", "accepted", "in_progress", "completion_requested"], [6, 8, 76, 10])
    CLOSED = (["closed", "completed", "withdrawn"], [70, 25, 5])
    SUPERVISORS = 8  # bench.http: one per intake client
    LEADERS = 6
    RECENT_DAYS = 300  # open matters were registered within this many days
    BLOCK = 20_000  # matters generated, then written, at a time

    def __init__(
        self,
        matters: int,
        units: int,
        seed: int = 1,
        password: str = "!",
        *,
        link_events: bool = True,
        open_share: float = 1.0,
        years: int = 0,
        cities: int = 1,
        log: Callable[[str], None] | None = None,
    ) -> None:
        """`password`: the hash every user gets ("!": cannot sign in). `link_events` False
        leaves the events' chain_hash empty (`luoshi verify-log` then reports them)."""
        from django.contrib.auth.models import User
        from django.db import connection
        from django.utils import timezone

        from luoshi.matters.models import MatterEvent
        from luoshi.workcalendar.calendar import get_calendar

        self.n, self.units, self.seed, self.password = matters, units, seed, password
        self.link_events, self.open_share, self.cities = link_events, open_share, cities
        self.span = max(self.RECENT_DAYS, years * 365)
        self.log = log or (lambda message: print(f"   {message}", flush=True))
        self.rng = random.Random(seed)
        self.connection = connection
        self.today = timezone.localdate()
        calendar = get_calendar()
        self.clock = Clock(self.today, -self.span - 2, 400, calendar.is_workday, connection.ops)
        self.event_label = MatterEvent._meta.label_lower
        self.now = connection.ops.adapt_datetimefield_value(timezone.now())
        self.user_model = User
        self._years: dict[int, int] = {}

    # ------------------------------------------------------------------ the run
    def run(self) -> dict[str, int]:
        from django.db import transaction

        from luoshi.citizens.models import CitizenRequest
        from luoshi.lib.bulkload import Loader
        from luoshi.matters.models import (
            Matter,
            MatterEvent,
            MatterUnit,
            ProgressReport,
            SerialCounter,
        )
        from luoshi.org.models import Membership, Unit

        tables = [Unit, self.user_model, Membership, Matter, MatterUnit, MatterEvent]
        self.loader = loader = Loader(self.connection, [*tables, ProgressReport, CitizenRequest])
        self.tree = names.tree(self.units, self.cities, self.rng)  # bad sizes: nothing begun
        self.draw_setup()
        with transaction.atomic():
            loader.start()
            loader.insert(Unit, UNIT_COLUMNS, self.unit_rows())
            loader.insert(self.user_model, USER_COLUMNS, self.user_rows())
            loader.insert(Membership, MEMBERSHIP_COLUMNS, self.membership_rows())
            serials = self.write_matters(
                Matter, MatterUnit, MatterEvent, ProgressReport, CitizenRequest
            )
            # The numbers were taken as blocks: registrations and intake go on after them.
            counters = [("matter", year, last) for year, last in serials.items()]
            for day, last in self.life.work_orders.items():
                counters.append((f"wo{self.clock.iso_day(day).replace('-', '')}", 0, last))
            for series, year, last in counters:
                year = year or int(series[2:6])
                SerialCounter.objects.update_or_create(
                    series=series, year=year, defaults={"last": last}
                )
            started = time.perf_counter()
            loader.finish()
            self.log(
                f"{len(loader.indexes)} indexes rebuilt in {time.perf_counter() - started:.0f} s"
            )
        return self.sizes()

    def sizes(self) -> dict[str, int]:
        speeds = self.loader.speeds
        keys = {"org_unit": "units", "auth_user": "users", "org_membership": "memberships",
                "matters_matter": "matters", "matters_matterunit": "parts",
                "matters_matterevent": "events", "matters_progressreport": "reports",
                "citizens_citizenrequest": "citizen requests"}  # fmt: skip
        return {keys.get(t, t): s.rows for t, s in speeds.items()}

    def write_matters(self, *models: Any) -> dict[int, int]:
        matter, part, event, report, citizen = models
        self.life = life = Lifecycle(self, self.rng)
        serials: dict[int, int] = {}
        written, last_log = 0, time.perf_counter()
        for block in _blocks(self.schedule(), self.BLOCK):
            out = Rows()
            for pk, (created, state) in enumerate(block, written + 1):
                year = self._year(created // 24)
                serials[year] = serials.get(year, 0) + 1
                life.matter(out, pk, (year, serials[year]), created, state)
            written += len(block)
            self.loader.insert(matter, MATTER_COLUMNS, out.matters)
            self.loader.insert(part, PART_COLUMNS, out.parts)
            self.loader.insert(event, EVENT_COLUMNS, out.events)
            self.loader.insert(report, REPORT_COLUMNS, out.reports)
            self.loader.insert(citizen, CITIZEN_COLUMNS, out.citizens)
            if time.perf_counter() - last_log > 30:
                last_log = time.perf_counter()
                total = self.loader.total
                self.log(f"{written:,} of {self.n:,} matters; {total.rows:,} rows so far")
        return serials

    def _year(self, day: int) -> int:
        if day not in self._years:
            self._years[day] = (self.today + dt.timedelta(days=day)).year
        return self._years[day]

    # ------------------------------------------------------------------ when matters came
    def schedule(self) -> Iterator[tuple[int, str]]:
        """(created hour, state) of every matter, in registration order.

        1. Open matters over the last RECENT_DAYS, most of them recent (the older ones
           are mostly done), closed ones over the years before the last month, more in
           later years (work grows); few on rest days.
        2. Each day's count from its running share (_apportion), so the totals are exact.
        """
        rng = self.rng
        n_open = round(self.n * self.open_share)
        work = set(self.clock.workdays)
        recent = range(-self.RECENT_DAYS, 0)
        old = range(-self.span, -30)

        def weight(day: int, trend: float) -> float:
            return (1.0 if day in work else 0.2) * trend

        opens = _apportion(n_open, {d: weight(d, math.exp(d / 90)) for d in recent})
        grows = {d: weight(d, 1 + (d + self.span) / self.span) for d in old}
        closed = _apportion(self.n - n_open, grows)
        for day in range(-self.span, 0):
            flags = [True] * opens.get(day, 0) + [False] * closed.get(day, 0)
            rng.shuffle(flags)
            hours = sorted(day * 24 + rng.randint(8, 17) for _ in flags)
            for hour, is_open in zip(hours, flags, strict=True):
                states, weights = self.OPEN if is_open else self.CLOSED
                yield hour, rng.choices(states, weights)[0]

    # ------------------------------------------------------------------ who does what
    def draw_setup(self) -> None:
        """Zipf-like weights of the units that lead matters, and the users' ids."""
        tree = self.tree
        self.work_draw = _zipf(tree.workers)
        self.grass_draw = _zipf(tree.grassroots) if tree.grassroots else self.work_draw
        self.short = {u.id: (u.aliases[0] if u.aliases else u.name) for u in tree.units}
        first = self.SUPERVISORS + self.LEADERS + 1
        self.handlers = {unit: first + 2 * i for i, unit in enumerate(tree.workers)}

    def work_unit(self) -> int:
        return self.work_draw(self.rng.random())

    def grassroots_unit(self) -> int:
        return self.grass_draw(self.rng.random())

    def supervisor(self) -> int:
        return self.rng.randint(1, self.SUPERVISORS)

    def leader(self) -> int:
        return self.SUPERVISORS + self.rng.randint(1, self.LEADERS)

    def handler(self, unit: int) -> int:
        return self.handlers[unit]

    def unit_short_name(self, unit: int) -> str:
        return self.short[unit]

    def kind_of(self, unit: int) -> str:
        return self.tree.units[unit - 1].kind  # ids are 1, 2, … in list order

    def parent_of(self, unit: int) -> int | None:
        return self.tree.units[unit - 1].parent

    def people(self) -> Iterator[tuple[int, str, int, str, str]]:
        """(user id, username, unit, role, display name) of everyone generated."""
        tree = self.tree
        for i in range(1, self.SUPERVISORS + 1):
            yield i, f"sup{i}", tree.office, "supervisor", f"督查员{i}"
        for i in range(1, self.LEADERS + 1):
            yield self.SUPERVISORS + i, f"leader{i}", tree.root, "leader", f"分管领导{i}"
        for unit, uid in self.handlers.items():
            yield uid, f"handler{unit}", unit, "handler", f"{self.short[unit]}承办人"
            yield uid + 1, f"head{unit}", unit, "unit_head", f"{self.short[unit]}负责人"

    # ------------------------------------------------------------------ rows
    def unit_rows(self) -> Iterator[tuple]:
        import json

        for u in self.tree.units:
            aliases = json.dumps(u.aliases, ensure_ascii=False)
            yield (u.id, u.name, u.kind, u.parent, u.path, aliases, u.id)

    def user_rows(self) -> Iterator[tuple]:
        for uid, username, _unit, _role, display in self.people():
            yield (uid, username, self.password, self.now, display)

    def membership_rows(self) -> Iterator[tuple]:
        for uid, _username, unit, role, _display in self.people():
            yield (uid, uid, unit, role)


def _blocks(items: Iterator, size: int) -> Iterator[list]:
    while block := list(itertools.islice(items, size)):
        yield block


def _apportion(total: int, weights: dict[int, float]) -> dict[int, int]:
    """`total` split over the keys (in order) in proportion to their weights: each key gets
    the whole numbers its running share passes, so a few matters over many days spread
    out, and the counts add up to `total` exactly."""
    if total <= 0 or not weights:
        return {}
    whole = sum(weights.values())
    counts, running, given = {}, 0.0, 0
    for key, weight in weights.items():
        running += total * weight / whole
        counts[key] = min(total, round(running)) - given
        given += counts[key]
    last = next(reversed(counts))
    counts[last] += total - given  # rounding error at the end
    return counts


def _zipf(units: list[int]) -> Callable[[float], int]:
    """A draw of `units` (heaviest first) by weight 1/(rank + 5): a few units lead most
    matters, as in life, and most units a few."""
    ranked = units
    cumulative = list(itertools.accumulate(1 / (rank + 5) for rank in range(len(ranked))))
    total = cumulative[-1]

    def draw(r: float) -> int:
        return ranked[min(bisect_right(cumulative, r * total), len(ranked) - 1)]

    return draw
