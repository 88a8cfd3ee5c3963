"""Apply the enterprise service time rules: default ratings and late revisits.

Run daily (cron or `make scan`-like schedule): answers not rated within the rating
days get the default grade; unsatisfied ratings not revisited in time go to the
supervisors; whitelist entries whose period has ended get their `expired` event.
"""

from django.core.management.base import BaseCommand

from luoshi.enterprises.services import (
    apply_default_ratings,
    escalate_unrevisited,
    expire_whitelist,
)


class Command(BaseCommand):
    help = (
        "Give default ratings to answers not rated in time; escalate late revisits; "
        "record expired whitelist entries."
    )

    def handle(self, *args, **options) -> None:
        rated = apply_default_ratings()
        escalated = escalate_unrevisited()
        expired = expire_whitelist()
        if options["verbosity"]:
            self.stdout.write(
                f"rated by default: {rated}; sent to the supervisors: {escalated}; "
                f"whitelist entries expired: {expired}"
            )
