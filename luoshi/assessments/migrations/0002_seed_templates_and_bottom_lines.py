from django.db import migrations


def seed(apps, schema_editor):
    from luoshi.assessments.defaults import install

    install(
        apps.get_model("assessments", "AssessmentTemplate"),
        apps.get_model("assessments", "Goal"),
        apps.get_model("assessments", "Criterion"),
        apps.get_model("assessments", "BottomLine"),
    )


class Migration(migrations.Migration):
    dependencies = [("assessments", "0001_add_ratings")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
