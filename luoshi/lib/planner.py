"""PostgreSQL's planner statistics: fresh after bulk loads, and a check that they stay so.

The planner chooses each plan from the table statistics ANALYZE gathers. After a bulk
change that autovacuum has not caught up with (or with autovacuum off) it plans for the
table as it was: issue 15 measured the overdue list at 1M matters go from milliseconds to
a 69 s plan and a 500. So the bulk paths ANALYZE what they wrote (`analyze_after_bulk`),
and `manage.py check --database default` warns when autovacuum is off or the matters
were never analyzed (docs/deploy.md, "Planner statistics"). SQLite keeps no such
statistics unless asked and plans well without them: both are PostgreSQL only.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django.core import checks
from django.db import connections, models, transaction

# A bulk change of at least this many rows is analyzed at once rather than left to
# autovacuum, which waits for 10 % of a table to change (so never, for a province's
# matters, after one import) or does nothing when turned off.
BULK_ANALYZE_ROWS = 1000


def analyze_after_bulk(models_written: Sequence[type[models.Model]], rows: int) -> None:
    """ANALYZE the tables of `models_written` once the transaction commits, if `rows`
    reached BULK_ANALYZE_ROWS and the database is PostgreSQL."""
    connection = transaction.get_connection()
    if connection.vendor != "postgresql" or rows < BULK_ANALYZE_ROWS:
        return
    tables = [connection.ops.quote_name(m._meta.db_table) for m in models_written]
    transaction.on_commit(lambda: _analyze(connection.alias, tables))


def _analyze(alias: str, tables: Iterable[str]) -> None:
    with connections[alias].cursor() as cursor:
        cursor.execute(f"ANALYZE {', '.join(tables)}")


def check_planner_statistics(
    app_configs: Any = None, databases: Sequence[str] | None = None, **kwargs: Any
) -> list[checks.CheckMessage]:
    """Warn (luoshi.W101, luoshi.W102) when PostgreSQL's statistics can go stale."""
    found: list[checks.CheckMessage] = []
    for alias in databases or []:
        connection = connections[alias]
        if connection.vendor != "postgresql":
            continue
        with connection.cursor() as cursor:
            if _setting(cursor, "autovacuum") != "on":
                found.append(
                    checks.Warning(
                        f"autovacuum is off on database '{alias}': the planner's statistics "
                        "go stale after bulk changes and lists can take minutes.",
                        hint="Turn autovacuum on (docs/deploy.md, 'Planner statistics').",
                        id="luoshi.W101",
                    )
                )
            if _never_analyzed(cursor, _matter_table()):
                found.append(
                    checks.Warning(
                        f"The matters on database '{alias}' were never analyzed: the "
                        "planner does not know their size.",
                        hint="Run ANALYZE after a bulk load (docs/deploy.md, "
                        "'Planner statistics').",
                        id="luoshi.W102",
                    )
                )
    return found


def _setting(cursor: Any, name: str) -> str:
    cursor.execute(f"SHOW {name}")
    return str(cursor.fetchone()[0])


def _matter_table() -> str:
    from django.apps import apps

    return apps.get_model("matters", "Matter")._meta.db_table


def _never_analyzed(cursor: Any, table: str) -> bool:
    """The table holds rows but neither ANALYZE nor autovacuum ever analyzed it."""
    cursor.execute("SELECT pg_stat_clear_snapshot()")  # a check run twice reads afresh
    cursor.execute(
        "SELECT last_analyze IS NULL AND last_autoanalyze IS NULL "
        "FROM pg_stat_user_tables WHERE relname = %s",
        [table],
    )
    row = cursor.fetchone()
    if row is None or not row[0]:
        return False
    cursor.execute(f"SELECT EXISTS (SELECT 1 FROM {table})")
    return bool(cursor.fetchone()[0])
