"""The register and decompose forms pick units by typing (org.forms.UnitField): no page
lists every unit, a typed name or alias works without JavaScript, and a bad, unknown,
ambiguous or archived unit is refused with the field named, registering nothing."""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from luoshi.matters.models import Matter
from luoshi.org import services as org_services
from luoshi.testing import assigned

from .pagetools import act, fresh
from .test_pages_forms import FUTURE, register_data

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def pinned_clock():
    with time_machine.travel(dt.datetime(2026, 4, 10, 10, tzinfo=dt.UTC), tick=False):
        yield


def typed(city, lead: str, co: str = "", **extra) -> dict:
    """The form as sent by a browser without JavaScript: names typed, no ids."""
    data = register_data(city, lead_unit="", co_units=[], lead_unit_text=lead, **extra)
    data["co_units_text"] = co
    return data


def post(client, data):
    return client.post(reverse("matters:register"), data)


def test_the_form_lists_no_unit_but_offers_the_search(client, city):
    client.force_login(city.supervisor)
    html = client.get(reverse("matters:register")).content.decode()
    assert "市商务局" not in html and f'<option value="{city.other.pk}"' not in html
    assert 'name="lead_unit_text"' in html and 'name="co_units_text"' in html
    assert f'hx-get="{reverse("org:search")}"' in html
    response = client.get(reverse("org:search"), {"co_units_text": "商务"}, HTTP_HX_REQUEST="true")
    assert f'data-pick-unit="{city.other.pk}"' in response.content.decode()


def test_register_by_typed_names_and_aliases(client, city):
    client.force_login(city.supervisor)
    response = post(client, typed(city, "市发展和改革委员会", "市工信局、商务"))
    assert response.status_code == 302
    matter = Matter.objects.get()
    assert matter.lead_unit == city.lead
    assert sorted(p.unit.name for p in matter.parts.all()) == ["市发改委", "市商务局", "市工信局"]


def test_an_exact_name_wins_over_longer_names_containing_it(client, city):
    client.force_login(city.supervisor)
    assert post(client, typed(city, "东城区")).status_code == 302  # not 东城区城关街道
    assert Matter.objects.get().lead_unit == city.district


def test_picked_ids_still_work_and_text_typed_after_a_pick_wins(client, city):
    client.force_login(city.supervisor)
    data = register_data(city, lead_unit=city.other.pk, lead_unit_text="发改")
    data["co_units"] = [city.co.pk]
    assert post(client, data).status_code == 302
    assert Matter.objects.get().lead_unit == city.lead


@pytest.mark.parametrize(
    ("lead", "co", "message"),
    [
        ("市", "", "Lead unit: “市” matches several units ("),
        ("不存在的局", "", "Lead unit: No unit in use is called “不存在的局”."),
        ("市发改委", "市工信局，无此单位", "Co-units: No unit in use is called “无此单位”."),
    ],
)
def test_unknown_or_ambiguous_names_are_refused_naming_the_field(client, city, lead, co, message):
    client.force_login(city.supervisor)
    response = post(client, typed(city, lead, co))
    html = response.content.decode()
    assert response.status_code == 422 and message in html
    assert 'value="推进营商环境改革"' in html  # the rest of the input is kept
    assert not Matter.objects.exists()


def test_bad_and_archived_unit_ids_are_refused_naming_the_field(client, city):
    org_services.archive_unit(city.other, actor=city.admin, version=None)
    client.force_login(city.supervisor)
    response = post(client, register_data(city, co_units=[city.co.pk, city.other.pk]))
    html = response.content.decode()
    assert response.status_code == 422
    assert "Co-units: 市商务局 is no longer in use: choose another unit." in html
    response = post(client, register_data(city, lead_unit="999999"))
    assert "Lead unit: Unit 999999 does not exist." in response.content.decode()
    response = post(client, typed(city, "市商务局"))  # archived: not found by name either
    assert "Lead unit: No unit in use is called “市商务局”." in response.content.decode()
    assert not Matter.objects.exists()


def test_a_refused_form_keeps_the_units_picked(client, city):
    client.force_login(city.supervisor)
    data = register_data(city, co_units=[city.co.pk], deadline="2020-01-01")
    html = post(client, data).content.decode()
    assert f'name="lead_unit" value="{city.lead.pk}"' in html and 'value="市发改委"' in html
    assert f'name="co_units" value="{city.co.pk}" checked' in html


def test_decompose_with_typed_unit_names(client, city):
    parent = assigned(city, deadline=FUTURE)
    client.force_login(city.supervisor)
    url = reverse("matters:decompose", args=[parent.pk])
    html = client.get(url).content.decode()
    assert 'name="children-0-lead_unit_text"' in html and "市商务局" not in html
    data = {
        "version": parent.version,
        "children-TOTAL_FORMS": 5,
        "children-INITIAL_FORMS": 0,
        "children-MIN_NUM_FORMS": 0,
        "children-MAX_NUM_FORMS": 50,
        "children-0-title": "一期",
        "children-0-lead_unit_text": "商务局",
        "children-1-title": "二期",
        "children-1-lead_unit_text": "局",
    }
    response = client.post(url, data)
    assert response.status_code == 422
    assert "Lead unit: “局” matches several units" in response.content.decode()
    data["children-1-lead_unit_text"] = "工信"
    assert client.post(url, data).status_code == 302
    children = parent.children.order_by("serial_no")
    assert [c.lead_unit for c in children] == [city.other, city.co]


def test_a_dispute_suggests_and_its_ruling_names_units_by_typing(client, city):
    matter = assigned(city)
    client.force_login(city.co_handler)
    html = client.get(reverse("matters:detail", args=[matter.pk])).content.decode()
    assert 'name="dispute-suggested_unit_text"' in html and "市商务局" not in html
    response = act(
        client, matter, "dispute", reason_code="overlapping_duties", reason="属商务局职责",
        suggested_unit_text="商务",
    )  # fmt: skip
    assert response.status_code == 302
    dispute = matter.disputes.get()
    assert dispute.suggested_unit == city.other
    client.force_login(city.supervisor)
    response = act(
        client, fresh(matter), "rule_dispute", dispute=dispute.pk, ruling="reassign",
        new_unit_text="局",
    )  # fmt: skip
    assert response.status_code == 422
    assert "Reassign to: “局” matches several units" in response.content.decode()
    response = act(
        client, fresh(matter), "rule_dispute", dispute=dispute.pk, ruling="reassign",
        new_unit_text="市商务局",
    )  # fmt: skip
    assert response.status_code == 302
