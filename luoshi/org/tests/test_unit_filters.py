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
from luoshi.matters.models import Matter
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


GONE = 999_999  # an id no unit has: an old bookmark, a hand-typed address


@pytest.mark.parametrize(
    ("page", "params", "label"),
    [
        ("matters:list", {"unit": GONE}, "Unit"),
        ("hazards:list", {"unit": GONE}, "Responsible unit"),
        ("hazards:list", {"place": GONE, "level": "major"}, "Place (and below)"),
        ("projects:list", {"unit": GONE}, "Responsible unit"),
    ],
)
def test_a_filter_by_a_unit_that_does_not_exist_says_why_the_list_is_empty(
    client, city, page, params, label
):
    with time_machine.travel(NOON, tick=False):
        hazard(city, title="城关街道的")
        project(city, name="发改委的项目")
        client.force_login(city.supervisor)
        response = client.get(reverse(page), params)
    assert response.status_code == 200
    assert list(response.context["page_obj"]) == []
    message = f"{label}: no unit has the id {GONE}, so nothing matches it."
    assert message in response.content.decode()


def test_a_filter_by_a_unit_that_exists_raises_no_such_message(client, city):
    client.force_login(city.supervisor)
    html = client.get(reverse("matters:list"), {"unit": city.co.pk}).content.decode()
    assert "no unit has the id" not in html


def test_the_project_figures_read_no_unit_but_the_districts(client, city):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(city.supervisor)
    with CaptureQueriesContext(connection) as captured:
        html = client.get(reverse("projects:figures")).content.decode()
    unit_reads = [q["sql"] for q in captured if 'FROM "org_unit"' in q["sql"]]
    filters = [sql.partition(" WHERE ")[2] for sql in unit_reads]
    assert all('"kind" = ' in where for where in filters), unit_reads  # districts only
    assert "东城区" in html and "市工信局" not in html


HUGE = "99999999999999999999"  # past a 64-bit id: once a 500 (the driver overflowed)


ID = "must be the id of one (a whole number from 1)."
PICK = "Choose a unit from the list."


@pytest.mark.parametrize(
    ("path", "params", "said"),
    [
        ("/matters/", {"unit": HUGE}, f"unit {ID}"),
        ("/matters/", {"lead_unit": HUGE, "state": "assigned"}, f"lead_unit {ID}"),
        ("/matters/", {"unit": "0"}, f"unit {ID}"),
        ("/hazards/", {"unit": HUGE}, f"unit {ID}"),
        ("/hazards/", {"place": "0"}, f"place {ID}"),
        ("/projects/", {"unit": HUGE}, f"Responsible unit：{PICK}"),
        ("/projects/figures/", {"district": HUGE}, f"District：{PICK}"),
        ("/api/matters/", {"unit": HUGE}, f"unit {ID}"),
        ("/api/matters/", {"lead_unit": "0"}, f"lead_unit {ID}"),
        ("/api/projects/", {"unit": HUGE}, PICK),
        ("/documents/ledger.xlsx", {"unit": HUGE}, ""),
    ],
)
def test_an_id_no_row_can_have_is_refused_by_name_never_a_server_error(
    client, city, path, params, said
):
    client.force_login(city.supervisor)
    with time_machine.travel(NOON, tick=False):
        response = client.get(path, params)
    assert response.status_code in (200, 400, 422), response.status_code
    if said:
        assert said in response.content.decode(), response.content.decode()[:2000]


def test_unit_zero_is_refused_not_counted_as_every_matter_over_an_empty_list(client, city):
    """unit=0 once listed no row under a count of every matter (the rollups answered)."""
    with time_machine.travel(NOON, tick=False):
        hazard(city, title="城关街道的")
        client.force_login(city.supervisor)
        response = client.get(reverse("matters:list"), {"unit": "0"})
    assert f"unit {ID}" in response.content.decode()
    assert response.context["filter"].unit is None  # dropped, as any bad value is, and said
    shown = len(list(response.context["page_obj"]))
    assert response.context["count"].total == Matter.objects.count() == shown > 0


def test_the_project_figures_group_links_keep_the_filters_and_say_what_is_refused(client, city):
    client.force_login(city.supervisor)
    with time_machine.travel(NOON, tick=False):
        project(city, name="发改委的项目")
        html = client.get(
            reverse("projects:figures"), {"by": "level", "kind": "bogus", "as_of": "2026-05-31"}
        ).content.decode()
        assert "bogus is not a valid choice." in html  # refused by name, not ignored
        district = client.get(
            reverse("projects:figures"), {"district": city.district.pk, "as_of": "2026-05-31"}
        ).content.decode()
    links = re.findall(r'href="\?by=([a-z]+)&amp;([^"]+)"', district)
    assert {by for by, _rest in links} == {"district", "unit", "kind", "level"}
    assert all(
        f"district={city.district.pk}" in rest and "as_of=2026-05-31" in rest for _b, rest in links
    )


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/matters/", {"unit": "1" * 5000}),  # int() refuses 4,300+ digits: once a 500
        ("/hazards/", {"place": "1" * 5000}),
        ("/matters/", {"ordering": "progress", "start": "²"}),  # isdigit, and int() refuses
        ("/projects/1/", {"year": "²"}),
        ("/api/evaluation/units/99999999999999999999/scorecards", {}),
    ],
)
def test_odd_numbers_are_refused_never_a_server_error(client, city, path, params):
    client.force_login(city.supervisor)
    with time_machine.travel(NOON, tick=False):
        project(city, name="发改委的项目")
        response = client.get(path, params)
    assert response.status_code in (200, 404, 422), response.status_code
