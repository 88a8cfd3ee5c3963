"""The list's count and its pages at any depth (issue 15), through the page and the API.

- A user who sees every matter gets exact counts from the cockpit's rollups when the
  filter is one of theirs (state, warning, open, lead unit): always the real number.
- Any other list is counted up to COUNT_CAP: exact below it, "N+" past it (the page says
  so; the API says `count_is_exact: false`), and its pages still go on.
- Next / Previous are keyset cursors: walking them gives every matter once, in the
  list's order, for every ordering (empty deadlines included); `start` jumps.
"""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from luoshi.matters import counts, paging, services
from luoshi.matters.filters import ORDERINGS
from luoshi.matters.models import Matter, MatterKind, State
from luoshi.matters.views import lists
from luoshi.matters.warnings import scan
from luoshi.testing import assigned, register

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 4, 10, 10, tzinfo=dt.UTC)
TODAY = NOW.date()


def listing(client, **params):
    return client.get(reverse("matters:list"), params)


def api(client, **params) -> dict:
    response = client.get("/api/matters/", params)
    assert response.status_code == 200, response.content
    return response.json()


def some_matters(city, n: int = 12) -> list[Matter]:
    """`n` assigned matters with tied deadlines (three a day), two of them ongoing."""
    made = []
    for i in range(n):
        if i in (3, 8):
            made.append(assigned(city, title=f"常态{i}", ongoing=True))
        else:
            made.append(assigned(city, title=f"事项{i}", deadline=TODAY + dt.timedelta(i // 3)))
    return made


# ---- counts -----------------------------------------------------------------------


@time_machine.travel(NOW, tick=False)
def test_the_supervisors_counts_are_read_from_the_rollups_and_are_the_real_numbers(client, city):
    made = some_matters(city, 6)
    register(city, title="草稿")
    services.accept_matter(made[0], actor=city.lead_handler, version=made[0].version)
    with time_machine.travel(NOW + dt.timedelta(days=3), tick=False):
        scan(notify_units=False)  # deadlines pass: warnings move, rollups with them
        client.force_login(city.supervisor)
        cases = [{}, {"open": "1"}, {"state": State.ASSIGNED}, {"warning": "overdue"}]
        cases += [{"lead_unit": city.lead.pk}, {"state": "accepted,assigned", "warning": "normal"}]
        for params in cases:
            expected = _real(city.supervisor, params)
            with CaptureQueriesContext(connection) as captured:
                page = listing(client, **params)
            assert page.context["count"].exact and page.context["count"].total == expected, params
            assert not [
                q for q in captured if "COUNT(" in q["sql"] and "matters_matter" in q["sql"]
            ]
            body = api(client, **params)
            assert (body["count"], body["count_is_exact"]) == (expected, True), params
            assert sum(body["facets"]["state"].values()) == expected
        assert "overdue" in api(client)["facets"]["warning"]


@time_machine.travel(NOW, tick=False)
def test_a_leaders_rollup_count_leaves_out_drafts(client, city):
    some_matters(city, 3)
    register(city, title="草稿")
    client.force_login(city.leader)
    body = api(client)
    assert body["count"] == Matter.objects.visible_to(city.leader).count() == 3
    assert State.DRAFT not in body["facets"]["state"]


def _real(user, params: dict) -> int:
    from luoshi.matters.filters import MatterFilter

    return MatterFilter.from_params(params).apply(Matter.objects.visible_to(user)).count()


@time_machine.travel(NOW, tick=False)
def test_other_filters_are_counted_exactly_below_the_cap(client, city):
    some_matters(city, 5)
    client.force_login(city.supervisor)
    page = listing(client, kind=MatterKind.TASK)
    assert page.context["count"].exact and page.context["count"].total == 5
    assert "5 matters" in page.content.decode()
    client.force_login(city.lead_handler)  # a unit's user: counted, never from rollups
    body = api(client, deadline_from=TODAY.isoformat())
    expected = _real(city.lead_handler, {"deadline_from": TODAY.isoformat()})
    assert (body["count"], body["count_is_exact"]) == (expected, True) == (4, True)


@time_machine.travel(NOW, tick=False)
def test_past_the_cap_the_count_is_labelled_and_the_pages_go_on(client, city, monkeypatch):
    some_matters(city, 7)
    monkeypatch.setattr(counts, "COUNT_CAP", 4)
    client.force_login(city.supervisor)
    page = listing(client, kind=MatterKind.TASK)
    html = page.content.decode()
    assert not page.context["count"].exact and "4+ matters" in html
    assert page.context["facets"] == {"state": {}, "warning": {}}
    body = api(client, kind=MatterKind.TASK, page_size=5)
    assert (body["count"], body["count_is_exact"], body["pages"]) == (4, False, 1)
    assert len(body["items"]) == 5 and body["next"]
    rest = api(client, kind=MatterKind.TASK, page_size=5, after=body["next"])
    assert len(rest["items"]) == 2 and rest["next"] is None
    # The rollups' lists are exact whatever their size.
    assert api(client)["count_is_exact"] is True


# ---- pages ------------------------------------------------------------------------


def walk_api(client, ordering: str, size: int = 5) -> list[int]:
    ids, cursor = [], None
    while True:
        params = {"ordering": ordering, "page_size": size}
        body = api(client, **params, **({"after": cursor} if cursor else {}))
        ids += [item["id"] for item in body["items"]]
        cursor = body["next"]
        if cursor is None:
            return ids


@time_machine.travel(NOW, tick=False)
@pytest.mark.parametrize("ordering", sorted(ORDERINGS))
def test_next_cursors_walk_every_matter_once_in_order(client, city, ordering):
    some_matters(city)
    Matter.objects.filter(title="事项5").update(progress=40)  # one progress differs
    client.force_login(city.supervisor)
    expected = list(Matter.objects.order_by(*ORDERINGS[ordering]).values_list("pk", flat=True))
    assert walk_api(client, ordering) == expected
    # And back: each previous cursor gives the page before.
    first = api(client, ordering=ordering, page_size=5)
    second = api(client, ordering=ordering, page_size=5, after=first["next"])
    back = api(client, ordering=ordering, page_size=5, before=second["previous"])
    assert back["items"] == first["items"] and back["previous"] is None


@time_machine.travel(NOW, tick=False)
def test_the_page_links_next_by_number_then_by_cursor_and_jumps_to_a_deadline(
    client, city, monkeypatch
):
    some_matters(city)
    monkeypatch.setattr(lists, "PAGE_SIZE", 5)
    monkeypatch.setattr(paging, "PAGE_NUMBER_ROWS", 10)
    client.force_login(city.supervisor)
    assert "page=2" in listing(client).content.decode()
    second = listing(client, page=2)  # the last numbered page: Next goes by cursor
    assert "Page 2 of 3" in second.content.decode()
    after = second.context["page_obj"].next_cursor
    assert f"after={after}" in second.content.decode()
    third = listing(client, after=after)
    assert [m.pk for m in third.context["page_obj"]] == list(
        Matter.objects.order_by("deadline", "id").values_list("pk", flat=True)[10:]
    )
    jumped = listing(client, start=(TODAY + dt.timedelta(2)).isoformat())
    rows = list(jumped.context["page_obj"])
    dated = [m for m in rows if m.deadline]
    assert dated and dated[0].deadline == TODAY + dt.timedelta(2)
    assert all(m.deadline >= TODAY + dt.timedelta(2) for m in dated)
    html = jumped.content.decode()
    assert "before=" in html and jumped.context["page_obj"].number is None


@time_machine.travel(NOW, tick=False)
def test_page_numbers_stop_where_offsets_would_grow(client, city, monkeypatch):
    some_matters(city)
    monkeypatch.setattr(paging, "PAGE_NUMBER_ROWS", 6)
    monkeypatch.setattr(lists, "PAGE_SIZE", 5)
    client.force_login(city.supervisor)
    refused = client.get("/api/matters/", {"page": 4, "page_size": 2})
    assert refused.status_code == 422 and refused.json()["field"] == "page"
    assert api(client, page=3, page_size=2)["next"]  # the last numbered page links on
    page = listing(client, page=2)  # 5 a page: 6 rows reach page 1 only
    assert page.context["page_obj"].number == 1
    assert "Page numbers reach page 1" in page.content.decode()


@time_machine.travel(NOW, tick=False)
def test_a_bad_cursor_or_jump_is_refused_naming_its_field(client, city):
    client.force_login(city.supervisor)
    for params, field in [
        ({"after": "nonsense"}, "after"),
        ({"start": "soon"}, "start"),
        ({"ordering": "progress", "start": "101"}, "start"),
        ({"as_of": TODAY.isoformat(), "after": "x"}, "after"),
    ]:
        response = client.get("/api/matters/", params)
        assert response.status_code == 422 and response.json()["field"] == field, params
    assert "start" in listing(client, start="soon").context["page_errors"]


@time_machine.travel(NOW, tick=False)
@pytest.mark.parametrize("ordering", sorted(ORDERINGS))
@pytest.mark.parametrize("sorted_here", [True, False], ids=["sorted-here", "by-offset"])
def test_numbered_pages_follow_the_databases_order(
    client, city, monkeypatch, ordering, sorted_here
):
    """A short list (exact count) is sorted by the app, a long one by the database with
    OFFSET: page by page, both give the database's own order, empty deadlines included."""
    some_matters(city)
    Matter.objects.filter(title="事项5").update(progress=40)
    monkeypatch.setattr(paging, "SORTED_HERE_ROWS", 10_000 if sorted_here else 0)
    client.force_login(city.supervisor)
    expected = list(Matter.objects.order_by(*ORDERINGS[ordering]).values_list("pk", flat=True))
    if ordering.lstrip("-") == "serial":  # serials are unique, no tie to break
        assert len(set(Matter.objects.values_list("serial_year", "serial_no"))) == len(expected)
    pages = [api(client, ordering=ordering, page_size=5, page=n)["items"] for n in (1, 2, 3)]
    assert [item["id"] for page in pages for item in page] == expected
    html = listing(client, ordering=ordering, q="事项")  # a search: counted, then sorted
    shown = [m.pk for m in html.context["page_obj"]]
    searched = Matter.objects.filter(title__contains="事项").order_by(*ORDERINGS[ordering])
    assert shown == list(searched.values_list("pk", flat=True))


@time_machine.travel(NOW, tick=False)
@pytest.mark.parametrize("ordering", sorted(ORDERINGS))
def test_a_long_search_is_ordered_as_the_database_orders_it(client, city, monkeypatch, ordering):
    """A search past the count's cap (PostgreSQL reads its hits by the trigram index and
    sorts them, paging._hits_sorted) keeps the list's order, undated hits included."""
    made = some_matters(city)
    Matter.objects.filter(pk__in=[m.pk for m in made[::2]]).update(title="压测登记草稿")
    monkeypatch.setattr(counts, "COUNT_CAP", 2)  # "2+": the count is not exact
    client.force_login(city.supervisor)
    hits = Matter.objects.filter(title__contains="压测登记").order_by(*ORDERINGS[ordering])
    expected = list(hits.values_list("pk", flat=True))
    items = api(client, q="压测登记", ordering=ordering, page_size=4, page=2)["items"]
    assert [item["id"] for item in items] == expected[4:8]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the planner's estimate")
@time_machine.travel(NOW, tick=False)
@pytest.mark.parametrize("ordering", ["deadline", "-updated", "serial"])
def test_a_short_list_is_read_once_for_its_count_and_its_page(client, city, monkeypatch, ordering):
    """A list the planner expects short is read whole by its count (ids, state, warning,
    the ordering's columns) and its page sorted from those rows: the same count, facets
    and page as counting and reading apart, in one read of the list fewer."""
    some_matters(city)
    client.force_login(city.lead_handler)
    params = {"deadline_from": TODAY.isoformat(), "ordering": ordering, "page": 2}

    def shown(read_whole: int) -> tuple:
        monkeypatch.setattr(counts, "READ_WHOLE_ROWS", read_whole)
        with CaptureQueriesContext(connection) as captured:
            page = listing(client, **params)
        reads = [q for q in captured.captured_queries if 'FROM "matters_matter"' in q["sql"]]
        count = page.context["count"]
        return (count.total, count.facets, [m.pk for m in page.context["page_obj"]]), reads

    once, reads_once = shown(8_000)
    apart, reads_apart = shown(0)
    assert once == apart
    assert once[0] == _real(city.lead_handler, {"deadline_from": TODAY.isoformat()}) == 10
    real = " ".join(q["sql"] for q in reads_once if not q["sql"].startswith("EXPLAIN"))
    assert len(reads_once) == len(reads_apart) - 1
    assert real.count("LIMIT 8001") == 1 and "COUNT(*)" not in real


@time_machine.travel(NOW, tick=False)
def test_a_list_longer_than_its_estimate_is_counted_in_the_database(client, city, monkeypatch):
    """The planner expected a short list and was wrong (a LIKE search is the likeliest):
    the read stops after READ_WHOLE_ROWS + 1 rows and the list is counted as before,
    exactly, facets and pages the same."""
    some_matters(city)
    client.force_login(city.lead_handler)
    params = {"deadline_from": TODAY.isoformat(), "page": 2}
    before = listing(client, **params).context
    expected = (before["count"].total, before["count"].facets, list(before["page_obj"]))
    monkeypatch.setattr(counts, "estimated_rows", lambda queryset: 1.0)
    monkeypatch.setattr(counts, "READ_WHOLE_ROWS", 3)
    after = listing(client, **params).context
    assert after["count"].exact and after["count"].rows is None
    assert (after["count"].total, after["count"].facets, list(after["page_obj"])) == expected
    assert expected[0] == 10
