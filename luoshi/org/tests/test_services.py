"""Units and roles change only through org.services, each change an OrgEvent row."""

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test.utils import CaptureQueriesContext

from luoshi.lib.errors import IllegalTransition, InvalidInput, NotAllowed, StaleVersion
from luoshi.org import services
from luoshi.org.access import access_for
from luoshi.org.models import Membership, OrgEvent, OrgEventKind, Role, Unit, UnitKind

pytestmark = pytest.mark.django_db


def events(unit: Unit) -> list[str]:
    """The unit's own changes (its roles' grants are on it too)."""
    rows = unit.events.filter(kind__startswith="unit.").order_by("id")
    return list(rows.values_list("kind", flat=True))


def test_create_with_aliases_as_typed(city):
    spec = services.UnitSpec(
        " 市生态环境局 ", UnitKind.DEPARTMENT, city.city, "市环保局、 市环境保护局,市环保局"
    )
    unit = services.create_unit(spec, actor=city.admin)
    assert unit.name == "市生态环境局" and unit.aliases == ["市环保局", "市环境保护局"]
    assert unit.path == f"{city.city.path}{unit.pk}/"
    event = unit.events.get()
    assert (event.kind, event.actor) == (OrgEventKind.UNIT_CREATED, city.admin)


def test_a_name_is_unique_and_required(city):
    with pytest.raises(InvalidInput) as taken:
        services.create_unit(services.UnitSpec("市发改委", UnitKind.DEPARTMENT), actor=city.admin)
    assert taken.value.field == "name"
    with pytest.raises(InvalidInput):
        services.create_unit(services.UnitSpec("  ", UnitKind.DEPARTMENT), actor=city.admin)


def test_renaming_keeps_the_old_name_as_an_alias(city):
    unit = services.rename_unit(city.lead, "市发展改革委", actor=city.admin, version=1)
    assert unit.name == "市发展改革委"
    assert unit.aliases == ["市发展和改革委员会", "市发改委"]
    assert unit.version == 2
    assert unit.events.get(kind=OrgEventKind.UNIT_RENAMED).data == {
        "from": "市发改委",
        "to": "市发展改革委",
    }


def test_a_stale_edit_is_refused_and_changes_nothing(city):
    services.set_aliases(city.lead, ["发改委"], actor=city.admin, version=1)
    with pytest.raises(StaleVersion):
        services.rename_unit(city.lead, "别的名字", actor=city.admin, version=1)
    assert Unit.objects.get(pk=city.lead.pk).name == "市发改委"
    assert events(city.lead) == [OrgEventKind.UNIT_CREATED, OrgEventKind.ALIASES_SET]


def test_an_alias_may_not_be_another_units_name(city):
    with pytest.raises(InvalidInput) as refused:
        services.set_aliases(city.lead, "市工信局", actor=city.admin, version=1)
    assert refused.value.field == "aliases"


def test_moving_carries_the_subtree_in_one_update(city):
    below = services.create_unit(
        services.UnitSpec("城关社区", UnitKind.STREET, city.street), actor=city.admin
    )
    with CaptureQueriesContext(connection) as queries:
        services.move_unit(city.district, city.lead, actor=city.admin, version=1)
    subtree = [q for q in queries if q["sql"].startswith("UPDATE") and "LIKE" in q["sql"]]
    assert len(subtree) == 1
    street, below = Unit.objects.get(pk=city.street.pk), Unit.objects.get(pk=below.pk)
    assert street.path == f"{city.lead.path}{city.district.pk}/{city.street.pk}/"
    assert below.path == f"{street.path}{below.pk}/"
    # The district head now sees the street's unit still (it lies under the district).
    assert city.street.pk in access_for(city.district_head).visible_units


def test_a_unit_cannot_move_under_itself(city):
    with pytest.raises(InvalidInput) as refused:
        services.move_unit(city.district, city.street, actor=city.admin, version=1)
    assert refused.value.field == "parent"


def test_archive_only_a_leaf_and_restore(city):
    with pytest.raises(IllegalTransition):
        services.archive_unit(city.district, actor=city.admin, version=1)
    street = services.archive_unit(city.street, actor=city.admin, version=1, comment="撤并")
    assert not street.is_active
    with pytest.raises(IllegalTransition):
        services.archive_unit(street, actor=city.admin, version=street.version)
    street = services.restore_unit(street, actor=city.admin, version=street.version)
    assert street.is_active
    assert events(street)[-2:] == [OrgEventKind.UNIT_ARCHIVED, OrgEventKind.UNIT_RESTORED]


@pytest.mark.parametrize("persona", ["supervisor", "lead_head", "leader"])
def test_only_administrators_change_units_and_roles(city, persona):
    actor = getattr(city, persona)
    with pytest.raises(NotAllowed):
        services.rename_unit(city.lead, "改名", actor=actor, version=1)
    with pytest.raises(NotAllowed):
        services.grant_role(actor, city.office, Role.ADMIN, actor=actor)
    membership = Membership.objects.filter(user=city.lead_handler).first()
    with pytest.raises(NotAllowed):
        services.revoke_role(membership, actor=actor)
    assert not OrgEvent.objects.exclude(kind__in=[OrgEventKind.UNIT_CREATED, "membership.granted"])


def test_granting_and_revoking_change_what_a_user_sees_and_are_logged(city):
    assert city.co.pk not in access_for(city.other_handler).visible_units
    membership = services.grant_role(city.other_handler, city.co, Role.HANDLER, actor=city.admin)
    fresh = User.objects.get(pk=city.other_handler.pk)  # access is cached on the user object
    assert city.co.pk in access_for(fresh).visible_units
    with pytest.raises(IllegalTransition):
        services.grant_role(city.other_handler, city.co, Role.HANDLER, actor=city.admin)

    services.revoke_role(membership, actor=city.admin, comment="调岗")
    assert not Membership.objects.filter(pk=membership.pk).exists()
    granted, revoked = OrgEvent.objects.filter(member=city.other_handler, unit=city.co).order_by(
        "id"
    )
    assert (granted.kind, granted.data) == (OrgEventKind.ROLE_GRANTED, {"role": Role.HANDLER})
    assert (revoked.kind, revoked.actor, revoked.comment) == (
        OrgEventKind.ROLE_REVOKED,
        city.admin,
        "调岗",
    )
    with pytest.raises(IllegalTransition):
        services.revoke_role(membership, actor=city.admin)


def test_many_units_at_once_by_parent_name(city, django_assert_max_num_queries):
    specs = [
        services.UnitSpec("西城区", UnitKind.DISTRICT, "示例市"),
        services.UnitSpec("西城区西关街道", UnitKind.STREET, "西城区"),
        services.UnitSpec("西城区和平街道", UnitKind.STREET, "西城区", ["和平街道"]),
    ]
    # two levels: insert + paths each; one read of the heads of the new units' event
    # chains (and on PostgreSQL the chain table's advisory lock)
    with django_assert_max_num_queries(12 if connection.vendor == "sqlite" else 13):
        units = services.create_units(specs, actor=None)
    west, xiguan, heping = (Unit.objects.get(pk=u.pk) for u in units)
    assert heping.path.startswith(west.path) and heping.path != west.path
    assert xiguan.path == f"{city.city.path}{west.pk}/{xiguan.pk}/"
    assert OrgEvent.objects.filter(unit__in=units, kind=OrgEventKind.UNIT_CREATED).count() == 3
    with pytest.raises(InvalidInput):
        services.create_units([services.UnitSpec("孤儿", UnitKind.STREET, "无此单位")], actor=None)


def test_bulk_created_units_get_their_paths(city):
    parent = Unit(name="南湖区", kind=UnitKind.DISTRICT, parent=city.city)
    Unit.objects.bulk_create([parent])
    child = Unit(name="南湖区湖滨街道", kind=UnitKind.STREET, parent=parent)
    Unit.objects.bulk_create([child])
    assert Unit.objects.get(pk=child.pk).path == f"{city.city.path}{parent.pk}/{child.pk}/"
