"""What the replica router costs a request (not part of the suite; run it by name):

    .venv/bin/python -m pytest bench/test_replica_router.py -s -p no:warnings
    LUOSHI_DATABASE_URL=postgres://… LUOSHI_TEST_DB_NAME=luoshi_bench_replicas \\
        .venv/bin/python -m pytest bench/test_replica_router.py -s -p no:warnings

Both databases are on this machine, so this measures the router and the middleware (the
per-request choice, the write watch, the cookie), not the load a replica takes off the
primary — that needs a second machine. Writes N open matters by bulk insert, copies every
row into `replica_1` (as a caught-up replica holds them), then times the matter list,
page 1, for a supervisor and a unit handler: without the router, with it reading from the
replica, and with the browser pinned to the primary. Prints BENCH lines: the median and p95
of R requests and the queries each database answered per request.
"""

import statistics
import time
import timeit

import pytest
from django.db import DEFAULT_DB_ALIAS, connections
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from bench.test_ledger_speed import generate
from luoshi.lib import dbrouter
from luoshi.lib.tests.test_dbrouter import REPLICA, replicate
from luoshi.testing import replica_settings

pytestmark = pytest.mark.django_db(databases=[DEFAULT_DB_ALIAS, REPLICA])
MATTERS = 5000
REQUESTS = 40


def timed(client: Client) -> tuple[float, float, int, int]:
    url = reverse("matters:list")
    client.get(url)  # warm: templates, the connection, the planner's caches
    times = []
    with (
        CaptureQueriesContext(connections[DEFAULT_DB_ALIAS]) as primary,
        CaptureQueriesContext(connections[REPLICA]) as replica,
    ):
        for _ in range(REQUESTS):
            started = time.perf_counter()
            assert client.get(url).status_code == 200
            times.append((time.perf_counter() - started) * 1000)
    times.sort()
    p95 = times[int(len(times) * 0.95) - 1]
    return (
        statistics.median(times),
        p95,
        len(primary.captured_queries) // REQUESTS,
        len(replica.captured_queries) // REQUESTS,
    )


def test_router_overhead(city):
    generate(city, MATTERS)
    replicate()
    vendor = connections[DEFAULT_DB_ALIAS].vendor
    for user in (city.supervisor, city.lead_handler):
        client = Client()
        client.force_login(user)
        runs = {"no router": timed(client)}
        with replica_settings([REPLICA]):
            client = Client()
            client.force_login(user)
            runs["replica"] = timed(client)
            client.cookies[dbrouter.COOKIE] = str(time.time() + 3600)
            runs["pinned to primary"] = timed(client)
        for mode, (p50, p95, on_primary, on_replica) in runs.items():
            print(
                f"BENCH replicas {vendor} {user.username} list page 1 ({MATTERS} matters), "
                f"{mode}: p50 {p50:.1f} ms, p95 {p95:.1f} ms, queries/request "
                f"primary {on_primary}, replica {on_replica}"
            )
    router = dbrouter.ReplicaRouter()
    from luoshi.matters.models import Matter

    with replica_settings([REPLICA]), dbrouter.reading_from_replica():
        per_call = timeit.timeit(lambda: router.db_for_read(Matter), number=100_000) / 100_000
    print(f"BENCH replicas {vendor} db_for_read: {per_call * 1e6:.2f} µs per call")
