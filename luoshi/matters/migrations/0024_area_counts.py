"""Each area's matters counted (matters.areacounts): the table, filled from what exists.
The SQL is frozen here, as a migration must be, from areacounts.rebuild of this version."""

import django.db.models.deletion
from django.db import migrations, models

RECOUNT = (
    "WITH RECURSIVE up(unit_id, area_id) AS (SELECT id, id FROM org_unit UNION ALL "
    "SELECT up.unit_id, u.parent_id FROM up JOIN org_unit u ON u.id = up.area_id "
    "WHERE u.parent_id IS NOT NULL) "
    "INSERT INTO matters_areacount (area_id, state, warning, n) "
    "SELECT a.area_id, s.state, s.warning, COUNT(*) FROM (SELECT DISTINCT up.area_id, "
    "p.matter_id FROM matters_matterunit p JOIN up ON up.unit_id = p.unit_id "
    "WHERE p.counted IS NOT NULL) a JOIN matters_matterstanding s "
    "ON s.matter_id = a.matter_id AND s.valid_to IS NULL "
    "GROUP BY a.area_id, s.state, s.warning"
)


def count_areas(apps, schema_editor):
    schema_editor.execute(RECOUNT)


class Migration(migrations.Migration):
    dependencies = [
        ("matters", "0023_part_counts"),
        ("org", "0006_append_only_hash_chained_events"),
    ]

    operations = [
        migrations.CreateModel(
            name="AreaCount",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "state",
                    models.CharField(
                        choices=[
                            ("draft", "Draft"),
                            ("pending_approval", "Awaiting leader approval"),
                            ("approved", "Approved for dispatch"),
                            ("assigned", "Assigned"),
                            ("accepted", "Accepted"),
                            ("in_progress", "In progress"),
                            ("completion_requested", "Completion requested"),
                            ("completed", "Completed"),
                            ("closed", "Closed"),
                            ("withdrawn", "Withdrawn"),
                        ],
                        max_length=24,
                        verbose_name="state",
                    ),
                ),
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
                    "area",
                    models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="org.unit",
                    ),
                ),
            ],
            options={
                "verbose_name": "area matter count",
                "verbose_name_plural": "area matter counts",
                "indexes": [models.Index(fields=["area"], name="area_count_area")],
            },
        ),
        migrations.RunPython(count_areas, migrations.RunPython.noop, elidable=True),
    ]
