"""The nightly scan no longer keeps a NEVER row for a matter that stopped running
(warnings._park deletes it): the rows parked so far go too, so that the table holds the
open matters' schedule, not every matter that ever ran."""

from django.db import migrations
from django.db.models import Exists, OuterRef

NEVER = "9999-12-31"
OPEN_STATES = ["assigned", "accepted", "in_progress", "completion_requested"]


def remove_parked(apps, schema_editor):
    NextWarningChange = apps.get_model("matters", "NextWarningChange")
    Matter = apps.get_model("matters", "Matter")
    scanned = Matter.objects.filter(
        pk=OuterRef("matter_id"), state__in=OPEN_STATES, suspended_at__isnull=True
    )
    # NOT EXISTS, one probe per parked row: NOT IN (a million open ids) made PostgreSQL
    # scan the list once per row when it would not fit its hash memory (minutes at 1M).
    NextWarningChange.objects.filter(changes_on=NEVER).filter(~Exists(scanned)).delete()


class Migration(migrations.Migration):
    dependencies = [("matters", "0021_scan_start_and_created_by_unindexed")]

    operations = [migrations.RunPython(remove_parked, migrations.RunPython.noop, elidable=True)]
