"""Database snapshots for the backup, and loading one back, on SQLite and PostgreSQL.

SQLite: the online backup API copies the live database page by page into a new file,
consistent even while the server writes. PostgreSQL: pg_dump in its custom format, of
the server's own major version, reading a snapshot exported by a transaction that
counts the rows of every table in that same snapshot — so the manifest's counts are
exactly the dump's.
"""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from pathlib import Path

from django.db.backends.base.base import BaseDatabaseWrapper
from django.utils.translation import gettext as _

DUMP_FILES = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}


class BackupError(Exception):
    """A backup or restore that cannot go on; the message says what to do."""


@dataclass
class Snapshot:
    path: Path
    server: str  # "SQLite 3.46.1", "PostgreSQL 15.20"
    tool: str  # what wrote it
    tables: dict[str, int]
    migrations: list[list[str]]


def snapshot(connection: BaseDatabaseWrapper, folder: Path) -> Snapshot:
    path = folder / DUMP_FILES[connection.vendor]
    if connection.vendor == "sqlite":
        return _sqlite_snapshot(connection, path)
    if connection.vendor == "postgresql":
        return _postgresql_snapshot(connection, path)
    raise BackupError(_("Backups support SQLite and PostgreSQL only."))


def load(connection: BaseDatabaseWrapper, dump: Path, dumped_by: str) -> None:
    """Replace the database's content with the dump (the caller checked it may)."""
    if connection.vendor == "sqlite":
        _sqlite_load(connection, dump)
    else:
        _postgresql_load(connection, dump, dumped_by)


# -- SQLite -------------------------------------------------------------------------------


def _sqlite_snapshot(connection: BaseDatabaseWrapper, path: Path) -> Snapshot:
    connection.ensure_connection()
    with sqlite3.connect(path) as target:
        connection.connection.backup(target)  # one step: a consistent copy
    with sqlite3.connect(path) as copy:
        tables = [
            name
            for (name,) in copy.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' "
                "AND name NOT LIKE 'sqlite_%' ORDER BY name"
            )
        ]
        counts = {t: copy.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in tables}
        migrations = _migrations(copy.execute, tables)
    copy.close()
    version = f"SQLite {sqlite3.sqlite_version}"
    return Snapshot(path, version, f"{version} online backup", counts, migrations)


def _sqlite_load(connection: BaseDatabaseWrapper, dump: Path) -> None:
    connection.close()
    connection.ensure_connection()
    with sqlite3.connect(dump) as source:
        source.backup(connection.connection)
    source.close()


def _migrations(execute, tables) -> list[list[str]]:
    if "django_migrations" not in tables:
        return []
    rows = execute("SELECT app, name FROM django_migrations ORDER BY app, name")
    return [[app, name] for app, name in rows]


# -- PostgreSQL ---------------------------------------------------------------------------


def _postgresql_snapshot(connection: BaseDatabaseWrapper, path: Path) -> Snapshot:
    import psycopg

    raw = connection.get_new_connection(connection.get_connection_params())
    try:
        raw.autocommit = False
        raw.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
        raw.read_only = True
        exported = raw.execute("SELECT pg_export_snapshot()").fetchone()[0]
        major = raw.info.server_version // 10000
        tool, version = pg_tool("pg_dump", major)
        tables = [
            name
            for (name,) in raw.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() "
                "ORDER BY tablename"
            )
        ]
        counts = {t: raw.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in tables}
        migrations = _migrations(raw.execute, tables)
        run_pg(
            [tool, "--format=custom", f"--snapshot={exported}", f"--file={path}"],
            connection,
        )
        server = f"PostgreSQL {_version_text(raw.info.server_version)}"
    finally:
        raw.close()
    return Snapshot(path, server, version, counts, migrations)


def _postgresql_load(connection: BaseDatabaseWrapper, dump: Path, dumped_by: str) -> None:
    connection.ensure_connection()
    major = connection.connection.info.server_version // 10000
    tool, _version = pg_tool("pg_restore", major)
    if major < _major_of(dumped_by):
        raise BackupError(
            _("The archive was dumped by %(tool)s; this server (PostgreSQL %(major)s) is older.")
            % {"tool": dumped_by, "major": major}
        )
    connection.close()  # pg_restore drops and creates the tables
    command = [
        tool,
        "--clean",
        "--if-exists",
        "--no-owner",
        "--no-acl",
        "--single-transaction",
        "--exit-on-error",
        f"--dbname={connection.settings_dict['NAME']}",
        str(dump),
    ]
    run_pg(command, connection)


def _version_text(number: int) -> str:
    return f"{number // 10000}.{number % 10000}"


def _major_of(version: str) -> int:
    found = re.search(r"(\d+)(?:\.\d+)*", version or "")
    return int(found.group(1)) if found else 0


def pg_tool(name: str, major: int, candidates: list[Path] | None = None) -> tuple[str, str]:
    """The `name` (pg_dump, pg_restore) of the server's major version, and its version.

    Looked for in LUOSHI_PG_BIN_DIR, the distributions' versioned folders, then PATH.
    A pg_dump older than the server cannot dump it; a newer one writes archives an
    older pg_restore cannot read: the same major version keeps both sides simple.
    """
    if candidates is None:
        folders = [os.environ.get("LUOSHI_PG_BIN_DIR", "")]
        folders += [f"/usr/lib/postgresql/{major}/bin", f"/usr/pgsql-{major}/bin"]
        candidates = [Path(f) / name for f in folders if f]
        on_path = shutil.which(name)
        if on_path:
            candidates.append(Path(on_path))
    found = []
    for candidate in candidates:
        if not os.access(candidate, os.X_OK):
            continue
        version = subprocess.run(
            [str(candidate), "--version"], capture_output=True, text=True, check=False
        ).stdout.strip()
        if _major_of(version.partition("(PostgreSQL)")[2]) == major:
            return str(candidate), version
        found.append(f"{candidate} ({version})")
    raise BackupError(
        _(
            "%(tool)s of PostgreSQL %(major)s is needed (the server's version); found: "
            "%(found)s. Install the postgresql-client-%(major)s package, or set "
            "LUOSHI_PG_BIN_DIR to the folder that holds it."
        )
        % {"tool": name, "major": major, "found": ", ".join(found) or _("none")}
    )


def run_pg(command: list[str], connection: BaseDatabaseWrapper) -> None:
    """Run a PostgreSQL client tool against the connection's database.

    Connection details go through the environment (PGPASSWORD never shows in `ps`).
    """
    config = connection.settings_dict
    env = dict(os.environ)
    for variable, value in [
        ("PGHOST", config.get("HOST")),
        ("PGPORT", config.get("PORT")),
        ("PGUSER", config.get("USER")),
        ("PGPASSWORD", config.get("PASSWORD")),
        ("PGDATABASE", config.get("NAME")),
        ("PGSSLMODE", config.get("OPTIONS", {}).get("sslmode")),
    ]:
        if value:
            env[variable] = str(value)
    result = subprocess.run(command, env=env, capture_output=True, check=False)
    if result.returncode != 0:
        raise BackupError(
            _("%(tool)s failed: %(error)s")
            % {"tool": Path(command[0]).name, "error": result.stderr.decode().strip()}
        )
