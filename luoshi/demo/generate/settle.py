"""What the services would have left after a bulk load: warnings, standings, rollups, statistics.

The generator writes every matter with the warning "normal" and no standing
(matters.history) nor cockpit count. `settle()`:

1. runs the warning scan (matters.warnings.scan, as `luoshi scan --full`: every
   running matter, whatever an earlier nightly scan recorded). Following each changed
   row into the standings one chunk at a time (history.sync_scanned) would take far
   longer than the scan at a million rows, and there is no standing yet to follow:
   that step is left out here…
2. …and the standings and the cockpit's rollups are then built from the scanned rows
   in a few set-based statements (cockpit.rollups.rebuild: history.open_missing is one
   INSERT … SELECT);
3. VACUUM (ANALYZE) on PostgreSQL: fresh statistics for the planner, and the visibility
   map and hint bits a day of autovacuum would have left. After ANALYZE alone the first
   pages read every freshly copied row's heap page (no index-only scans) and wrote its
   hint bits: the first HTTP run at 1M saw desks of 3–6 s (docs/benchmarks.md).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from unittest import mock


def settle(log: Callable[[str], None]) -> dict[str, float]:
    """Scan, rollups and VACUUM (ANALYZE); returns the seconds of each."""
    from django.db import connection
    from django.utils import timezone

    from luoshi.cockpit import rollups
    from luoshi.matters import history
    from luoshi.matters.warnings import scan

    seconds: dict[str, float] = {}
    started = time.perf_counter()
    with mock.patch.object(history, "sync_scanned"):  # step 1: see the module docstring
        # full, whatever an earlier nightly scan recorded: the generated rows have no
        # next day yet, and their updated_at lies before any scan's start
        changed = scan(timezone.localdate())
    seconds["scan"] = time.perf_counter() - started
    log(f"warning scan in {seconds['scan']:.1f} s: {_changed(changed)}")
    started = time.perf_counter()
    rebuilt = rollups.rebuild()
    seconds["rollups"] = time.perf_counter() - started
    log(
        f"standings and cockpit rollups in {seconds['rollups']:.1f} s "
        f"({rebuilt['parts_rewritten']} part buckets rewritten)"
    )
    started = time.perf_counter()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            # VACUUM refuses to run inside a transaction (a caller's atomic block, a
            # test): there the statistics alone.
            statement = "ANALYZE" if connection.in_atomic_block else "VACUUM (ANALYZE)"
            cursor.execute(statement)
        seconds["analyze"] = time.perf_counter() - started
        log(f"{statement} in {seconds['analyze']:.1f} s")
    return seconds


def _changed(changed: dict[str, int]) -> str:
    return ", ".join(f"{k} {v:,}" for k, v in changed.items() if v) or "nothing changed"
