"""A dispute ruled by reassignment and an extension approved, in a real browser."""

import datetime as dt

import pytest
from django.utils import timezone

from luoshi.matters.models import Matter
from luoshi.testing import accepted, assigned, the_city

pytestmark = pytest.mark.django_db(transaction=True)


def expect():
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect


def test_a_dispute_ruled_by_reassignment(session):
    city = the_city()
    matter = assigned(city)
    page = session.page
    session.login("co_handler")
    session.go(f"/matters/{matter.pk}/")
    session.act(
        "dispute", reason_code="overlapping_duties", reason="属商务局职责",
        suggested_unit=city.other,
    )  # fmt: skip
    expect()(page.locator("#h-disputes")).to_be_visible()

    session.login("supervisor")
    assert session.count("disputes") == 1
    page.click(f"#sec-disputes a[href='/matters/{matter.pk}/#act-rule_dispute']")
    session.act("rule_dispute", ruling="reassign", new_unit=city.other, comment="改由商务局配合")
    expect()(page.locator("#h-parts ~ .table-wrap")).to_contain_text("市商务局")
    session.go("/")
    assert session.count("disputes") == 0

    session.login("other_handler")
    assert session.count("to_accept") == 1
    page.click(f"#sec-to_accept form[action='/matters/{matter.pk}/act/accept/'] button")
    expect()(page.locator("#count-to_accept .n")).to_have_text("0")
    session.login("co_handler")
    session.go(f"/matters/{matter.pk}/")
    assert page.locator("h1").inner_text() != matter.title  # no longer theirs: 404 page


def test_an_extension_approved(session):
    city = the_city()
    deadline = timezone.localdate() + dt.timedelta(days=40)
    later = deadline + dt.timedelta(days=20)
    matter = accepted(city, deadline=deadline)
    page = session.page
    session.login("lead_handler")
    session.go(f"/matters/{matter.pk}/")
    session.act("request_extension", new_deadline=later.isoformat(), reason="等待上级批复")
    expect()(page.locator("#h-ext")).to_be_visible()

    session.login("supervisor")
    assert session.count("extensions") == 1
    page.click(f"#sec-extensions a[href='/matters/{matter.pk}/#act-rule_extension']")
    session.act("rule_extension", approve="1", comment="同意")
    expect()(page.locator("#matter .facts")).to_contain_text(later.isoformat())
    assert Matter.objects.get(pk=matter.pk).deadline == later
    session.go("/")
    assert session.count("extensions") == 0
