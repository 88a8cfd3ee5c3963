"""Event rows carry a hash chained to the previous row of their subject, hashed for
the rows already stored; the tables refuse UPDATE and DELETE (issue 14 B)."""

from django.db import migrations

import luoshi.lib.eventlog
from luoshi.lib.eventchain import backfill
from luoshi.lib.eventtriggers import AppendOnlyTriggers


class Migration(migrations.Migration):
    dependencies = [
        ("projects", "0002_add_project_status_index"),
    ]

    operations = [
        migrations.AddField(
            model_name="projectevent",
            name="chain_hash",
            field=luoshi.lib.eventlog.ChainHashField(
                blank=True, default="", editable=False, max_length=64, verbose_name="chain hash"
            ),
        ),
        backfill("projectevent"),
        AppendOnlyTriggers("projectevent"),
    ]
