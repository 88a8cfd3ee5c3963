"""Event rows carry a hash chained to the previous row of their subject, hashed for
the rows already stored; the tables refuse UPDATE and DELETE (issue 14 B)."""

from django.db import migrations

import luoshi.lib.eventlog
from luoshi.lib.eventchain import backfill
from luoshi.lib.eventtriggers import AppendOnlyTriggers


class Migration(migrations.Migration):
    dependencies = [
        ("documents", "0006_import_revisions_and_column_mappings"),
    ]

    operations = [
        migrations.AddField(
            model_name="bulletinevent",
            name="chain_hash",
            field=luoshi.lib.eventlog.ChainHashField(
                blank=True, default="", editable=False, max_length=64, verbose_name="chain hash"
            ),
        ),
        migrations.AddField(
            model_name="importevent",
            name="chain_hash",
            field=luoshi.lib.eventlog.ChainHashField(
                blank=True, default="", editable=False, max_length=64, verbose_name="chain hash"
            ),
        ),
        backfill("bulletinevent", "importevent"),
        AppendOnlyTriggers("bulletinevent"),
        AppendOnlyTriggers("importevent"),
    ]
