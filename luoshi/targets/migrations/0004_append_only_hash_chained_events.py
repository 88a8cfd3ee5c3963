"""Event rows carry a hash chained to the previous row of their subject, hashed for
the rows already stored; the tables refuse UPDATE and DELETE (issue 14 B)."""

from django.db import migrations

import luoshi.lib.eventlog
from luoshi.lib.eventchain import backfill
from luoshi.lib.eventtriggers import AppendOnlyTriggers


class Migration(migrations.Migration):
    dependencies = [
        ("targets", "0003_bounded_numbers"),
    ]

    operations = [
        migrations.AddField(
            model_name="actualreport",
            name="chain_hash",
            field=luoshi.lib.eventlog.ChainHashField(
                blank=True, default="", editable=False, max_length=64, verbose_name="chain hash"
            ),
        ),
        migrations.AddField(
            model_name="closedmonth",
            name="chain_hash",
            field=luoshi.lib.eventlog.ChainHashField(
                blank=True, default="", editable=False, max_length=64, verbose_name="chain hash"
            ),
        ),
        migrations.AddField(
            model_name="plannedmonth",
            name="chain_hash",
            field=luoshi.lib.eventlog.ChainHashField(
                blank=True, default="", editable=False, max_length=64, verbose_name="chain hash"
            ),
        ),
        migrations.AddField(
            model_name="targetevent",
            name="chain_hash",
            field=luoshi.lib.eventlog.ChainHashField(
                blank=True, default="", editable=False, max_length=64, verbose_name="chain hash"
            ),
        ),
        backfill("actualreport", "closedmonth", "plannedmonth", "targetevent"),
        AppendOnlyTriggers("actualreport"),
        AppendOnlyTriggers("closedmonth"),
        AppendOnlyTriggers("plannedmonth"),
        AppendOnlyTriggers("targetevent"),
    ]
