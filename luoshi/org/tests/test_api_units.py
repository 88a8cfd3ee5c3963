"""The units API: the tree with aliases, one unit with its people."""

from __future__ import annotations

import pytest
from django.test import Client

from luoshi.org.models import Unit, UnitKind


def _client(user=None) -> Client:
    client = Client(headers={"accept-language": "en"})
    if user is not None:
        client.force_login(user)
    return client


def test_unit_list_is_the_tree_in_order_with_aliases(city, django_assert_max_num_queries):
    for n in range(20):
        Unit.objects.create(name=f"城关街道{n}", kind=UnitKind.STREET, parent=city.district)
    Unit.objects.create(
        name="已撤并单位", kind=UnitKind.STREET, parent=city.district, is_active=False
    )
    client = _client(city.lead_handler)
    with django_assert_max_num_queries(4):
        units = client.get("/api/units/").json()
    names = [u["name"] for u in units]
    assert names[:3] == ["示例市", "市委督查室", "市发改委"]
    assert names.index("东城区城关街道") == names.index("东城区") + 1
    lead = next(u for u in units if u["name"] == "市发改委")
    assert lead["aliases"] == ["市发展和改革委员会"] and lead["depth"] == 1
    assert lead["parent_id"] == city.city.pk and lead["kind"] == "department"
    assert "已撤并单位" not in names
    assert "已撤并单位" in [u["name"] for u in client.get("/api/units/?active=false").json()]


def test_unit_tree_nests_children(city):
    tree = _client(city.supervisor).get("/api/units/tree").json()
    assert [root["name"] for root in tree] == ["示例市"]
    district = next(c for c in tree[0]["children"] if c["name"] == "东城区")
    assert [c["name"] for c in district["children"]] == ["东城区城关街道"]


def test_unit_detail_has_parent_children_and_members(city):
    client = _client(city.supervisor)
    detail = client.get(f"/api/units/{city.district.pk}").json()
    assert detail["parent"] == {"id": city.city.pk, "name": "示例市"}
    assert detail["children"] == [{"id": city.street.pk, "name": "东城区城关街道"}]
    assert [(m["username"], m["role"]) for m in detail["members"]] == [
        ("district_head", "unit_head")
    ]
    missing = client.get("/api/units/999999")
    assert missing.status_code == 404
    assert missing.json()["code"] == "not_found" and missing.json()["field"] is None


@pytest.mark.parametrize("path", ["/api/units/", "/api/units/tree", "/api/units/1"])
def test_units_need_a_login(db, path):
    response = _client().get(path)
    assert response.status_code == 401 and response.json()["code"] == "not_authenticated"
