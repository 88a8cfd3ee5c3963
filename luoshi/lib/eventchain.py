"""Tamper evidence: every event row carries a hash chained to the previous row of its subject.

A row's `chain_hash` is SHA-256 over its model, the previous row's hash and the row's
fields in a canonical form (below). Changing any stored value, or removing a row, breaks
the link at that row or the next one, and `luoshi verify-log` names it. (Removing the
*last* row of a chain leaves no later row to notice; the append-only triggers and the
backups are the guard there.)

Chains: a model declares `chain_by = "matter"` (the subject's foreign key); its rows
chain per subject, in id order. Rows without a subject (a model with `chain_by = None`,
or a null subject) chain per UTC day of the model's `chain_day` timestamp.

Canonical form, step by step (the same code hashes on insert, in bulk and on verify):
1. Every concrete field but the primary key and `chain_hash`, by column attribute name.
2. Each value converted as the database returns it: datetimes in UTC to the
   microsecond, dates ISO, decimals at the field's places, JSON re-read and with sorted
   keys (integral floats as integers: PostgreSQL's jsonb does not keep "1e16" a float).
3. Empty values (None and "") left out, so adding a nullable or blank field to an
   event model later leaves every existing hash valid. A field with another default
   needs a re-hash migration (`rehash`).
4. JSON of [model label, previous hash, fields] with sorted keys, UTF-8, SHA-256 hex.

Concurrency: on PostgreSQL one append takes a transaction-scoped advisory lock on its
chain (shared on the table); a bulk insert takes the table's lock exclusively. So two
appends to one chain never both build on the same previous row, even where the caller
holds no row lock. SQLite has a single writer (transaction_mode IMMEDIATE).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import zlib
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.apps import apps as global_apps
from django.db import connections, models, router, transaction
from django.db.models import Max
from django.utils import timezone

FIELD = "chain_hash"
CHUNK = 500


@dataclass(frozen=True)
class Spec:
    """How one model chains: by which subject, else by the day of which timestamp."""

    label: str
    chain_by: str | None  # attname of the subject's foreign key
    chain_day: str | None  # attname of the timestamp for day chains
    fields: tuple[models.Field, ...]  # the hashed fields


def spec(model: type[models.Model]) -> Spec:
    """The chaining of `model` (a historical model from a migration reads the real one's)."""
    real = global_apps.get_model(model._meta.label)
    by = getattr(real, "chain_by", None)
    day = getattr(real, "chain_day", None)
    fields = tuple(
        f for f in model._meta.concrete_fields if not f.primary_key and f.attname != FIELD
    )
    return Spec(
        model._meta.label_lower,
        _attname(model, by) if by else None,
        _attname(model, day) if day else None,
        fields,
    )


def _attname(model: type[models.Model], name: str) -> str:
    field = model._meta.get_field(name)
    assert isinstance(field, models.Field)  # a declared field, never a reverse relation
    return field.attname


# ---------------------------------------------------------------- canonical form


def _plain(field: models.Field, value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, models.Model):
        value = value.pk
    if isinstance(field, models.ForeignKey):
        return _plain(field.target_field, value)
    if isinstance(field, models.JSONField):
        return _json(json.loads(json.dumps(value, cls=field.encoder)))
    value = field.to_python(value)
    if isinstance(value, dt.datetime):
        if timezone.is_naive(value):
            value = timezone.make_aware(value)
        return value.astimezone(dt.UTC).isoformat(timespec="microseconds")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        places = getattr(field, "decimal_places", None)
        if places is not None:
            value = value.quantize(Decimal(1).scaleb(-places))
        return format(value, "f")
    if isinstance(value, float):
        return _json(value)
    if isinstance(value, str):
        return str.__str__(value)  # a TextChoices member hashes as its value
    return value


def _json(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e300:
        return int(value)
    if isinstance(value, dict):
        return {k: _json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_json(v) for v in value]
    return value


def digest(s: Spec, values: Mapping[str, Any], previous: str) -> str:
    """The hash of one row (values by attname) chained to `previous` (steps 1–4 above)."""
    body = {}
    for field in s.fields:
        value = _plain(field, values.get(field.attname))
        if value is not None and value != "":
            body[field.attname] = value
    text = json.dumps(
        [s.label, previous, body], sort_keys=True, ensure_ascii=False, separators=(",", ":")
    )
    return hashlib.sha256(text.encode()).hexdigest()


def chain_key(s: Spec, values: Mapping[str, Any]) -> str:
    """The chain a row belongs to: its subject's id, else `day:YYYY-MM-DD` (UTC)."""
    if s.chain_by is not None:
        subject = values.get(s.chain_by)
        if isinstance(subject, models.Model):
            subject = subject.pk
        if subject is not None:
            return str(subject)
    at = values.get(s.chain_day) if s.chain_day else None
    if at is None:
        return "day:"
    return f"day:{at.astimezone(dt.UTC).date().isoformat()}"


def _chain_filter(s: Spec, key: str) -> dict[str, Any]:
    if not key.startswith("day:"):
        assert s.chain_by is not None  # only subject chains have other keys
        return {s.chain_by: key}
    where: dict[str, Any] = {f"{s.chain_by}__isnull": True} if s.chain_by else {}
    if s.chain_day is None or key == "day:":
        return where
    start = dt.datetime.fromisoformat(key[4:]).replace(tzinfo=dt.UTC)
    return {**where, f"{s.chain_day}__gte": start, f"{s.chain_day}__lt": start + dt.timedelta(1)}


# ---------------------------------------------------------------- appending


def _lock_key(text: str) -> int:
    """A signed 32-bit advisory-lock key (collisions only make unrelated appends wait)."""
    return zlib.crc32(text.encode()) - 2**31


class Appender:
    """The heads of the chains one insert (a row or a batch) appends to.

    `link(values)` returns the row's hash and makes it the head of its chain, so rows
    of one batch chain to each other in insertion (= id) order.
    """

    def __init__(self, model: type[models.Model], using: str, *, bulk: bool = False) -> None:
        self.model = model
        self.spec = spec(model)
        self.connection = connections[using]
        self.using = using
        self.heads: dict[str, str] = {}
        self.table_key = _lock_key(model._meta.db_table)
        if bulk:
            self._lock("SELECT pg_advisory_xact_lock(%s::bigint)", [self.table_key])

    def _lock(self, sql: str, params: list[int]) -> None:
        if self.connection.vendor == "postgresql":
            with self.connection.cursor() as cursor:
                cursor.execute(sql, params)

    def seed(self, rows: Iterable[Mapping[str, Any]]) -> None:
        """Read the heads of the subject chains of `rows` in a few queries (bulk inserts)."""
        by = self.spec.chain_by
        if by is None:
            return
        keys = {chain_key(self.spec, r) for r in rows} - set(self.heads)
        subjects = [k for k in keys if not k.startswith("day:")]
        manager = self.model._base_manager.using(self.using)
        for start in range(0, len(subjects), CHUNK):
            chunk = subjects[start : start + CHUNK]
            last = manager.filter(**{f"{by}__in": chunk}).values(by).annotate(last=Max("pk"))
            ids = [row["last"] for row in last]
            heads = manager.filter(pk__in=ids).values_list(by, FIELD)
            self.heads.update({str(subject): value for subject, value in heads})
            self.heads.update({k: "" for k in chunk if k not in self.heads})

    def start(self, key: str) -> None:
        """A new subject's chain: it has no head yet (AppendOnlyModel.starts_chain)."""
        if key.startswith("day:"):
            raise ValueError("only a subject's chain starts empty; a day's chain is shared")
        self.heads[key] = ""

    def head(self, key: str) -> str:
        if key not in self.heads:
            self._lock(
                "SELECT pg_advisory_xact_lock_shared(%s::bigint), pg_advisory_xact_lock(%s, %s)",
                [self.table_key, self.table_key, _lock_key(key)],
            )
            found = (
                self.model._base_manager.using(self.using)
                .filter(**_chain_filter(self.spec, key))
                .order_by("-pk")
                .values_list(FIELD, flat=True)
                .first()
            )
            self.heads[key] = found or ""
        return self.heads[key]

    def link(self, values: Mapping[str, Any]) -> str:
        key = chain_key(self.spec, values)
        value = digest(self.spec, values, self.head(key))
        self.heads[key] = value
        return value


def instance_values(obj: models.Model) -> dict[str, Any]:
    return {f.attname: getattr(obj, f.attname) for f in obj._meta.concrete_fields}


def link_instance(obj: models.Model) -> str:
    """The hash of an instance being inserted (called from ChainHashField.pre_save).

    Django calls `pre_save` more than once per insert (`Model._save_table` and then the
    SQL compiler; `auto_now_add` stamps the time again each time), so the previous
    link is remembered on the instance and the hash recomputed from the values the
    last call — the one whose values are written — sees.
    """
    appender = getattr(obj, "_chain_appender", None)
    if appender is None:
        appender = Appender(type(obj), obj._state.db or router.db_for_write(type(obj)))
    values = instance_values(obj)
    key = chain_key(appender.spec, values)
    memo = obj.__dict__.get("_chain_link")
    if memo is None or memo[0] != key:
        memo = (key, appender.head(key))
        obj.__dict__["_chain_link"] = memo
    value = digest(appender.spec, values, memo[1])
    appender.heads[key] = value
    return value


def forget(obj: models.Model) -> None:
    """Drop what `link_instance` remembered once the row is written."""
    obj.__dict__.pop("_chain_link", None)
    obj.__dict__.pop("_chain_appender", None)


def stamp_rows(model: type[models.Model], rows: list[dict[str, Any]], using: str) -> None:
    """Set `chain_hash` on rows (dicts by field name) that `bulkinsert.insert_rows` writes."""
    appender = Appender(model, using, bulk=True)
    by_name = {f.name: f.attname for f in model._meta.concrete_fields}
    as_values = [{by_name.get(k, k): v for k, v in row.items()} for row in rows]
    appender.seed(as_values)
    for row, values in zip(rows, as_values, strict=True):
        row[FIELD] = appender.link(values)


# ---------------------------------------------------------------- verifying


@dataclass(frozen=True)
class Break:
    """The first broken link of one chain."""

    table: str
    chain: str
    event_id: int
    expected: str
    found: str

    def __str__(self) -> str:
        return (
            f"{self.table} chain {self.chain}: event {self.event_id} does not follow the "
            f"chain (expected {self.expected}, found {self.found}) — the row was changed, "
            f"or a row before it in the chain removed"
        )


@dataclass
class Verdict:
    table: str
    rows: int
    chains: int
    breaks: list[Break]


def _rows(model: type[models.Model], using: str) -> Iterator[dict[str, Any]]:
    names = ["pk", FIELD, *(f.attname for f in spec(model).fields)]
    query = model._base_manager.using(using).order_by("pk").values(*names)
    return query.iterator(chunk_size=5000)


def verify_model(model: type[models.Model], using: str = "default") -> Verdict:
    """Walk every chain of `model` in one pass over its rows in id order."""
    s = spec(model)
    heads: dict[str, str] = {}
    broken: dict[str, Break] = {}
    count = 0
    for row in _rows(model, using):
        count += 1
        key = chain_key(s, row)
        if key in broken:
            continue
        expected = digest(s, row, heads.get(key, ""))
        if row[FIELD] != expected:
            broken[key] = Break(model._meta.db_table, key, row["pk"], expected, row[FIELD])
        heads[key] = row[FIELD]
    chains = len(heads)
    return Verdict(model._meta.db_table, count, chains, list(broken.values()))


def verify(using: str = "default") -> list[Verdict]:
    from .eventtriggers import append_only_models

    return [verify_model(m, using) for m in append_only_models()]


def rehash(model: type[models.Model], using: str = "default") -> int:
    """Recompute every row's hash in chain order and store the ones that differ.

    For the data migration that hashes rows stored before the chain existed, and for
    loaders that write event rows in SQL (bench). The table's triggers are lifted for
    the UPDATEs, inside one transaction. Returns how many rows changed.
    """
    from .eventtriggers import lifted

    s = spec(model)
    heads: dict[str, str] = {}
    changed: list[tuple[str, int]] = []
    for row in _rows(model, using):
        key = chain_key(s, row)
        value = digest(s, row, heads.get(key, ""))
        heads[key] = value
        if row[FIELD] != value:
            changed.append((value, row["pk"]))
    connection = connections[using]
    with (
        transaction.atomic(using=using),
        lifted(connection, [model._meta.db_table]),
        connection.cursor() as cursor,
    ):
        _store(connection, cursor, model, changed)
    return len(changed)


def _store(connection: Any, cursor: Any, model: type[models.Model], changed: list) -> None:
    """Write the new hashes. On PostgreSQL set-based: COPY into a temporary table, then one
    UPDATE … FROM (one UPDATE per row took 32 min for 3.6M events); elsewhere executemany,
    which SQLite runs in C."""
    quote = connection.ops.quote_name
    table, pk = quote(model._meta.db_table), quote(str(model._meta.pk.column))
    if connection.vendor == "postgresql":
        cursor.execute(
            "CREATE TEMPORARY TABLE luoshi_rehash (id bigint PRIMARY KEY, hash text) ON COMMIT DROP"
        )
        with cursor.cursor.copy("COPY luoshi_rehash (hash, id) FROM STDIN") as copy:
            for row in changed:
                copy.write_row(row)
        cursor.execute(
            f"UPDATE {table} SET {FIELD} = r.hash FROM luoshi_rehash r WHERE {table}.{pk} = r.id"
        )
        cursor.execute("DROP TABLE luoshi_rehash")
        return
    sql = f"UPDATE {table} SET {FIELD} = %s WHERE {pk} = %s"
    for start in range(0, len(changed), 5000):
        cursor.executemany(sql, changed[start : start + 5000])


def backfill(*model_names: str) -> Any:
    """Migration operation: hash the rows already stored, in chain order (run it after
    adding `chain_hash` and before `AppendOnlyTriggers`, which refuse the UPDATEs)."""
    from django.db import migrations

    def forwards(apps: Any, schema_editor: Any) -> None:
        label = schema_editor.connection.alias
        for name in model_names:
            model = next(m for m in apps.get_models() if m._meta.model_name == name.lower())
            rehash(model, label)

    return migrations.RunPython(forwards, migrations.RunPython.noop, elidable=True)
