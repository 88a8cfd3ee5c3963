"""The cockpit's figures are cached under a change stamp (cockpit.queries.cached): a
second look reads no rollup and no backlog, and every change of the data they come
from — a matter registered or assigned, a warning moved by the scan, a unit renamed,
a new day — shows at once."""

import datetime as dt

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from luoshi.matters import services
from luoshi.matters.warnings import scan
from luoshi.org import services as org_services
from luoshi.testing import assigned

pytestmark = pytest.mark.django_db
DAY = dt.datetime(2026, 4, 10, 10, tzinfo=dt.UTC)


def figures(client) -> dict:
    return client.get("/api/cockpit/summary").json()["figures"]


def unit_row(client, unit) -> dict:
    rows = client.get("/api/cockpit/units").json()["units"]
    return next(r for r in rows if r["unit"]["id"] == unit.pk)


def test_a_second_look_reads_neither_rollups_nor_the_backlog(client, city):
    with time_machine.travel(DAY, tick=False):
        assigned(city, deadline=dt.date(2026, 6, 30))
        client.force_login(city.leader)
        first = client.get("/cockpit/")
        with CaptureQueriesContext(connection) as queries:
            again = client.get("/cockpit/")
    assert first.status_code == again.status_code == 200
    read = " ".join(q["sql"] for q in queries.captured_queries)
    assert "cockpit_unitcount" not in read and "item_kind" not in read  # the backlog's UNION
    assert first.content.count(b"/matters/?open=1") == again.content.count(b"/matters/?open=1")


def test_every_change_shows_at_once(client, city):
    client.force_login(city.leader)
    with time_machine.travel(DAY, tick=False):
        before = figures(client)["open"]["value"]
        matter = assigned(city, deadline=dt.date(2026, 4, 20))
        assert figures(client)["open"]["value"] == before + 1  # a new event
        second = assigned(city, title="第二件", deadline=dt.date(2026, 6, 30))
        assert figures(client)["open"]["value"] == before + 2
        services.withdraw_matter(
            second, actor=city.supervisor, version=second.version, reason="重复交办"
        )
        assert figures(client)["open"]["value"] == before + 1  # withdrawn: out again
        overdue = figures(client)["overdue"]["value"]
        assert unit_row(client, city.lead)["unit"]["name"] == "市发改委"
        org_services.rename_unit(city.lead, "市发展改革委", actor=city.admin, version=None)
        assert unit_row(client, city.lead)["unit"]["name"] == "市发展改革委"
    late = dt.datetime(2026, 5, 6, 10, tzinfo=dt.UTC)
    with time_machine.travel(late, tick=False):
        scan(today=late.date())  # the deadline passed: the scan moves the warning, no event
        assert figures(client)["overdue"]["value"] == overdue + 1
    matter.refresh_from_db()
    assert matter.warning == "overdue"
