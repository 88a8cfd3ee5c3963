"""register_matters: many matters at once, with register_matter's checks and events."""

import datetime as dt

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from luoshi.lib.errors import InvalidInput, NotAllowed
from luoshi.matters import services
from luoshi.matters.models import EventKind, Matter, MatterEvent, MatterStanding, PartRole
from luoshi.matters.services import CoUnit, MatterSpec, MilestoneSpec, NewMatter
from luoshi.testing import register

pytestmark = pytest.mark.django_db
D = dt.date


@pytest.fixture
def clock():
    with time_machine.travel(dt.datetime(2026, 3, 2, 9, tzinfo=dt.UTC), tick=False):
        yield


def spec(city, title, **extra):
    return MatterSpec(title=title, source="work_report", lead_unit=city.lead, **extra)


def tree(city, size=3, **child):
    parent = NewMatter(spec(city, "扩大有效投资", deadline=D(2026, 12, 31)))
    children = [
        NewMatter(
            spec(city, f"推进第{i}项", co_units=[CoUnit(city.co, "负责对接")], **child),
            parent=parent,
        )
        for i in range(size)
    ]
    return [parent, *children]


def test_a_tree_registered_as_drafts_with_events_and_one_block_of_serials(city, clock):
    items = tree(city, milestones=[MilestoneSpec("完成方案", D(2026, 6, 30))])
    ids = services.register_matters(items, actor=city.supervisor, event_data={"import": 7})
    parent = Matter.objects.get(pk=ids[0])
    children = list(parent.children.order_by("serial_no"))
    assert [c.pk for c in children] == ids[1:]
    assert [c.serial_no for c in [parent, *children]] == list(range(1, 5))
    assert {c.state for c in children} == {"draft"} and parent.version == 2
    # decompose_matter's rule: an undated child takes its parent's deadline.
    assert {c.deadline for c in children} == {D(2026, 12, 31)}
    assert children[0].parts.get(role=PartRole.CO).description == "负责对接"
    assert children[0].milestones.get().deadline == D(2026, 6, 30)
    registered = MatterEvent.objects.filter(kind=EventKind.REGISTERED)
    assert registered.count() == 4 and {e.data["import"] for e in registered} == {7}
    decomposed = MatterEvent.objects.get(kind=EventKind.DECOMPOSED)
    assert decomposed.matter == parent and decomposed.data["children"] == ids[1:]
    # Their standings (the cockpit's counts and the as-of lists) follow, one each.
    assert MatterStanding.objects.filter(matter_id__in=ids, valid_to__isnull=True).count() == 4


def test_queries_do_not_grow_with_the_number_of_matters(city, clock):
    def count(size: int) -> int:
        with CaptureQueriesContext(connection) as queries:
            services.register_matters(tree(city, size), actor=city.supervisor)
        return len(queries)

    count(1)  # the year's serial counter is created once
    # a few matters' standings are synced row by row, more set-based: each is constant
    assert count(10) == count(2)
    assert count(60) == count(25)


def test_past_deadlines_only_with_a_reason_which_is_recorded(city, clock):
    past = [NewMatter(spec(city, "上半年已到期", deadline=D(2026, 1, 30)))]
    with pytest.raises(InvalidInput, match="in the past"):
        services.register_matters(past, actor=city.supervisor)
    assert not Matter.objects.exists()
    past = [NewMatter(spec(city, "上半年已到期", deadline=D(2026, 1, 30)))]
    (pk,) = services.register_matters(past, actor=city.supervisor, past_deadlines="import 3")
    event = MatterEvent.objects.get(matter_id=pk)
    assert event.data["past_deadline"] == "import 3"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"responsible_leader": "lead_handler"}, "responsible_leader"),
        ({"deadline": D(2027, 3, 31)}, "deadline"),  # after its parent's
        ({"ongoing": True, "deadline": D(2026, 6, 30)}, "deadline"),
        ({"title": ""}, "title"),
    ],
)
def test_register_matters_checks_what_register_matter_checks(city, clock, change, field):
    if "responsible_leader" in change:
        change = {"responsible_leader": getattr(city, change["responsible_leader"])}
    items = tree(city, 1)
    for name, value in change.items():
        setattr(items[1].spec, name, value)
    with pytest.raises(InvalidInput) as refused:
        services.register_matters(items, actor=city.supervisor)
    assert refused.value.field == field and "Item 2" in refused.value.message
    assert not Matter.objects.exists() and not MatterEvent.objects.exists()


@pytest.mark.parametrize("persona", ["lead_handler", "lead_head", "leader", "co_handler"])
def test_only_the_office_registers(city, clock, persona):
    with pytest.raises(NotAllowed):
        services.register_matters(tree(city), actor=getattr(city, persona))
    assert not Matter.objects.exists()


def test_children_under_an_existing_matter_are_a_decomposition(city, clock):
    parent = register(city, title="推进工业转型", deadline=D(2026, 12, 31))
    items = [NewMatter(spec(city, "建设数字化车间10个"), parent=parent)]
    (pk,) = services.register_matters(items, actor=city.supervisor)
    parent.refresh_from_db()
    assert Matter.objects.get(pk=pk).parent == parent and parent.version == 2
    assert MatterEvent.objects.filter(matter=parent, kind=EventKind.DECOMPOSED).count() == 1
