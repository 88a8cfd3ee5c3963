"""The unit picker's search (org:search): matching units by name or alias, few, for any
signed-in user; options for htmx, a page with links without JavaScript."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from luoshi.org import services
from luoshi.org.models import Unit
from luoshi.org.queries import UNIT_SEARCH_LIMIT, find_units

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


def search(client, q, **params):
    return client.get(reverse("org:search"), {"q": q, **params}, **HTMX)


def test_anonymous_is_sent_to_login(client):
    response = client.get(reverse("org:search"), {"q": "发改"})
    assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_name_fragment_finds_the_unit_with_its_id(client, city):
    client.force_login(city.lead_handler)
    response = search(client, "发改")
    html = response.content.decode()
    assert response.status_code == 200
    assert f'data-pick-unit="{city.lead.pk}"' in html and "市发改委" in html
    assert "<html" not in html  # the options alone, for htmx
    assert f'data-pick-unit="{city.street.pk}"' not in html


def test_alias_finds_the_unit(client, city):
    services.set_aliases(city.lead, ["发展和改革委员会"], actor=None, version=None)
    client.force_login(city.lead_handler)
    html = search(client, "改革委员").content.decode()
    assert f'data-pick-unit="{city.lead.pk}"' in html


def test_archived_units_are_not_offered(client, city):
    Unit.objects.filter(pk=city.lead.pk).update(is_active=False)
    client.force_login(city.lead_handler)
    html = search(client, "发改").content.decode()
    assert "data-pick-unit" not in html and "No unit matches." in html


def test_empty_text_offers_nothing(client, city):
    client.force_login(city.lead_handler)
    assert "data-pick-unit" not in search(client, "  ").content.decode()


def test_matches_are_limited(client, city):
    Unit.objects.bulk_create(
        [Unit(name=f"测试街道{i}", kind="street", parent=city.street) for i in range(25)]
    )
    client.force_login(city.lead_handler)
    html = search(client, "测试街道").content.decode()
    assert html.count("data-pick-unit=") == UNIT_SEARCH_LIMIT
    assert "type more to narrow" in html


def test_without_javascript_a_page_links_to_the_list_filtered_by_the_unit(client, city):
    client.force_login(city.lead_handler)
    response = client.get(reverse("org:search"), {"q": "发改", "next": "/matters/"})
    html = response.content.decode()
    assert response.status_code == 200 and "<html" in html
    assert f'href="/matters/?unit={city.lead.pk}"' in html


def test_next_elsewhere_is_ignored(client, city):
    client.force_login(city.lead_handler)
    response = client.get(reverse("org:search"), {"q": "发改", "next": "https://evil.example/"})
    html = response.content.decode()
    assert 'href="https://evil' not in html and f'href="/units/{city.lead.pk}/"' in html


def test_without_javascript_the_picked_unit_keeps_the_lists_other_filters(client, city):
    client.force_login(city.lead_handler)
    page = client.get(reverse("matters:list"), {"warning": "overdue", "unit": ""}).content.decode()
    assert 'name="next" value="/matters/?warning=overdue' in page
    response = client.get(
        reverse("org:search"), {"q": "发改", "next": "/matters/?warning=overdue&unit=7"}
    )
    assert f'href="/matters/?warning=overdue&amp;unit={city.lead.pk}"' in response.content.decode()


def test_aliases_are_matched_by_the_database_in_a_bounded_read(city):
    """Every unit carries aliases (an import's names): a fragment found nowhere reads
    nothing, and a fragment in every alias reads a bounded page, not every unit."""
    Unit.objects.filter(is_active=True).update(aliases=["别名甲", "Alias B"])
    active = Unit.objects.filter(is_active=True).count()
    with CaptureQueriesContext(connection) as queries:
        assert find_units("不存在的单位") == []
        assert len(find_units("别名甲")) == min(UNIT_SEARCH_LIMIT, active)
        assert len(find_units("alias b")) == min(UNIT_SEARCH_LIMIT, active)
    assert len(queries) == 3 and all("LIMIT" in q["sql"] for q in queries.captured_queries)
