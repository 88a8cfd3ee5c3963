"""README screenshots of the desk, the list and a matter page (LUOSHI_SCREENSHOTS=1 saves them)."""

import os

import pytest

from luoshi.matters.models import Matter

from .seed import seeded_city

pytestmark = pytest.mark.django_db(transaction=True)


def test_desk_list_and_matter_pages_render_in_the_browser(session):
    city = seeded_city()
    session.login("lead_handler")
    assert session.count("to_accept") >= 1
    session.shot("desk")
    session.login("supervisor")
    session.go("/matters/")
    assert session.page.locator("#list tbody tr").count() >= 8
    session.shot("matter-list")
    matter = Matter.objects.get(title__startswith="优化营商环境")
    session.go(f"/matters/{matter.pk}/")
    session.open_action("hasten")
    session.shot("matter-page")
    if os.environ.get("LUOSHI_SCREENSHOTS"):
        session.page.set_viewport_size({"width": 390, "height": 844})
        session.login(city.lead_handler.username)
        session.shot("desk-phone")
