"""The register's pages per role: who sees what, who is offered which action, query budgets
that do not grow with the register, the htmx partial, figures and the cockpit panel."""

from __future__ import annotations

import pytest
import time_machine
from django.contrib.auth.models import User
from django.urls import reverse

from luoshi.org.models import Membership, Role, Unit, UnitKind

from .helpers import MONDAY, assigned, found, rectified

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(MONDAY, tick=False):
        yield


@pytest.fixture
def awaiting(city):
    return rectified(city, assigned(city, level="major", title="尾矿库排洪设施淤堵"))


def persona(city, name: str) -> User | None:
    if name == "unrelated":
        unit = Unit.objects.create(name="市教育局", kind=UnitKind.DEPARTMENT, parent=city.city)
        user = User.objects.create_user("edu_handler", password="pw")
        Membership.objects.create(user=user, unit=unit, role=Role.HANDLER)
        return user
    return getattr(city, name, None)


# (persona, sees the hazard page, actions offered)
MATRIX = [
    ("anonymous", 302, set()),
    ("unrelated", 404, set()),
    ("co_handler", 200, {"verify", "reinspect"}),  # the unit that found it checks too
    ("lead_handler", 200, set()),  # the rectifying unit: nothing to check on itself
    ("other_handler", 200, {"verify", "reinspect"}),  # the verifying unit
    ("street_handler", 200, set()),  # the place: sees its territory's hazards
    ("district_head", 200, set()),
    ("leader", 200, set()),
    ("supervisor", 200, {"verify", "reinspect", "withdraw"}),
]


@pytest.mark.parametrize(("name", "status", "actions"), MATRIX)
def test_hazard_page_per_role(client, city, awaiting, name, status, actions):
    user = persona(city, name)
    if user is not None:
        client.force_login(user)
    response = client.get(reverse("hazards:detail", args=[awaiting.pk]))
    assert response.status_code == status
    if status == 200:
        page = response.content.decode()
        offered = {
            v for v in ("assign", "verify", "reinspect", "withdraw") if f'id="act-{v}"' in page
        }
        assert offered == actions


@pytest.mark.parametrize(
    ("name", "count"), [("unrelated", 0), ("lead_handler", 2), ("street_handler", 2), ("leader", 2)]
)
def test_the_register_lists_what_each_role_may_see(client, city, awaiting, name, count):
    found(city, title="群租房私拉电线")
    client.force_login(persona(city, name))
    page = client.get(reverse("hazards:list")).content.decode()
    assert f"{count} hazard" in page


def test_only_the_office_assigns_and_edits(client, city):
    hazard = found(city)
    client.force_login(city.co_handler)
    assert client.get(reverse("hazards:edit", args=[hazard.pk])).status_code == 403
    response = client.post(
        reverse("hazards:action", args=[hazard.pk, "assign"]), {"assign-version": hazard.version}
    )
    assert response.status_code == 403
    client.force_login(city.supervisor)
    response = client.post(
        reverse("hazards:edit", args=[hazard.pk]),
        {
            "version": hazard.version,
            "title": hazard.title,
            "level": "serious",
            "category": hazard.category_id,
            "responsible_unit": city.lead.pk,
            "address": "",
            "description": "",
            "measures": "加固",
        },
    )
    assert response.status_code == 302
    hazard.refresh_from_db()
    assert hazard.level == "serious" and hazard.measures == "加固"
    missing_version = client.post(reverse("hazards:action", args=[hazard.pk, "assign"]), {})
    assert missing_version.status_code == 422


def test_list_and_page_budgets_do_not_grow(client, city, django_assert_max_num_queries):
    def visit() -> None:
        for url in (
            reverse("hazards:list"),
            reverse("hazards:list") + "?status=open&level=major",
            reverse("hazards:figures") + "?by=unit",
            "/cockpit/",
        ):
            with django_assert_max_num_queries(22):
                assert client.get(url).status_code == 200, url

    awaiting = rectified(city, assigned(city, level="major"))
    client.force_login(city.supervisor)
    visit()
    for index in range(8):
        rectified(city, assigned(city, title=f"隐患{index}", level="general"))
    visit()
    with django_assert_max_num_queries(22):
        client.get(reverse("hazards:detail", args=[awaiting.pk]))


def test_the_filter_drives_the_htmx_partial(client, city, awaiting):
    found(city, title="群租房私拉电线")
    client.force_login(city.supervisor)
    response = client.get(reverse("hazards:list"), {"level": "major"}, HTTP_HX_REQUEST="true")
    page = response.content.decode()
    assert page.lstrip().startswith('<div id="list">')
    assert "尾矿库排洪设施淤堵" in page and "群租房私拉电线" not in page
    bad = client.get(reverse("hazards:list"), {"level": "huge"}).content.decode()
    assert "Unknown level: huge" in bad


def test_figures_drill_down_to_the_register(client, city, awaiting):
    client.force_login(city.leader)
    page = client.get(reverse("hazards:figures"), {"by": "category"}).content.decode()
    category = awaiting.category_id
    assert f'href="/hazards/?category={category}&amp;status=awaiting_verification"' in page
    listed = client.get(f"/hazards/?category={category}&status=awaiting_verification")
    assert "尾矿库排洪设施淤堵" in listed.content.decode()


def test_the_cockpit_shows_the_register(client, city, awaiting):
    client.force_login(city.leader)
    page = client.get("/cockpit/").content.decode()
    assert 'id="h-cockpit-hazards"' in page
    assert 'href="/hazards/?level=major&amp;status=open"' in page
