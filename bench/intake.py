"""`python -m bench.intake`: registrations per second over HTTP, 8 clients at once.

Issue 15's intake target: ≥ 200 registrations/s on PostgreSQL and ≥ 100 on SQLite
with 8 concurrent clients, no error, no "database is locked".

For each database asked for (`--db sqlite|postgres|both`):
1. an empty database (bench.scan.make_database: a temporary SQLite file, or
   `luoshi_intake_bench` on the local PostgreSQL), migrated, with the test city
   (luoshi.testing.build_city: units, a supervisor) and an API token for the supervisor;
2. gunicorn with the production settings (DEBUG off) on 127.0.0.1, `--workers`
   processes (2 by default, one per core of the bench machine), each with `--threads`
   threads (1 by default: sync workers; more: gthread workers);
3. `--clients` threads, each its own keep-alive connection, POST
   `/api/matters/` (the registration of a matter with a lead unit, co-units and a
   deadline, as an office's client system sends it) for `--seconds`, after a warm-up;
4. registrations/s, latency p50/p95/p99, errors by status, and whether the server's
   log says "database is locked"; the matters in the database are counted afterwards
   so that a 201 that did not commit cannot pass unseen.
The table is appended to docs/benchmarks.md with the machine, the load and the command.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from bench.scan import PG_ADMIN_URL, machine, make_database, write_docs

ROOT = Path(__file__).resolve().parent.parent
TARGETS = {"sqlite": 100.0, "postgres": 200.0}
TITLES = [
    "推进{n}号重点项目签约落地",
    "解决{n}家企业用工缺口问题",
    "老旧小区改造第{n}批开工",
    "整改群众反映第{n}项突出问题",
    "落实{n}项稳岗扩就业措施",
    "农村人居环境整治{n}个村验收",
]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.intake", description=__doc__)
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--warmup", type=float, default=3.0)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes")
    parser.add_argument(
        "--threads", type=int, default=1, help="threads per worker (more than 1: gthread workers)"
    )
    parser.add_argument("--pg-admin-url", default=PG_ADMIN_URL)
    parser.add_argument("--no-docs", action="store_true")
    parser.add_argument("--setup", help=argparse.SUPPRESS)  # child: prepare this database URL
    args = parser.parse_args(argv)
    if args.setup:
        print("SETUP " + json.dumps(prepare(args.setup)), flush=True)
        return 0
    os.environ.setdefault("LUOSHI_BENCH_DB", "luoshi_intake_bench")
    databases = ["sqlite", "postgres"] if args.db == "both" else [args.db]
    results = [run_one(db, args) for db in databases]
    report = render(results, args, argv if argv is not None else sys.argv[1:])
    print(report)
    if not args.no_docs:
        write_docs(report)
    failed = [r for r in results if r["errors"] or r["locked"] or r["missing"]]
    return 1 if failed else 0


def prepare(url: str) -> dict:
    """Migrate, build the test city; its units and an API key of its supervisor (child)."""
    os.environ["LUOSHI_DATABASE_URL"] = url
    os.environ.setdefault("LUOSHI_SECRET_KEY", "bench")
    os.environ["DJANGO_SETTINGS_MODULE"] = "luoshi.settings"
    import django

    django.setup()
    from django.core.management import call_command

    from luoshi.org.tokens import issue_token
    from luoshi.testing import build_city

    call_command("migrate", verbosity=0)
    city = build_city()
    _token, key = issue_token(city.supervisor, "intake bench")
    units = [u.pk for u in vars(city).values() if type(u).__name__ == "Unit" and u.is_active]
    return {"key": key, "units": units}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run_one(db: str, args: argparse.Namespace) -> dict:
    print(f"== {db}: {args.clients} clients, {args.seconds:.0f} s", flush=True)
    url, cleanup = make_database(db, args.pg_admin_url)
    server = None
    log = tempfile.NamedTemporaryFile("w+", prefix=f"luoshi-intake-{db}-", suffix=".log")  # noqa: SIM115 — the server writes to it until the end
    try:
        env = os.environ | {"LUOSHI_DATABASE_URL": url, "LUOSHI_SECRET_KEY": "bench"}
        env.pop("LUOSHI_DEBUG", None)
        out = subprocess.run(
            [sys.executable, "-m", "bench.intake", "--setup", url],
            env=env, cwd=ROOT, capture_output=True, text=True, check=True,
        )  # fmt: skip
        setup = json.loads(out.stdout.split("SETUP ", 1)[1])
        key, units = setup["key"], setup["units"]
        port = free_port()
        env |= {"LUOSHI_ALLOWED_HOSTS": "127.0.0.1,localhost"}
        server = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "luoshi.wsgi", "--bind", f"127.0.0.1:{port}",
             "--workers", str(args.workers), "--threads", str(args.threads),
             "--timeout", "60", "--log-level", "warning"],
            env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        base = f"http://127.0.0.1:{port}"
        wait_until_up(base)
        result = drive(base, key, units, args)
        result |= {"db": db, "version": version_of(url)}
        result["count_in_db"] = count_matters(url)
        result["missing"] = max(0, result["created"] - result["count_in_db"])
        log.seek(0)
        text = log.read()
        result["locked"] = text.count("database is locked")
        if result["errors"]:
            print(text[-3000:], flush=True)
        return result
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
        log.close()
        cleanup()


def wait_until_up(base: str) -> None:
    import requests

    deadline = time.monotonic() + 180  # a loaded machine imports Django slowly
    while time.monotonic() < deadline:
        try:
            # A cheap answer (401): on a loaded machine, building the OpenAPI schema
            # outlived gunicorn's timeout, and the worker restarted inside the measurement.
            requests.get(base + "/api/matters/", timeout=20)
            return
        except requests.RequestException:
            time.sleep(0.5)
    raise SystemExit("gunicorn did not answer within 180 s")


def body(rng: random.Random, units: list[int], n: int) -> dict:
    lead, *co = rng.sample(units, k=min(len(units), rng.choice([1, 2, 3])))
    return {
        "title": rng.choice(TITLES).format(n=n),
        "source": rng.choice(["work_report", "meeting", "instruction"]),
        "content": "按照市委市政府部署，明确责任分工，倒排工期，按月报送进展。",
        "lead_unit": lead,
        "co_units": [{"unit": u, "description": "配合"} for u in co],
        "deadline": (dt.date.today() + dt.timedelta(days=rng.randint(30, 200))).isoformat(),
        "report_cycle": "monthly",
    }


def drive(base: str, key: str, units: list[int], args: argparse.Namespace) -> dict:
    import requests

    start = time.monotonic()
    measure_from = start + args.warmup
    stop = measure_from + args.seconds
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    created = [0]
    samples: dict[int, str] = {}
    lock = threading.Lock()

    def client(index: int) -> None:
        rng = random.Random(index)
        session = requests.Session()
        session.headers["Authorization"] = f"Bearer {key}"
        n = 0
        while (now := time.monotonic()) < stop:
            n += 1
            began = time.perf_counter()
            answer = session.post(
                base + "/api/matters/", json=body(rng, units, index * 100000 + n), timeout=60
            )
            took = time.perf_counter() - began
            with lock:
                if answer.status_code == 201:
                    created[0] += 1
                else:
                    samples.setdefault(answer.status_code, answer.text[:300])
                if now >= measure_from:
                    latencies.append(took)
                    statuses[answer.status_code] = statuses.get(answer.status_code, 0) + 1

    threads = [threading.Thread(target=client, args=(i,)) for i in range(args.clients)]
    load_before = os.getloadavg()[0]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for status, text in samples.items():
        print(f"   {status}: {text}", flush=True)
    ok = statuses.get(201, 0)
    q = statistics.quantiles(latencies, n=100) if len(latencies) > 1 else [0.0] * 99
    return {
        "rate": ok / args.seconds,
        "requests": len(latencies),
        "created": created[0],
        "errors": {s: c for s, c in statuses.items() if s != 201},
        "p50_ms": q[49] * 1000,
        "p95_ms": q[94] * 1000,
        "p99_ms": q[98] * 1000,
        "load_before": load_before,
        "load_after": os.getloadavg()[0],
    }


def _sql(url: str, query: str):
    if url.startswith("sqlite:///"):
        import sqlite3

        with sqlite3.connect(url[len("sqlite:///") :]) as conn:
            return conn.execute(query).fetchone()[0]
    import psycopg

    with psycopg.connect(url) as conn:
        return conn.execute(query).fetchone()[0]


def count_matters(url: str) -> int:
    return int(_sql(url, "SELECT count(*) FROM matters_matter"))


def version_of(url: str) -> str:
    if url.startswith("sqlite:///"):
        import sqlite3

        return f"SQLite {sqlite3.sqlite_version}"
    return "PostgreSQL " + str(_sql(url, "SHOW server_version")).split()[0]


def server_kind(args: argparse.Namespace) -> str:
    if args.threads > 1:
        return f"{args.workers} gthread workers × {args.threads} threads"
    return f"{args.workers} sync workers"


def render(results: list[dict], args: argparse.Namespace, argv: list[str]) -> str:
    when = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    box = machine(results)
    lines = [
        f"## {when}: intake over HTTP, {args.clients} clients, {args.seconds:.0f} s",
        "",
        f"- Machine: {box['cores']} cores ({box['cpu']}), {box['ram_gib']} GiB RAM; "
        f"Python {box['python']}; {box['versions']}.",
        f"- Command: `python -m bench.intake {' '.join(argv)}`",
        f"- Server: gunicorn, {server_kind(args)}, production settings, loopback; "
        "each client a keep-alive session with a bearer token, POST /api/matters/ "
        "(lead unit, 0–2 co-units, a deadline).",
        "",
        "| database | registrations/s | target | p50 | p95 | p99 | errors | locked | "
        "load before/after |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        errors = ", ".join(f"{s}×{c}" for s, c in r["errors"].items()) or "0"
        lines.append(
            f"| {r['version']} | {r['rate']:.0f} | ≥ {TARGETS[r['db']]:.0f} | "
            f"{r['p50_ms']:.0f} ms | {r['p95_ms']:.0f} ms | {r['p99_ms']:.0f} ms | {errors} | "
            f"{r['locked']} | {r['load_before']:.1f} / {r['load_after']:.1f} |"
        )
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.exit(main())
