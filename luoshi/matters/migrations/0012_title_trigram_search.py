"""Text search of the matter list without reading every matter (issue 15).

MatterFilter's `q` is `title ILIKE '%…%' OR content ILIKE '%…%'` (Django's icontains:
`UPPER(col::text) LIKE UPPER(%s)`). On PostgreSQL a pg_trgm GIN index on exactly those
expressions answers it for a fragment of three characters or more, Chinese included
(pg_trgm keeps non-ASCII letters), at any position in the text. The extension and
the indexes exist only on PostgreSQL: SQLite keeps its LIKE (see docs/benchmarks.md).
The indexes are not in Matter.Meta because SQLite cannot build them.
"""

from django.db import migrations

INDEXES = {
    "matter_title_trgm": "UPPER((title)::text)",
    "matter_content_trgm": "UPPER(content)",
}


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, expression in INDEXES.items():
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {name} ON matters_matter "
            f"USING gin (({expression}) gin_trgm_ops)"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("matters", "0011_list_indexes")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
