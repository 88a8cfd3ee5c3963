"""`luoshi demo`: build 示例市, the demo city — units, users for every role, a year of matters.

1. Every installed app's `luoshi.<app>.demo.build(context)`, in INSTALLED_APPS order:
   org (units and users), matters (a year of matters through the services, at past
   dates), then the apps built on them (documents, evaluation, projects, enterprises…).
2. The warning scan, as the nightly job would run it.

`--if-empty` does nothing when any unit exists (`make run` calls it on every start);
`--logins` prints the demo users of each role.
"""

from __future__ import annotations

import random
import time

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.translation import gettext as _

from luoshi.demo.builders import builders
from luoshi.lib.demo import DemoContext, history_start
from luoshi.matters.demo import summary
from luoshi.matters.warnings import scan
from luoshi.org.demo import PASSWORD, TITLES
from luoshi.org.models import Membership, Role, Unit
from luoshi.workcalendar.calendar import get_calendar


class Command(BaseCommand):
    help = "Build 示例市, the demo city: units, users for every role, matters in every state."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--if-empty", action="store_true", help="Do nothing if any unit already exists."
        )
        parser.add_argument(
            "--logins", action="store_true", help="Only print the demo logins for each role."
        )
        parser.add_argument("--port", type=int, help="With --logins: print the URL on this port.")
        parser.add_argument(
            "--seed", type=int, default=2026, help="Random seed (the same seed, the same city)."
        )
        parser.add_argument(
            "--matters", type=int, default=300, help="How many matters to build (default 300)."
        )

    def handle(self, *args, **options) -> None:
        if options["logins"]:
            self.print_logins(options["port"])
            return
        if Unit.objects.exists():
            if options["if_empty"]:
                self.stdout.write(_("Units exist already: the demo city is not built again."))
                return
            raise CommandError(
                _("The database already has units; the demo city is built on an empty one.")
            )
        self.build(options["seed"], options["matters"])

    def build(self, seed: int, count: int) -> None:
        started = time.perf_counter()
        today = timezone.localdate()
        ctx = DemoContext(
            rng=random.Random(seed),
            today=today,
            start=history_start(today),
            calendar=get_calendar(),
            log=self.stdout.write,
            matter_count=count,
        )
        for name, build in builders():
            self.stdout.write(_("Demo data of %(app)s…") % {"app": name})
            build(ctx)
        changed = scan()
        self.print_summary(summary(ctx.matters), changed, time.perf_counter() - started)

    def print_summary(self, counts: dict, changed: dict, seconds: float) -> None:
        states = ", ".join(f"{k} {v}" for k, v in sorted(counts["state"].items()))
        warnings = ", ".join(f"{k} {v}" for k, v in sorted(counts["warning"].items()))
        self.stdout.write(_("Matters by state: %(s)s") % {"s": states})
        self.stdout.write(_("Open matters by warning: %(s)s") % {"s": warnings})
        self.stdout.write(self.style.SUCCESS(_("Demo city built in %(t).1f s.") % {"t": seconds}))

    def print_logins(self, port: int | None) -> None:
        """The demo logins by role, read from the database (the password is the demo one)."""
        rows = (
            Membership.objects.filter(unit__in=Unit.objects.all())
            .select_related("user", "unit")
            .order_by("role", "unit__order", "unit__id", "user__username")
        )
        by_role: dict[str, list[Membership]] = {}
        for row in rows:
            by_role.setdefault(row.role, []).append(row)
        if not by_role:
            self.stdout.write(_("No users yet: run `luoshi demo` to build the demo city."))
            return
        if port:
            self.stdout.write(_("Luoshi: http://127.0.0.1:%(port)s/") % {"port": port})
        self.stdout.write(_("Demo logins (password for all: %(pw)s)") % {"pw": PASSWORD})
        for role in Role:
            self.print_role(role, by_role.get(role, []))

    def print_role(self, role: Role, members: list[Membership]) -> None:
        shown = members if role not in (Role.HANDLER, Role.UNIT_HEAD) else members[:4]
        for m in shown:
            name, title = m.user.username, TITLES.get(m.user.username, "")
            self.stdout.write(
                f"  {role.label:<12} {name:<16} {m.unit.name} {title} {m.user.first_name}"
            )
        if len(members) > len(shown):
            self.stdout.write(
                _("  %(role)s: … and %(n)s more, one in every unit (<unit code>.%(suffix)s)")
                % {
                    "role": role.label,
                    "n": len(members) - len(shown),
                    "suffix": "handler" if role == Role.HANDLER else "head",
                }
            )
