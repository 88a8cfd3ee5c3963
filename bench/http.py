"""`make bench-http` (`python -m bench.http`): issue 15's targets measured over HTTP.

1. A PostgreSQL database of its own (LUOSHI_BENCH_DB, default luoshi_http_bench; dropped
   afterwards unless --keep; --reuse takes it as it is when it already holds matters),
   migrated and filled by `luoshi generate`'s generator (luoshi.demo.generate, as
   bench.scan) with N open matters (--matters, 1,000,000) and users for every role the
   load run signs in as — a handler and a unit head per unit, eight supervisors, the
   leaders, all with one bench password (hashed once) — then the first warning scan,
   the cockpit's rollups and VACUUM (ANALYZE) (settle: as `luoshi scan` and a day's use would
   leave them).
2. The raw SQL of the main pages: each page's queries, captured in-process through the
   test client, re-executed on their own (best of 3) beside an EXPLAIN (ANALYZE, BUFFERS)
   written to a file, so the app's own overhead is the HTTP time minus that.
3. gunicorn with production settings (debug off, static files collected, 2 workers, loopback,
   a timeout), then locust headless: a warm-up (`--warmup`, discarded: each worker's first
   pages compile templates), the mixed run (supervisors, handlers, a leader, unit heads;
   bench/traffic.py; each user browses once all have signed in) and the intake run
   (clients registering through the API).
4. locust's CSV read back: p50/p95/p99, requests and failures per endpoint, marked against
   the targets (p95 < 100 ms, p99 < 300 ms), printed and appended to docs/benchmarks.md
   with the machine, load average, data size and the command.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import datetime as dt
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from bench import scan, traffic

ROOT = Path(__file__).resolve().parent.parent
BENCH_DB = os.environ.get("LUOSHI_BENCH_DB", "luoshi_http_bench")
TARGET_P95, TARGET_P99 = 100.0, 300.0
# The locust user class of each role (bench/locustfile.py), with its weight there.
ROLE_CLASSES = {
    "supervisor": "SupervisorUser",
    "handler": "HandlerUser",
    "leader": "LeaderUser",
    "unit_head": "UnitHeadUser",
    "area_head": "AreaHeadUser",
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.http", description=__doc__)
    parser.add_argument("--matters", type=int, default=1_000_000, help="open matters (1,000,000)")
    parser.add_argument("--units", type=int, help="units (default: matters / 300, at least 50)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--users", type=int, default=9, help="locust users of the mixed run (9)")
    parser.add_argument("--duration", default="60s", help="the mixed run's length (60s)")
    parser.add_argument(
        "--roles",
        default=",".join(ROLE_CLASSES),
        help="roles of the mixed run, comma-separated (all: " + ",".join(ROLE_CLASSES) + ")",
    )
    parser.add_argument("--intake-users", type=int, default=8, help="intake clients (8; 0: none)")
    parser.add_argument("--intake-duration", default="30s", help="the intake run's length")
    parser.add_argument("--wait", default="0.5,1.5", help="think time min,max seconds")
    parser.add_argument(
        "--warmup",
        default="15s",
        help="a mixed run before the measured one, its figures discarded (15s; 0s: none): "
        "each worker's first pages compile templates and fill caches, once a process",
    )
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (2)")
    parser.add_argument("--timeout", type=int, default=30, help="gunicorn worker timeout (s)")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--pg-admin-url", default=scan.PG_ADMIN_URL)
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--reuse", action="store_true", help="use the database if it is filled")
    parser.add_argument("--no-docs", action="store_true", help="do not write docs/benchmarks.md")
    args = parser.parse_args(argv)
    args.units = args.units or max(50, args.matters // 300)
    argv = argv if argv is not None else sys.argv[1:]

    url, created = database(args)
    out = Path(tempfile.mkdtemp(prefix="luoshi-http-bench-"))
    try:
        setup_django(url, out, args.port)
        result = prepare(args, created)
        result["sql"] = raw_sql(result["plan"], out / "explain.txt")
        plan_file = out / "plan.json"
        plan_file.write_text(json.dumps(result["plan"], ensure_ascii=False))
        result["load_before"] = os.getloadavg()
        with server(url, out, args):
            classes = [ROLE_CLASSES[role] for role in args.roles.split(",")]
            if warms(args):
                locust(args, plan_file, out / "warmup", classes, args.users, duration=args.warmup)
            result["mixed"] = locust(args, plan_file, out / "mixed", classes, args.users)
            result["load_mid"] = os.getloadavg()
            result["intake"] = None
            if args.intake_users:
                result["intake"] = locust(
                    args, plan_file, out / "intake", ["IntakeUser"], args.intake_users, True
                )
        result["load_after"] = os.getloadavg()
        report = render(result, args, argv)
        print(report)
        print(f"locust CSV, plans and the server log: {out}")
        if not args.no_docs:
            scan.write_docs(report)
    finally:
        from django.db import connections

        connections.close_all()
        if not args.keep:
            admin(args.pg_admin_url, f"DROP DATABASE IF EXISTS {BENCH_DB} WITH (FORCE)")
        else:
            print(f"kept: LUOSHI_DATABASE_URL={url}")
    return 0


def log(message: str) -> None:
    print(f"   {message}", flush=True)


def admin(admin_url: str, sql: str):
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as conn:
        cursor = conn.execute(sql)
        return cursor.fetchall() if sql.startswith("SELECT") else None


def database(args: argparse.Namespace) -> tuple[str, bool]:
    """The bench database's URL, and whether it was made anew (and so must be filled)."""
    url = args.pg_admin_url.rsplit("/", 1)[0] + "/" + BENCH_DB
    if args.reuse and admin(
        args.pg_admin_url, f"SELECT 1 FROM pg_database WHERE datname = '{BENCH_DB}'"
    ):
        import psycopg

        with psycopg.connect(url) as conn:
            filled = conn.execute("SELECT to_regclass('matters_matter') IS NOT NULL").fetchone()
            if (
                filled[0]
                and conn.execute("SELECT EXISTS (SELECT FROM matters_matter)").fetchone()[0]
            ):
                log(f"reusing {BENCH_DB}")
                return url, False
    admin(args.pg_admin_url, f"DROP DATABASE IF EXISTS {BENCH_DB} WITH (FORCE)")
    admin(args.pg_admin_url, f"CREATE DATABASE {BENCH_DB}")
    return url, True


def server_env(url: str, out: Path, port: int) -> dict[str, str]:
    """Production settings on loopback: debug off, plain-HTTP cookies, the bench's var dir."""
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "luoshi.settings",
        "LUOSHI_DATABASE_URL": url,
        "LUOSHI_DEBUG": "",
        "LUOSHI_SECRET_KEY": os.environ.get("LUOSHI_SECRET_KEY") or "bench-http-not-secret",
        # testserver: the in-process client that captures each page's SQL (raw_sql).
        "LUOSHI_ALLOWED_HOSTS": "127.0.0.1,testserver",
        "LUOSHI_CSRF_TRUSTED_ORIGINS": f"http://127.0.0.1:{port}",
        "LUOSHI_SECURE_COOKIES": "0",  # no TLS on loopback: secure cookies would never return
        "LUOSHI_VAR_DIR": str(out / "var"),
    }


def setup_django(url: str, out: Path, port: int) -> None:
    os.environ.update(server_env(url, out, port))
    import django

    django.setup()


def prepare(args: argparse.Namespace, created: bool) -> dict:
    """Migrate, fill (unless reused), scan once, rebuild rollups, VACUUM (ANALYZE); the plan."""
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    # Production settings serve static files from a manifest (whitenoise): pages need it.
    call_command("collectstatic", interactive=False, verbosity=0)
    result: dict = {"version": scan.db_version(connection), "generate_seconds": None}
    if created:
        from django.contrib.auth.hashers import make_password

        started = time.perf_counter()
        generator = HttpGenerator(
            args.matters, args.units, args.seed, make_password(traffic.PASSWORD)
        )
        result["sizes"] = generator.run()
        log(f"generated in {time.perf_counter() - started:.0f} s: {result['sizes']}")
        first_scan()
        result["generate_seconds"] = time.perf_counter() - started
    result["counts"] = counts()
    result["db_bytes"] = scan.database_bytes(connection)
    result["plan"] = traffic.plan()
    return result


class HttpGenerator(scan.Generator):
    """bench.scan's data (luoshi.demo.generate): every role the load run signs in as —
    a handler and a unit head per unit, eight supervisors (one per intake client), the
    leaders — is generated with it."""


def first_scan() -> None:
    """Warnings, standings and rollups as the services would leave them, then VACUUM (ANALYZE)
    (luoshi.demo.generate.settle): the generator writes every matter "normal"."""
    from luoshi.demo.generate import settle

    settle(log)


def counts() -> dict[str, int]:
    from django.contrib.auth.models import User

    from luoshi.matters.models import OPEN_STATES, Matter, MatterEvent, MatterUnit
    from luoshi.org.models import Unit

    return {
        "matters": Matter.objects.count(),
        "open": Matter.objects.filter(state__in=OPEN_STATES).count(),
        "overdue": Matter.objects.filter(warning="overdue").count(),
        "parts": MatterUnit.objects.count(),
        "events": MatterEvent.objects.count(),
        "units": Unit.objects.count(),
        "users": User.objects.count(),
    }


# ---------------------------------------------------------------------------
# The raw SQL of the main pages, beside their HTTP times.

SQL_PAGES = [
    ("supervisor desk", "supervisor", "/"),
    ("supervisor list page 1", "supervisor", "/matters/"),
    ("supervisor list overdue", "supervisor", "/matters/?warning=overdue"),
    ("supervisor api page 1", "supervisor", "/api/matters/"),
    ("handler desk", "handler", "/"),
    ("handler list page 1", "handler", "/matters/"),
]


def raw_sql(plan: dict, explain_file: Path) -> list[dict]:
    """Each page's SELECTs as the ORM built them, re-run alone: the SQL share of its time."""
    from django.contrib.auth.models import User
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    rows, plans = [], []
    for name, role, path in SQL_PAGES:
        client = Client()
        client.force_login(User.objects.get(username=plan["people"][role][0]["username"]))
        client.get(path)  # warm: the first request of a process loads templates and caches
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            status = client.get(path).status_code
            in_process = (time.perf_counter() - started) * 1000
        selects = [q["sql"] for q in captured.captured_queries if q["sql"].startswith("SELECT")]
        total, slowest = 0.0, (0.0, "")
        with connection.cursor() as cursor:
            for sql in selects:
                best = min(_timed(cursor, sql) for _ in range(3))
                total += best
                slowest = max(slowest, (best, sql))
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
                plan_text = "\n".join(r[0] for r in cursor.fetchall())
                plans.append(f"-- {name}: {best:.1f} ms\n{sql}\n{plan_text}\n")
        rows.append(
            {
                "page": name,
                "path": path,
                "status": status,
                "queries": len(captured.captured_queries),
                "sql_ms": total,
                "slowest_ms": slowest[0],
                "slowest_sql": slowest[1][:160],
                "in_process_ms": in_process,
            }
        )
        log(f"{name}: {status}, {len(selects)} selects, SQL {total:.1f} ms of {in_process:.1f} ms")
    explain_file.write_text("\n".join(plans))
    return rows


def _timed(cursor, sql: str) -> float:
    started = time.perf_counter()
    cursor.execute(sql)
    cursor.fetchall()
    return (time.perf_counter() - started) * 1000


# ---------------------------------------------------------------------------
# gunicorn and locust.


@contextlib.contextmanager
def server(url: str, out: Path, args: argparse.Namespace):
    env = server_env(url, out, args.port)
    bin_dir = Path(sys.executable).parent
    command = [
        str(bin_dir / "gunicorn"),
        "luoshi.wsgi",
        "--workers",
        str(args.workers),
        "--bind",
        f"127.0.0.1:{args.port}",
        "--timeout",
        str(args.timeout),
        # Its default control socket is one path per machine (~/.gunicorn): another
        # engineer's server would share it.
        "--no-control-socket",
    ]
    log_file = (out / "gunicorn.log").open("w")
    process = subprocess.Popen(command, env=env, cwd=ROOT, stdout=log_file, stderr=log_file)
    try:
        wait_for(f"http://127.0.0.1:{args.port}/login/", process)
        log(f"gunicorn up: {args.workers} workers on 127.0.0.1:{args.port}")
        yield
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
        log_file.close()


def wait_for(url: str, process: subprocess.Popen, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"gunicorn exited ({process.returncode}): see its log")
        # Refused, reset or timed out: not up yet.
        with contextlib.suppress(OSError), urllib.request.urlopen(url, timeout=5) as response:
            if response.status == 200:
                return
        time.sleep(0.5)
    raise SystemExit(f"gunicorn did not answer {url} within {seconds:.0f} s")


def warms(args: argparse.Namespace) -> bool:
    return args.warmup not in ("", "0", "0s")


def locust(
    args: argparse.Namespace,
    plan_file: Path,
    prefix: Path,
    classes: list[str],
    users: int,
    intake: bool = False,
    duration: str = "",
) -> dict:
    duration = duration or (args.intake_duration if intake else args.duration)
    command = [
        str(Path(sys.executable).parent / "locust"),
        "-f",
        str(ROOT / "bench" / "locustfile.py"),
        "--headless",
        "--only-summary",
        "-u",
        str(users),
        "-r",
        str(users),
        "-t",
        duration,
        "--host",
        f"http://127.0.0.1:{args.port}",
        "--csv",
        str(prefix),
        "--loglevel",
        "WARNING",
        *classes,
    ]
    env = {
        **os.environ,
        "LUOSHI_BENCH_PLAN": str(plan_file),
        "LUOSHI_BENCH_WAIT": args.wait,
        "PYTHONPATH": str(ROOT),
    }
    log(f"locust: {users} users, {duration}, {' '.join(classes)}")
    # locust exits 1 when any request failed: the failures are in the table, not an error.
    subprocess.run(command, env=env, cwd=ROOT, check=False)
    return {"users": users, "duration": duration, "rows": read_stats(Path(f"{prefix}_stats.csv"))}


def read_stats(path: Path) -> list[dict]:
    rows = []
    with path.open(newline="") as file:
        for row in csv.DictReader(file):
            rows.append(
                {
                    "name": row["Name"] if row["Type"] else "all requests",
                    "method": row["Type"],
                    "requests": int(row["Request Count"]),
                    "failures": int(row["Failure Count"]),
                    "rps": float(row["Requests/s"]),
                    "p50": _ms(row["50%"]),
                    "p95": _ms(row["95%"]),
                    "p99": _ms(row["99%"]),
                    "max": _ms(row["Max Response Time"]),
                }
            )
    return rows


def _ms(value: str) -> float | None:
    return None if value in ("", "N/A") else float(value)


# ---------------------------------------------------------------------------
# The report.


def verdict(row: dict) -> str:
    if row["p95"] is None:
        return ""
    ok = row["p95"] < TARGET_P95 and (row["p99"] or 0) < TARGET_P99 and not row["failures"]
    return "✅" if ok else "❌"


def _f(value: float | None) -> str:
    return "–" if value is None else f"{value:,.0f}"


def render(r: dict, args: argparse.Namespace, argv: list[str]) -> str:
    box = scan.machine([r])
    c = r["counts"]
    when = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    generated = (
        f"generated, scanned and analysed in {r['generate_seconds']:.0f} s"
        if r["generate_seconds"]
        else "reused (--reuse)"
    )
    mixed, intake = r["mixed"], r["intake"]
    lines = [
        f"## {when}: over HTTP, {c['open']:,} open matters (`python -m bench.http`)",
        "",
        f"- Machine: {box['cores']} cores ({box['cpu']}), {box['ram_gib']} GiB RAM; "
        f"Python {box['python']}; {r['version']}; app, database and locust on the same machine.",
        f"- Command: `python -m bench.http {' '.join(argv)}`"
        f" (`make bench-http BENCH_MATTERS={args.matters}`).",
        f"- Data: {c['matters']:,} matters ({c['open']:,} open, {c['overdue']:,} overdue), "
        f"{c['parts']:,} unit parts, {c['events']:,} events, {c['units']:,} units, "
        f"{c['users']:,} users; {r['db_bytes'] / 2**20:,.0f} MiB; {generated}.",
        f"- Server: gunicorn, {args.workers} sync workers, timeout {args.timeout} s, "
        "production settings (debug off, whitenoise), loopback.",
        f"- Mixed run: {mixed['users']} locust users of {args.roles} (weights supervisor 3, "
        "handler 3, leader 1, unit head 1, area head 1), "
        f"{mixed['duration']}, think time {args.wait} s; "
        "each signs in once; "
        + (f"after a {args.warmup} warm-up run (discarded). " if warms(args) else "")
        + (
            f"Intake: {intake['users']} clients registering drafts through the API back to "
            f"back, {intake['duration']}."
            if intake
            else "No intake run."
        ),
        "- Load average (1/5/15 min): "
        + "; ".join(
            f"{label} {a:.2f}/{b:.2f}/{c_:.2f}"
            for label, (a, b, c_) in [
                ("before", r["load_before"]),
                ("between the runs", r["load_mid"]),
                ("after", r["load_after"]),
            ]
        )
        + ".",
        "",
        f"Targets (issue 15): p95 < {TARGET_P95:.0f} ms and p99 < {TARGET_P99:.0f} ms, "
        "no failures (✅ met, ❌ not).",
        "",
        "| endpoint | requests | failures | p50 ms | p95 ms | p99 ms | max ms | target |",
        "|---|---|---|---|---|---|---|---|",
    ]
    # The sign-in rows are empty: the stats start over once everyone has signed in.
    done = [row for row in mixed["rows"] if row["requests"]]
    for row in sorted(done, key=lambda x: (x["name"] == "all requests", x["name"])):
        lines.append(
            f"| {row['name']} | {row['requests']:,} | {row['failures']:,} | {_f(row['p50'])} | "
            f"{_f(row['p95'])} | {_f(row['p99'])} | {_f(row['max'])} | {verdict(row)} |"
        )
    if intake:
        lines += ["", "Intake:", ""]
        lines += [
            "| endpoint | requests | failures | per second | p50 ms | p95 ms | p99 ms | target |",
            "|---|---|---|---|---|---|---|---|",
        ]
    for row in intake["rows"] if intake else []:
        if row["name"] == "all requests" or not row["requests"]:
            continue
        mark = ""
        if row["name"] == traffic.INTAKE.name:
            mark = "✅" if row["rps"] >= 200 and not row["failures"] else "❌ (≥ 200/s, 0 errors)"
        lines.append(
            f"| {row['name']} | {row['requests']:,} | {row['failures']:,} | {row['rps']:.1f} | "
            f"{_f(row['p50'])} | {_f(row['p95'])} | {_f(row['p99'])} | {mark} |"
        )
    lines += [
        "",
        "The SQL of the main pages: each page's SELECTs as the ORM builds them, captured "
        "in-process (test client, same settings) and re-run alone, best of 3 — beside the page's "
        "in-process time and its HTTP p50 above (app overhead = the difference). Plans: "
        "EXPLAIN (ANALYZE, BUFFERS) in the run's folder.",
        "",
        "| page | queries | SQL ms | slowest query ms | in-process ms | HTTP p50 ms |",
        "|---|---|---|---|---|---|",
    ]
    http = {row["name"]: row for row in mixed["rows"]}
    for s in r["sql"]:
        p50 = http.get(s["page"], {}).get("p50")
        lines.append(
            f"| {s['page']} (`{s['path']}`) | {s['queries']} | {s['sql_ms']:.1f} | "
            f"{s['slowest_ms']:.1f} | {s['in_process_ms']:.1f} | {_f(p50)} |"
        )
    slow = sorted(r["sql"], key=lambda s: -s["slowest_ms"])[:3]
    lines += ["", "Slowest single queries:", ""]
    lines += [f"- {s['page']}: {s['slowest_ms']:.0f} ms — `{s['slowest_sql']}…`" for s in slow]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.exit(main())
