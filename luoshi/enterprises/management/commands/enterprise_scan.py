"""Apply the enterprise service time rules: default ratings and late revisits.

Run daily (cron or `make scan`-like schedule): answers not rated within the rating
days get the default grade; unsatisfied ratings not revisited in time go to the
supervisors.
"""

from django.core.management.base import BaseCommand

from luoshi.enterprises.services import apply_default_ratings, escalate_unrevisited


class Command(BaseCommand):
    help = "Give default ratings to answers not rated in time; escalate late revisits."

    def handle(self, *args, **options) -> None:
        rated = apply_default_ratings()
        escalated = escalate_unrevisited()
        if options["verbosity"]:
            self.stdout.write(f"rated by default: {rated}; sent to the supervisors: {escalated}")
