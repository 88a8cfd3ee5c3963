"""The matter list's unit picker in a real browser: type a fragment, pick a unit, the list
filters by it (unit=<id> in the address) and the field keeps the unit's name."""

import re

import pytest

from luoshi.testing import assigned, the_city

pytestmark = pytest.mark.django_db(transaction=True)


def expect():
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect


def find(page, field: str, text: str, unit) -> object:
    """Type `text` into the list filter's picker `field`; the option of `unit` it finds."""
    with page.expect_response(lambda r: "/units/search/" in r.url):
        page.locator(f"#f-{field}").press_sequentially(text, delay=50)
    option = page.locator(f"#f-{field}-options [data-pick-unit='{unit.pk}']")
    expect()(option).to_have_text(unit.name)
    return option


def two_led_matters(session):
    """The supervisor on the matter list, one matter led by each of two units."""
    city = the_city()
    assigned(city, title="发改委牵头的事项")
    assigned(city, title="商务局牵头的事项", lead=city.other, co=False)
    session.login("supervisor")
    session.go("/matters/")
    return city, session.page


def test_type_a_fragment_and_pick_a_unit(session):
    city, page = two_led_matters(session)
    option = find(page, "unit", "商务", city.other)
    with page.expect_response(lambda r: f"unit={city.other.pk}" in r.url):
        option.click()
    expect()(page.locator("#list")).to_contain_text("商务局牵头的事项")
    expect()(page.locator("#list")).not_to_contain_text("发改委牵头的事项")
    assert f"unit={city.other.pk}" in page.url  # hx-push-url: the filter survives a reload
    page.reload()
    expect()(page.locator("#f-unit")).to_have_value("市商务局")
    expect()(page.locator("#list")).not_to_contain_text("发改委牵头的事项")


def test_the_hazard_register_filters_by_a_place_picked_as_one_types(session):
    from luoshi.hazards.tests.helpers import assigned as hazard

    city = the_city()
    hazard(city, title="城关街道的隐患")
    hazard(city, title="商务局辖区的隐患", responsible_unit=city.co, unit=city.other)
    page = session.page
    session.login("supervisor")
    session.go("/hazards/")
    option = find(page, "place", "东城", city.district)
    with page.expect_response(lambda r: f"place={city.district.pk}" in r.url):
        option.click()
    expect()(page.locator("#list")).to_contain_text("城关街道的隐患")  # the street is below
    expect()(page.locator("#list")).not_to_contain_text("商务局辖区的隐患")
    expect()(page.locator("#f-q")).to_have_value("")  # the picker's text is not the search
    page.reload()
    expect()(page.locator("#f-place")).to_have_value("东城区")


def test_enter_picks_the_first_unit_and_back_drops_it(session):
    """Enter in the picker picks the first unit found (it does not leave for the search
    page); Back restores the list without it, and the next filter does not bring it back."""
    city, page = two_led_matters(session)
    find(page, "unit", "商务", city.other)
    with page.expect_response(lambda r: f"unit={city.other.pk}" in r.url):
        page.locator("#f-unit").press("Enter")
    expect()(page).to_have_url(re.compile(rf"/matters/\?.*unit={city.other.pk}"))
    expect()(page.locator("#list")).not_to_contain_text("发改委牵头的事项")
    page.go_back()
    expect()(page.locator("#list")).to_contain_text("发改委牵头的事项")
    expect()(page.locator("input[name=unit][data-unit-id]")).to_have_value("")
