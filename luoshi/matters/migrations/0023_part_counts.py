"""Each unit's parts counted by bucket (matters.partcounts): the column that keeps the
bucket a part is counted in, the table of counts, and both filled from what exists.
The SQL is frozen here, as a migration must be, from partcounts.bucket_sql and
partcounts.rebuild of this version."""

import django.db.models.deletion
from django.db import migrations, models

BUCKET = (
    "CASE WHEN p.active AND NOT (m.state IN ('approved', 'draft', 'pending_approval') "
    "OR (m.state = 'withdrawn' AND m.assigned_at IS NULL)) "
    "THEN p.state || '|' || m.state || '|' || m.report_cycle END"
)


def count_parts(apps, schema_editor):
    execute = schema_editor.execute
    execute(
        f"UPDATE matters_matterunit AS p SET counted = {BUCKET} FROM matters_matter m "
        "WHERE m.id = p.matter_id AND p.active"
    )
    execute(
        "INSERT INTO matters_partcount (unit_id, bucket, warning, n) "
        "SELECT p.unit_id, p.counted, s.warning, COUNT(*) FROM matters_matterunit p "
        "JOIN matters_matterstanding s ON s.matter_id = p.matter_id AND s.valid_to IS NULL "
        "WHERE p.counted IS NOT NULL GROUP BY p.unit_id, p.counted, s.warning"
    )


class Migration(migrations.Migration):
    dependencies = [
        ("matters", "0022_parked_next_changes_removed"),
        ("org", "0006_append_only_hash_chained_events"),
    ]

    operations = [
        migrations.AddField(
            model_name="matterunit",
            name="counted",
            field=models.CharField(blank=True, editable=False, max_length=64, null=True),
        ),
        migrations.CreateModel(
            name="PartCount",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("bucket", models.CharField(max_length=64)),
                (
                    "warning",
                    models.CharField(
                        choices=[
                            ("normal", "Normal"),
                            ("due_soon", "Due soon"),
                            ("overdue", "Overdue"),
                            ("stalled", "Stalled"),
                            ("behind_plan", "Behind plan"),
                            ("awaiting_office", "Awaiting the office"),
                        ],
                        max_length=16,
                        verbose_name="warning",
                    ),
                ),
                ("n", models.IntegerField(default=0)),
                (
                    "unit",
                    models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="org.unit",
                    ),
                ),
            ],
            options={
                "verbose_name": "unit part count",
                "verbose_name_plural": "unit part counts",
                "indexes": [models.Index(fields=["unit"], name="part_count_unit")],
            },
        ),
        migrations.RunPython(count_parts, migrations.RunPython.noop, elidable=True),
    ]
