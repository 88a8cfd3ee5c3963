"""PostgreSQL's planner statistics: the bulk paths ANALYZE what they wrote, and the
`database` system check warns when statistics can go stale. SQLite: neither applies."""

import datetime as dt

import pytest
import time_machine
from django.core import checks
from django.db import connection
from django.test.utils import CaptureQueriesContext

from luoshi.lib import planner
from luoshi.matters import services
from luoshi.matters.models import Matter
from luoshi.matters.services import MatterSpec, NewMatter
from luoshi.testing import register

pytestmark = pytest.mark.django_db
postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="PostgreSQL's statistics"
)
NOW = dt.datetime(2026, 3, 2, 9, tzinfo=dt.UTC)


def warnings_ids() -> set[str]:
    found = checks.run_checks(tags=[checks.Tags.database], databases=["default"])
    return {m.id for m in found if m.id and m.id.startswith("luoshi.W10")}


def forget_analyze() -> None:
    """As if the matters had never been analyzed (this test database's counters only)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_stat_reset_single_table_counters(%s::regclass)",
            [Matter._meta.db_table],
        )


def batch(city, n: int) -> list[NewMatter]:
    return [
        NewMatter(MatterSpec(title=f"第{i}项", source="work_report", lead_unit=city.lead))
        for i in range(n)
    ]


def test_sqlite_check_says_nothing(city):
    if connection.vendor == "postgresql":
        pytest.skip("SQLite only")
    register(city)
    assert warnings_ids() == set()


@postgres_only
def test_matters_never_analyzed_warn_until_analyzed(city):
    register(city)
    forget_analyze()
    assert "luoshi.W102" in warnings_ids()
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {Matter._meta.db_table}")
    assert "luoshi.W102" not in warnings_ids()


@postgres_only
def test_no_rows_no_warning(db):
    forget_analyze()
    assert "luoshi.W102" not in warnings_ids()


@postgres_only
def test_autovacuum_off_warns(db, monkeypatch):
    # autovacuum is a server-wide setting (a test must not turn it off or on for everyone
    # on the machine): the check reads it as if it were each value in turn.
    monkeypatch.setattr(planner, "_setting", lambda cursor, name: "on")
    assert "luoshi.W101" not in warnings_ids()
    monkeypatch.setattr(planner, "_setting", lambda cursor, name: "off")
    assert "luoshi.W101" in warnings_ids()


@pytest.mark.parametrize("size,analyzed", [(3, True), (1, False)])
def test_a_large_bulk_registration_analyzes_what_it_wrote(
    city, monkeypatch, django_capture_on_commit_callbacks, size, analyzed
):
    monkeypatch.setattr(planner, "BULK_ANALYZE_ROWS", 2)
    with (
        time_machine.travel(NOW, tick=False),
        CaptureQueriesContext(connection) as captured,
        django_capture_on_commit_callbacks(execute=True),
    ):
        services.register_matters(batch(city, size), actor=city.supervisor)
    ran = [q["sql"] for q in captured.captured_queries if q["sql"].startswith("ANALYZE")]
    if connection.vendor != "postgresql" or not analyzed:
        assert ran == []
    else:
        assert ran == [
            'ANALYZE "matters_matter", "matters_matterunit", "matters_milestone", '
            '"matters_matterevent"'
        ]
