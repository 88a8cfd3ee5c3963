"""The hazard register's and the project list's unit filters: search-as-you-type fields
(org:search), not dropdowns of every unit. The chosen unit still filters by its id and
shows by name; without JavaScript, org:search links back to the list with the filter's
own parameter (`field`), the other filters kept and the page dropped."""

import datetime as dt
import re
from urllib.parse import parse_qs, urlsplit

import pytest
import time_machine
from django.urls import reverse

from luoshi.hazards.tests.helpers import assigned as hazard
from luoshi.projects.tests.helpers import project

pytestmark = pytest.mark.django_db

NOON = dt.datetime(2026, 6, 1, 4, tzinfo=dt.UTC)  # 12:00 in Beijing


def search_field(html: str, name: str) -> str:
    return re.search(rf'<input type="search" id="f-{name}"[^>]*>', html).group(0)


def test_the_hazard_register_filters_by_units_found_as_one_types(client, city):
    with time_machine.travel(NOON, tick=False):
        hazard(city, title="城关街道的")
        hazard(city, title="工信局的", responsible_unit=city.co, unit=city.other)
        client.force_login(city.supervisor)
        html = client.get(reverse("hazards:list")).content.decode()
        assert '<select id="f-unit"' not in html and '<select id="f-place"' not in html
        for name in ("unit", "place"):  # each its own search form, never the list's `q`
            assert f'form="f-{name}-search"' in search_field(html, name)
            assert f'<input type="hidden" name="field" value="{name}">' in html
        response = client.get(reverse("hazards:list"), {"unit": city.co.pk})
        assert [h.title for h in response.context["page_obj"]] == ["工信局的"]
        html = response.content.decode()
        assert f'<input type="hidden" name="unit" value="{city.co.pk}" data-unit-id>' in html
        assert 'value="市工信局"' in search_field(html, "unit")
        response = client.get(reverse("hazards:list"), {"place": city.district.pk})
        assert [h.title for h in response.context["page_obj"]] == ["城关街道的"]
        assert 'value="东城区"' in search_field(response.content.decode(), "place")


def test_the_project_list_filters_by_a_unit_found_as_one_types(client, city):
    with time_machine.travel(NOON, tick=False):
        project(city, name="发改委的项目")
        project(city, name="商务局的项目", responsible_unit=city.other)
        client.force_login(city.supervisor)
        html = client.get(reverse("projects:list")).content.decode()
        assert '<select id="f-unit"' not in html and "市工信局" not in html  # no dropdown
        assert '<select id="f-district"' in html  # the few districts stay a dropdown
        response = client.get(reverse("projects:list"), {"unit": city.other.pk})
        assert [p.name for p in response.context["page_obj"]] == ["商务局的项目"]
        assert 'value="市商务局"' in search_field(response.content.decode(), "unit")


def test_without_javascript_the_search_links_back_with_the_filters_parameter(client, city):
    client.force_login(city.supervisor)
    listed = reverse("hazards:list") + "?level=major&unit=7&page=3"
    page = client.get(reverse("org:search"), {"q": "东城", "next": listed, "field": "place"})
    links = re.findall(r'href="([^"]+)"', page.content.decode().replace("&amp;", "&"))
    back = [urlsplit(link) for link in links if link.startswith(reverse("hazards:list"))]
    queries = [parse_qs(link.query) for link in back]
    assert {"level": ["major"], "unit": ["7"], "place": [str(city.district.pk)]} in queries
    assert all("page" not in q for q in queries)
    # a field that is no parameter name falls back to `unit`
    page = client.get(reverse("org:search"), {"q": "东城", "next": listed, "field": "x=1&y"})
    assert f"unit={city.district.pk}" in page.content.decode()


def test_the_search_page_searches_again_for_the_same_filter(client, city):
    client.force_login(city.supervisor)
    listed = reverse("hazards:list") + "?level=major"
    page = client.get(reverse("org:search"), {"q": "东城", "next": listed, "field": "place"})
    assert '<input type="hidden" name="field" value="place">' in page.content.decode()
