"""SQL that reads the same on SQLite and PostgreSQL: date arithmetic, and upserts that
add to kept counts."""

from __future__ import annotations

from django.db import connection
from django.db.models import DateField, Func, IntegerField
from django.db.models.functions import TruncDate
from django.utils import timezone


class DaysBetween(Func):
    """end - start in whole days, for two date expressions, on SQLite and PostgreSQL."""

    output_field = IntegerField()

    def __init__(self, end, start):
        super().__init__(end, start)

    # PostgreSQL: date - date is integer. The template arguments are not used.
    def as_sql(self, compiler, connection, function=None, template=None, arg_joiner=None, **extra):
        end, end_params = compiler.compile(self.source_expressions[0])
        start, start_params = compiler.compile(self.source_expressions[1])
        return f"(({end})::date - ({start})::date)", [*end_params, *start_params]

    def as_sqlite(self, compiler, connection, **extra):
        end, end_params = compiler.compile(self.source_expressions[0])
        start, start_params = compiler.compile(self.source_expressions[1])
        sql = f"CAST(julianday({end}) - julianday({start}) AS INTEGER)"
        return sql, [*end_params, *start_params]


class LocalDate(TruncDate):
    """TruncDate in the local time zone, in native SQL on SQLite too.

    Django's SQLite TruncDate calls a Python function per row (3× slower scan, see
    docs/benchmarks.md); the local offset is fixed, which holds for China (no DST).
    """

    def as_sqlite(self, compiler, connection, **extra):
        sql, params = compiler.compile(self.lhs)
        offset = timezone.localtime().utcoffset()
        assert offset is not None  # localtime() is aware: it has its offset
        minutes = int(offset.total_seconds() // 60)
        return f"date({sql}, '{minutes:+d} minutes')", params


class AddDays(Func):
    """A date expression plus a whole number of days (an expression too), as a date."""

    output_field = DateField()

    def __init__(self, day, days):
        super().__init__(day, days)

    # PostgreSQL: date + integer is a date. The template arguments are not used.
    def as_sql(self, compiler, connection, function=None, template=None, arg_joiner=None, **extra):
        day, day_params = compiler.compile(self.source_expressions[0])
        days, days_params = compiler.compile(self.source_expressions[1])
        return f"(({day})::date + ({days}))", [*day_params, *days_params]

    def as_sqlite(self, compiler, connection, **extra):
        day, day_params = compiler.compile(self.source_expressions[0])
        days, days_params = compiler.compile(self.source_expressions[1])
        return f"date({day}, ({days}) || ' days')", [*day_params, *days_params]


def upsert_adding(model, keys: list[str], value: str, rows: list[tuple]) -> None:
    """INSERT … VALUES … ON CONFLICT (keys) DO UPDATE adding to `value`, one statement for
    all `rows` (keys…, value): kept counts moved by deltas, on SQLite and PostgreSQL alike."""
    if not rows:
        return
    marks = ", ".join(["%s"] * (len(keys) + 1))
    with connection.cursor() as cursor:
        cursor.executemany(_adding(model, keys, value, f"VALUES ({marks})"), rows)


def upsert_adding_select(model, keys: list[str], value: str, select: str, params: list) -> None:
    """The same for the rows of `select` (its columns: keys…, value, in that order)."""
    # "WHERE 1 = 1": SQLite's parser would take ON CONFLICT for a join's ON without it.
    rows = f"SELECT * FROM ({select}) g WHERE 1 = 1"
    with connection.cursor() as cursor:
        cursor.execute(_adding(model, keys, value, rows), params)


def _adding(model, keys: list[str], value: str, rows: str) -> str:
    table = model._meta.db_table
    return (
        f"INSERT INTO {table} ({', '.join([*keys, value])}) {rows} "
        f"ON CONFLICT ({', '.join(keys)}) "
        f"DO UPDATE SET {value} = {table}.{value} + excluded.{value}"
    )
