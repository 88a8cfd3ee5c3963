"""The admin of units and roles calls org.services: aliases as a list, the version checked,
roles granted and revoked (each an OrgEvent), only by administrators."""

import pytest
from django.urls import reverse

from luoshi.org.models import Membership, OrgEvent, OrgEventKind, Role, Unit, UnitKind

pytestmark = pytest.mark.django_db


def unit_form(unit: Unit, **changes) -> dict:
    data = {
        "name": unit.name,
        "kind": unit.kind,
        "parent": unit.parent_id or "",
        "order": unit.order,
        "is_active": "on" if unit.is_active else "",
        "aliases": "\n".join(unit.aliases),
        "version": unit.version,
        "memberships-TOTAL_FORMS": "0",
        "memberships-INITIAL_FORMS": "0",
        "memberships-MIN_NUM_FORMS": "0",
        "memberships-MAX_NUM_FORMS": "1000",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v != ""}


@pytest.fixture
def admin_client(client, city):
    city.admin.is_staff = True
    city.admin.save()
    client.force_login(city.admin)
    return client


def test_adding_a_unit_with_aliases_typed_as_text(admin_client, city):
    data = unit_form(
        Unit(name="市生态环境局", kind=UnitKind.DEPARTMENT, parent=city.city),
        aliases="市环保局、市环境保护局\n市环保局",
        version="",
    )
    response = admin_client.post(reverse("admin:org_unit_add"), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    unit = Unit.objects.get(name="市生态环境局")
    assert unit.aliases == ["市环保局", "市环境保护局"]
    assert unit.events.get().kind == OrgEventKind.UNIT_CREATED
    page = admin_client.get(reverse("admin:org_unit_change", args=[unit.pk])).content.decode()
    assert "市环保局\n市环境保护局" in page  # shown as lines, not as JSON


def test_editing_goes_through_the_services_verb_by_verb(admin_client, city):
    url = reverse("admin:org_unit_change", args=[city.street.pk])
    data = unit_form(city.street, name="东城区城关镇", parent=city.lead.pk, aliases="城关")
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    street = Unit.objects.get(pk=city.street.pk)
    assert street.name == "东城区城关镇" and street.parent_id == city.lead.pk
    assert street.path.startswith(city.lead.path)
    assert street.aliases == ["城关", "东城区城关街道"]  # the old name is kept as an alias
    kinds = list(street.events.filter(kind__startswith="unit.").values_list("kind", flat=True))
    assert kinds[1:] == [
        OrgEventKind.ALIASES_SET,
        OrgEventKind.UNIT_RENAMED,
        OrgEventKind.UNIT_MOVED,
    ]
    assert set(street.events.values_list("actor", flat=True)) == {None, city.admin.pk}


def test_a_stale_edit_is_shown_not_saved(admin_client, city):
    url = reverse("admin:org_unit_change", args=[city.lead.pk])
    response = admin_client.post(url, unit_form(city.lead, name="改名一", version=0))
    assert response.status_code == 200  # the form again, with the error
    assert "reload the page" in response.content.decode()
    assert Unit.objects.get(pk=city.lead.pk).name == "市发改委"


@pytest.mark.parametrize(
    ("unit", "changes", "refusal"),
    [
        ("district", {"parent": "street"}, "cannot move under itself"),
        ("district", {"is_active": ""}, "units under"),
    ],
)
def test_an_edit_the_services_refuse_is_said_and_nothing_is_kept(
    admin_client, city, unit, changes, refusal
):
    """A unit moved under its own unit, or archived with units still below it: the
    page says why (was a 500), and neither the name typed with it nor anything else is
    kept."""
    edited = getattr(city, unit)
    data = {
        name: getattr(city, value).pk if name == "parent" else value
        for name, value in changes.items()
    }
    url = reverse("admin:org_unit_change", args=[edited.pk])
    form = {k: v for k, v in unit_form(edited, name="改名区").items() if k not in changes}
    response = admin_client.post(
        url, {**form, **{k: v for k, v in data.items() if v != ""}}, follow=True
    )
    assert response.status_code == 200
    shown = [str(m) for m in response.context["messages"]]
    assert any(refusal in m for m in shown), shown
    kept = Unit.objects.get(pk=edited.pk)
    assert (kept.name, kept.parent_id, kept.is_active) == (edited.name, edited.parent_id, True)
    assert kept.version == edited.version
    assert not kept.events.filter(actor=city.admin).exists()


def test_roles_are_granted_and_revoked_through_the_inline(admin_client, city):
    held = Membership.objects.get(user=city.co_handler)
    url = reverse("admin:org_unit_change", args=[city.co.pk])
    data = unit_form(city.co)
    data.update(
        {
            "memberships-TOTAL_FORMS": "2",
            "memberships-INITIAL_FORMS": "1",
            "memberships-0-id": held.pk,
            "memberships-0-unit": city.co.pk,
            "memberships-0-DELETE": "on",
            "memberships-1-unit": city.co.pk,
            "memberships-1-user": city.other_handler.pk,
            "memberships-1-role": Role.UNIT_HEAD,
        }
    )
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    assert not Membership.objects.filter(pk=held.pk).exists()
    assert Membership.objects.filter(user=city.other_handler, unit=city.co, role="unit_head")
    changes = OrgEvent.objects.filter(unit=city.co, actor=city.admin).order_by("id")
    assert [(e.kind, e.member_id) for e in changes] == [
        (OrgEventKind.ROLE_REVOKED, city.co_handler.pk),
        (OrgEventKind.ROLE_GRANTED, city.other_handler.pk),
    ]


def test_deleting_a_membership_revokes_it(admin_client, city):
    held = Membership.objects.get(user=city.street_handler)
    url = reverse("admin:org_membership_delete", args=[held.pk])
    assert admin_client.post(url, {"post": "yes"}).status_code == 302
    assert not Membership.objects.filter(pk=held.pk).exists()
    assert OrgEvent.objects.get(kind=OrgEventKind.ROLE_REVOKED).member == city.street_handler


def test_staff_without_the_admin_role_cannot_change_units(client, city):
    city.supervisor.is_staff = True
    city.supervisor.save()
    client.force_login(city.supervisor)
    assert client.get(reverse("admin:org_unit_add")).status_code == 403
    url = reverse("admin:org_unit_change", args=[city.lead.pk])
    response = client.post(url, unit_form(city.lead, name="改名"))
    assert response.status_code == 403
    assert Unit.objects.get(pk=city.lead.pk).name == "市发改委"
