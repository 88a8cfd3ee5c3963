"""督办事项: the list, its filter, facets, export of the same filter, bulk hasten."""

import csv
import datetime as dt
import io
import re

import pytest
import time_machine
from django.urls import reverse

from luoshi.matters import services
from luoshi.matters.models import Hastening
from luoshi.testing import accepted, assigned, register

from .pagetools import HTMX, many_matters

pytestmark = pytest.mark.django_db


def listing(client, **params):
    return client.get(reverse("matters:list"), params)


def titles(response) -> list[str]:
    return [m.title for m in response.context["page_obj"]]


def test_each_user_lists_only_visible_matters(client, city):
    register(city, title="草稿")
    assigned(city, title="发改委的")
    assigned(city, title="商务局的", lead=city.other, co=False)
    client.force_login(city.supervisor)
    assert sorted(titles(listing(client))) == ["发改委的", "商务局的", "草稿"]
    client.force_login(city.lead_handler)
    assert titles(listing(client)) == ["发改委的"]
    client.force_login(city.other_handler)
    assert titles(listing(client)) == ["商务局的"]


def test_filters_facets_and_the_export_share_one_filter(client, city):
    assigned(city, title="甲")
    accepted(city, title="乙")
    assigned(city, title="丙", lead=city.other, co=False)
    client.force_login(city.supervisor)
    response = listing(client, state="accepted")
    assert titles(response) == ["乙"]
    assert response.context["facets"]["state"] == {"accepted": 1}
    response = listing(client, unit=city.other.pk)
    assert titles(response) == ["丙"]
    export = client.get(response.context["export_url"])
    rows = list(csv.reader(io.StringIO(b"".join(export.streaming_content).decode("utf-8-sig"))))
    assert [r[1] for r in rows[1:]] == ["丙"]
    assert export["Content-Type"].startswith("text/csv")
    response = listing(client, q="甲")
    assert titles(response) == ["甲"]
    assert f"q={'%E7%94%B2'}" in response.context["export_url"]


def test_a_bad_filter_value_is_named_and_ignored(client, city):
    assigned(city)
    client.force_login(city.supervisor)
    response = listing(client, state="bogus", deadline_from="yesterday")
    html = response.content.decode()
    assert response.status_code == 200
    assert "Unknown state: bogus" in html
    assert "deadline_from: “yesterday” is not a date: enter it as 2026-06-30." in html
    assert len(titles(response)) == 1


def test_htmx_gets_the_partial(client, city):
    assigned(city)
    client.force_login(city.supervisor)
    response = client.get(reverse("matters:list"), {"ordering": "-deadline"}, **HTMX)
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="list">') and "<html" not in html


def test_sort_and_pagination(client, city):
    many_matters(city, 30)
    client.force_login(city.supervisor)
    first = listing(client, ordering="-serial")
    assert len(titles(first)) == 25 and titles(first)[0] == "事项29"
    second = listing(client, ordering="-serial", page=2)
    assert titles(second) == ["事项4", "事项3", "事项2", "事项1", "事项0"]
    assert "ordering=-serial&amp;page=2" in first.content.decode()


def test_warning_colours_are_shown(client, city):
    assigned(city)
    client.force_login(city.supervisor)
    html = listing(client).content.decode()
    assert 'class="badge green"' in html


def test_a_warning_badge_opens_the_list_it_counts(client, city):
    """The warning badges count the open matters only: each links to those (was the
    warning alone, where closed matters, all normal, made a bigger list)."""
    with time_machine.travel(dt.datetime(2026, 3, 2, 10, tzinfo=dt.UTC), tick=False):
        assigned(city, title="在办")  # normal: its deadline weeks away on this pinned day
        closed = accepted(city, title="已撤回")
        services.withdraw_matter(closed, actor=city.supervisor, version=None, reason="撤")
        client.force_login(city.supervisor)
        html = listing(client).content.decode()
        link = re.search(r'class="badge green" href="\?([^"]+)">[^<]* (\d+)</a>', html)
        assert link, html
        shown = int(link.group(2))
        pairs = link.group(1).replace("&amp;", "&").split("&")
        query = dict(part.split("=") for part in pairs if part)
        assert query.get("warning") == "normal" and query.get("open") == "1"
        response = client.get(reverse("matters:list"), query)
        assert response.context["count"].total == shown == 1


def test_bulk_hasten_for_supervisors(client, city, django_capture_on_commit_callbacks):
    one, two = assigned(city, title="一"), assigned(city, title="二")
    hidden = register(city, title="草稿不可催办")
    client.force_login(city.supervisor)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("matters:bulk_hasten"),
            {"ids": [one.pk, two.pk, hidden.pk], "message": "请加快", "next": "/matters/?q=x"},
            follow=True,
        )
    assert response.redirect_chain[-1][0] == "/matters/?q=x"
    html = response.content.decode()
    assert "2 matter(s) hastened." in html and "草稿不可催办" not in html or "Cannot hasten" in html
    assert Hastening.objects.filter(matter__in=[one, two]).count() == 2


def test_bulk_hasten_is_refused_to_handlers(client, city):
    matter = assigned(city)
    client.force_login(city.lead_handler)
    response = client.post(reverse("matters:bulk_hasten"), {"ids": [matter.pk]})
    assert response.status_code == 403
    assert not Hastening.objects.exists()
    assert 'data-check-all="ids"' not in listing(client).content.decode()


@pytest.mark.parametrize("user", ["supervisor", "lead_handler", "leader"])
def test_list_query_budget_does_not_grow_with_rows(
    client, city, user, django_assert_max_num_queries
):
    many_matters(city, 3)
    client.force_login(getattr(city, user))
    with django_assert_max_num_queries(15):
        listing(client)
    many_matters(city, 40)
    with django_assert_max_num_queries(15):
        response = listing(client, state="assigned", ordering="-deadline")
    assert len(titles(response)) == 25
