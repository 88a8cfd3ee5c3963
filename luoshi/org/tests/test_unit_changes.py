"""Unit names from imports (org.services): an alias added, a unit created, aliases edited
as a list; each with its OrgEvent."""

import pytest
from django.contrib.auth.models import User

from luoshi.lib.errors import InvalidInput, NotAllowed
from luoshi.org import services
from luoshi.org.models import Unit

pytestmark = pytest.mark.django_db


def test_an_alias_is_added_once_and_never_taken_from_another_unit(city):
    services.add_alias(city.co, "市工业和信息化局", actor=city.supervisor)
    services.add_alias(city.co, "市工业和信息化局", actor=city.supervisor)
    city.co.refresh_from_db()
    assert city.co.aliases == ["市工业和信息化局"]
    with pytest.raises(InvalidInput, match="市发改委"):
        services.add_alias(city.co, "市发展和改革委员会", actor=city.supervisor)


def test_a_new_unit_under_its_parent_after_its_siblings(city):
    spec = services.UnitSpec("市妇女联合会", "department", city.city, ["市妇联"])
    unit = services.create_unit(spec, actor=city.supervisor)
    assert unit.parent == city.city and unit.aliases == ["市妇联"]
    assert unit.order > max(
        u.order for u in Unit.objects.filter(parent=city.city).exclude(pk=unit.pk)
    )
    with pytest.raises(InvalidInput) as refused:
        spec = services.UnitSpec("市妇联", "department", city.city)
        services.create_unit(spec, actor=city.supervisor)
    assert refused.value.field == "name"


@pytest.mark.parametrize("persona", ["lead_handler", "lead_head", "leader"])
def test_only_the_office_changes_the_unit_list(city, persona):
    with pytest.raises(NotAllowed):
        spec = services.UnitSpec("市新单位", "department", city.city)
        services.create_unit(spec, actor=getattr(city, persona))
    with pytest.raises(NotAllowed):
        services.add_alias(city.lead, "发改委", actor=getattr(city, persona))


def test_the_admin_edits_aliases_as_a_list_of_names(client, city):
    admin = User.objects.create_superuser("root", password="pw")
    client.force_login(admin)
    url = f"/admin/org/unit/{city.lead.pk}/change/"
    page = client.get(url).content.decode()
    assert "市发展和改革委员会</textarea>" in page  # one name per line, not JSON
    response = client.post(
        url,
        {
            "name": city.lead.name,
            "aliases": "市发展和改革委员会\n发改委、市发展改革委\n",
            "kind": city.lead.kind,
            "parent": city.city.pk,
            "order": 0,
            "is_active": "on",
            "version": city.lead.version,
            "memberships-TOTAL_FORMS": "0",
            "memberships-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    city.lead.refresh_from_db()
    assert city.lead.aliases == ["市发展和改革委员会", "发改委", "市发展改革委"]
