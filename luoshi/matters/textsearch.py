"""The list's text search without reading every matter, on SQLite as on PostgreSQL.

MatterFilter's `q` means "title or content contains this fragment" (icontains). On
PostgreSQL pg_trgm GIN indexes answer exactly that expression (matters 0012). On SQLite
an FTS5 table with the trigram tokenizer indexes the same two columns: a fragment of
three characters or more is looked up there (a phrase query matches any substring,
case-insensitively, as LIKE does for ASCII), shorter ones keep LIKE — a trigram index
cannot hold them, and two-character Chinese words are common, so the list stays exact.

The FTS table is an external-content table kept by triggers on matters_matter. Django's
SQLite schema editor rebuilds a table to alter it (create, copy, drop, rename), and the
drop takes the triggers with it: `repair` runs after every migrate and puts back what is
missing, rebuilding the index when its triggers had gone, so a later migration of
matters cannot leave the search silently stale.
"""

from __future__ import annotations

from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Q

TABLE = "matters_matter_fts"
SOURCE = "matters_matter"
MIN_FRAGMENT = 3  # the trigram tokenizer indexes runs of three characters
FEW_HITS = 2000  # up to this many, hits are read from the index by id (see `contains`)

_INSERT = f"INSERT INTO {TABLE}(rowid, title, content) VALUES (new.id, new.title, new.content);"
_REMOVE = (
    f"INSERT INTO {TABLE}({TABLE}, rowid, title, content) "
    "VALUES ('delete', old.id, old.title, old.content);"
)
TRIGGERS = {
    f"{TABLE}_insert": f"AFTER INSERT ON {SOURCE} BEGIN {_INSERT} END",
    f"{TABLE}_delete": f"AFTER DELETE ON {SOURCE} BEGIN {_REMOVE} END",
    f"{TABLE}_update": f"AFTER UPDATE OF title, content ON {SOURCE} BEGIN {_REMOVE} {_INSERT} END",
}


def applies(connection: BaseDatabaseWrapper) -> bool:
    return connection.vendor == "sqlite"


def ensure(connection: BaseDatabaseWrapper) -> bool:
    """Create the FTS table and its triggers where missing; True when it was (re)built."""
    if not applies(connection):
        return False
    with connection.cursor() as cursor:
        if SOURCE not in connection.introspection.table_names(cursor):
            return False
        cursor.execute(
            "SELECT name FROM sqlite_master WHERE name IN (%s, %s, %s, %s)", [TABLE, *TRIGGERS]
        )
        if {name for (name,) in cursor.fetchall()} == {TABLE, *TRIGGERS}:
            return False
        cursor.execute(
            f"CREATE VIRTUAL TABLE IF NOT EXISTS {TABLE} USING fts5("
            f"title, content, content='{SOURCE}', content_rowid='id', tokenize='trigram')"
        )
        for name, body in TRIGGERS.items():
            cursor.execute(f"CREATE TRIGGER IF NOT EXISTS {name} {body}")
        # Rows written while a trigger was missing are not in the index: read them again.
        cursor.execute(f"INSERT INTO {TABLE}({TABLE}) VALUES ('rebuild')")
    return True


def repair(connection: BaseDatabaseWrapper) -> bool:
    """After a migrate: put back lost triggers of an existing index (not one never made or
    migrated away); True when it was rebuilt."""
    if not applies(connection):
        return False
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM sqlite_master WHERE name = %s", [TABLE])
        if cursor.fetchone() is None:
            return False
    return ensure(connection)


def drop(connection: BaseDatabaseWrapper) -> None:
    if not applies(connection):
        return
    with connection.cursor() as cursor:
        for name in TRIGGERS:
            cursor.execute(f"DROP TRIGGER IF EXISTS {name}")
        cursor.execute(f"DROP TABLE IF EXISTS {TABLE}")


def contains(fragment: str, connection: BaseDatabaseWrapper) -> Q:
    """Matters whose title or content contains `fragment` (as icontains would say).

    On SQLite a fragment with at most FEW_HITS hits is answered by their ids, read from
    the index with a bounded query. A common fragment (every title says 重点工作) keeps
    LIKE: the ordered page then stops at its first rows, while pulling a hundred
    thousand ids out of the index would cost more than the scan it replaces.
    """
    plain = Q(title__icontains=fragment) | Q(content__icontains=fragment)
    if not applies(connection) or len(fragment) < MIN_FRAGMENT:
        return plain
    phrase = '"' + fragment.replace('"', '""') + '"'  # one phrase: the fragment verbatim
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT rowid FROM {TABLE} WHERE {TABLE} MATCH %s LIMIT %s", [phrase, FEW_HITS + 1]
        )
        ids = [row[0] for row in cursor.fetchall()]
    return plain if len(ids) > FEW_HITS else Q(pk__in=ids)
