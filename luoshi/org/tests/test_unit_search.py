"""The unit picker's search (org:search): matching units by name or alias, few, for any
signed-in user; options for htmx, a page with links without JavaScript."""

import pytest
from django.urls import reverse

from luoshi.org import services
from luoshi.org.models import Unit
from luoshi.org.queries import UNIT_SEARCH_LIMIT

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
