"""Event rows carry a hash chained to the previous row of their subject, hashed for
the rows already stored; the tables refuse UPDATE and DELETE (issue 14 B)."""

from django.db import migrations

import luoshi.lib.eventlog
from luoshi.lib.eventchain import backfill
from luoshi.lib.eventtriggers import AppendOnlyTriggers


class Migration(migrations.Migration):
    dependencies = [
        ("assessments", "0002_seed_templates_and_bottom_lines"),
    ]

    operations = [
        migrations.AddField(
            model_name="assessmentevent",
            name="chain_hash",
            field=luoshi.lib.eventlog.ChainHashField(
                blank=True, default="", editable=False, max_length=64, verbose_name="chain hash"
            ),
        ),
        backfill("assessmentevent"),
        AppendOnlyTriggers("assessmentevent"),
    ]
