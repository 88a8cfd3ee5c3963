"""Benchmark of the evaluation and target pages the office works with, on generated data.

    python -m bench.evaluation [--matters 100000] [--units 2000] [--targets 200]

Reuses bench.cockpit's generator (units and matters written in bulk, on a database of its
own: the test database name, LUOSHI_TEST_DB_NAME or test_<name>), then goes through the
services as the office would: publish a scheme, open last month's period, compute it,
and set `--targets` targets with ten months reported and nine closed. Each step is timed
(the median of several runs through Django's test client for pages and endpoints).
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import time
from decimal import Decimal

from bench.cockpit import generate, setup_django, timed


def office(leader):
    from django.contrib.auth.models import User

    from luoshi.org.models import Membership, Role

    supervisor = User.objects.create_user("bench_supervisor", password="pw")
    unit = Membership.objects.filter(user=leader).first().unit
    Membership.objects.create(user=supervisor, unit=unit, role=Role.SUPERVISOR)
    handler = User.objects.create_user("bench_handler", password="pw")
    return supervisor, handler


def build_targets(supervisor, handler, count: int, year: int) -> None:
    """`count` targets (one unit's handler reports them all), ten months, nine closed."""
    import time_machine
    from django.utils import timezone

    from luoshi.org.models import Membership, Role, Unit
    from luoshi.targets import services
    from luoshi.targets.models import Target

    unit = Unit.objects.filter(kind="department").order_by("pk").first()
    Membership.objects.create(user=handler, unit=unit, role=Role.HANDLER)
    started = time.perf_counter()
    targets = [
        services.create_target(
            actor=supervisor,
            unit=unit,
            year=year,
            name=f"指标{n:04d}",
            yearly_value=1200,
            measure="亿元",
        )  # fmt: skip
        for n in range(count)
    ]
    for month in range(1, 11):
        moment = timezone.make_aware(dt.datetime(year, month + 1, 10, 10))
        with time_machine.travel(moment, tick=False):
            for target in targets:
                services.report_actual(
                    Target.objects.get(pk=target.pk), actor=handler, version=None, month=month,
                    value=Decimal(100 * month) * Decimal("0.97"), source="统计快报",
                )  # fmt: skip
            if month < 10:
                services.close_month(actor=supervisor, year=year, month=month)
    print(
        f"  {count} targets, 10 months reported, 9 closed in {time.perf_counter() - started:.0f} s"
    )


def fresh(period):
    return type(period).objects.select_related("scheme").get(pk=period.pk)


def measure(supervisor, handler, today: dt.date) -> dict[str, float]:
    from django.test import Client

    from luoshi.evaluation import services as evaluation
    from luoshi.evaluation.models import Scorecard
    from luoshi.targets.models import Target

    last = today.replace(day=1) - dt.timedelta(days=1)
    results: dict[str, float] = {}
    evaluation.publish_scheme(actor=supervisor, name="基准考核办法")
    period = evaluation.open_period(
        actor=supervisor, kind="month", year=last.year, number=last.month
    )
    print("the office's steps:")
    results["compute"] = timed(
        "compute_period (all units, every indicator)",
        lambda: evaluation.compute_period(
            fresh(period), actor=supervisor, version=None, today=today
        ),
        runs=3,
    )
    unit = Scorecard.objects.filter(period=period).order_by("pk").first().unit

    def add_item():
        evaluation.add_adjustment(
            fresh(period),
            actor=supervisor, version=None, unit=unit, kind="bonus", points=1, reason="基准",
        )  # fmt: skip

    results["item"] = timed("add_adjustment (re-score one unit, re-rank its group)", add_item)
    card = Scorecard.objects.filter(period=period).order_by("pk").first()
    target = Target.objects.order_by("pk").first()
    client = Client()
    client.force_login(supervisor)
    print("pages and endpoints (median of 5):")
    for path in (
        "/evaluation/",
        f"/evaluation/periods/{period.pk}/",
        f"/evaluation/scorecards/{card.pk}/",
        f"/api/evaluation/scorecards/{card.pk}",
        f"/api/evaluation/periods/{period.pk}/ranking",
        f"/targets/?year={today.year}",
        f"/targets/{target.pk}/",
        f"/api/targets/?year={today.year}",
    ):

        def call(path=path):
            response = client.get(path)
            assert response.status_code == 200, (path, response.status_code)

        results[path] = timed(path, call)
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--matters", type=int, default=100_000)
    parser.add_argument("--units", type=int, default=2000)
    parser.add_argument("--targets", type=int, default=200)
    args = parser.parse_args(argv)
    setup_django()
    from django.db import connection
    from django.test.utils import setup_test_environment
    from django.utils import timezone

    setup_test_environment()
    today = timezone.localdate()
    name = connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    print(
        f"bench database {name} ({connection.vendor}); {args.matters} matters, {args.units} units"
    )
    try:
        data = generate(args.matters, args.units, today)
        supervisor, handler = office(data["leader"])
        build_targets(supervisor, handler, args.targets, today.year)
        measure(supervisor, handler, today)
    finally:
        connection.creation.destroy_test_db(name, verbosity=0)
    return 0


if __name__ == "__main__":
    sys.exit(main())
