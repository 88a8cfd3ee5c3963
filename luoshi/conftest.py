"""Fixtures of the whole suite: the test city, built once per test session.

`django_db_setup` builds the city in the test database before the first test (committed);
each test then runs inside a transaction rolled back at its end, and `city` hands it
fresh objects of the same rows. A test that needs an empty database asks for
`empty_database`.
"""

import pytest

from luoshi.testing import the_city


@pytest.fixture(scope="session", autouse=True)
def _one_request_at_a_time():
    """Serve the live server's requests one at a time when the test database is in-memory SQLite.

    The live server then shares the test's single SQLite connection with every request
    thread; a page firing requests in parallel (the cockpit's charts) made two threads use
    that connection at once ("bad parameter or other API misuse"). Django's plain
    WSGIServer answers one request at a time and closes each connection, so the browser
    queues instead. PostgreSQL keeps the threaded server: each thread has its connection.

    Here, not in tests_browser: live_server lives for the whole session, and the first
    test to ask for it (the Open311 client test, before the browser tests) decides its
    server class.
    """
    from django.core.servers.basehttp import WSGIServer
    from django.db import connection
    from django.test.testcases import LiveServerThread

    class OneAtATime(WSGIServer):
        # The live server thread already uses the shared connections (it set them up).
        def __init__(self, *args, connections_override=None, **kwargs):
            super().__init__(*args, **kwargs)

    if connection.vendor != "sqlite" or not connection.is_in_memory_db():
        yield
        return
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(LiveServerThread, "server_class", OneAtATime)
        yield


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        database_only_indexes()
        the_city()


def database_only_indexes() -> None:
    """The indexes that migrations create with SQL (the text search's trigram indexes on
    PostgreSQL, matters 0012, and its FTS5 table on SQLite, 0014): the suite builds its
    tables from the models (--no-migrations), so it runs the same functions. Here, before
    any test, because PostgreSQL does not use an index in the transaction that built it
    over updated rows."""
    from importlib import import_module

    from django.db import connection

    from luoshi.matters import textsearch

    trigram = import_module("luoshi.matters.migrations.0012_title_trigram_search")
    with connection.schema_editor() as editor:
        trigram.create(None, editor)
    textsearch.ensure(connection)  # SQLite's FTS5 twin of those indexes


@pytest.fixture(autouse=True)
def empty_cache():
    """Each test starts with an empty cache: a rolled-back test can leave entries under
    keys (ids, on SQLite reused after a rollback) that the next test would hit."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def city(db):
    return the_city()


@pytest.fixture
def empty_database(db):
    """No units, roles or users (the session's city is removed inside this test only)."""
    from django.contrib.auth.models import User
    from django.db import connection

    from luoshi.lib.eventtriggers import lifted
    from luoshi.org.models import Membership, OrgEvent, Unit

    # The org log is append-only in the database; this test-only teardown of the city
    # lifts its triggers for the delete (they are back when the block ends).
    with lifted(connection, [OrgEvent._meta.db_table]):
        OrgEvent.objects.all().delete()
    Membership.objects.all().delete()
    Unit.objects.update(parent=None)
    Unit.objects.all().delete()
    User.objects.all().delete()
    if connection.vendor == "postgresql":
        # Fire the deferred foreign-key checks of those deletes now: a pending one would
        # refuse a later CREATE INDEX in the same transaction (bench's generator).
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")


@pytest.fixture
def admin_user(db, django_user_model):
    """A Django superuser for `admin_client` (the city's `admin` persona holds the admin
    role in the office but is not a superuser, and takes the username pytest-django uses)."""
    return django_user_model.objects.create_superuser("superuser", "root@example.org", "pw")
