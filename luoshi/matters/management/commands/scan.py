"""`luoshi scan`: recompute the warnings of every running matter (matters.warnings.scan).

It looks only at the matters whose warning can have moved since the last scan (their
next day, NextWarningChange, is due, or they were saved since); `--full` recomputes
every one.
A change of the policy or the working calendar makes the next scan full by itself.

Run it from cron or a systemd timer each morning, loop it with `--every SECONDS`
(a scheduler for a single machine), or queue it with `--enqueue` for the
django-tasks worker (`luoshi db_worker`).
"""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from luoshi.matters.models import MatterWarning
from luoshi.matters.tasks import scan_warnings
from luoshi.matters.warnings import scan


class Command(BaseCommand):
    help = "Recompute the warnings of all running matters; print the rows changed per warning."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--every",
            type=float,
            metavar="SECONDS",
            help="Scan again every SECONDS, until stopped.",
        )
        parser.add_argument(
            "--full",
            action="store_true",
            help="Recompute every running matter, not only those whose warning can have moved.",
        )
        parser.add_argument(
            "--enqueue", action="store_true", help="Queue the scan for the task worker instead."
        )

    def handle(
        self,
        *args,
        every: float | None = None,
        enqueue: bool = False,
        full: bool = False,
        **options,
    ) -> None:
        if enqueue:
            result = scan_warnings.enqueue()
            self.stdout.write(
                _("Queued the warning scan (task %(id)s, %(status)s).")
                % {"id": result.id, "status": result.status}
            )
            return
        if every is not None and every <= 0:
            raise CommandError(_("--every must be a positive number of seconds."))
        try:
            while True:
                self.scan_once(full=full)
                if every is None:
                    return
                time.sleep(every)
        except KeyboardInterrupt:
            self.stdout.write(_("Stopped."))

    def scan_once(self, *, full: bool = False) -> None:
        started = time.perf_counter()
        changed = scan(only_due=not full)
        seconds = time.perf_counter() - started
        counts = ", ".join(f"{w} {changed.get(w, 0)}" for w in MatterWarning.values)
        self.stdout.write(
            _("Warnings changed: %(counts)s (%(seconds).2f s)")
            % {"counts": counts, "seconds": seconds}
        )
