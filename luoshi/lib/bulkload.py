"""Loading generated tables fast: COPY on PostgreSQL, executemany on SQLite, timed per table.

For `luoshi generate` and the benchmarks (luoshi.demo.generate), never for the
services: rows go in as tuples of columns, with no save(), no signals and no checks.
The loader

1. drops the secondary indexes of the tables it loads (and, on PostgreSQL, skips the
   foreign-key triggers for its transaction: the generator writes consistent ids),
2. streams rows in (`insert`, called any number of times per table), counting rows
   and seconds per table,
3. rebuilds the indexes and resets the id sequences (`finish`).

A bulk load followed by one index build is several times faster than keeping every
index current row by row.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.management.color import no_style
from django.db import models
from django.db.backends.base.base import BaseDatabaseWrapper


@dataclass
class Speed:
    """Rows written to one table, and the seconds it took."""

    table: str
    rows: int = 0
    seconds: float = 0.0

    @property
    def per_second(self) -> float:
        return self.rows / self.seconds if self.seconds else 0.0


class Loader:
    """One bulk load into the tables of `models`, inside the caller's transaction."""

    def __init__(self, connection: BaseDatabaseWrapper, tables: Sequence[type[models.Model]]):
        self.connection = connection
        self.models = list(tables)
        self.speeds: dict[str, Speed] = {}
        self.tails: dict[tuple[str, tuple[str, ...]], tuple[list[str], tuple]] = {}
        self.indexes: list[str] = []
        self.index_seconds = 0.0

    def start(self) -> None:
        """Drop the secondary indexes (kept to rebuild) and defer integrity checks."""
        tables = [m._meta.db_table for m in self.models]
        with self.connection.cursor() as cursor:
            if self.connection.vendor == "postgresql":
                cursor.execute("SET LOCAL session_replication_role = replica")
                cursor.execute(
                    "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = ANY(%s) "
                    "AND indexname NOT IN (SELECT conname FROM pg_constraint)",
                    [tables],
                )
            else:
                cursor.execute("PRAGMA foreign_keys = OFF")
                marks = ", ".join(["%s"] * len(tables))
                cursor.execute(
                    "SELECT name, sql FROM sqlite_master WHERE type = 'index' "
                    f"AND sql IS NOT NULL AND tbl_name IN ({marks})",
                    tables,
                )
            found = cursor.fetchall()
            for name, _sql in found:
                cursor.execute(f"DROP INDEX {self.connection.ops.quote_name(name)}")
        self.indexes = [sql for _name, sql in found]

    def insert(self, model: type[models.Model], columns: tuple[str, ...], rows: Iterable) -> int:
        """Append tuples of `columns` to `model`'s table; other columns take their defaults."""
        names, tail = self._tail(model, columns)
        table = model._meta.db_table
        speed = self.speeds.setdefault(table, Speed(table))
        started, count = time.perf_counter(), 0
        quoted = ", ".join(self.connection.ops.quote_name(c) for c in names)
        if self.connection.vendor == "postgresql":
            sql = f"COPY {table} ({quoted}) FROM STDIN"
            with self.connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
                for row in rows:
                    copy.write_row(row + tail)
                    count += 1
        else:
            marks = ", ".join("?" * len(names))
            batch = [row + tail for row in rows]
            self.connection.connection.executemany(
                f"INSERT INTO {table} ({quoted}) VALUES ({marks})", batch
            )
            count = len(batch)
        speed.rows += count
        speed.seconds += time.perf_counter() - started
        return count

    def _tail(self, model: type[models.Model], columns: tuple[str, ...]) -> tuple[list[str], tuple]:
        key = (model._meta.db_table, columns)
        if key not in self.tails:
            rest = [f for f in model._meta.concrete_fields if f.column not in columns]
            tail = tuple(_plain(f.get_db_prep_save(f.get_default(), self.connection)) for f in rest)
            self.tails[key] = ([*columns, *(str(f.column) for f in rest)], tail)
        return self.tails[key]

    def finish(self) -> None:
        """Rebuild the dropped indexes and move the id sequences past the loaded ids."""
        started = time.perf_counter()
        with self.connection.cursor() as cursor:
            for sql in self.indexes:
                cursor.execute(sql)
            for sql in self.connection.ops.sequence_reset_sql(no_style(), self.models):
                cursor.execute(sql)
            if self.connection.vendor == "postgresql":
                cursor.execute("SET LOCAL session_replication_role = origin")
            else:
                cursor.execute("PRAGMA foreign_keys = ON")
        self.index_seconds = time.perf_counter() - started

    @property
    def total(self) -> Speed:
        rows = sum(s.rows for s in self.speeds.values())
        return Speed("all", rows, sum(s.seconds for s in self.speeds.values()))


def _plain(value: Any) -> Any:
    """A field default as the database takes it (JSON defaults come wrapped for psycopg)."""
    value = getattr(value, "obj", value)
    return json.dumps(value) if isinstance(value, list | dict) else value
