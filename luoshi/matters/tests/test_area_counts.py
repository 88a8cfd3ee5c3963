"""A head with units below reads their area's kept matter counts (matters.areacounts):
each matter once, however many of the area's units hold it; the desk and the lists show
what the matters themselves give; a unit moved takes its matters from the areas it
leaves to those it joins. The services' and the scans' deltas are held to a recount in
test_part_counts (one loop, both tables)."""

import datetime as dt
import re
from collections import Counter

import pytest
from django.db import connection
from django.urls import reverse

from luoshi.matters import areacounts, paging, queries, services
from luoshi.matters.models import OPEN_STATES, AreaCount, Matter, MatterWarning
from luoshi.matters.tests.test_part_counts import _district_matter, area_recount, at
from luoshi.matters.warnings import scan
from luoshi.org import services as org_services
from luoshi.org.access import access_for
from luoshi.org.models import Unit
from luoshi.testing import assigned

pytestmark = pytest.mark.django_db
D = dt.date


@pytest.fixture
def district(city):
    """The district and its street hold matters in several sections, one of them both;
    the departments hold others the district's head does not see."""
    with at(D(2026, 3, 2)):
        city.both = _district_matter(city, city.street, [city.district])  # overdue by 3-12
        _district_matter(city, city.street, accept=False)  # overdue, the street's to accept
        _district_matter(city, city.district, deadline=D(2026, 3, 13))
        _district_matter(city, city.district, [city.street], deadline=D(2026, 9, 30))
        for day in (5, 6, 9, 10, 10):  # the street's own, spread over the days
            _district_matter(city, city.street, deadline=D(2026, 3, day))
        for _ in range(2):  # ongoing (持续推进): no deadline, last or first by deadline
            spec = services.MatterSpec(
                title="持续推进背街小巷整治", source="meeting", lead_unit=city.street, ongoing=True
            )
            matter = services.register_matter(spec, actor=city.supervisor)
            services.assign_matter(matter, actor=city.supervisor, version=matter.version)
        assigned(city, deadline=D(2026, 3, 10))  # the lead and co departments': not seen
    with at(D(2026, 3, 12), 1):
        scan(D(2026, 3, 12))
    return city


def test_only_the_head_of_one_unit_reads_an_area(district):
    area = areacounts.area_of
    assert area(access_for(district.district_head)) == district.district.pk
    assert area(access_for(district.lead_head)) == district.lead.pk  # an area of one unit
    for user in (district.street_handler, district.supervisor, district.leader):
        assert area(access_for(user)) is None
    org_services.grant_roles([(district.district_head, district.other, "handler")], actor=None)
    del district.district_head._luoshi_access  # the per-request cache
    assert area(access_for(district.district_head)) is None  # sees more than the area


@pytest.mark.parametrize(
    "params",
    [{}, {"open": "1"}, {"warning": "overdue"}, {"state": "accepted"}, {"ordering": "-deadline"}],
)
def test_an_area_list_counts_each_matter_once_and_pages_as_the_matters_order(
    client, district, params
):
    head = district.district_head
    client.force_login(head)
    with at(D(2026, 3, 12)):
        response = client.get(reverse("matters:list"), params)
        pages = [
            client.get("/api/matters/", {**params, "page_size": 3, "page": n}).json()
            for n in (1, 2)
        ]
    assert response.status_code == 200
    count = response.context["count"]
    rows = Matter.objects.visible_to(head)
    if params.get("warning"):
        rows = rows.filter(warning=params["warning"])
    if params.get("state"):
        rows = rows.filter(state=params["state"])
    if params.get("open"):
        rows = rows.filter(state__in=OPEN_STATES)
    assert count.exact and count.walkable  # from the area's kept rows: no own rows read
    assert count.total == rows.count() > 0
    assert count.facets["state"] == dict(Counter(rows.values_list("state", flat=True)))
    ordering = ("-deadline", "-id") if params.get("ordering") else ("deadline", "id")
    ordered = list(rows.order_by(*ordering).values_list("pk", flat=True))
    assert [m.pk for m in response.context["page_obj"]] == ordered[:20]
    # the API's pages of 3, walked in the database's order, as the matters' order
    assert [item["id"] for page in pages for item in page["items"]] == ordered[:6]
    assert pages[0]["count"] == count.total


@pytest.mark.parametrize("ordering", ["deadline", "-deadline"])
def test_pages_walked_and_pages_sorted_here_follow_one_order(
    client, district, monkeypatch, ordering
):
    """The first pages are walked in the database's order (paging._walked), the deeper
    sorted here: one page at a time across the boundary, with equal deadlines and the
    undated ongoing matters, the pages give each matter once, in the ORDER BY's order
    (NULLs where this database puts them, ties by id)."""
    monkeypatch.setattr(paging, "WALKED_ROWS", 3)
    head = district.district_head
    client.force_login(head)
    rows = Matter.objects.visible_to(head).filter(state__in=OPEN_STATES)
    total = rows.count()
    with at(D(2026, 3, 12)):
        pages = [
            client.get(
                "/api/matters/", {"open": "1", "ordering": ordering, "page_size": 1, "page": n}
            )
            for n in range(1, total + 1)
        ]
    read = [page.json()["items"][0]["id"] for page in pages]
    last = connection.features.nulls_order_largest  # undated last ascending (PostgreSQL)
    matters = list(rows.values_list("deadline", "pk"))
    matters.sort(key=lambda row: ((row[0] is None) == last, row[0] or D.min, row[1]))
    expected = [pk for _deadline, pk in matters]
    assert read == (expected if ordering == "deadline" else expected[::-1])
    assert total > 3 and any(deadline is None for deadline, _pk in matters)


def test_the_area_desk_counts_each_matter_once(client, district):
    head = district.district_head
    with at(D(2026, 3, 12)):
        counts = queries.desk_counts(head)
    assert counts == queries._joined_desk_counts(head, access_for(head))
    overdue = Matter.objects.visible_to(head).filter(warning=MatterWarning.OVERDUE)
    assert counts["overdue"] == overdue.count() >= 2
    assert district.both in overdue  # held by both the district and its street: once


def test_a_unit_moved_takes_its_matters_to_the_areas_it_joins(client, district):
    """The street moves from the district to the city's root: the district's area no
    longer holds the street's matters, the root's still does, once each."""
    head = district.district_head
    before = queries.desk_counts(head)
    street = Unit.objects.get(pk=district.street.pk)
    with at(D(2026, 3, 12)):
        org_services.move_unit(street, district.city, actor=district.admin, version=None)
        assert Counter(areacounts.kept()) == area_recount()
        del head._luoshi_access  # the next request's: the street no longer below
        counts = queries.desk_counts(head)
        assert counts == queries._joined_desk_counts(head, access_for(head))
    assert counts["overdue"] < before["overdue"]
    # the district's own matters remain; `both` stays through the district's co-part
    assert Matter.objects.visible_to(head).filter(pk=district.both.pk).exists()
    client.force_login(head)
    with at(D(2026, 3, 12)):
        html = client.get(reverse("matters:desk")).content.decode()
    shown = dict(re.findall(r'id="count-([a-z_]+)">\s*<span class="n">(\d+)</span>', html))
    assert int(shown["overdue"]) == counts["overdue"]


@pytest.mark.parametrize("to", ["co", "other_below_lead", "top"])
def test_a_unit_with_units_below_moved_anywhere_keeps_every_area_right(district, to):
    """The district (with its street) moves under a department, under a unit two levels
    down, or to the top: every area — those it left, those it joined, the root, itself —
    holds what a recount finds."""
    if to == "other_below_lead":
        other = Unit.objects.get(pk=district.other.pk)
        org_services.move_unit(other, district.lead, actor=district.admin, version=None)
        parent = Unit.objects.get(pk=district.other.pk)
    else:
        parent = None if to == "top" else district.co
    moved = Unit.objects.get(pk=district.district.pk)
    with at(D(2026, 3, 12)):
        org_services.move_unit(moved, parent, actor=district.admin, version=None)
    assert Counter(areacounts.kept()) == area_recount()
    if parent is not None:
        assert any(area == parent.pk for area, _s, _w in areacounts.kept())


def test_a_recount_finds_the_kept_rows_right_and_mends_them_when_not(district):
    assert areacounts.rebuild() == 0
    kept = areacounts.kept()
    key = next(iter(kept))
    AreaCount.objects.create(area_id=key[0], state=key[1], warning=key[2], n=5)  # drift
    assert areacounts.rebuild() == 1
    assert areacounts.kept() == kept


def test_a_scan_moving_many_matters_moves_the_areas_set_based(city):
    """Past history.ROW_BY_ROW_UNTIL moves the scan syncs set-based (areacounts.
    sync_moves): the street's matters, half of them co-held by the district, all turn
    overdue at once, and the areas hold each once."""
    from luoshi.matters import history

    with at(D(2026, 3, 2)):
        for n in range(history.ROW_BY_ROW_UNTIL + 4):
            co = [city.district] if n % 2 else []
            _district_matter(city, city.street, co, deadline=D(2026, 3, 4 + n % 3))
    for day in (D(2026, 3, 3), D(2026, 3, 12)):
        with at(day, 1):
            changed = scan(day)
        assert Counter(areacounts.kept()) == area_recount(), day
    assert changed[MatterWarning.OVERDUE] > history.ROW_BY_ROW_UNTIL
    head = city.district_head
    with at(D(2026, 3, 12)):
        assert queries.desk_counts(head)["overdue"] == history.ROW_BY_ROW_UNTIL + 4
