"""Benchmark of the cockpit endpoints and of a period's evaluation on generated data.

    python -m bench.cockpit [--matters 1000000] [--units 2000] [--keep]

Runs on a database of its own (the test database name, LUOSHI_TEST_DB_NAME or
test_<name>), so the working database is never touched: with LUOSHI_DATABASE_URL
pointing at PostgreSQL it measures PostgreSQL. The data are written in bulk (not
through the services — a million matters through the services would take hours):
units, matters in every state and warning with deadlines over the year, goals with
two levels of sub-matters, completion and rework events; then `rebuild` fills the
rollups as `luoshi rebuild_rollups --flows` would. Each endpoint is timed as the
median of several calls through Django's test client (the whole request: routing,
session, permission, queries, JSON).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import statistics
import sys
import time


def setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "luoshi.settings_test")
    import django

    django.setup()


def timed(label: str, func, runs: int = 5) -> float:
    func()  # warm-up: connection, caches, query plans
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        func()
        samples.append((time.perf_counter() - start) * 1000)
    median = statistics.median(samples)
    print(f"  {label:<42} {median:8.1f} ms  (min {min(samples):.1f}, max {max(samples):.1f})")
    return median


def generate(matters: int, units: int, today: dt.date, seed: int = 7) -> dict:
    """Bulk-write units, a leader, matters, goals and events; returns what the timing needs."""
    from django.contrib.auth.models import User
    from django.db import connection

    from luoshi.org.models import Membership, Role, Unit, UnitKind

    rng = random.Random(seed)
    city = Unit.objects.create(name="基准市", kind=UnitKind.CITY)
    Unit.objects.bulk_create(
        [
            Unit(
                name=f"单位{i:05d}",
                kind=UnitKind.DISTRICT if i % 10 == 0 else UnitKind.DEPARTMENT,
                parent=city,
                path=f"/{city.pk}/x{i}/",
            )
            for i in range(units)
        ],
        batch_size=5000,
    )
    unit_ids = list(Unit.objects.exclude(pk=city.pk).values_list("pk", flat=True))
    leader = User.objects.create_user("bench_leader", password="pw")
    Membership.objects.create(user=leader, unit=city, role=Role.LEADER)
    started = time.perf_counter()
    if connection.vendor == "postgresql":
        _matters_sql(matters, unit_ids, leader, today)
    else:
        _matters_python(matters, unit_ids, leader, today, rng)
    print(f"  {matters} matters written in {time.perf_counter() - started:.0f} s")
    _blueprint(leader)
    started = time.perf_counter()
    _events(leader)
    print(f"  events written in {time.perf_counter() - started:.0f} s")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    return {"leader": leader}


def _matters_python(matters: int, unit_ids: list[int], leader, today: dt.date, rng) -> None:
    """Portable and slow (SQLite): model instances in batches."""
    from django.utils import timezone

    from luoshi.matters.models import Matter, MatterWarning, State

    year_start = dt.date(today.year, 1, 1)
    span = (today - year_start).days + 120
    states = [State.ASSIGNED, State.ACCEPTED, State.IN_PROGRESS, State.COMPLETED, State.CLOSED]
    weights = [5, 10, 25, 30, 30]
    warnings = [
        MatterWarning.NORMAL,
        MatterWarning.OVERDUE,
        MatterWarning.STALLED,
        MatterWarning.DUE_SOON,
        MatterWarning.BEHIND_PLAN,
    ]
    noon = dt.time(12)
    batch: list[Matter] = []
    for n in range(1, matters + 1):
        state = rng.choices(states, weights)[0]
        deadline = year_start + dt.timedelta(days=rng.randrange(span))
        assigned = timezone.make_aware(
            dt.datetime.combine(deadline - dt.timedelta(days=rng.randrange(20, 90)), noon)
        )
        done = None
        if state in (State.COMPLETED, State.CLOSED):
            finish = deadline + dt.timedelta(days=rng.randrange(-30, 10))
            done = timezone.make_aware(dt.datetime.combine(min(finish, today), noon))
        batch.append(
            Matter(
                source="meeting",
                title=f"基准事项{n}",
                serial_year=today.year,
                serial_no=n,
                lead_unit_id=rng.choice(unit_ids),
                state=state,
                warning=rng.choices(warnings, [70, 12, 8, 5, 5])[0] if not done else "normal",
                deadline=deadline,
                original_deadline=deadline,
                progress=100 if done else rng.randrange(0, 95),
                created_by=leader,
                assigned_at=assigned,
                completed_at=done,
            )
        )
        if len(batch) == 10000:
            Matter.objects.bulk_create(batch)
            batch = []
    Matter.objects.bulk_create(batch)


STATE_SQL = (
    "CASE WHEN r < 5 THEN 'assigned' WHEN r < 15 THEN 'accepted' WHEN r < 40 THEN "
    "'in_progress' WHEN r < 70 THEN 'completed' ELSE 'closed' END"
)
WARNING_SQL = (
    "CASE WHEN r >= 40 THEN 'normal' WHEN w < 70 THEN 'normal' WHEN w < 82 THEN 'overdue' "
    "WHEN w < 90 THEN 'stalled' WHEN w < 95 THEN 'due_soon' ELSE 'behind_plan' END"
)


def _insert_select(model, expressions: dict[str, str], source: str, params: list) -> None:
    """INSERT INTO model's table every column: the given SQL expression, else its default."""
    from django.db import connection

    columns, values = [], []
    for field in model._meta.concrete_fields:
        if field.primary_key:
            continue
        columns.append(field.column)
        if field.column in expressions:
            values.append(expressions[field.column])
        else:
            default = field.get_default()
            values.append("%s")
            params.append(field.get_db_prep_save(default, connection))
    sql = (
        f"INSERT INTO {model._meta.db_table} ({', '.join(columns)}) "
        f"SELECT {', '.join(values)} FROM {source}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def _matters_sql(matters: int, unit_ids: list[int], leader, today: dt.date) -> None:
    """PostgreSQL: one INSERT … SELECT over generate_series (a million rows in seconds)."""
    from luoshi.matters.models import Matter

    year_start = dt.date(today.year, 1, 1)
    span = (today - year_start).days + 120
    source = (
        "(SELECT g, (g * 31) %% 100 AS r, (g * 13) %% 97 AS w, "
        f"DATE '{year_start.isoformat()}' + ((g * 37) %% {span})::int AS dl, "
        f"(ARRAY[{','.join(map(str, unit_ids))}]::bigint[])[1 + (g * 7919) %% {len(unit_ids)}] "
        "AS unit "
        f"FROM generate_series(1::bigint, {matters}) g) s"
    )
    done = f"LEAST(dl + ((g %% 40) - 30)::int, DATE '{today.isoformat()}') + time '12:00'"
    expressions = {
        "kind": "'task'",
        "source": "'meeting'",
        "title": "'基准事项' || g",
        "serial_year": str(today.year),
        "serial_no": "g",
        "lead_unit_id": "unit",
        "state": STATE_SQL,
        "warning": WARNING_SQL,
        "deadline": "dl",
        "original_deadline": "dl",
        "progress": "CASE WHEN r >= 40 THEN 100 ELSE g %% 95 END",
        "created_by_id": str(leader.pk),
        "created_at": "now()",
        "updated_at": "now()",
        "assigned_at": "(dl - (20 + g %% 70)::int) + time '09:00'",
        "completed_at": f"CASE WHEN r >= 40 THEN {done} END",
    }
    _insert_select(Matter, expressions, source, [])


def _blueprint(leader) -> None:
    """Goals: the first 50 matters get 5 tasks each, each task 4 sub-tasks."""
    from luoshi.matters.models import Matter

    ids = list(Matter.objects.order_by("pk").values_list("pk", flat=True)[:1300])
    goals, tasks, subtasks = ids[:50], ids[50:300], ids[300:1300]
    for parent_ids, child_ids in ((goals, tasks), (tasks, subtasks)):
        per = len(child_ids) // len(parent_ids)
        for index, parent in enumerate(parent_ids):
            chunk = child_ids[index * per : (index + 1) * per]
            Matter.objects.filter(pk__in=chunk).update(parent_id=parent)


def _events(leader) -> None:
    """A review.approved event per completed matter, a rework for one in twenty."""
    from luoshi.lib import eventchain
    from luoshi.matters.models import Matter, MatterEvent

    matters = Matter._meta.db_table
    for kind, state, where in (
        ("review.approved", "completed", ""),
        ("review.rework", "in_progress", "AND id %% 20 = 0"),
    ):
        _insert_select(
            MatterEvent,
            {
                "matter_id": "id",
                "kind": f"'{kind}'",
                "actor_id": str(leader.pk),
                "unit_id": "lead_unit_id",
                "to_state": f"'{state}'",
                "at": "completed_at",
            },
            f"{matters} WHERE completed_at IS NOT NULL {where}",
            [],
        )
    eventchain.rehash(MatterEvent)  # written in SQL: link the hash chains as save() would


def measure(leader, today: dt.date, again: bool = False) -> dict[str, float]:
    from django.test import Client

    from luoshi.evaluation import services as evaluation

    client = Client()
    client.force_login(leader)
    results = {}
    print("cockpit endpoints (median of 5):")
    last_month = today.replace(day=1) - dt.timedelta(days=1)
    for path in (
        "/api/cockpit/summary",
        "/api/cockpit/units",
        f"/api/cockpit/units?as_of={last_month.isoformat()}",
        f"/api/cockpit/trend?year={today.year}",
        "/api/cockpit/blueprint",
        f"/api/cockpit/targets?year={today.year}",
        "/api/cockpit/ranking",
        f"/api/cockpit/changes?since={last_month.isoformat()}",
        "/cockpit/",
    ):

        def call(path=path):
            response = client.get(path)
            assert response.status_code == 200, (path, response.status_code)

        results[path] = timed(path, call)
    print("evaluation of one month (all units, every indicator):")
    from django.contrib.auth.models import User

    from luoshi.evaluation.models import Period
    from luoshi.org.models import Membership, Role

    office = Membership.objects.filter(role=Role.LEADER).first().unit
    if again:
        period = Period.objects.get(kind="month", start=last_month.replace(day=1))
    else:
        supervisor = User.objects.create_user("bench_supervisor", password="pw")
        Membership.objects.create(user=supervisor, unit=office, role=Role.SUPERVISOR)
        evaluation.publish_scheme(actor=supervisor, name="基准考核办法")
        period = evaluation.open_period(
            actor=supervisor, kind="month", year=last_month.year, number=last_month.month
        )
    results["evaluation"] = timed(
        f"compute_scorecards({period.label})",
        lambda: evaluation.compute_scorecards(period, today=today),
        runs=3,
    )
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--matters", type=int, default=None)
    parser.add_argument("--units", type=int, default=2000)
    parser.add_argument("--keep", action="store_true", help="Keep the bench database.")
    parser.add_argument(
        "--reuse", action="store_true", help="Time again on the database a --keep run left."
    )
    args = parser.parse_args(argv)
    setup_django()
    from django.db import connection
    from django.test.utils import setup_test_environment
    from django.utils import timezone

    setup_test_environment()  # the test client's host, fast password hasher
    default = 1_000_000 if connection.vendor == "postgresql" else 50_000
    count = args.matters or default
    today = timezone.localdate()
    if args.reuse:
        from django.contrib.auth.models import User

        name = connection.creation._get_test_db_name()
        connection.close()
        connection.settings_dict["NAME"] = name
        print(f"bench database {name} ({connection.vendor}), reused")
        results = measure(User.objects.get(username="bench_leader"), today, again=True)
        return _verdict(results)
    name = connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    print(f"bench database {name} ({connection.vendor}); {count} matters, {args.units} units")
    try:
        data = generate(count, args.units, today)
        from luoshi.cockpit.rollups import rebuild, rebuild_flows

        started = time.perf_counter()
        rebuild()
        rebuild_flows(dt.date(today.year, 1, 1), today)
        print(f"  rollups rebuilt in {time.perf_counter() - started:.1f} s")
        results = measure(data["leader"], today)
    finally:
        if not args.keep:
            connection.creation.destroy_test_db(name, verbosity=0)
    return _verdict(results)


def _verdict(results: dict[str, float]) -> int:
    slow = [p for p, ms in results.items() if p.startswith("/api/") and ms > 100]
    print("all cockpit endpoints under 100 ms" if not slow else f"over 100 ms: {slow}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
