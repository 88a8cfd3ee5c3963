"""A warning scan killed half-way and run again ends where an uninterrupted scan ends.

The scan runs as `luoshi scan` in a process of its own (scan_runner.py) against a file
database, at a pinned time; it is made to hang half-way — after its UPDATE, before the
notices; half-way through the cockpit's counts; after every listener — and killed
with SIGKILL. The killed scan must have left nothing, and its rerun must give,
table by table and row by row, the database an uninterrupted scan gives.
"""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
import time_machine
from django.conf import settings
from django.db import connection

from luoshi.matters.models import Matter
from luoshi.testing import accepted, assigned

from .tables import count, database, differences

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        "postgres" in os.environ.get("LUOSHI_DATABASE_URL", ""),
        reason="the killed scan runs against a SQLite file database copied from the test's",
    ),
]
ASSIGNED_AT = dt.datetime(2026, 2, 2, 9, tzinfo=dt.UTC)
SCAN_AT = "2026-03-10T09:00:00+00:00"
KILL_POINTS = [
    "luoshi.matters.warnings:_send_digests",  # warnings updated, notices not yet written
    "luoshi.cockpit.rollups:upsert_adding:2",  # live counts moved, the day's changes not yet
    "listeners",  # everything done but the commit
]


def build_city_to_scan(city) -> list[Matter]:
    """Matters of three units that the scan will find overdue, due soon or stalled."""
    with time_machine.travel(ASSIGNED_AT, tick=False):
        return [
            accepted(city, title="推进重点项目签约落地", deadline=dt.date(2026, 3, 2)),
            accepted(city, title="优化营商环境十条措施", deadline=dt.date(2026, 3, 12)),
            assigned(
                city, title="老旧小区改造（一期）", lead=city.other, deadline=dt.date(2026, 3, 5)
            ),
            assigned(
                city, title="城关街道背街小巷整治", lead=city.street, deadline=dt.date(2026, 6, 30)
            ),
            accepted(city, title="全年招商引资目标", ongoing=True),
        ]


def copy_of_test_database(path: Path) -> str:
    """The in-memory test database, copied with SQLite's online backup API."""
    connection.ensure_connection()
    with sqlite3.connect(path) as target:
        connection.connection.backup(target)
    return f"sqlite:///{path}"


def run_scan(url: str, *hang: str) -> subprocess.Popen:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "luoshi.settings",
        "LUOSHI_DATABASE_URL": url,
        "LUOSHI_SECRET_KEY": "test",
    }
    command = [sys.executable, "-m", "luoshi.operations.tests.scan_runner", SCAN_AT, *hang]
    return subprocess.Popen(
        command, env=env, cwd=settings.BASE_DIR, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )


def finished(process: subprocess.Popen) -> str:
    out, err = process.communicate(timeout=120)
    assert process.returncode == 0, err.decode()
    return out.decode()


def kill_half_way(url: str, point: str, flag: Path) -> None:
    process = run_scan(url, point, str(flag))
    deadline = time.monotonic() + 120
    while not flag.exists():
        if process.poll() is not None:
            pytest.fail(f"the scan ended before {point}: {process.stderr.read().decode()}")
        assert time.monotonic() < deadline, f"the scan never reached {point}"
        time.sleep(0.05)
    process.kill()  # SIGKILL: no cleanup, no rollback by the process itself
    process.wait(30)


@pytest.mark.parametrize("point", KILL_POINTS)
def test_a_scan_killed_half_way_and_rerun_ends_as_an_uninterrupted_one(city, tmp_path, point):
    build_city_to_scan(city)
    before = copy_of_test_database(tmp_path / "before.sqlite3")
    reference = copy_of_test_database(tmp_path / "reference.sqlite3")
    killed = copy_of_test_database(tmp_path / "killed.sqlite3")

    output = finished(run_scan(reference))
    assert "overdue 2" in output and "stalled 3" in output
    kill_half_way(killed, point, tmp_path / "flag")
    with database(before, "before") as a, database(killed, "killed") as b:
        assert differences(a, b) == []  # the killed scan left nothing behind
    finished(run_scan(killed))

    with database(reference, "reference") as a, database(killed, "killed") as b:
        assert differences(a, b) == []
        assert count(b, "notifications_notification") > 0
        with b.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM matters_matter WHERE warning = 'overdue'")
            assert cursor.fetchone()[0] == 2
