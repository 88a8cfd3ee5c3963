"""Helpers of the fault tests: cutting database connections, a disk that fills up."""

from __future__ import annotations

import errno
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest
from django.core.files.storage import FileSystemStorage
from django.db import connection

from luoshi.matters import listeners

on_postgres = pytest.mark.skipif(
    "postgres" not in os.environ.get("LUOSHI_DATABASE_URL", ""),
    reason="PostgreSQL only: SQLite has no server whose connections can be cut",
)


def admin_connection():
    """A connection of our own beside Django's, in autocommit (PostgreSQL)."""
    raw = connection.get_new_connection(connection.get_connection_params())
    raw.autocommit = True
    return raw


def backend_pid() -> int:
    """The PostgreSQL backend of this thread's Django connection."""
    connection.ensure_connection()
    return connection.connection.info.backend_pid


def cut_connections(pids: list[int] | None = None, *, spare: list[int] = ()) -> int:
    """Terminate backends of the test database only (never the server: others use it).

    Without `pids`, every backend of this database except the one asking and `spare`
    (the test's own). Returns how many were cut.
    """
    sql = (
        "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
        "WHERE datname = current_database() AND pid <> pg_backend_pid() AND pid <> ALL(%s)"
    )
    params: list = [list(spare)]
    if pids is not None:
        sql += " AND pid = ANY(%s)"
        params.append(pids)
    with admin_connection() as raw:
        return raw.execute(sql, params).fetchone()[0]


@contextmanager
def on_change(listener: Callable[[int], None]) -> Iterator[None]:
    """Subscribe `listener` to matter changes for the block (it runs inside the service)."""
    listeners.on_matter_changed(listener)
    try:
        yield
    finally:
        listeners._on_change.remove(listener)


class DiskFullStorage(FileSystemStorage):
    """A FileSystemStorage whose disk fills up after `room` bytes, mid-file."""

    room = 10

    def _save(self, name: str, content) -> str:
        path = self.path(name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        data = content.read()
        with open(path, "wb") as handle:
            handle.write(data[: self.room])  # what fitted before the disk filled up
        if len(data) > self.room:
            raise OSError(errno.ENOSPC, "No space left on device", path)
        return name


def files_under(root) -> list[str]:
    return sorted(
        os.path.relpath(os.path.join(folder, name), root)
        for folder, _dirs, names in os.walk(root)
        for name in names
    )
