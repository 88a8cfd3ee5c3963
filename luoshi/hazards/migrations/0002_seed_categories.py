from django.db import migrations


def seed(apps, schema_editor):
    from luoshi.hazards.defaults import install_categories

    apps.get_model("hazards", "HazardPolicy").objects.get_or_create(pk=1)
    install_categories(apps.get_model("hazards", "HazardCategory"))


class Migration(migrations.Migration):
    dependencies = [("hazards", "0001_add_hazard_register")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
