"""`luoshi rebuild_rollups`: recompute the cockpit's counts from the matters themselves."""

import datetime as dt

from django.core.management.base import BaseCommand
from django.utils import timezone

from luoshi.cockpit.rollups import rebuild, rebuild_flows


class Command(BaseCommand):
    help = (
        "Recompute the cockpit rollups (counts per unit × state × warning) from the matters; "
        "with --flows, also the daily flows of this year from the event log."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--flows", action="store_true", help="Also recount this year's daily flows."
        )

    def handle(self, *args, **options) -> None:
        result = rebuild()
        self.stdout.write(
            f"rollups rebuilt: {result['matters']} matters, "
            f"{result['corrected_buckets']} bucket(s) corrected; unit part counts: "
            f"{result['part_counts_corrected']} corrected, {result['parts_rewritten']} part(s) "
            f"rewritten; area counts: {result['area_counts_corrected']} corrected"
        )
        if options["flows"]:
            today = timezone.localdate()
            rows = rebuild_flows(dt.date(today.year, 1, 1), today)
            self.stdout.write(f"daily flows rebuilt: {rows} row(s)")
