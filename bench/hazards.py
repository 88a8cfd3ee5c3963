"""`python -m bench.hazards`: the hazard scan, the figures and the register's first page at size.

1. Makes a temporary SQLite database (or uses LUOSHI_DATABASE_URL), migrates it.
2. Generates N hazards (`--hazards`, default 20,000) over 300 units by bulk insert — a
   quarter of them major and open with a re-inspection date around today, a tenth closed
   with a follow-up date — as the services would leave them (a data generator, not the
   services).
3. Times hazards.warnings.scan (cold: many warnings move; then warm: none move), the
   figures by level (one grouped query) and the register's first page (page 1 of 25 and
   its count, as the office sees it), median of runs, and prints a markdown table.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import statistics
import tempfile
import time


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.hazards", description=__doc__)
    parser.add_argument("--hazards", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args(argv)
    if "LUOSHI_DATABASE_URL" not in os.environ:
        path = tempfile.mkdtemp(prefix="luoshi-bench-hazards-")
        os.environ["LUOSHI_DATABASE_URL"] = f"sqlite:///{path}/bench.sqlite3"
    os.environ.setdefault("LUOSHI_SECRET_KEY", "bench")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "luoshi.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    rows = measure(args.hazards, args.runs)
    print(f"| measure | {args.hazards:,} hazards |\n|---|---|")
    for name, value in rows:
        print(f"| {name} | {value} |")
    return 0


def generate(count: int) -> None:
    from django.contrib.auth.models import User

    from luoshi.hazards.models import Hazard, HazardCategory
    from luoshi.org.models import Unit, UnitKind

    rng = random.Random(1)
    user = User.objects.create(username="bench")
    units = Unit.objects.bulk_create(
        Unit(name=f"单位{i}", kind=UnitKind.VILLAGE, path=f"/{i}/") for i in range(300)
    )
    categories = list(HazardCategory.objects.all())
    today = dt.date.today()
    batch = []
    for n in range(count):
        roll = rng.random()
        major_open = roll < 0.25
        closed = 0.25 <= roll < 0.35
        due = today + dt.timedelta(days=rng.randint(-20, 20)) if (major_open or closed) else None
        batch.append(
            Hazard(
                serial_year=today.year,
                serial_no=n + 1,
                title=f"隐患{n}",
                category=rng.choice(categories),
                level="major" if major_open else "general",
                discovery="inspection",
                unit=rng.choice(units),
                found_by_unit=rng.choice(units),
                responsible_unit=rng.choice(units),
                registered_by=user,
                found_on=today - dt.timedelta(days=rng.randint(1, 300)),
                reinspection_due=due,
                closed_at=dt.datetime.now(dt.UTC) if closed else None,
            )
        )
    Hazard.objects.bulk_create(batch, batch_size=2000)


def timed(action, runs: int) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def measure(count: int, runs: int) -> list[tuple[str, str]]:
    from django.contrib.auth.models import User

    from luoshi.hazards import queries
    from luoshi.hazards.filters import HazardFilter
    from luoshi.hazards.warnings import scan

    generate(count)
    office = User.objects.create(username="bench-office", is_superuser=True)
    cold = timed(scan, 1)
    warm = timed(scan, runs)
    figures = timed(lambda: queries.figures(queries.visible_hazards(office)), runs)

    def first_page() -> None:
        rows = HazardFilter.from_params({"status": "open"}).apply(queries.visible_hazards(office))
        list(rows.select_related(*queries.LIST_RELATED)[:25])
        rows.count()

    page = timed(first_page, runs)
    return [
        ("hazard scan, cold (many re-inspection warnings move)", f"{cold * 1000:.0f} ms"),
        ("hazard scan, warm (median; nothing moves)", f"{warm * 1000:.0f} ms"),
        ("figures by level (median)", f"{figures * 1000:.0f} ms"),
        ("register page 1 of 25 + count, open (median)", f"{page * 1000:.0f} ms"),
    ]


if __name__ == "__main__":
    raise SystemExit(main())
