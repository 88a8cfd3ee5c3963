"""Unit pages: the index, and a unit's open matters, overdue and hastening counts."""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from luoshi.matters import services
from luoshi.matters.warnings import scan
from luoshi.testing import accepted, assigned

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 3, 2, 10, 0, tzinfo=dt.UTC)


def test_index_lists_units(client, city):
    client.force_login(city.lead_handler)
    html = client.get(reverse("org:index")).content.decode()
    assert "市发改委" in html and f'href="/units/{city.street.pk}/"' in html


def test_unit_page_counts(client, city):
    with time_machine.travel(NOW, tick=False):
        late = accepted(city, deadline=dt.date(2026, 3, 4))
        assigned(city, title="第二件")
        services.hasten_matter(late, actor=city.supervisor)
    with time_machine.travel(NOW + dt.timedelta(days=5), tick=False):
        scan()
    client.force_login(city.supervisor)
    response = client.get(reverse("org:detail", args=[city.lead.pk]))
    assert response.status_code == 200
    assert response.context["panels"][0].context["summary"] == {
        "open": 2,
        "overdue": 1,
        "hastened": 1,
    }
    assert "第二件" in response.content.decode()


def test_unit_page_shows_only_visible_matters(client, city):
    assigned(city, title="发改委的")
    client.force_login(city.other_handler)
    response = client.get(reverse("org:detail", args=[city.lead.pk]))
    assert response.status_code == 200
    assert response.context["panels"][0].context["summary"]["open"] == 0
    assert "发改委的" not in response.content.decode()


def test_unknown_unit_is_404_and_anonymous_must_log_in(client, city):
    client.force_login(city.supervisor)
    assert client.get("/units/999999/").status_code == 404
    client.logout()
    assert client.get(reverse("org:detail", args=[city.lead.pk])).status_code == 302


def test_unit_page_query_budget(client, city, django_assert_max_num_queries):
    client.force_login(city.supervisor)
    url = reverse("org:detail", args=[city.lead.pk])
    for n in (2, 30):
        for index in range(n):
            matter = assigned(city, title=f"事项{n}-{index}")
            services.hasten_matter(matter, actor=city.supervisor)
        with django_assert_max_num_queries(15):
            assert client.get(url).status_code == 200
    with django_assert_max_num_queries(15):
        client.get(reverse("org:index"))


def test_a_unit_with_units_below_says_its_counts_are_its_own(client, city):
    """The district's page counts the district's own matters; its head's desk counts the
    street's too: the page says so (a new user found the two figures apart, unexplained)."""
    client.force_login(city.district_head)
    district = client.get(reverse("org:detail", args=[city.district.pk])).content.decode()
    street = client.get(reverse("org:detail", args=[city.street.pk])).content.decode()
    assert 'id="own-matters-only"' in district and 'id="own-matters-only"' not in street
