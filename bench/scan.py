"""`make bench` (`python -m bench.scan`): the warning scan and a unit's inbox at scale.

1. For each database asked for (`--db sqlite|postgres|both`) a child process makes
   an empty database — a temporary SQLite file, or `luoshi_bench` on the local
   PostgreSQL server (dropped afterwards) — and migrates it.
2. It generates N open matters (`--matters`, default 1,000,000) with units (N/300,
   at least 50, unless `--units`), a handler per unit, the matters' unit parts and
   events, by bulk insert (COPY on PostgreSQL, executemany on SQLite). This is a data
   generator, not the services: it writes rows as the services would leave them.
3. It times the warning scan (matters.warnings.scan, as `luoshi scan` runs it) — the
   first scan after loading (cold: most warnings change; full, as no scan ran before),
   the next day's scan and repeated scans (warm), both looking only at the rows whose
   warning can have moved, the full rebuild (`luoshi scan --full`) — and a unit
   handler's inbox: visible_to(handler) + MatterFilter(open=1) ordered by deadline,
   page 1 of 20 and its count (median of runs).
4. The parent prints a markdown table and appends it, with the machine, the sizes and
   the command, to docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import random
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

PG_ADMIN_URL = "postgres://postgres@127.0.0.1:5432/postgres"
PG_BENCH_DB = os.environ.get("LUOSHI_BENCH_DB", "luoshi_bench")
DOCS = Path(__file__).resolve().parent.parent / "docs" / "benchmarks.md"
TARGETS = {"scan_seconds": 10.0, "inbox_ms": 50.0}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.scan", description=__doc__)
    parser.add_argument("--matters", type=int, default=1_000_000, help="open matters (1,000,000)")
    parser.add_argument("--units", type=int, help="units (default: matters / 300, at least 50)")
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--runs", type=int, default=5, help="timed runs per warm measurement")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--pg-admin-url", default=PG_ADMIN_URL)
    parser.add_argument("--no-docs", action="store_true", help="do not write docs/benchmarks.md")
    parser.add_argument(
        "--no-chains",
        action="store_true",
        help="leave the events' hash chains unlinked (the timings do not read them)",
    )
    parser.add_argument(
        "--keep", action="store_true", help="keep the generated database (its URL is printed)"
    )
    parser.add_argument("--child", choices=["sqlite", "postgres"], help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    args.units = args.units or max(50, args.matters // 300)
    if args.child:
        print("RESULT " + json.dumps(run_child(args), default=str), flush=True)
        return 0
    results = []
    for db in ["sqlite", "postgres"] if args.db == "both" else [args.db]:
        results.append(run_parent(db, args, argv if argv is not None else sys.argv[1:]))
    report = render(results, args, machine(results))
    print(report)
    if not args.no_docs:
        write_docs(report)
    return 0


def run_parent(db: str, args: argparse.Namespace, argv: list[str]) -> dict:
    """One database in its own process: Django's settings are fixed once per process."""
    print(f"== {db}: {args.matters:,} open matters, {args.units:,} units", flush=True)
    command = [sys.executable, "-m", "bench.scan", *argv, "--child", db]
    result = None
    with subprocess.Popen(command, stdout=subprocess.PIPE, text=True) as process:
        for line in process.stdout:  # streamed: a 1M run takes minutes
            if line.startswith("RESULT "):
                result = json.loads(line[len("RESULT ") :])
            else:
                print(line, end="", flush=True)
    if process.returncode or result is None:
        raise SystemExit(f"the {db} benchmark failed (exit {process.returncode})")
    plans = Path(tempfile.gettempdir()) / f"luoshi-bench-explain-{db}.txt"
    plans.write_text(result.pop("inbox_explain"))
    print(f"   inbox query plans: {plans}", flush=True)
    return result


# ---------------------------------------------------------------------------
# The child: one database.


def run_child(args: argparse.Namespace) -> dict:
    url, cleanup = make_database(args.child, args.pg_admin_url)
    if args.keep:
        log(f"keeping the database: LUOSHI_DATABASE_URL={url}")
        cleanup = _nothing
    os.environ["LUOSHI_DATABASE_URL"] = url
    os.environ.setdefault("LUOSHI_SECRET_KEY", "bench")
    os.environ["DJANGO_SETTINGS_MODULE"] = "luoshi.settings"
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    try:
        call_command("migrate", verbosity=0)
        result = {"db": args.child, "version": db_version(connection)}
        started = time.perf_counter()
        generator = Generator(args.matters, args.units, args.seed, link_events=not args.no_chains)
        result["sizes"] = generator.run()
        result["generate_seconds"] = time.perf_counter() - started
        log(f"generated in {result['generate_seconds']:.0f} s: {result['sizes']}")
        result["load_before"] = os.getloadavg()[0]  # other work on the machine skews times
        result.update(measure(args.runs))
        result["load_after"] = os.getloadavg()[0]
        result["db_bytes"] = database_bytes(connection)
        connection.close()
        return result
    finally:
        cleanup()


def _nothing() -> None:
    pass


def log(message: str) -> None:
    print(f"   {message}", flush=True)


def make_database(kind: str, admin_url: str) -> tuple[str, Callable[[], None]]:
    if kind == "sqlite":
        folder = tempfile.mkdtemp(prefix="luoshi-bench-")
        path = Path(folder) / "bench.sqlite3"

        def remove() -> None:
            for file in Path(folder).iterdir():
                file.unlink()
            Path(folder).rmdir()

        return f"sqlite:///{path}", remove
    import psycopg

    def admin(sql: str) -> None:
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(sql)

    admin(f"DROP DATABASE IF EXISTS {PG_BENCH_DB} WITH (FORCE)")
    admin(f"CREATE DATABASE {PG_BENCH_DB}")
    url = admin_url.rsplit("/", 1)[0] + "/" + PG_BENCH_DB
    return url, lambda: admin(f"DROP DATABASE IF EXISTS {PG_BENCH_DB} WITH (FORCE)")


def db_version(connection) -> str:
    if connection.vendor == "sqlite":
        return f"SQLite {sqlite3.sqlite_version}"
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        return f"PostgreSQL {cursor.fetchone()[0]}"


def database_bytes(connection) -> int:
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("PRAGMA page_count")
            pages = cursor.fetchone()[0]
            cursor.execute("PRAGMA page_size")
            return pages * cursor.fetchone()[0]
        cursor.execute("SELECT pg_database_size(current_database())")
        return cursor.fetchone()[0]


class Generator:
    """Rows as the services leave them, written by COPY (PostgreSQL) or executemany (SQLite)."""

    STATES = [("assigned", 10), ("accepted", 10), ("in_progress", 70), ("completion_requested", 10)]
    CYCLES = [("weekly", 15), ("biweekly", 10), ("monthly", 55), ("quarterly", 10), ("none", 10)]
    KINDS = [("task", 60), ("enterprise", 20), ("hazard", 10), ("citizen", 10)]
    SOURCES = ["meeting", "instruction", "work_report", "enterprise", "inspection", "citizen"]
    # Link the events' hash chains after the load (one UPDATE per event: at 1M matters,
    # 3.6M rows, over half an hour on a shared 2-core machine). A load run that never
    # reads chain_hash may skip it; `luoshi verify-log` then reports the chains unlinked.
    LINK_CHAINS = True

    def __init__(
        self, matters: int, units: int, seed: int, password: str = "!", *, link_events: bool = True
    ):
        """`password`: the hash every generated user gets ("!" = cannot sign in);
        `link_events` False skips linking the events' hash chains (as LINK_CHAINS False)."""
        from django.db import connection
        from django.utils import timezone

        self.n, self.units, self.rng = matters, units, random.Random(seed)
        self.password = password
        self.link_events = link_events
        self.connection = connection
        self.today = timezone.localdate()
        ops = connection.ops
        # Dates and times are drawn from pools, adapted to the database once per day.
        self.day = {
            o: ops.adapt_datefield_value(self.today + dt.timedelta(o)) for o in range(-400, 400)
        }
        self.at = {
            o: ops.adapt_datetimefield_value(
                timezone.make_aware(dt.datetime.combine(self.today + dt.timedelta(o), dt.time(9)))
            )
            for o in range(-400, 400)
        }
        self.now = ops.adapt_datetimefield_value(timezone.now())

    def run(self) -> dict[str, int]:
        from django.contrib.auth.models import User
        from django.core.management.color import no_style
        from django.db import transaction

        from luoshi.lib import eventchain
        from luoshi.matters.models import Matter, MatterEvent, MatterUnit, SerialCounter
        from luoshi.org.models import Membership, Unit

        models = [Unit, User, Membership, Matter, MatterUnit, MatterEvent]
        with transaction.atomic():
            indexes = self.drop_indexes([m._meta.db_table for m in models])
            sizes = {
                "units": self.insert(Unit, UNIT_COLUMNS, self.unit_rows()),
                "users": self.insert(User, USER_COLUMNS, self.user_rows()),
                "memberships": self.insert(Membership, MEMBERSHIP_COLUMNS, self.membership_rows()),
            }
            self.plan_matters()
            sizes["matters"] = self.insert(Matter, MATTER_COLUMNS, self.matter_rows())
            # The serials were taken as a block: the next registration numbers after them.
            SerialCounter.objects.update_or_create(
                series="matter", year=self.today.year, defaults={"last": self.n}
            )
            sizes["parts"] = self.insert(MatterUnit, PART_COLUMNS, self.part_rows())
            sizes["events"] = self.insert(MatterEvent, EVENT_COLUMNS, self.event_rows())
            started = time.perf_counter()
            with self.connection.cursor() as cursor:
                for sql in indexes:
                    cursor.execute(sql)
                for sql in self.connection.ops.sequence_reset_sql(no_style(), models):
                    cursor.execute(sql)
                log(f"{len(indexes)} indexes rebuilt in {time.perf_counter() - started:.0f} s")
            # The events were written in SQL: link their hash chains as save() would —
            # unless asked not to: the scan and the inbox never read them, and at 1M the
            # row-by-row UPDATE of 3.6M events takes half an hour on the 2-core machine.
            if self.LINK_CHAINS and self.link_events:
                started = time.perf_counter()
                eventchain.rehash(MatterEvent)
                log(f"event hash chains linked in {time.perf_counter() - started:.0f} s")
        with self.connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        return sizes

    def drop_indexes(self, tables: list[str]) -> list[str]:
        """Drop the secondary indexes of `tables` for the load; returns the SQL to rebuild them.

        A bulk load then an index build is several times faster than keeping every
        index current row by row. On PostgreSQL the foreign-key triggers are skipped
        for the load as well (the generator writes consistent ids).
        """
        with self.connection.cursor() as cursor:
            if self.connection.vendor == "postgresql":
                cursor.execute("SET LOCAL session_replication_role = replica")
                cursor.execute(
                    "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = ANY(%s) "
                    "AND indexname NOT IN (SELECT conname FROM pg_constraint)",
                    [tables],
                )
            else:
                cursor.execute("PRAGMA foreign_keys = OFF")
                marks = ", ".join(["%s"] * len(tables))
                cursor.execute(
                    "SELECT name, sql FROM sqlite_master WHERE type = 'index' "
                    f"AND sql IS NOT NULL AND tbl_name IN ({marks})",
                    tables,
                )
            found = cursor.fetchall()
            for name, _sql in found:
                cursor.execute(f"DROP INDEX {self.connection.ops.quote_name(name)}")
        return [sql for _name, sql in found]

    def insert(self, model, columns: tuple[str, ...], rows: Iterable[tuple]) -> int:
        """Bulk-insert tuples of `columns`; the model's other columns take their defaults."""
        rest = [f for f in model._meta.concrete_fields if f.column not in columns]
        tail = tuple(_plain(f.get_db_prep_save(f.get_default(), self.connection)) for f in rest)
        names = [*columns, *(f.column for f in rest)]
        table = model._meta.db_table
        quoted = ", ".join(self.connection.ops.quote_name(c) for c in names)
        counted = _counting(row + tail for row in rows)
        if self.connection.vendor == "postgresql":
            sql = f"COPY {table} ({quoted}) FROM STDIN"
            with self.connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
                for row in counted:
                    copy.write_row(row)
        else:
            marks = ", ".join("?" * len(names))
            raw = self.connection.connection
            raw.executemany(f"INSERT INTO {table} ({quoted}) VALUES ({marks})", counted)
        log(f"{table}: {counted.count:,} rows")
        return counted.count

    # -- units: the city, the office, departments, districts, streets/towns
    def unit_rows(self) -> Iterator[tuple]:
        departments = max(20, self.units // 10)
        districts = max(5, self.units // 30)
        yield (1, "示例市", "city", None, "/1/")
        yield (2, "市委督查室", "office", 1, "/1/2/")
        for uid in range(3, self.units + 1):
            if uid < 3 + departments:
                yield (uid, f"部门{uid}", "department", 1, f"/1/{uid}/")
            elif uid < 3 + departments + districts:
                yield (uid, f"区县{uid}", "district", 1, f"/1/{uid}/")
            else:
                parent = 3 + departments + (uid % districts)
                yield (uid, f"街道{uid}", "street", parent, f"/1/{parent}/{uid}/")

    # -- users: a supervisor (1), a leader (2), a handler per unit (unit id + 2), then
    # whoever `more_people` adds (the HTTP load run's supervisors and unit heads).
    def user_rows(self) -> Iterator[tuple]:
        for uid in range(1, self.units + 3):
            yield (uid, f"u{uid}", self.password, self.now)
        for uid, (username, _unit, _role) in enumerate(self.more_people(), self.units + 3):
            yield (uid, username, self.password, self.now)

    def membership_rows(self) -> Iterator[tuple]:
        yield (1, 1, 2, "supervisor")
        yield (2, 2, 1, "leader")
        for unit in range(3, self.units + 1):
            yield (unit, unit + 2, unit, "handler")
        for uid, (_username, unit, role) in enumerate(self.more_people(), self.units + 3):
            yield (uid, uid, unit, role)  # membership ids above units + 2 are free too

    def more_people(self) -> list[tuple[str, int, str]]:
        """A hook: more users as (username, unit id, role), given ids after the handlers'."""
        return []

    # -- matters: their state, dates and units drawn once, shared by the three tables
    def plan_matters(self) -> None:
        rng, n = self.rng, self.n
        self.state = _draw(rng, self.STATES, n)
        self.cycle = _draw(rng, self.CYCLES, n)
        self.kind = _draw(rng, self.KINDS, n)
        self.lead = [rng.randint(3, self.units) for _ in range(n)]
        self.assigned = [-rng.randint(1, 300) for _ in range(n)]  # day offsets from today
        self.deadline = [a + rng.randint(20, 360) for a in self.assigned]
        self.reported = [
            a + int((-a) * rng.random()) if s == "in_progress" else None
            for a, s in zip(self.assigned, self.state, strict=True)
        ]
        self.co = [rng.randint(3, self.units) if rng.random() < 0.3 else 0 for _ in range(n)]

    def matter_rows(self) -> Iterator[tuple]:
        rng, year, at, day, now = self.rng, self.today.year, self.at, self.day, self.now
        sources = self.SOURCES
        for i in range(self.n):
            state, a, d, r = self.state[i], self.assigned[i], self.deadline[i], self.reported[i]
            yield (
                i + 1,
                self.kind[i],
                sources[i % len(sources)],
                f"基准事项第{i + 1}号：推进重点工作",
                year,
                i + 1,
                self.lead[i],
                2 if i % 3 == 0 else None,
                self.cycle[i],
                state,
                4,
                day[d],
                day[d],
                int(100 * rng.random()) if r is not None else 0,
                at[r] if r is not None else None,
                "normal",
                at[a + 1] if i % 100 == 0 else None,  # 1% suspended
                1,
                at[a - 1],
                now,
                at[a],
                at[a + 1] if state != "assigned" else None,
                now if state == "completion_requested" else None,
                now if state == "completion_requested" else None,  # the office's time
            )

    def part_rows(self) -> Iterator[tuple]:
        pk, at, day = 0, self.at, self.day
        for i in range(self.n):
            state, a, r = self.state[i], self.assigned[i], self.reported[i]
            part_state = {"assigned": "assigned", "accepted": "accepted"}.get(state, "in_progress")
            accepted = at[a + 1] if state != "assigned" else None
            pk += 1
            last = at[r] if r is not None else None
            yield (pk, i + 1, self.lead[i], "lead", part_state, at[a], day[a + 1], accepted, last)
            if self.co[i] and self.co[i] != self.lead[i]:
                pk += 1
                yield (pk, i + 1, self.co[i], "co", "accepted", at[a], day[a + 1], at[a + 1], None)

    def event_rows(self) -> Iterator[tuple]:
        """registered, assigned, accepted, reported: about 3.5 events a matter."""
        pk, at = 0, self.at
        for i in range(self.n):
            state, a, r, unit = self.state[i], self.assigned[i], self.reported[i], self.lead[i]
            matter = i + 1
            yield (pk + 1, matter, "matter.registered", 1, unit, "", "draft", at[a - 1])
            yield (pk + 2, matter, "matter.assigned", 1, unit, "draft", "assigned", at[a])
            pk += 2
            if state != "assigned":
                pk += 1
                yield (
                    pk,
                    matter,
                    "part.accepted",
                    unit + 2,
                    unit,
                    "assigned",
                    "accepted",
                    at[a + 1],
                )
            if r is not None:
                pk += 1
                yield (pk, matter, "progress.reported", unit + 2, unit, "accepted", state, at[r])


UNIT_COLUMNS = ("id", "name", "kind", "parent_id", "path")
USER_COLUMNS = ("id", "username", "password", "date_joined")
MEMBERSHIP_COLUMNS = ("id", "user_id", "unit_id", "role")
MATTER_COLUMNS = (
    "id",
    "kind",
    "source",
    "title",
    "serial_year",
    "serial_no",
    "lead_unit_id",
    "responsible_leader_id",
    "report_cycle",
    "state",
    "version",
    "deadline",
    "original_deadline",
    "progress",
    "last_report_at",
    "warning",
    "suspended_at",
    "created_by_id",
    "created_at",
    "updated_at",
    "assigned_at",
    "accepted_at",
    "completion_requested_at",
    "awaiting_office_since",
)
PART_COLUMNS = (
    "id",
    "matter_id",
    "unit_id",
    "role",
    "state",
    "assigned_at",
    "accept_due",
    "accepted_at",
    "last_report_at",
)
EVENT_COLUMNS = ("id", "matter_id", "kind", "actor_id", "unit_id", "from_state", "to_state", "at")


def _plain(value):
    """A field default as the database takes it (JSON defaults come wrapped for psycopg)."""
    value = getattr(value, "obj", value)
    return json.dumps(value) if isinstance(value, list | dict) else value


def _draw(rng: random.Random, weighted: list[tuple[str, int]], n: int) -> list[str]:
    values, weights = zip(*weighted, strict=True)
    return rng.choices(values, weights=weights, k=n)


class _counting:
    def __init__(self, rows: Iterator):
        self.rows, self.count = rows, 0

    def __iter__(self):
        return self

    def __next__(self):
        row = next(self.rows)
        self.count += 1
        return row


# ---------------------------------------------------------------------------
# The measurements.


def timed(func: Callable[[], object]) -> tuple[float, object]:
    started = time.perf_counter()
    value = func()
    return time.perf_counter() - started, value


def measure(runs: int) -> dict:
    """Scan timings, then the inbox. See the module docstring for what each one means.

    The first scan after loading changes most rows. The matters' standings and the
    cockpit's rollups follow each changed row (matters.history.sync_scanned), which at a
    million rows takes far longer than the scan itself, so that first scan runs without
    it and the standings and rollups are then rebuilt (cockpit.rollups.rebuild); the
    next-day and warm scans run complete.
    """
    from unittest import mock

    from django.utils import timezone

    from luoshi.matters import history
    from luoshi.matters.warnings import scan

    today = timezone.localdate()
    out: dict = {}
    rollups = _rollups()
    hook = mock.patch.object(history, "sync_scanned") if rollups else _no_patch()
    with hook:  # the first nightly scan: no record of a last one, so it is full
        out["scan_cold_seconds"], out["scan_cold_changed"] = timed(
            lambda: scan(today - dt.timedelta(days=1), only_due=True)
        )
    log(f"scan, first after load: {out['scan_cold_seconds']:.2f} s {out['scan_cold_changed']}")
    if rollups:
        out["rollups_rebuild_seconds"], _ = timed(rollups.rebuild)
        log(f"cockpit rollups rebuilt in {out['rollups_rebuild_seconds']:.1f} s")
    out["scan_next_day_seconds"], out["scan_next_day_changed"] = timed(
        lambda: scan(today, only_due=True)
    )
    log(f"scan, next day: {out['scan_next_day_seconds']:.2f} s {out['scan_next_day_changed']}")
    warm = [timed(lambda: scan(today, only_due=True))[0] for _ in range(runs)]
    out["scan_warm_seconds"] = statistics.median(warm)
    log(f"scan, warm (median of {runs}): {out['scan_warm_seconds']:.2f} s")
    # `luoshi scan --full`: every running matter recomputed (warning and next day)
    full = [timed(lambda: scan(today))[0] for _ in range(max(1, runs // 2))]
    out["scan_full_seconds"] = statistics.median(full)
    log(f"scan, full rebuild (median of {len(full)}): {out['scan_full_seconds']:.2f} s")
    out.update(measure_inbox(runs))
    return out


def _rollups():
    """The cockpit's rollups module, when the cockpit app has one."""
    try:
        from luoshi.cockpit import rollups
    except ImportError:
        return None
    return rollups if hasattr(rollups, "rebuild") else None


class _no_patch:
    def __enter__(self):
        return None

    def __exit__(self, *exc):
        return False


def busiest_handler() -> tuple[int, int]:
    """The handler of the unit holding the most active parts: the heaviest inbox."""
    from django.db.models import Count

    from luoshi.matters.models import MatterUnit

    row = (
        MatterUnit.objects.filter(active=True)
        .values("unit_id")
        .annotate(n=Count("id"))
        .order_by("-n")
        .first()
    )
    return row["unit_id"] + 2, row["n"]


def inbox_page(user_id: int) -> tuple[int, list]:
    """What a unit handler's list does: visible_to + the filter, count and page 1 of 20."""
    from django.contrib.auth.models import User
    from django.http import QueryDict

    from luoshi.matters.filters import MatterFilter
    from luoshi.matters.models import Matter

    user = User.objects.get(pk=user_id)  # a fresh user: access is read as in a request
    matter_filter = MatterFilter.from_params(QueryDict("open=1&ordering=deadline"))
    queryset = matter_filter.apply(Matter.objects.visible_to(user))
    count = queryset.count()
    page = list(queryset.select_related("lead_unit", "responsible_leader")[:20])
    return count, page


def measure_inbox(runs: int) -> dict:
    user_id, parts = busiest_handler()
    cold, (count, page) = timed(lambda: inbox_page(user_id))
    warm = [timed(lambda: inbox_page(user_id))[0] for _ in range(max(runs, 7))]
    out = {
        "inbox_unit_parts": parts,
        "inbox_count": count,
        "inbox_page_rows": len(page),
        "inbox_cold_ms": cold * 1000,
        "inbox_ms": statistics.median(warm) * 1000,
        "inbox_explain": explain(user_id),
    }
    log(f"inbox of a unit with {parts} parts ({count} open): {out['inbox_ms']:.1f} ms median")
    return out


def explain(user_id: int) -> str:
    """The plan of every query of the inbox (PostgreSQL: EXPLAIN ANALYZE; SQLite: QUERY PLAN)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        inbox_page(user_id)
    prefix = "EXPLAIN (ANALYZE, BUFFERS) " if connection.vendor == "postgresql" else ""
    prefix = prefix or "EXPLAIN QUERY PLAN "
    plans = []
    with connection.cursor() as cursor:
        for query in captured.captured_queries:
            cursor.execute(prefix + query["sql"])
            rows = cursor.fetchall()
            plan = "\n".join(" ".join(str(c) for c in row) for row in rows)
            plans.append(f"-- {query['time']}s\n{query['sql']}\n{plan}\n")
    return "\n".join(plans)


# ---------------------------------------------------------------------------
# The report.


def machine(results: list[dict]) -> dict:
    cpu = ""
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    mem_kb = next(
        int(line.split()[1])
        for line in Path("/proc/meminfo").read_text().splitlines()
        if line.startswith("MemTotal")
    )
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "ram_gib": round(mem_kb / 2**20, 1),
        "python": platform.python_version(),
        "versions": ", ".join(r["version"] for r in results),
    }


def render(results: list[dict], args: argparse.Namespace, box: dict) -> str:
    when = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        f"## {when}: {args.matters:,} open matters, {args.units:,} units",
        "",
        f"- Machine: {box['cores']} cores ({box['cpu']}), {box['ram_gib']} GiB RAM; "
        f"Python {box['python']}; {box['versions']}.",
        f"- Command: `python -m bench.scan --matters {args.matters} --db {args.db}"
        f" --runs {args.runs}` (`make bench BENCH_ARGS=...`).",
    ]
    for r in results:
        s = r["sizes"]
        lines.append(
            f"- {r['version']}: {s['matters']:,} matters, {s['parts']:,} unit parts, "
            f"{s['events']:,} events, {s['units']:,} units, {s['users']:,} users; "
            f"{r['db_bytes'] / 2**20:,.0f} MiB; generated in {r['generate_seconds']:.0f} s; "
            f"load average {r.get('load_before', 0):.1f} before the timings, "
            f"{r.get('load_after', 0):.1f} after."
        )
    lines += [
        "",
        "| measure | target | " + " | ".join(r["version"] for r in results) + " |",
        "|---|---|" + "---|" * len(results),
    ]
    rows = [
        (
            "scan, first after load (cold; most warnings change; standings rebuilt after)",
            "",
            "scan_cold_seconds",
            "s",
        ),
        ("scan, next day (warnings that moved overnight)", "1 s", "scan_next_day_seconds", "s"),
        ("scan, repeated (warm, median)", "1 s", "scan_warm_seconds", "s"),
        ("scan, full rebuild (`luoshi scan --full`, median)", "10 s", "scan_full_seconds", "s"),
        ("unit inbox: page 1 of 20 + count, first run", "", "inbox_cold_ms", "ms"),
        ("unit inbox: page 1 of 20 + count (median)", "50 ms", "inbox_ms", "ms"),
    ]
    for label, target, key, unit in rows:
        cells = [f"{r[key]:.2f} s" if unit == "s" else f"{r[key]:.1f} ms" for r in results]
        lines.append(f"| {label} | {target} | " + " | ".join(cells) + " |")
    lines.append("")
    for r in results:
        lines.append(
            f"- {r['version']}: the inbox's unit holds {r['inbox_unit_parts']:,} parts, "
            f"{r['inbox_count']:,} open; first scan changed {fmt(r['scan_cold_changed'])}; "
            f"next day {fmt(r['scan_next_day_changed'])}."
        )
    return "\n".join(lines) + "\n"


def fmt(changed: dict) -> str:
    return ", ".join(f"{k} {v:,}" for k, v in changed.items() if v) or "nothing"


HEADER = """# Benchmarks

`make bench` (`python -m bench.scan`, see its docstring) generates open matters with
their units, parts and events, then times the warning scan (`luoshi scan`) and a unit
handler's inbox (visible_to + MatterFilter open, by deadline, page 1 of 20 and its count)
on SQLite and PostgreSQL. Targets (issue 2): the scan of 1M open matters within 10 s on
PostgreSQL on the 2-core machine, the inbox page within 50 ms. Each run appends a section.

"""


def write_docs(report: str) -> None:
    DOCS.parent.mkdir(exist_ok=True)
    text = DOCS.read_text() if DOCS.exists() else HEADER
    DOCS.write_text(text.rstrip("\n") + "\n\n" + report)
    print(f"appended to {DOCS}")


if __name__ == "__main__":
    sys.exit(main())
