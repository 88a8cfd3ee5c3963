from django.db import migrations

# Working days by source for (normal, urgent, very urgent); mirrors policy.DEFAULT_WORKDAYS.
DEFAULTS = {
    "meeting": (20, 10, 5),
    "instruction": (30, 7, 1),
    "higher_level": (30, 10, 3),
    "work_report": (60, 30, 10),
    "proposal": (60, 30, 15),
    "citizen": (15, 5, 1),
    "enterprise": (7, 3, 1),
    "inspection": (30, 10, 3),
}


def seed(apps, schema_editor):
    Policy = apps.get_model("matters", "Policy")
    SourcePolicy = apps.get_model("matters", "SourcePolicy")
    Policy.objects.get_or_create(pk=1)
    for source, (normal, urgent, very) in DEFAULTS.items():
        SourcePolicy.objects.get_or_create(
            source=source,
            defaults={"normal_workdays": normal, "urgent_workdays": urgent,
                      "very_urgent_workdays": very},
        )


class Migration(migrations.Migration):
    dependencies = [("matters", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
