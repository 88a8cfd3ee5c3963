"""Registering a matter in a real browser, its units picked by typing: the lead unit by a
fragment of its name, two co-units one after the other (each a ticked box), one of them
dropped again before sending."""

import pytest

from luoshi.matters.models import Matter
from luoshi.testing import the_city

pytestmark = pytest.mark.django_db(transaction=True)


def expect():
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect


def pick(page, field: str, text: str, unit) -> None:
    """Type `text` into the field's picker and click `unit` among the options found."""
    with page.expect_response(lambda r: "/units/search/" in r.url):
        page.locator(f"#id_{field}").press_sequentially(text, delay=50)
    option = page.locator(f"#id_{field}-options [data-pick-unit='{unit.pk}']")
    expect()(option).to_have_text(unit.name)
    option.click()


def test_register_a_matter_picking_units_by_typing(session):
    city = the_city()
    page = session.page
    session.login("supervisor")
    session.go("/matters/new/")
    assert page.locator("select#id_lead_unit, select#id_co_units").count() == 0
    page.fill("#id_title", "优化营商环境专项行动")
    pick(page, "lead_unit", "发改", city.lead)
    expect()(page.locator("#id_lead_unit")).to_have_value("市发改委")
    pick(page, "co_units", "工信", city.co)
    pick(page, "co_units", "商务", city.other)
    chosen = page.locator("[data-unit-chosen] input[name='co_units']")
    expect()(chosen).to_have_count(2)
    expect()(page.locator("#id_co_units")).to_have_value("")  # free for the next unit
    page.locator(f"[data-unit-chosen] input[value='{city.other.pk}']").uncheck()
    page.fill("#id_deadline", "2030-06-30")
    with page.expect_navigation():
        page.click("form.card button[type=submit]")
    matter = Matter.objects.get(title="优化营商环境专项行动")
    assert page.url.endswith(f"/matters/{matter.pk}/")
    assert matter.lead_unit_id == city.lead.pk
    assert sorted(p.unit.name for p in matter.parts.all()) == ["市发改委", "市工信局"]
