"""Weighted roll-up: children's weights set on decomposition (page and API); the parent's
progress is their weighted average, its own report shown beside it, never over it."""

import datetime as dt

import pytest
import time_machine

from luoshi.matters import services
from luoshi.matters.models import Matter
from luoshi.testing import accepted

D = dt.date
NOW = dt.datetime(2026, 3, 2, 10, tzinfo=dt.UTC)


def fresh(matter: Matter) -> Matter:
    return Matter.objects.get(pk=matter.pk)


def decompose_page(client, city, parent, rows):
    """Post the decomposition form, one row per (title, unit, weight)."""
    data = {
        "version": parent.version,
        "children-TOTAL_FORMS": len(rows),
        "children-INITIAL_FORMS": 0,
        "children-MIN_NUM_FORMS": 0,
        "children-MAX_NUM_FORMS": 50,
    }
    for i, (title, unit, weight) in enumerate(rows):
        data |= {
            f"children-{i}-title": title,
            f"children-{i}-lead_unit": unit.pk,
            f"children-{i}-weight": weight,
        }
    client.force_login(city.supervisor)
    return client.post(f"/matters/{parent.pk}/decompose/", data)


def run_child(city, child: Matter, percent: int) -> None:
    child = services.assign_matter(fresh(child), actor=city.supervisor, version=None)
    handler = {city.co.pk: city.co_handler, city.lead.pk: city.lead_handler}[child.lead_unit_id]
    services.accept_matter(fresh(child), actor=handler, version=None)
    services.report_progress(
        fresh(child), actor=handler, version=None, text="进展", percent=percent
    )


@pytest.fixture
def family(client, city):
    with time_machine.travel(NOW, tick=False):
        parent = accepted(city, title="推进工业转型", deadline=D(2026, 12, 31), co=False)
        response = decompose_page(
            client, city, parent, [("技改项目", city.co, "3"), ("专精特新培育", city.lead, "")]
        )
        assert response.status_code == 302, response.content.decode()[:400]
        heavy, light = fresh(parent).children.order_by("pk")
        run_child(city, heavy, 80)
        run_child(city, light, 40)
        yield {"parent": fresh(parent), "heavy": heavy, "light": light}


def test_the_parent_rolls_up_its_children_by_weight(family):
    parent, heavy, light = family["parent"], family["heavy"], family["light"]
    assert (heavy.weight, light.weight) == (3, 1)  # an empty weight counts 1
    assert parent.progress == 70  # (80 × 3 + 40 × 1) / 4


def test_the_parent_s_own_report_is_kept_beside_the_roll_up(client, city, family):
    with time_machine.travel(NOW, tick=False):
        services.report_progress(
            family["parent"], actor=city.lead_handler, version=None, text="总体推进", percent=10
        )
        parent = fresh(family["parent"])
        assert (parent.progress, parent.reported_progress) == (70, 10)
        client.force_login(city.leader)
        detail = client.get(f"/api/matters/{parent.pk}").json()
        page = client.get(f"/matters/{parent.pk}/").content.decode()
        listed = client.get("/matters/", {"q": "推进工业转型"}).content.decode()
    assert (detail["progress"], detail["reported_progress"]) == (70, 10)
    assert sorted(c["weight"] for c in detail["children"]) == ["1.00", "3.00"]
    assert "70% (weighted roll-up of the sub-matters)" in page
    assert "the lead unit's own report 10%" in page
    assert "own report 10%" in listed


def test_weights_through_the_api(client, city):
    with time_machine.travel(NOW, tick=False):
        parent = accepted(city, title="城市更新", deadline=D(2026, 12, 31), co=False)
        client.force_login(city.supervisor)
        response = client.post(
            f"/api/matters/{parent.pk}/decompose",
            {
                "version": parent.version,
                "children": [
                    {
                        "title": "老旧小区",
                        "source": "meeting",
                        "lead_unit": city.co.pk,
                        "weight": 2.5,
                    },
                    {"title": "口袋公园", "source": "meeting", "lead_unit": city.lead.pk},
                ],
            },
            content_type="application/json",
        )
    assert response.status_code == 200, response.content
    assert sorted(c.weight for c in fresh(parent).children.all()) == [1, 2.5]


@pytest.mark.parametrize("weight", ["二", "0", "-1", "20000"])
def test_a_mistyped_weight_is_refused_on_its_row(client, city, weight):
    with time_machine.travel(NOW, tick=False):
        parent = accepted(city, title="乡村振兴", deadline=D(2026, 12, 31), co=False)
        response = decompose_page(client, city, parent, [("示范村", city.co, weight)])
    assert response.status_code == 422
    assert not fresh(parent).children.exists()
    assert 'name="children-0-weight"' in response.content.decode()
