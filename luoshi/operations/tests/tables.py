"""Reading whole databases to compare them row by row (backup round-trips, killed scans)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.utils import load_backend

from luoshi.settings import database_from_url


@contextmanager
def database(url: str, alias: str) -> Iterator[BaseDatabaseWrapper]:
    """A Django connection to another database for the block, kept out of `connections`
    (the test's own database stays the only one the ORM and the test case know)."""
    config = connections.configure_settings({"default": database_from_url(url)})["default"]
    wrapper = load_backend(config["ENGINE"]).DatabaseWrapper(config, alias)
    try:
        yield wrapper
    finally:
        wrapper.close()


def count(connection: BaseDatabaseWrapper, table: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {connection.ops.quote_name(table)}")
        return cursor.fetchone()[0]


def tables(connection: BaseDatabaseWrapper) -> list[str]:
    return sorted(connection.introspection.table_names())


def rows(connection: BaseDatabaseWrapper, table: str) -> list[tuple]:
    """Every row of `table` in primary-key order, values as the driver gives them
    (datetimes with their microseconds)."""
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        keys = connection.introspection.get_primary_key_columns(cursor, table) or []
        cursor.execute(f"SELECT * FROM {quote(table)} LIMIT 0")
        columns = [c[0] for c in cursor.description]
        order = ", ".join(quote(c) for c in (keys or columns))
        cursor.execute(f"SELECT * FROM {quote(table)} ORDER BY {order}")
        return [tuple(row) for row in cursor.fetchall()]


def differences(
    first: BaseDatabaseWrapper, second: BaseDatabaseWrapper, *, limit: int = 5
) -> list[str]:
    """What differs between two databases, table by table and row by row ([] if nothing)."""
    found: list[str] = []
    names = tables(first)
    if names != tables(second):
        found.append(f"tables: {sorted(set(names) ^ set(tables(second)))}")
    for table in names:
        a, b = rows(first, table), rows(second, table)
        if a == b:
            continue
        if len(a) != len(b):
            found.append(f"{table}: {len(a)} rows against {len(b)}")
        pairs = [(x, y) for x, y in zip(a, b, strict=False) if x != y][:limit]
        found += [f"{table}: {x} != {y}" for x, y in pairs]
    return found
