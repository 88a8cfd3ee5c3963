"""`python -m bench.desk`: the desk (我的工作台) and the handler's list over HTTP, at scale.

1. Makes a database (`--db postgres|sqlite`; PostgreSQL named by LUOSHI_BENCH_DB) or reuses
   one kept from an earlier run (`--reuse URL`, migrated to the current code first), so a
   change is measured before and after on the same rows.
2. Generates matters with bench.scan's Generator (imported, not copied), with a province's
   mix of states — most matters closed, `--open-share` of them open — plus pending disputes
   and extensions on a few running matters, then runs the warning scan so that the desk's
   overdue / due-soon / stalled sections hold what they would, and ANALYZEs.
3. Times, through the Django test Client (the whole view: SQL, Python and rendering):
   the desk as the supervisor and as the busiest unit's handler, and that handler's
   matter list (the page with the unit picker) and the picker's search — first run and
   median of `--runs`;
   (after one request that imports the URLconfs, as a worker's first request does)
   then each query of the supervisor's desk with its time and, on PostgreSQL,
   EXPLAIN (ANALYZE, BUFFERS) written to a file.
4. Prints a markdown section; `--docs` appends it to docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from bench import scan


class ProvinceGenerator(scan.Generator):
    """bench.scan's rows with closed matters among them, as a province holds them."""

    def __init__(self, matters: int, units: int, seed: int, open_share: float):
        super().__init__(matters, units, seed)
        weights = dict(scan.Generator.STATES)
        total = sum(weights.values())
        closed = round(total * (1 - open_share) / open_share)
        self.STATES = [*weights.items(), ("closed", closed * 8 // 10), ("completed", closed // 5)]

    def run(self) -> dict[str, int]:
        sizes = super().run()
        sizes.update(self.requests())
        return sizes

    def requests(self) -> dict[str, int]:
        """Pending disputes and extensions on one running matter in 500."""
        from luoshi.matters.models import Dispute, Extension, MatterUnit

        chosen = [i + 1 for i, s in enumerate(self.state) if s == "in_progress"][::500]
        parts = MatterUnit.objects.filter(role="lead", matter_id__in=chosen)
        now = dt.datetime.now(dt.UTC)
        disputes, extensions = [], []
        for n, (matter, part, unit) in enumerate(parts.values_list("matter_id", "id", "unit_id")):
            if n % 2:
                disputes.append(
                    Dispute(matter_id=matter, part_id=part, unit_id=unit, reason_code="other",
                            reason="不属于本单位职责", raised_by_id=unit + 2)
                )  # fmt: skip
            else:
                extensions.append(
                    Extension(matter_id=matter, unit_id=unit, requested_by_id=unit + 2,
                              current_deadline=now.date(), reason="需要更多时间",
                              requested_deadline=now.date() + dt.timedelta(days=30))
                )  # fmt: skip
        Dispute.objects.bulk_create(disputes)
        Extension.objects.bulk_create(extensions)
        return {"disputes": len(disputes), "extensions": len(extensions)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.desk", description=__doc__)
    parser.add_argument("--matters", type=int, default=200_000, help="matters in all (200,000)")
    parser.add_argument("--open-share", type=float, default=0.3, help="share open (0.3)")
    parser.add_argument("--units", type=int, help="units (default: matters / 300, at least 50)")
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="postgres")
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--reuse", metavar="URL", help="a database kept by --keep")
    parser.add_argument("--keep", action="store_true", help="keep the generated database")
    parser.add_argument("--label", default="", help="names this run in the report")
    parser.add_argument("--docs", action="store_true", help="append to docs/benchmarks.md")
    parser.add_argument("--pg-admin-url", default=scan.PG_ADMIN_URL)
    args = parser.parse_args(argv)
    args.units = args.units or max(50, args.matters // 300)
    if args.reuse:
        url, cleanup = args.reuse, scan._nothing
    else:
        url, cleanup = scan.make_database(args.db, args.pg_admin_url)
        if args.keep:
            print(f"keeping the database: --reuse {url}", flush=True)
            cleanup = scan._nothing
    os.environ["LUOSHI_DATABASE_URL"] = url
    os.environ.setdefault("LUOSHI_SECRET_KEY", "bench")
    os.environ.setdefault("LUOSHI_ALLOWED_HOSTS", "testserver")
    os.environ["DJANGO_SETTINGS_MODULE"] = "luoshi.settings"
    import django

    django.setup()
    try:
        report = run(args, generate=not args.reuse)
    finally:
        from django.db import connection

        connection.close()
        cleanup()
    print(report)
    if args.docs:
        scan.write_docs(report)
    return 0


def run(args: argparse.Namespace, *, generate: bool) -> str:
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    sizes = ""
    if generate:
        started = time.perf_counter()
        generator = ProvinceGenerator(args.matters, args.units, args.seed, args.open_share)
        counted = generator.run()
        from unittest import mock

        from luoshi.matters import history
        from luoshi.matters.warnings import scan as warning_scan

        # As bench.scan's first scan: the standings' sync is not what the desk reads.
        with mock.patch.object(history, "sync_scanned"):
            warning_scan(notify_units=False)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        sizes = f"generated in {time.perf_counter() - started:.0f} s: {counted}"
        scan.log(sizes)
    from django.test.utils import override_settings

    handler_id, parts = scan.busiest_handler()
    load = os.getloadavg()
    # Static URLs without collectstatic's manifest (production settings need one).
    plain = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
    with override_settings(STORAGES={**django_storages(), "staticfiles": plain}):
        # The first request of a process imports every URLconf (seconds): not the desk's.
        warm_up()
        rows = [
            ("desk, supervisor", *timed_get(1, "/", args.runs)),
            (f"desk, handler ({parts:,} parts)", *timed_get(handler_id, "/", args.runs)),
            ("matter list, handler", *timed_get(handler_id, "/matters/", args.runs)),
            ("unit search (no JS page), handler", *timed_get(handler_id, UNIT_SEARCH, args.runs)),
        ]
        queries, plans = desk_sql(1)
    plans_file = Path(tempfile.gettempdir()) / f"luoshi-bench-desk-{args.label or 'run'}.txt"
    plans_file.write_text(plans)
    return render(args, rows, queries, load, os.getloadavg(), sizes, plans_file)


def django_storages() -> dict:
    from django.conf import settings

    return dict(settings.STORAGES)


# A fragment most unit names share (the generator names towns 街道<id>): the longest answer.
UNIT_SEARCH = "/units/search/?q=%E8%A1%97%E9%81%93"


def warm_up() -> None:
    from django.test import Client

    Client().get("/login/")


def timed_get(user_id: int, path: str, runs: int) -> tuple[float, float, int]:
    """(first, median of `runs`) milliseconds for GET `path` as the user, and its bytes."""
    from django.contrib.auth.models import User
    from django.test import Client

    client = Client()
    client.force_login(User.objects.get(pk=user_id))

    def once() -> tuple[float, int]:
        started = time.perf_counter()
        response = client.get(path)
        assert response.status_code == 200, (path, response.status_code)
        return (time.perf_counter() - started) * 1000, len(response.content)

    first, size = once()
    median = statistics.median(once()[0] for _ in range(runs))
    return first, median, size


def desk_sql(user_id: int) -> tuple[list[tuple[float, str]], str]:
    """Each query of the supervisor's desk page: (ms, SQL), and their plans."""
    from django.contrib.auth.models import User
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client()
    client.force_login(User.objects.get(pk=user_id))
    with CaptureQueriesContext(connection) as captured:
        client.get("/")
    queries = [(float(q["time"]) * 1000, q["sql"]) for q in captured.captured_queries]
    prefix = "EXPLAIN (ANALYZE, BUFFERS) " if connection.vendor == "postgresql" else ""
    prefix = prefix or "EXPLAIN QUERY PLAN "
    plans = []
    with connection.cursor() as cursor:
        for ms, sql in queries:
            if not sql.lstrip().upper().startswith("SELECT"):
                continue
            cursor.execute(prefix + sql)
            plan = "\n".join(" ".join(str(c) for c in row) for row in cursor.fetchall())
            plans.append(f"-- {ms:.1f} ms\n{sql}\n{plan}\n")
    return queries, "\n".join(plans)


def render(args, rows, queries, load_before, load_after, sizes, plans_file) -> str:
    from django.db import connection

    from luoshi.matters.models import Matter

    total = Matter.objects.count()
    open_ = Matter.objects.open().count()
    when = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    box = scan.machine([{"version": scan.db_version(connection)}])
    lines = [
        f"### Desk bench {args.label}: {when}, {total:,} matters ({open_:,} open), "
        f"{args.units:,} units",
        "",
        f"- Machine: {box['cores']} cores ({box['cpu']}), {box['ram_gib']} GiB RAM; "
        f"Python {box['python']}; {box['versions']}; load average "
        f"{load_before[0]:.1f} / {load_before[1]:.1f} / {load_before[2]:.1f} before, "
        f"{load_after[0]:.1f} after.",
        f"- Command: `python -m bench.desk --matters {args.matters} --db {args.db} "
        f"--runs {args.runs}`" + (" (reusing a kept database)" if args.reuse else "") + ".",
    ]
    if sizes:
        lines.append(f"- {sizes}.")
    lines += ["", "| page (test Client) | first | median | bytes |", "|---|---|---|---|"]
    for label, first, median, size in rows:
        lines.append(f"| {label} | {first:.0f} ms | {median:.0f} ms | {size:,} |")
    lines += ["", f"Supervisor desk SQL ({len(queries)} queries; plans in {plans_file}):", ""]
    for ms, sql in sorted(queries, reverse=True)[:6]:
        lines.append(f"- {ms:.1f} ms: `{sql[:90]}…`")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.exit(main())
