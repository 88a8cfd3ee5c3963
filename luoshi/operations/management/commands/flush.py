"""`manage.py flush` that may empty event tables too.

Django's flush empties every table; on SQLite that is a DELETE, which the append-only
triggers (luoshi.lib.eventtriggers) refuse, while PostgreSQL's TRUNCATE is not seen by
row triggers. Emptying the whole database is the one deliberate removal of events: the
triggers are lifted for it and put back. The test suite's TransactionTestCase and
live_server tests flush through this command.
"""

from __future__ import annotations

from django.core.management.commands import flush
from django.db import DEFAULT_DB_ALIAS, connections

from luoshi.lib.eventtriggers import lifted


class Command(flush.Command):
    def handle(self, **options) -> None:
        connection = connections[options.get("database") or DEFAULT_DB_ALIAS]
        if connection.vendor != "sqlite":
            super().handle(**options)
            return
        with lifted(connection):
            super().handle(**options)
