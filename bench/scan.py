"""`make bench` (`python -m bench.scan`): the warning scan and a unit's inbox at scale.

1. For each database asked for (`--db sqlite|postgres|both`) a child process makes
   an empty database — a temporary SQLite file, or `luoshi_bench` on the local
   PostgreSQL server (dropped afterwards) — and migrates it.
2. It generates N open matters (`--matters`, default 1,000,000) with units (N/300,
   at least 50, unless `--units`), users for every role, the matters' unit parts,
   events and reports, by bulk insert (COPY on PostgreSQL, executemany on SQLite):
   `luoshi generate`'s generator (luoshi.demo.generate), every matter open. A data
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
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from luoshi.demo.generate import Generator  # no Django import until it runs

__all__ = ["Generator", "main"]

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
        help="leave the events' hash chains empty (the timings do not read them)",
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

    # Read when called, not at import: a bench that names its own database (bench.intake
    # sets LUOSHI_BENCH_DB after importing this module) must not drop another's kept one.
    name = os.environ.get("LUOSHI_BENCH_DB", "luoshi_bench")
    admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    admin(f"CREATE DATABASE {name}")
    url = admin_url.rsplit("/", 1)[0] + "/" + name
    return url, lambda: admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


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
    it and the standings and rollups are then rebuilt (cockpit.rollups.rebuild); on
    PostgreSQL a VACUUM (ANALYZE) follows, as autovacuum would; the next-day and warm
    scans run complete.
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
    if _is_postgres():
        out["vacuum_seconds"], _ = timed(_vacuum)
        log(f"VACUUM (ANALYZE) after the first scan in {out['vacuum_seconds']:.1f} s")
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


def _vacuum() -> None:
    """PostgreSQL: what autovacuum would have done after the first scan rewrote most rows
    (this machine's server runs with it off). The next-day scan otherwise updates a
    table of a million dead row versions, no visibility map and stale statistics —
    a state no nightly scan of a running installation meets (docs/deploy.md §4)."""
    from django.db import connection

    with connection.cursor() as cursor:
        # VACUUM refuses a transaction (a test runs this in one): the statistics alone
        cursor.execute("ANALYZE" if connection.in_atomic_block else "VACUUM (ANALYZE)")


def _is_postgres() -> bool:
    from django.db import connection

    return connection.vendor == "postgresql"


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
    from luoshi.org.models import Membership

    row = (
        MatterUnit.objects.filter(active=True)
        .values("unit_id")
        .annotate(n=Count("id"))
        .order_by("-n")
        .first()
    )
    handler = Membership.objects.filter(unit_id=row["unit_id"], role="handler").first()
    return handler.user_id, row["n"]


def inbox_page(user_id: int) -> tuple[int, list]:
    """What a unit handler's list does: visible_to + the filter, count and page 1 of 20."""
    from django.contrib.auth.models import User
    from django.http import QueryDict

    from luoshi.matters.counts import list_count
    from luoshi.matters.filters import MatterFilter
    from luoshi.matters.models import Matter
    from luoshi.org.access import access_for

    user = User.objects.get(pk=user_id)  # a fresh user: access is read as in a request
    matter_filter = MatterFilter.from_params(QueryDict("open=1&ordering=deadline"))
    visible = Matter.objects.visible_to(user)
    queryset = matter_filter.apply(visible)
    # counted as the list counts (matters.counts: the unit's kept part counts here)
    unordered = matter_filter.apply(visible, ordered=False)
    count = list_count(matter_filter, unordered, access_for(user)).total
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
