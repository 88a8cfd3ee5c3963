"""`luoshi generate`: a city's or a province's data, for load runs anyone can repeat.

1. Refuses a database that already holds matters, units or users (nothing is changed)
   unless `--flush` (Django's flush first, which asks for confirmation).
2. The generator (luoshi.demo.generate): units, users for every role, five years of
   matters with their parts, events (hash-chained) and reports, written in bulk (COPY
   on PostgreSQL); rows, seconds and rows/s per table printed.
3. What the services would have left (settle): the warning scan, the standings and
   the cockpit's rollups, ANALYZE.
4. The logins: one password for everyone (hashed once), a username of each role.
"""

from __future__ import annotations

import os
import time

from django.contrib.auth.hashers import make_password
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from luoshi.demo.generate import Generator, settle
from luoshi.lib.bulkload import Speed

# (units, cities, matters) of each scale; --matters and --units override.
SCALES = {
    "city": (1_650, 1, 100_000),
    "province": (30_000, 18, 10_000_000),
}
PASSWORD = "luoshi-generate-2026"  # noqa: S105 (generated test data; --password to choose)


class Command(BaseCommand):
    help = (
        "Generate a city's or a province's units, users and five years of matters in bulk "
        "(into an empty database), then scan warnings, rebuild rollups and ANALYZE."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--scale", choices=sorted(SCALES), default="city")
        parser.add_argument(
            "--matters", type=int, help="Matters in all (city 100,000; province 10M)."
        )
        parser.add_argument("--units", type=int, help="Units (city 1,650; province 30,000).")
        parser.add_argument("--open-share", type=float, default=0.1, help="Open share (0.1).")
        parser.add_argument("--years", type=int, default=5, help="Years of matters (5).")
        parser.add_argument("--seed", type=int, default=1, help="The same seed, the same data.")
        parser.add_argument("--password", default=PASSWORD, help="Every user's password.")
        parser.add_argument(
            "--flush",
            action="store_true",
            help="Empty a database that holds data first (Django's flush: asks to confirm).",
        )
        parser.add_argument("--no-input", action="store_false", dest="interactive")
        parser.add_argument(
            "--no-settle", action="store_true", help="Skip the scan, rollups and ANALYZE."
        )

    def handle(self, *args, **options) -> None:
        units, cities, matters = SCALES[options["scale"]]
        units, matters = options["units"] or units, options["matters"] or matters
        self.check_input(matters, options["open_share"], options["years"])
        self.check_empty(options["flush"], options["interactive"])
        started, cpu = time.perf_counter(), time.process_time()
        generator = Generator(
            matters,
            units,
            options["seed"],
            make_password(options["password"]),  # hashed once, for every user
            open_share=options["open_share"],
            years=options["years"],
            cities=cities,
            log=lambda message: self.stdout.write(f"  {message}"),
        )
        try:
            generator.run()
        except ValueError as error:
            raise CommandError(str(error)) from error
        written = time.perf_counter() - started
        self.print_speeds(generator, written, time.process_time() - cpu)
        if not options["no_settle"]:
            settle(lambda message: self.stdout.write(f"  {message}"))
        self.stdout.write(
            f"done in {time.perf_counter() - started:.0f} s; load average "
            + "/".join(f"{x:.2f}" for x in os.getloadavg())
        )
        self.print_logins(generator, options["password"])

    def check_input(self, matters: int, open_share: float, years: int) -> None:
        if matters < 1:
            raise CommandError(_("--matters must be at least 1."))
        if not 0 <= open_share <= 1:
            raise CommandError(_("--open-share must be between 0 and 1."))
        if not 1 <= years <= 20:
            raise CommandError(_("--years must be between 1 and 20."))

    def check_empty(self, flush: bool, interactive: bool) -> None:
        """Generated ids start at 1: only an empty database takes them. Never empty one
        silently: --flush goes through Django's flush, which asks first."""
        from django.contrib.auth.models import User

        from luoshi.matters.models import Matter
        from luoshi.org.models import Unit

        held = {
            "matters": Matter.objects.count(),
            "units": Unit.objects.count(),
            "users": User.objects.count(),
        }
        if not any(held.values()):
            return
        found = ", ".join(f"{n:,} {name}" for name, n in held.items() if n)
        if not flush:
            raise CommandError(
                _(
                    "The database already holds %(found)s: nothing was changed. "
                    "`luoshi generate` writes into an empty database (create and migrate a new "
                    "one), or give --flush to empty this one first (it asks to confirm)."
                )
                % {"found": found}
            )
        call_command("flush", interactive=interactive)
        if Unit.objects.exists() or User.objects.exists():
            raise CommandError(_("The database was not emptied: nothing was generated."))

    def print_speeds(self, generator: Generator, seconds: float, cpu: float) -> None:
        loader = generator.loader
        self.stdout.write(f"{'table':<28}{'rows':>14}{'seconds':>10}{'rows/s':>12}")
        for speed in [*loader.speeds.values(), loader.total]:
            self.stdout.write(_speed_line(speed))
        self.stdout.write(
            f"indexes rebuilt in {loader.index_seconds:.1f} s; generated and written in "
            f"{seconds:.1f} s: {loader.total.rows / seconds:,.0f} rows/s overall; this process "
            f"used {cpu:.0f} s of CPU ({loader.total.rows / max(cpu, 0.001):,.0f} rows per CPU "
            "second: on a busy machine the wall time also counts others' work)"
        )

    def print_logins(self, generator: Generator, password: str) -> None:
        from django.db.models import Count

        from luoshi.matters.models import MatterUnit

        busiest = (
            MatterUnit.objects.filter(active=True)
            .values("unit_id")
            .annotate(n=Count("id"))
            .order_by("-n", "unit_id")
            .first()
        )
        unit = busiest["unit_id"] if busiest else generator.tree.workers[0]
        self.stdout.write(
            _("Every generated user signs in with the password: %(password)s")
            % {"password": password}
        )
        for role, username in [
            ("supervisor", f"sup1 … sup{generator.SUPERVISORS}"),
            ("leader", f"leader1 … leader{generator.LEADERS}"),
            ("handler", f"handler{unit} (the busiest unit), handler<unit id>"),
            ("unit head", f"head{unit}, head<unit id>"),
        ]:
            self.stdout.write(f"  {role:<12}{username}")


def _speed_line(speed: Speed) -> str:
    return f"{speed.table:<28}{speed.rows:>14,}{speed.seconds:>10.1f}{speed.per_second:>12,.0f}"
