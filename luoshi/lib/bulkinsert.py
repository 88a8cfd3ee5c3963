"""Inserting many rows at once, for the services that write a whole table (imports).

`bulk_create` builds a model instance and compiles every value of every row through
the ORM: for an imported table of 5,000 rows (6,000 matters, 15,000 parts, 7,000
events) that Python work alone takes longer than the office should wait. These two
helpers do the same INSERTs with one prepared statement per table (COPY on PostgreSQL):

- `allocate_ids(model, n)`: n primary keys taken in one query, so rows that refer to
  each other (a sub-matter to its parent) go in together;
- `insert_rows(model, rows)`: each row a dict of field name → value; fields not given
  take their default, `auto_now`/`auto_now_add` fields the current time; values are
  converted for the database as the ORM would (dates, JSON, decimals).

No signals and no `save()`: only services that own the model call these, inside their
transaction, and they do what `save()` would have done themselves.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from django.db import connection, models
from django.utils import timezone

from .eventchain import stamp_rows
from .eventlog import AppendOnlyModel

CHUNK = 1000


def allocate_ids(model: type[models.Model], count: int) -> list[int]:
    """`count` new primary keys of `model`'s table (the caller holds the transaction)."""
    if count <= 0:
        return []
    table = model._meta.db_table
    column = _column(model._meta.pk)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [table, column, count],
            )
            return [row[0] for row in cursor.fetchall()]
        if connection.vendor == "sqlite":
            # SQLite has one writer: the caller's transaction already wrote, so it holds
            # the database lock and nobody else can take these numbers meanwhile.
            quoted = connection.ops.quote_name(table)
            cursor.execute(f"SELECT MAX({connection.ops.quote_name(column)}) FROM {quoted}")
            (last,) = cursor.fetchone()
            cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
            row = cursor.fetchone()
            first = max(last or 0, row[0] if row else 0) + 1
            return list(range(first, first + count))
    raise NotImplementedError(f"allocate_ids on {connection.vendor}")


def insert_rows(model: type[models.Model], rows: Sequence[dict]) -> None:
    """INSERT the rows (dicts by field name) into `model`'s table, 1,000 per statement."""
    if not rows:
        return
    now = timezone.now()
    if issubclass(model, AppendOnlyModel):
        rows = _chained(model, rows, now)
    fields = _fields(model, rows[0])
    auto = {
        f.name for f in fields if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
    }
    columns_of = [(f.name, _default(f, now), _converter(f), f.name in auto) for f in fields]
    values = [
        [
            convert(now if stamped and row.get(name) is None else row.get(name, default))
            for name, default, convert, stamped in columns_of
        ]
        for row in rows
    ]
    quote = connection.ops.quote_name
    columns = ", ".join(quote(_column(f)) for f in fields)
    head = f"INSERT INTO {quote(model._meta.db_table)} ({columns}) VALUES "
    marks = "(" + ", ".join(["%s"] * len(fields)) + ")"
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":  # executemany loops in C, no round trips
            for start in range(0, len(values), CHUNK):
                cursor.executemany(head + marks, values[start : start + CHUNK])
            return
        if connection.vendor == "postgresql":  # COPY: the rows stream, adapted in C
            table = quote(model._meta.db_table)
            with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in values:
                    copy.write_row(row)
            return
        # Elsewhere one statement per chunk, its rows as one VALUES list.
        per = max(1, min(CHUNK, 30000 // len(fields)))
        for start in range(0, len(values), per):
            chunk = values[start : start + per]
            params = [value for row in chunk for value in row]
            cursor.execute(head + ", ".join([marks] * len(chunk)), params)


def _column(field: models.Field) -> str:
    assert field.column is not None  # concrete fields (all that are written here) have one
    return field.column


def _chained(model: type[models.Model], rows: Sequence[dict], now) -> list[dict]:
    """Event rows with their timestamps filled in and their hash-chain links
    (luoshi.lib.eventchain), as `save()` would have made them."""
    stamped = [
        f.name
        for f in model._meta.concrete_fields
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
    ]
    rows = [{**row, **{n: now for n in stamped if row.get(n) is None}} for row in rows]
    stamp_rows(model, rows, connection.alias)
    return rows


def _fields(model: type[models.Model], sample: dict) -> list[models.Field]:
    """Every concrete field, but an auto primary key unless the rows give it."""
    fields = []
    for field in model._meta.concrete_fields:
        if field.primary_key and isinstance(field, models.AutoField) and field.name not in sample:
            continue
        fields.append(field)
    return fields


def _default(field: models.Field, now):
    if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
        return now
    return field.get_default()  # the declared default, "" for text, else None


def _converter(field: models.Field):
    """The ORM's conversion for the types that need one; the value as is for the rest."""
    ops = connection.ops  # once: every attribute of the connection proxy costs a lookup
    if isinstance(field, models.ForeignKey):
        return lambda value: value.pk if isinstance(value, models.Model) else value
    if isinstance(field, models.DateTimeField):
        return ops.adapt_datetimefield_value
    if isinstance(field, models.DateField):
        return ops.adapt_datefield_value
    if isinstance(field, models.DecimalField):
        digits, places = field.max_digits, field.decimal_places
        return lambda value: ops.adapt_decimalfield_value(_decimal(value), digits, places)
    if isinstance(field, models.JSONField):
        return lambda value, field=field: field.get_db_prep_save(value, connection)
    return _same


def _decimal(value):
    return value if value is None or isinstance(value, Decimal) else Decimal(str(value))


def _same(value):
    return value
