"""Append-only in the database itself: triggers that refuse UPDATE and DELETE on event tables.

`AppendOnlyModel.save()`/`delete()` already refuse in Python; these triggers make the
database refuse too, so a `QuerySet.update()`, a stray SQL console or a bug in a later
service cannot rewrite the record either. Written once here; apps only declare:

- `AppendOnlyTriggers("matterevent")`: the migration operation every app adds for each
  concrete AppendOnlyModel (reversible; vendor-aware SQL for PostgreSQL and SQLite).
  The system check `luoshi.E001` (luoshi.lib.checks) names any model without one.
- `lifted(connection)`: drops the triggers and puts them back on exit, for the few
  places that must remove or edit event rows on purpose: `manage.py flush` (the test
  suite empties SQLite with DELETE; PostgreSQL's TRUNCATE is not seen by row triggers)
  and tests that tamper with a row to prove `verify-log` notices.
- `reinstall(...)`: a post_migrate receiver. SQLite rebuilds a table (and loses its
  triggers) for many schema changes, and `--no-migrations` test databases are made
  without migrations at all; after every migrate the triggers of every event table that
  is due to have them are put (back) in place.

Why a migration and not django-pgtrigger: pgtrigger installs PostgreSQL triggers only,
and Luoshi's embedded default is SQLite; one operation covering both keeps one shape.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from django.apps import apps as global_apps
from django.db import models
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.migrations.operations.base import Operation

FUNCTION = "luoshi_refuse_change"


def trigger_names(table: str) -> tuple[str, str]:
    """The names of a table's two triggers (PostgreSQL uses the first for both verbs)."""
    return f"{table}_no_update", f"{table}_no_delete"


def install_sql(vendor: str, table: str) -> list[str]:
    """The statements that make `table` refuse UPDATE and DELETE (idempotent)."""
    update, delete = trigger_names(table)
    if vendor == "postgresql":
        # 23001 restrict_violation: Django raises IntegrityError, as SQLite's RAISE does.
        return [
            f"""CREATE OR REPLACE FUNCTION {FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP
    USING ERRCODE = 'restrict_violation';
END $$""",
            f'DROP TRIGGER IF EXISTS "{update}" ON "{table}"',
            f'CREATE TRIGGER "{update}" BEFORE UPDATE OR DELETE ON "{table}" '
            f"FOR EACH ROW EXECUTE FUNCTION {FUNCTION}()",
        ]
    if vendor == "sqlite":
        return [
            f'CREATE TRIGGER IF NOT EXISTS "{name}" BEFORE {verb} ON "{table}" '
            f"BEGIN SELECT RAISE(ABORT, '{table} is append-only: {verb} refused'); END"
            for name, verb in ((update, "UPDATE"), (delete, "DELETE"))
        ]
    raise NotImplementedError(f"append-only triggers on {vendor}")


def remove_sql(vendor: str, table: str) -> list[str]:
    update, delete = trigger_names(table)
    if vendor == "postgresql":
        return [f'DROP TRIGGER IF EXISTS "{update}" ON "{table}"']
    return [f'DROP TRIGGER IF EXISTS "{name}"' for name in (update, delete)]


def installed(connection: BaseDatabaseWrapper, table: str) -> bool:
    """Whether `table` carries its append-only triggers on this database."""
    update, _ = trigger_names(table)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT 1 FROM pg_trigger WHERE tgname = %s AND tgrelid = %s::regclass",
                [update, f'"{table}"'],
            )
        else:
            cursor.execute(
                "SELECT 1 FROM sqlite_master WHERE type = 'trigger' AND name = %s", [update]
            )
        return cursor.fetchone() is not None


def _execute(connection: BaseDatabaseWrapper, statements: Iterable[str]) -> None:
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)


def install(connection: BaseDatabaseWrapper, tables: Iterable[str]) -> None:
    for table in tables:
        _execute(connection, install_sql(connection.vendor, table))


def remove(connection: BaseDatabaseWrapper, tables: Iterable[str]) -> None:
    for table in tables:
        _execute(connection, remove_sql(connection.vendor, table))


def append_only_models(app_registry: Any = global_apps) -> list[type[models.Model]]:
    """Every concrete AppendOnlyModel of the project, by label."""
    from .eventlog import AppendOnlyModel

    found = [
        m
        for m in app_registry.get_models()
        if issubclass(m, AppendOnlyModel) and not m._meta.proxy and m._meta.managed
    ]
    return sorted(found, key=lambda m: m._meta.label)


@contextmanager
def lifted(connection: BaseDatabaseWrapper, tables: Iterable[str] | None = None) -> Iterator[None]:
    """Drop the append-only triggers (of `tables`, default every event table that has
    them) and put them back on exit, error or not.

    Only for what must change event rows on purpose: emptying a database (`flush`) and
    tests that tamper with a row. On PostgreSQL this is DDL inside the caller's
    transaction; other sessions wait for it rather than see a table without triggers.
    """
    names = [m._meta.db_table for m in append_only_models()] if tables is None else list(tables)
    existing = set(connection.introspection.table_names())
    dropped = [t for t in names if t in existing and installed(connection, t)]
    remove(connection, dropped)
    try:
        yield
    finally:
        install(connection, dropped)


class AppendOnlyTriggers(Operation):
    """Migration operation: the model's table refuses UPDATE and DELETE from now on."""

    reversible = True
    reduces_to_sql = True

    def __init__(self, model_name: str) -> None:
        self.model_name = model_name

    def deconstruct(self) -> tuple[str, list[Any], dict[str, Any]]:
        return self.__class__.__name__, [self.model_name], {}

    def state_forwards(self, app_label: str, state: Any) -> None:
        pass  # no change to the models: the triggers live in the database only

    def _table(self, app_label: str, state: Any) -> str:
        return state.apps.get_model(app_label, self.model_name)._meta.db_table

    def database_forwards(
        self, app_label: str, schema_editor: Any, from_state: Any, to_state: Any
    ) -> None:
        table = self._table(app_label, to_state)
        for sql in install_sql(schema_editor.connection.vendor, table):
            schema_editor.execute(sql, params=None)

    def database_backwards(
        self, app_label: str, schema_editor: Any, from_state: Any, to_state: Any
    ) -> None:
        table = self._table(app_label, from_state)
        for sql in remove_sql(schema_editor.connection.vendor, table):
            schema_editor.execute(sql, params=None)

    def describe(self) -> str:
        return f"Refuse UPDATE and DELETE on {self.model_name} (append-only triggers)"

    @property
    def migration_name_fragment(self) -> str:
        return f"{self.model_name}_append_only"


def declared_in(loader: Any, model: type[models.Model]) -> tuple[str, str] | None:
    """The migration (app, name) that adds `model`'s triggers, read from the migration files."""
    label, name = model._meta.app_label, model._meta.model_name
    for key, migration in loader.disk_migrations.items():
        if key[0] != label:
            continue
        for op in migration.operations:
            if isinstance(op, AppendOnlyTriggers) and op.model_name.lower() == name:
                return key
    return None


def reinstall(using: str = "default", **kwargs: Any) -> None:
    """post_migrate: every event table due to have triggers has them (SQLite's table
    rebuilds drop them; `--no-migrations` test databases never ran the operations)."""
    from django.db import connections
    from django.db.migrations.loader import MigrationLoader

    connection = connections[using]
    loader = MigrationLoader(connection)
    existing = set(connection.introspection.table_names())
    due = []
    for model in append_only_models():
        table = model._meta.db_table
        if table not in existing:
            continue
        if model._meta.app_label in loader.migrated_apps:
            key = declared_in(loader, model)
            if key is None or key not in loader.applied_migrations:
                continue
        due.append(table)
    install(connection, [t for t in due if not installed(connection, t)])


def check_declared(app_configs: Any = None, **kwargs: Any) -> list[Any]:
    """System check luoshi.E001/E002: every event table gets its triggers from a
    migration, and no admin offers to change or delete event rows."""
    from django.contrib import admin
    from django.core.checks import Error
    from django.db.migrations.loader import MigrationLoader

    from .web import ReadOnlyAdmin

    loader = MigrationLoader(None, ignore_no_migrations=True)
    errors = []
    for model in append_only_models():
        if model._meta.app_label not in loader.migrated_apps:
            continue  # an app without migrations (the test suite's --no-migrations)
        if declared_in(loader, model) is None:
            errors.append(
                Error(
                    f"{model._meta.label} is an AppendOnlyModel but no migration of its app "
                    "installs its append-only triggers.",
                    hint=f'Add AppendOnlyTriggers("{model._meta.model_name}") '
                    "(luoshi.lib.eventtriggers) to a migration of the app.",
                    obj=model,
                    id="luoshi.E001",
                )
            )
    errors.extend(_admin_errors(admin.site, ReadOnlyAdmin, Error))
    return errors


def _admin_errors(site: Any, read_only: type, error: Any) -> list[Any]:
    from .eventlog import AppendOnlyModel

    errors = []
    for model, model_admin in site._registry.items():
        if issubclass(model, AppendOnlyModel) and not isinstance(model_admin, read_only):
            errors.append(_admin_error(error, model_admin, model))
        for inline in model_admin.inlines:
            if issubclass(inline.model, AppendOnlyModel) and inline.can_delete:
                errors.append(_admin_error(error, inline, inline.model))
    return errors


def _admin_error(error: Any, where: Any, model: type[models.Model]) -> Any:
    return error(
        f"{model._meta.label}'s admin lets event rows be changed or deleted.",
        hint="Register event models with luoshi.lib.web.ReadOnlyAdmin; inlines can_delete=False.",
        obj=where,
        id="luoshi.E002",
    )
