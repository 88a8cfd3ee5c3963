"""`python -m bench.lists`: the supervisor's matter list (page and API) at scale.

Two steps, so that one generated database serves the "before" and the "after" of a
change (a 1M generation costs minutes on the shared 2-core machine):

    python -m bench.lists generate --db postgres --matters 1000000
        makes `$LUOSHI_BENCH_DB` (PostgreSQL) or a SQLite file (--sqlite-path), migrates
        it, fills it with bench.scan's Generator (the same data as `make bench`), marks
        the overdue and due-soon warnings as the scan would (one UPDATE, not the scan),
        ANALYZEs, and keeps it; it prints the URL to measure.
    python -m bench.lists measure --url URL [--label after] [--docs]
        migrates the database forward (so new indexes are built on the loaded rows),
        ANALYZEs, then requests each list through the Django test Client logged in as
        the supervisor — the whole request: middleware, filter, queries, rendering —
        and reports per case the median and worst wall time, the SQL time inside it
        (the captured queries' own durations) and the number of queries.

`--docs` appends the table to docs/benchmarks.md with the machine, size, load average
and the command.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import sys
import time
from pathlib import Path

from bench.scan import DOCS, PG_ADMIN_URL, PG_BENCH_DB, Generator, db_version, log, machine

# (label, path): each list as a supervisor opens it. The text search takes a fragment
# from the middle of one title ("基准事项第123457号：…"); "重点工作" is in every title.
CASES = [
    ("page 1 (default: by deadline)", "/matters/"),
    ("open", "/matters/?open=1"),
    ("overdue", "/matters/?warning=overdue"),
    ("text search, one title", "/matters/?q=事项第123457"),
    ("text search, every title", "/matters/?q=重点工作"),
    ("by serial, newest first", "/matters/?ordering=-serial"),
    ("by progress", "/matters/?ordering=progress"),
    ("API page 1", "/api/matters/"),
    ("API open", "/api/matters/?open=1"),
    ("API overdue", "/api/matters/?warning=overdue"),
    ("API text search, one title", "/api/matters/?q=事项第123457"),
    ("API -updated", "/api/matters/?ordering=-updated"),
    ("kind (a filter the rollups do not hold)", "/matters/?kind=task"),
    ("API kind", "/api/matters/?kind=task"),
    ("page 100 (the last numbered)", "/matters/?page=100"),
    ("API page 125 (the last numbered)", "/api/matters/?page=125"),
]


def deep_cases() -> list[tuple[str, str]]:
    """Pages 36,000 deep (row 900,000 of a million by deadline) read by cursor, and a
    jump to a deadline: with the code that has them (matters.paging)."""
    try:
        from luoshi.matters.paging import encode
    except ImportError:
        return []
    from luoshi.matters.models import Matter

    count = Matter.objects.count()
    row = Matter.objects.order_by("deadline", "id")[count * 9 // 10]
    late = row.deadline.isoformat() if row.deadline else ""
    after = encode(row, "deadline")
    back = encode(Matter.objects.order_by("-updated_at", "-id")[count * 9 // 10], "-updated")
    return [
        ("deep page by cursor (row 9/10 by deadline)", f"/matters/?after={after}"),
        ("API deep page by cursor", f"/api/matters/?after={after}"),
        ("deep page back (before, by -updated)", f"/matters/?ordering=-updated&before={back}"),
        ("jump to a deadline", f"/matters/?start={late}"),
        ("API jump to a deadline", f"/api/matters/?start={late}"),
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.lists", description=__doc__)
    sub = parser.add_subparsers(dest="step", required=True)
    gen = sub.add_parser("generate")
    gen.add_argument("--db", choices=["sqlite", "postgres"], required=True)
    gen.add_argument("--matters", type=int, default=1_000_000)
    gen.add_argument("--units", type=int)
    gen.add_argument("--seed", type=int, default=1)
    gen.add_argument("--sqlite-path", default="/tmp/luoshi-bench-lists.sqlite3")
    gen.add_argument("--pg-admin-url", default=PG_ADMIN_URL)
    meas = sub.add_parser("measure")
    meas.add_argument("--url", required=True)
    meas.add_argument("--runs", type=int, default=7)
    meas.add_argument("--label", default="")
    meas.add_argument("--docs", action="store_true", help="append to docs/benchmarks.md")
    meas.add_argument("--only", help="only the cases whose label contains this")
    args = parser.parse_args(argv)
    if args.step == "generate":
        return generate(args)
    return measure(args, argv if argv is not None else sys.argv[1:])


def _setup(url: str) -> None:
    os.environ["LUOSHI_DATABASE_URL"] = url
    os.environ.setdefault("LUOSHI_SECRET_KEY", "bench")
    os.environ.setdefault("LUOSHI_ALLOWED_HOSTS", "testserver")
    os.environ["DJANGO_SETTINGS_MODULE"] = "luoshi.settings"
    import django

    django.setup()


def generate(args: argparse.Namespace) -> int:
    if args.db == "sqlite":
        path = Path(args.sqlite_path)
        path.unlink(missing_ok=True)
        url = f"sqlite:///{path}"
    else:
        import psycopg

        with psycopg.connect(args.pg_admin_url, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {PG_BENCH_DB} WITH (FORCE)")
            conn.execute(f"CREATE DATABASE {PG_BENCH_DB}")
        url = args.pg_admin_url.rsplit("/", 1)[0] + "/" + PG_BENCH_DB
    _setup(url)
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    units = args.units or max(50, args.matters // 300)
    # No list reads the events' hash chains; linking 3.6M of them row by row takes half
    # an hour at 1M (bench.http skips it too).
    sizes = Generator(args.matters, units, args.seed, link_events=False).run()
    # The generator leaves every warning "normal"; the lists filter on them, so set
    # them as the scan would for the two that depend on the deadline alone.
    today = timezone.localdate()
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE matters_matter SET warning = CASE WHEN deadline < %s THEN 'overdue' "
            "WHEN deadline <= %s THEN 'due_soon' ELSE 'normal' END",
            [today, today + dt.timedelta(days=3)],
        )
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")
    log(f"generated in {time.perf_counter() - started:.0f} s: {sizes}")
    print(f"LUOSHI_DATABASE_URL={url}")
    return 0


def measure(args: argparse.Namespace, argv: list[str]) -> int:
    _setup(args.url)
    from django.conf import settings
    from django.contrib.auth.models import User
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client, override_settings
    from django.test.utils import CaptureQueriesContext

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    log(f"migrated and analyzed in {time.perf_counter() - started:.0f} s")
    matters = _count_matters()
    # Production serves collected static files (a manifest made by collectstatic); the
    # bench has none, and looking a name up in the manifest costs the same as this.
    plain = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
    override_settings(STORAGES={**settings.STORAGES, "staticfiles": plain}).enable()
    client = Client()
    client.force_login(User.objects.get(username="u1"))  # the generator's supervisor
    load_before = os.getloadavg()[0]
    rows = []
    for label, path in CASES + deep_cases():
        if args.only and args.only not in label:
            continue
        walls, sqls, queries = [], [], 0
        for run in range(args.runs + 1):
            with CaptureQueriesContext(connection) as captured:
                started = time.perf_counter()
                response = client.get(path, secure=True)
                if hasattr(response, "streaming_content"):
                    b"".join(response.streaming_content)
                wall = time.perf_counter() - started
            if response.status_code != 200:
                raise SystemExit(f"{path}: HTTP {response.status_code}")
            if run == 0:
                continue  # the first run warms the caches; the median is of the rest
            walls.append(wall * 1000)
            sqls.append(sum(float(q["time"]) for q in captured.captured_queries) * 1000)
            queries = len(captured.captured_queries)
        row = (label, path, statistics.median(walls), max(walls), statistics.median(sqls), queries)
        log(f"{label}: {row[2]:.1f} ms (max {row[3]:.1f}), SQL {row[4]:.1f} ms, {queries} queries")
        rows.append(row)
    load_after = os.getloadavg()[0]
    report = render(args, argv, rows, matters, load_before, load_after, db_version(connection))
    print(report)
    if args.docs:
        text = DOCS.read_text()
        DOCS.write_text(text.rstrip("\n") + "\n\n" + report)
        print(f"appended to {DOCS}")
    return 0


def _count_matters() -> int:
    from luoshi.matters.models import Matter

    return Matter.objects.count()


def render(args, argv, rows, matters, load_before, load_after, version) -> str:

    box = machine([{"version": version}])
    when = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    url = args.url.rsplit("@", 1)[-1]
    command = " ".join(a if a != args.url else url for a in argv)
    lines = [
        f"## {when}: supervisor's matter list, {matters:,} matters, {version}"
        + (f" — {args.label}" if args.label else ""),
        "",
        f"- Machine: {box['cores']} cores ({box['cpu']}), {box['ram_gib']} GiB RAM; "
        f"Python {box['python']}; load average {load_before:.1f} before, {load_after:.1f} after.",
        f"- Command: `python -m bench.lists {command}` (data from `python -m bench.lists "
        "generate`, bench.scan's generator; warnings set by deadline).",
        f"- Django test Client as the supervisor, the whole request; median of {args.runs} runs "
        "after one warm-up; SQL = the captured queries' own time.",
        "",
        "| list | request | median ms | max ms | SQL ms | queries |",
        "|---|---|---|---|---|---|",
    ]
    for label, path, median, worst, sql, queries in rows:
        lines.append(f"| {label} | `{path}` | {median:.1f} | {worst:.1f} | {sql:.1f} | {queries} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.exit(main())
