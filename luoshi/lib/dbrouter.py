"""Reads from PostgreSQL read replicas, writes and fresh reads on the primary.

Configured by `LUOSHI_DATABASE_REPLICA_URLS` (settings.py makes the aliases replica_1..n,
lists them in `DATABASE_REPLICAS` and installs the router and the middleware below only
then: without replicas nothing here runs). Deployment and caveats: docs/deploy.md.

Where a read goes is decided per request, not per query, and kept in a context variable
(safe under threads and asyncio alike):

- `ReadYourWritesMiddleware` lets a GET/HEAD/OPTIONS read from one replica, picked at
  random for the whole request (two replicas lag differently: a page's count and its rows
  must come from the same one). A POST/PUT/PATCH/DELETE reads from the primary: it decides
  on what it reads.
- After a request that wrote (an unsafe method, or any INSERT/UPDATE/DELETE on the primary
  during a GET), the response carries a cookie with a time; until then that browser's
  requests read from the primary, so the user who just acted sees it even when the replica
  lags. A cookie and not the process's memory: the app servers are stateless and the next
  request may reach another one. A write in the middle of a GET sends the rest of that
  request to the primary at once.
- Everything else (management commands, the task worker, `luoshi scan`, the shell) reads
  from the primary unless it opts in with `reading_from_replica()`.
- Inside a transaction on the primary (every service runs in `transaction.atomic()`) reads
  stay on the primary: Django's routers do not look at transactions, this one does.
  `select_for_update()` and `get_or_create()` are writes to Django and go to the primary.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Model
from django.http import FileResponse, HttpRequest, HttpResponse, StreamingHttpResponse

# The alias this request (or block) may read from; the primary unless someone allowed more.
_reads: ContextVar[str] = ContextVar("luoshi_reads", default=DEFAULT_DB_ALIAS)

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
COOKIE = "luoshi_primary_until"
# Reads whose staleness would be felt as a fault rather than a delay stay on the primary:
# the session (a replica behind a fresh sign-in would show the sign-in page again), the
# login throttle's counters and an API token just revoked. Each is one indexed row.
PRIMARY_ONLY = frozenset({"sessions", "axes", "otp_totp", "django_tasks_db"})
PRIMARY_ONLY_MODELS = frozenset({"org.apitoken"})
# Statements that change data, by their first word (a write hidden in a `WITH … INSERT`
# would be missed: the code has none, and such a request is a POST anyway).
WRITES = ("INSERT", "UPDATE", "DELETE", "MERGE", "COPY")


def replicas() -> list[str]:
    return list(getattr(settings, "DATABASE_REPLICAS", []))


def window_seconds() -> float:
    return float(getattr(settings, "READ_YOUR_WRITES_SECONDS", 10))


def pick_replica() -> str:
    aliases = replicas()
    return random.choice(aliases) if aliases else DEFAULT_DB_ALIAS


def current_reads() -> str:
    """The alias reads go to now (for logging and tests)."""
    return _reads.get()


@contextmanager
def reading_from_replica(alias: str | None = None) -> Iterator[str]:
    """Opt in: reads in the block go to a replica (a command or task that can take lag)."""
    token = _reads.set(alias or pick_replica())
    try:
        yield _reads.get()
    finally:
        _reads.reset(token)


@contextmanager
def reading_from_primary() -> Iterator[None]:
    """Reads in the block go to the primary, whatever the request allowed."""
    token = _reads.set(DEFAULT_DB_ALIAS)
    try:
        yield
    finally:
        _reads.reset(token)


def in_primary_transaction() -> bool:
    """True inside an atomic block on the primary opened by the code (not by a test case:
    pytest-django wraps every test in atomic blocks it marks `_from_testcase`, which would
    otherwise send every read of the suite to the primary)."""
    blocks = connections[DEFAULT_DB_ALIAS].atomic_blocks
    return any(not getattr(block, "_from_testcase", False) for block in blocks)


class ReplicaRouter:
    """Django database router: see the module docstring."""

    def db_for_read(self, model: type[Model], **hints: Any) -> str:
        alias = _reads.get()
        if alias == DEFAULT_DB_ALIAS or in_primary_transaction():
            return DEFAULT_DB_ALIAS
        opts = model._meta
        if opts.app_label in PRIMARY_ONLY or opts.label_lower in PRIMARY_ONLY_MODELS:
            return DEFAULT_DB_ALIAS
        return alias

    def db_for_write(self, model: type[Model], **hints: Any) -> str:
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1: Model, obj2: Model, **hints: Any) -> bool | None:
        # A replica holds the primary's rows: a matter read from one and a unit from the
        # other are the same rows, so relating them is allowed.
        pool = {DEFAULT_DB_ALIAS, *replicas()}
        if obj1._state.db in pool and obj2._state.db in pool:
            return True
        return None

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool:
        # Replicas get the schema by replication; migrating them would fail (read-only).
        return db == DEFAULT_DB_ALIAS


class _WriteWatch:
    """An execute wrapper on the primary: notes a write and sends later reads there."""

    def __init__(self) -> None:
        self.wrote = False

    def __call__(self, execute: Callable, sql: str, params: Any, many: bool, context: Any) -> Any:
        if not self.wrote and sql.lstrip()[:6].upper().startswith(WRITES):
            self.wrote = True
            _reads.set(DEFAULT_DB_ALIAS)
        return execute(sql, params, many, context)


def pinned_to_primary(request: HttpRequest) -> bool:
    """The browser acted within the window (its cookie holds the time the window ends)."""
    try:
        until = float(request.COOKIES.get(COOKIE, "0"))
    except ValueError:
        return False
    return time.time() < until


class ReadYourWritesMiddleware:
    """Chooses where a request reads, and pins the browser to the primary after it writes.

    It sits right after SessionMiddleware, so the session's own save at the end of every
    request (SessionLimitsMiddleware notes the time seen) is not taken for the user's write.
    The cookie is not signed: forging it only sends the forger's reads to the primary.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not replicas():
            return self.get_response(request)
        unsafe = request.method not in SAFE_METHODS
        alias = DEFAULT_DB_ALIAS if unsafe or pinned_to_primary(request) else pick_replica()
        watch = _WriteWatch()
        token = _reads.set(alias)
        try:
            with connections[DEFAULT_DB_ALIAS].execute_wrapper(watch):
                response = self.get_response(request)
            # A write may have moved this request to the primary: its stream follows.
            alias = _reads.get()
        finally:
            _reads.reset(token)
        # Exports that stream rows read them after the view returned: they keep this
        # request's alias. A file reads no rows (and wrapping it would lose sendfile).
        if (
            isinstance(response, StreamingHttpResponse)
            and not isinstance(response, FileResponse)
            and alias != DEFAULT_DB_ALIAS
        ):
            response.streaming_content = _reading_from(alias, response.streaming_content)
        if unsafe or watch.wrote:
            window = window_seconds()
            response.set_cookie(
                COOKIE,
                f"{time.time() + window:.3f}",
                max_age=int(window) + 1,
                httponly=True,
                samesite="Lax",
                secure=settings.SESSION_COOKIE_SECURE,
            )
        return response


def _reading_from(alias: str, chunks: Any) -> Iterator[Any]:
    """Each chunk produced with reads on `alias`, set and reset around each step so that
    nothing leaks into the server's code between chunks."""
    iterator = iter(chunks)
    while True:
        token = _reads.set(alias)
        try:
            chunk = next(iterator)
        except StopIteration:
            return
        finally:
            _reads.reset(token)
        yield chunk
