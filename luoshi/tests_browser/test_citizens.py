"""A citizen on a phone: the public form, the tracking page, the rating (Chromium, 390×844)."""

from __future__ import annotations

import pytest

from luoshi.citizens import services
from luoshi.citizens.models import Category, CitizenRequest
from luoshi.matters import services as matter_services
from luoshi.testing import the_city

from .conftest import SCREENSHOTS

pytestmark = pytest.mark.django_db(transaction=True)
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def phone(chromium):
    context = chromium.new_context(
        viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True, locale="zh-CN"
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def fits_the_screen(page) -> bool:
    return page.evaluate("document.scrollingElement.scrollWidth <= window.innerWidth + 1")


def shot(page, name: str) -> None:
    import os

    if os.environ.get("LUOSHI_SCREENSHOTS"):
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def test_a_citizen_reports_follows_and_rates_on_a_phone(phone, live_server):
    city = the_city()
    category = Category.objects.create(code="urban", name="城乡建设", default_unit=city.street)
    phone.goto(live_server.url + "/citizens/new/")
    assert "我要反映问题" in phone.content()
    phone.select_option("#id_request_type", "complaint")
    phone.fill("#id_text", "城关菜市场门口的下水道堵了一个多星期，污水漫到路上，臭得不行")
    phone.select_option("#id_district", str(city.district.pk))
    phone.select_option("#id_street", str(city.street.pk))
    phone.fill("#id_address", "城关菜市场东门")
    phone.fill("#id_contact_phone", "13800001234")
    assert fits_the_screen(phone)
    shot(phone, "citizen-form-phone")
    phone.click("form button[type=submit]")
    phone.wait_for_url("**/citizens/t/**")
    request = CitizenRequest.objects.get()
    page = phone.content()
    assert request.work_order_number in page and "已受理，待派单" in page
    assert "13800001234" not in page and fits_the_screen(phone)
    services.dispatch_request(
        request,
        actor=city.supervisor,
        version=request.version,
        category=category,
        lead_unit=city.street,
    )
    matter = CitizenRequest.objects.get().matter
    handler = city.street_handler
    matter = matter_services.accept_matter(matter, actor=handler, version=matter.version)
    matter = matter_services.request_completion(
        matter, actor=handler, version=matter.version, text="已疏通下水道并清理路面"
    )
    matter_services.review_completion(
        matter, actor=city.supervisor, version=matter.version, outcome="approve"
    )
    phone.reload()
    assert "东城区城关街道" in phone.inner_text("#unit")
    assert "已疏通下水道" in phone.inner_text("#replies")
    shot(phone, "citizen-tracking-phone")
    phone.check("input[name=grade][value=satisfied]")
    phone.click("#rate button[type=submit]")
    phone.wait_for_selector(".messages")
    assert "感谢您的评价" in phone.content() and phone.inner_text("#stage") == "已办结"
    assert CitizenRequest.objects.get().rating == "satisfied"


def test_the_office_dispatches_with_units_found_as_one_types(session):
    """The dispatch form's units are pickers: the category fills its default unit, a
    suggestion replaces it, a co-unit is found by typing; the matter has them."""
    from luoshi.citizens.tests.conftest import call

    city = the_city()
    Category.objects.create(code="urban", name="城乡建设", default_unit=city.street)
    request = services.receive_request(call(city))
    page = session.page
    session.login("supervisor")
    session.go(f"/citizens/{request.pk}/")
    page.select_option("#d-category", label="城乡建设")
    expect()(page.locator("#d-unit")).to_have_value("东城区城关街道")  # its default
    page.locator("#d-unit").fill("")  # cleared, and another unit picked instead
    session.pick_unit("d-unit", "发改", city.lead)
    session.pick_unit("d-co", "工信", city.co)
    page.locator("#act-dispatch button[type=submit]").click()
    page.wait_for_load_state()
    matter = CitizenRequest.objects.get().matter
    expect()(page.locator("body")).to_contain_text(matter.serial)
    assert matter.lead_unit == city.lead
    co = set(matter.parts.filter(role="co", active=True).values_list("unit_id", flat=True))
    assert co == {city.co.pk}


def expect():
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect
