"""Exact query counts of the main pages and API endpoints, at two sizes of data.

Each page is asked at a small and a larger city (more matters, reports, co-units,
hastenings, project months, enterprise problems). The count must be the number below
at both sizes: a query per row (N+1) makes the larger size differ, and any new query
shows as a changed number. When a change adds a query on purpose, update the number
here in the same commit and say why.

Counts include the session and the user of the request (2 queries).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from luoshi.matters import services
from luoshi.testing import accepted

NOW = dt.datetime(2026, 4, 10, 10, tzinfo=dt.UTC)
SIZES = [2, 8]

# (name, persona, url from the world) → exact queries.
PAGES: list[tuple[str, str, Callable, int]] = [
    # The office's desk: its bucket sections from the rollups (1), its pending disputes
    # and extensions each counted from the pending rows (2), not one pass over every matter.
    # The backlog card reads the oldest items of each of its four kinds in its index's
    # order (4, was 1 UNION sorting every item); the sections read their first ids, then
    # all their rows at once (1 more).
    ("desk (supervisor)", "supervisor", lambda w: "/", 17),
    ("desk (handler)", "lead_handler", lambda w: "/", 7),
    # The matter lists: one grouped query gives the count and both facets (was COUNT(*) + a
    # query per facet, 2 more), and the unit picker searches as the user types (org:search)
    # instead of reading every unit for a dropdown (1 more) — issue 15. A page reads the
    # matters alone and their lead units and leaders by id (2 more, whatever the rows):
    # joined, an OFFSET joined every skipped row and a keyset page sorted the rest
    # (matters/paging.py). A list whose exact count is short is sorted by the app: its ids
    # and ordering columns, then the page's rows (1 more; paging._sorted_here) — unless
    # it was counted from a unit's kept rows and is read by deadline (a handler's: the
    # first pages walk the index, paging._walked).
    ("matter list (supervisor)", "supervisor", lambda w: "/matters/", 10),
    ("matter list (handler)", "lead_handler", lambda w: "/matters/", 8),
    ("matter page (handler)", "lead_handler", lambda w: f"/matters/{w.matter.pk}/", 12),
    ("matter page (supervisor)", "supervisor", lambda w: f"/matters/{w.matter.pk}/", 12),
    # The cockpit's cached figures read their change stamp first (3 queries; the cache
    # is empty at each test: these are the counts of a first look).
    ("cockpit", "leader", lambda w: "/cockpit/", 20),
    ("project page", "supervisor", lambda w: f"/projects/{w.project.pk}/", 14),  # no unit list
    ("enterprise page", "supervisor", lambda w: f"/enterprises/{w.enterprise.pk}/", 10),
    ("API matter list", "supervisor", lambda w: "/api/matters/", 10),  # sorted here: 1 more
    ("API matter list (handler)", "lead_handler", lambda w: "/api/matters/", 9),  # walked
    ("API matter", "lead_handler", lambda w: f"/api/matters/{w.matter.pk}", 12),
    ("API matter events", "lead_handler", lambda w: f"/api/matters/{w.matter.pk}/events", 5),
    ("API matter reports", "lead_handler", lambda w: f"/api/matters/{w.matter.pk}/reports", 6),
    ("API cockpit summary", "leader", lambda w: "/api/cockpit/summary", 11),
    ("API cockpit units", "leader", lambda w: "/api/cockpit/units", 8),
    ("API cockpit blueprint", "leader", lambda w: "/api/cockpit/blueprint", 4),
    ("API project", "supervisor", lambda w: f"/api/projects/{w.project.pk}", 12),
    ("API projects", "supervisor", lambda w: "/api/projects/", 8),
    ("API enterprises", "supervisor", lambda w: "/api/enterprises/", 4),
    ("API enterprise problems", "supervisor", lambda w: "/api/enterprises/problems", 4),
]


def grow(city, n: int):
    """`n` of everything the pages list: matters (co-units, reports, hastenings), months
    and stages of one project, problems and liaisons of one enterprise."""
    from luoshi.enterprises.tests.helpers import enterprise, received
    from luoshi.projects import services as projects
    from luoshi.projects.tests.helpers import project

    matters = []
    for index in range(n):
        matter = accepted(city, title=f"推进第{index}批老旧小区改造", deadline=dt.date(2026, 6, 30))
        matter = services.accept_matter(matter, actor=city.co_handler, version=None)
        services.report_progress(
            matter, actor=city.lead_handler, version=None, text="已开工", percent=10 + index
        )
        services.hasten_matter(matter, actor=city.supervisor, message="请加快进度")
        matters.append(matter)
    city.matter = matters[0]
    city.project = project(city, name="新能源电池产业园")
    for month in range(1, min(n, 3) + 1):
        city.project.refresh_from_db()
        projects.report_month(
            city.project, year=2026, month=month, completed=Decimal(100 * month),
            funds_in_place=Decimal(80 * month), actor=city.supervisor,
            version=city.project.version,
        )  # fmt: skip
    city.enterprise = enterprise(city)
    for index in range(n):
        received(city, city.enterprise, title=f"用电增容第{index}项")
    return city


@pytest.fixture(params=SIZES, ids=[f"{n} of each" for n in SIZES])
def world(request, city):
    with time_machine.travel(NOW, tick=False):
        yield grow(city, request.param)


@pytest.mark.parametrize(
    ("name", "persona", "url", "expected"), PAGES, ids=[page[0] for page in PAGES]
)
def test_exact_queries(client, world, name, persona, url, expected):
    client.force_login(getattr(world, persona))
    with time_machine.travel(NOW, tick=False), CaptureQueriesContext(connection) as queries:
        response = client.get(url(world))
    assert response.status_code == 200, (name, response.status_code)
    listing = "\n".join(q["sql"][:160] for q in queries.captured_queries)
    assert len(queries) == expected, f"{name}: {len(queries)} queries, not {expected}\n{listing}"
