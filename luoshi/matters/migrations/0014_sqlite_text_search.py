"""Text search of the matter list on SQLite: an FTS5 trigram index of titles and contents
(luoshi/matters/textsearch.py). PostgreSQL has its trigram indexes (0012) and skips this."""

from django.db import migrations


def create(apps, schema_editor):
    from luoshi.matters import textsearch

    textsearch.ensure(schema_editor.connection)


def drop(apps, schema_editor):
    from luoshi.matters import textsearch

    textsearch.drop(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("matters", "0013_warning_changes_on_and_scan_stamp")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
