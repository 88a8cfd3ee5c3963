"""`luoshi verify-log`: walk every event log's hash chains and name the first broken link.

Exit status 1 when a chain is broken (one line per broken chain: table, chain, event id,
expected and found hash), 0 with a one-line summary otherwise. Reads each event table
once in id order (luoshi.lib.eventchain), so it suits a nightly job and the restore
drill (`luoshi restore` runs it).
"""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from luoshi.lib import eventchain


class Command(BaseCommand):
    help = "Verify the hash chains of every event log; exit 1 naming each broken link."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--database", default="default", help="Database alias.")

    def handle(self, *args, database: str, **options) -> None:
        started = time.monotonic()
        verdicts = eventchain.verify(database)
        breaks = [b for v in verdicts for b in v.breaks]
        for b in breaks:
            self.stderr.write(str(b))
        rows = sum(v.rows for v in verdicts)
        chains = sum(v.chains for v in verdicts)
        if breaks:
            raise CommandError(
                _("The event log is broken: %(n)s chains have a broken link (listed above).")
                % {"n": len(breaks)}
            )
        self.stdout.write(
            _(
                "The event log is intact: %(rows)s events in %(chains)s chains of %(tables)s "
                "tables verified in %(seconds).1f s."
            )
            % {
                "rows": rows,
                "chains": chains,
                "tables": len(verdicts),
                "seconds": time.monotonic() - started,
            }
        )
