"""The supervisor's matter list at scale (issue 15): the count and facets from one grouped
query, deep pages, text search by a fragment from the middle of a title, and — on
PostgreSQL — plans of the hot list queries that read an index, never the whole table."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from luoshi.matters import paging
from luoshi.matters.filters import ORDERINGS
from luoshi.matters.models import Matter, MatterWarning, State
from luoshi.matters.paging import encode
from luoshi.testing import assigned

from .pagetools import many_matters

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 4, 10, 10, tzinfo=dt.UTC)


def listing(client, **params):
    return client.get(reverse("matters:list"), params)


def titles(response) -> list[str]:
    return [m.title for m in response.context["page_obj"]]


@time_machine.travel(NOW, tick=False)
def test_the_count_is_the_sum_of_the_facets_on_the_page_and_the_api(client, city):
    assigned(city, title="甲")
    assigned(city, title="乙")
    client.force_login(city.supervisor)
    total = Matter.objects.count()
    page = listing(client)
    facets = page.context["facets"]
    assert page.context["count"].total == total == sum(facets["state"].values())
    assert f"{total} matters" in page.content.decode()
    api = client.get("/api/matters/", {"state": State.ASSIGNED}).json()
    assigned_total = Matter.objects.filter(state=State.ASSIGNED).count()
    assert api["count"] == assigned_total == api["facets"]["state"][State.ASSIGNED]
    assert api["facets"]["warning"] == {MatterWarning.NORMAL: assigned_total}


@time_machine.travel(NOW, tick=False)
def test_deep_pages_are_reached_and_a_page_past_the_end_shows_the_last(client, city):
    many_matters(city, 55)
    client.force_login(city.supervisor)
    total = Matter.objects.count()
    last = -(-total // 25)
    assert last >= 3
    deep = listing(client, ordering="serial", page=last)
    html = deep.content.decode()
    assert deep.context["page_obj"].number == last
    assert len(titles(deep)) == total - 25 * (last - 1)
    assert f"Page {last} of {last}" in html and f"page={last - 1}" in html
    assert titles(listing(client, ordering="serial", page=999)) == titles(deep)
    api = client.get("/api/matters/", {"ordering": "serial", "page": last, "page_size": 25})
    body = api.json()
    assert (body["count"], body["pages"]) == (total, last)
    assert [item["title"] for item in body["items"]] == titles(deep)


@time_machine.travel(NOW, tick=False)
def test_search_finds_a_title_by_a_fragment_from_its_middle(client, city):
    old_town = assigned(city, title="推进老旧小区改造工程")
    assigned(city, title="招商引资重点项目")
    latin = assigned(city, title="建设5G基站ABC二期")
    client.force_login(city.supervisor)
    assert titles(listing(client, q="小区改造")) == ["推进老旧小区改造工程"]
    assert titles(listing(client, q="旧小")) == ["推进老旧小区改造工程"]  # below a trigram
    assert titles(listing(client, q="g基站abc")) == ["建设5G基站ABC二期"]  # any case
    api = client.get("/api/matters/", {"q": "旧小区改"}).json()
    assert [item["id"] for item in api["items"]] == [old_town.pk] and api["count"] == 1
    serial = f"{latin.serial_year}年{latin.serial_no}号"
    assert latin.pk in [
        item["id"] for item in client.get("/api/matters/", {"q": serial}).json()["items"]
    ]


# ---- plans on PostgreSQL -----------------------------------------------------------

GENERATED = 6000


def generate(city) -> None:
    """GENERATED assigned matters, a twentieth of them overdue, with distinct titles.
    (The trigram indexes of migration 0012 are made for the suite by luoshi/conftest.py.)"""
    today = NOW.date()
    Matter.objects.bulk_create(
        Matter(
            kind="task",
            source="meeting",
            title=f"第{i}号 推进{'东西南北中'[i % 5]}片区改造 批次{i * 7919 % 100003}",
            serial_year=2025,
            serial_no=100_000 + i,
            lead_unit=city.lead,
            state=State.IN_PROGRESS if i % 10 else State.ASSIGNED,
            warning=MatterWarning.OVERDUE if i % 20 == 0 else MatterWarning.NORMAL,
            deadline=today + dt.timedelta(days=i % 400 - 100),
            progress=i % 100,
            created_by=city.supervisor,
        )
        for i in range(GENERATED)
    )
    # The cockpit's rollups as the services would have kept them: the supervisor's list
    # counts come from them, and a short exact count would sort the list in the app.
    from luoshi.cockpit import rollups

    rollups.rebuild(today)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE matters_matter")


def plans(client, params: dict) -> list[str]:
    """EXPLAIN of each query of the list page that reads the matters table.

    With sequential scans priced out (for this test's transaction only): the question is
    whether an index can serve each query at all, not how the planner weighs a 6,000-row
    table against indexes that a long test session has bloated with rolled-back rows
    (the trigram GIN indexes' pending lists grow with every rolled-back insert until a
    VACUUM; the whole suite once tipped the text search's count to a Seq Scan that way).
    A query no index can serve still shows a Seq Scan.
    """
    with CaptureQueriesContext(connection) as captured:
        assert listing(client, **params).status_code == 200
    return [f"{sql}\n{plan}" for sql, plan in explained(captured)]


def explained(captured: CaptureQueriesContext) -> list[tuple[str, str]]:
    """(sql, EXPLAIN) of each captured query that reads the matters table, sequential
    scans priced out for this test's transaction (see `plans`)."""
    out = []
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        for query in captured.captured_queries:
            if 'FROM "matters_matter"' not in query["sql"] or query["sql"].startswith("EXPLAIN"):
                continue  # the planner's estimate a list asks for reads no row
            cursor.execute("EXPLAIN " + query["sql"])
            out.append((query["sql"], "\n".join(row[0] for row in cursor.fetchall())))
    return out


def cursor(ordering: str, position: int) -> str:
    """The cursor after the matter at `position` of the list in `ordering`."""
    matter = Matter.objects.order_by(*ORDERINGS[ordering])[position]
    return encode(matter, ordering)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="reads PostgreSQL plans")
@time_machine.travel(NOW, tick=False)
@pytest.mark.parametrize(
    ("name", "params"),
    [
        # The supervisor's unfiltered and facet-only counts come from the rollups, so
        # every query of these pages is held to an index, the count's included.
        ("page 1, by deadline", {}),
        ("overdue", {"warning": "overdue"}),
        ("open", {"open": "1"}),
        ("text search", {"q": "批次71755"}),  # one title (i = 1234)
        ("page 1, by progress", {"ordering": "progress"}),
        ("newest updated", {"ordering": "-updated"}),
        # A filter the rollups do not hold: a capped count over an index.
        ("kind", {"kind": "task"}),
        # Deep pages by cursor and by a jump: an index range, never a sort of all.
        ("deep page by deadline", {"after": lambda: cursor("deadline", 4000)}),
        ("deep page, latest deadline first", {"before": lambda: cursor("-deadline", 5000)}),
        (
            "deep page by progress",
            {"ordering": "progress", "after": lambda: cursor("progress", 4000)},
        ),
        ("deep page by serial", {"ordering": "-serial", "after": lambda: cursor("-serial", 4000)}),
        # Every generated matter has the same updated_at: a cursor inside that run of
        # equal values is estimated at one row, which once made sorting the rest look cheap.
        (
            "deep page back by update",
            {"ordering": "-updated", "before": lambda: cursor("-updated", 3000)},
        ),
        ("jump to a deadline", {"start": "2026-09-01"}),
        ("jump to a day updated", {"ordering": "-updated", "start": "2026-04-09"}),
    ],
)
def test_hot_list_queries_never_scan_the_whole_matters_table(
    client, city, monkeypatch, name, params
):
    # The generated list is short enough for the app to sort (paging.SORTED_HERE_ROWS):
    # held lower here, the pages are read in an index's order as a long list's are.
    monkeypatch.setattr(paging, "SORTED_HERE_ROWS", 100)
    generate(city)
    client.force_login(city.supervisor)
    params = {k: v() if callable(v) else v for k, v in params.items()}
    found = plans(client, params)
    page = [plan for plan in found if "LIMIT" in plan.split("\n", 1)[0]]
    assert page, found
    for plan in found:
        assert "Seq Scan on matters_matter" not in plan, f"{name}:\n{plan}"
        if "after" in params or "before" in params or "start" in params:
            assert "Sort" not in plan.split("\n", 1)[1], f"{name} sorts:\n{plan}"


@pytest.mark.skipif(connection.vendor != "postgresql", reason="reads PostgreSQL plans")
@time_machine.travel(NOW, tick=False)
def test_the_supervisors_desk_reads_no_whole_table(client, city):
    """The desk's counts from the rollups and the pending rows; each list a bounded read."""
    from luoshi.cockpit.rollups import rebuild

    generate(city)
    rebuild()  # the generated rows were written behind the services' back
    client.force_login(city.supervisor)
    with CaptureQueriesContext(connection) as captured:
        desk = client.get(reverse("matters:desk"))
    sections = {s["key"]: s for s in desk.context["sections"]}
    assert sections["overdue"]["count"] == GENERATED // 20 and sections["overdue"]["items"]
    for sql, plan in explained(captured):
        assert "Seq Scan on matters_matter" not in plan, f"{sql}\n{plan}"
        # Counts only of the pending rulings' few matters; lists a page at most, or the
        # rows of the ids those pages found.
        if "COUNT(" in sql:
            assert "matters_dispute" in sql or "matters_extension" in sql
        else:
            assert "LIMIT" in sql or 'WHERE "matters_matter"."id" IN (' in sql, sql
