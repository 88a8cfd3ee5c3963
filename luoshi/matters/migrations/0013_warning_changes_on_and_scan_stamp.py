"""The day each matter's warning next changes, and the stamp of the last nightly scan.

Existing rows start NULL (not computed): the first nightly scan looks at every one of
them, and it is full anyway, as no scan has a stamp yet.
"""

from django.db import migrations, models

import luoshi.lib.single_row


class Migration(migrations.Migration):
    dependencies = [
        ("matters", "0012_title_trigram_search"),
    ]

    operations = [
        migrations.CreateModel(
            name="WarningScan",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("day", models.DateField(blank=True, null=True, verbose_name="day")),
                (
                    "stamp",
                    models.CharField(
                        blank=True, max_length=64, verbose_name="policy and calendar stamp"
                    ),
                ),
            ],
            options={
                "verbose_name": "warning scan",
                "verbose_name_plural": "warning scans",
            },
            bases=(luoshi.lib.single_row.SingleRow, models.Model),
        ),
        migrations.AddField(
            model_name="matter",
            name="warning_changes_on",
            field=models.DateField(blank=True, null=True, verbose_name="warning changes on"),
        ),
        migrations.AddIndex(
            model_name="matter",
            index=models.Index(
                fields=["state", "warning_changes_on"], name="matter_warning_changes_on"
            ),
        ),
    ]
