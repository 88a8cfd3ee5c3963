"""Event rows carry a hash chained to the previous row of their subject, hashed for
the rows already stored; the tables refuse UPDATE and DELETE (issue 14 B)."""

from django.db import migrations

import luoshi.lib.eventlog
from luoshi.lib.eventchain import backfill
from luoshi.lib.eventtriggers import AppendOnlyTriggers


class Migration(migrations.Migration):
    dependencies = [
        ("org", "0005_api_token_scope_expiry_account_events"),
    ]

    operations = [
        migrations.AddField(
            model_name="orgevent",
            name="chain_hash",
            field=luoshi.lib.eventlog.ChainHashField(
                blank=True, default="", editable=False, max_length=64, verbose_name="chain hash"
            ),
        ),
        migrations.AddField(
            model_name="accountevent",
            name="chain_hash",
            field=luoshi.lib.eventlog.ChainHashField(
                blank=True, default="", editable=False, max_length=64, verbose_name="chain hash"
            ),
        ),
        backfill("orgevent"),
        backfill("accountevent"),
        AppendOnlyTriggers("orgevent"),
        AppendOnlyTriggers("accountevent"),
    ]
