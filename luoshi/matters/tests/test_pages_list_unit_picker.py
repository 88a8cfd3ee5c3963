"""The matter list's unit picker: a search-as-you-type field (org:search), not a dropdown
of every unit; the chosen unit still filters as `unit=<id>` and shows by name."""

import re

import pytest
from django.urls import reverse

from luoshi.testing import assigned

pytestmark = pytest.mark.django_db


def page(client, **params) -> str:
    return client.get(reverse("matters:list"), params).content.decode()


def test_the_picker_lists_no_units_but_searches_them(client, city):
    client.force_login(city.lead_handler)
    html = page(client)
    assert '<select id="f-unit"' not in html and "市商务局" not in html  # no dropdown
    field = re.search(r'<input type="search" id="f-unit"[^>]*>', html).group(0)
    assert f'hx-get="{reverse("org:search")}"' in field and 'name="q"' in field
    # Its text belongs to the picker's own form (org:search), never to the filter; and it
    # must not inherit the filter form's hx-swap/hx-push-url (htmx attribute inheritance).
    assert 'form="f-unit-search"' in field
    assert 'hx-swap="innerHTML"' in field and 'hx-push-url="false"' in field
    assert re.search(r'<input type="hidden" name="unit" value="" data-unit-id>', html)


def test_the_chosen_unit_filters_and_shows_its_name(client, city):
    assigned(city, title="发改委的")
    assigned(city, title="商务局的", lead=city.other, co=False)
    client.force_login(city.supervisor)
    response = client.get(reverse("matters:list"), {"unit": city.other.pk})
    html = response.content.decode()
    assert [m.title for m in response.context["page_obj"]] == ["商务局的"]
    assert f'<input type="hidden" name="unit" value="{city.other.pk}" data-unit-id>' in html
    field = re.search(r'<input type="search" id="f-unit"[^>]*>', html).group(0)
    assert 'value="市商务局"' in field


def test_a_picked_option_carries_the_id_the_filter_takes(client, city):
    # What the picker's script copies into the form: the option's id, as `unit`.
    assigned(city, title="商务局的", lead=city.other, co=False)
    client.force_login(city.supervisor)
    options = client.get(reverse("org:search"), {"q": "商务"}, HTTP_HX_REQUEST="true")
    picked = re.search(r'data-pick-unit="(\d+)"', options.content.decode()).group(1)
    response = client.get(reverse("matters:list"), {"unit": picked})
    assert [m.title for m in response.context["page_obj"]] == ["商务局的"]
