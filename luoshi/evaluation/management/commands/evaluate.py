"""`luoshi evaluate`: recompute the provisional scorecards of every open period.

Run it with the nightly scan so the cockpit's "current ranking" stays fresh; reviewed
periods keep what was reviewed and closed ones are frozen: neither is touched. Each
recomputation is on record as a `period.computed` event without an actor (the system).
"""

from django.core.management.base import BaseCommand

from luoshi.evaluation.models import Period, PeriodState
from luoshi.evaluation.services import compute_scorecards


class Command(BaseCommand):
    help = "Recompute the provisional scorecards of every open evaluation period."

    def handle(self, *args, **options) -> None:
        for period in Period.objects.filter(state=PeriodState.OPEN).select_related("scheme"):
            cards = compute_scorecards(period)
            self.stdout.write(f"{period.label}: {len(cards)} scorecard(s)")
