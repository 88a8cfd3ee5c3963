"""`luoshi generate` at a tiny size, through the command, on an empty database.

What a load run relies on: the rows are there in every table, each matter's events
lead to its state, each matter is visible to its lead unit's handler, every role can
sign in with the printed password, the event log verifies, the warnings are scanned —
and a database that holds data is refused without a change.
"""

import datetime as dt
import io
from collections import defaultdict

import pytest
import time_machine
from django.contrib.auth.models import User
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

from luoshi.citizens.models import CitizenRequest
from luoshi.cockpit.models import UnitCount
from luoshi.matters import partcounts
from luoshi.matters.models import (
    OPEN_STATES,
    Matter,
    MatterEvent,
    MatterStanding,
    MatterUnit,
    NextWarningChange,
    PartCount,
    ProgressReport,
)
from luoshi.matters.models import (
    PRE_DISPATCH_STATES as PRE_DISPATCH,
)
from luoshi.org.models import Membership, Unit

NOW = dt.datetime(2026, 3, 10, 9, tzinfo=dt.UTC)
PASSWORD = "generated-pw-1"  # noqa: S105


def generate(*args: str) -> str:
    out = io.StringIO()
    call_command("generate", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def generated(empty_database):
    with time_machine.travel(NOW, tick=False):
        yield generate("--matters", "300", "--units", "80", "--password", PASSWORD)


@time_machine.travel(NOW, tick=False)
def test_every_table_is_filled_and_its_speed_printed(generated):
    assert Unit.objects.count() == 80
    workers = Unit.objects.exclude(kind__in=["city", "office"]).count()
    assert User.objects.count() == 8 + 6 + 2 * workers  # supervisors, leaders, handler + head
    assert Membership.objects.count() == User.objects.count()
    assert Matter.objects.count() == 300
    assert MatterUnit.objects.filter(role="lead").count() == 300
    assert MatterEvent.objects.count() >= 2 * 300
    assert ProgressReport.objects.exists()
    # each citizen request dispatched as its matter, with its work-order number and place
    citizen = Matter.objects.filter(kind="citizen")
    assert CitizenRequest.objects.count() == citizen.count() > 0
    request = CitizenRequest.objects.select_related("matter", "street").first()
    assert request.matter.kind == "citizen" and request.street.kind == "street"
    assert request.work_order_number.startswith(request.received_at.strftime("%Y%m%d"))
    for table in ["matters_matter", "matters_matterevent", "org_unit", "auth_user"]:
        assert table in generated
    assert "rows/s" in generated and PASSWORD in generated
    # five years, a tenth open, ids and serials in registration order
    years = set(Matter.objects.values_list("serial_year", flat=True))
    assert min(years) == 2021 and max(years) == 2026
    assert 10 <= Matter.objects.filter(state__in=OPEN_STATES).count() <= 60
    first, last = Matter.objects.order_by("pk")[0], Matter.objects.order_by("-pk")[0]
    assert first.created_at < last.created_at


@time_machine.travel(NOW, tick=False)
def test_each_matters_events_lead_to_its_state(generated):
    events = defaultdict(list)
    for matter_id, from_state, to_state, at in MatterEvent.objects.order_by("id").values_list(
        "matter_id", "from_state", "to_state", "at"
    ):
        events[matter_id].append((from_state, to_state, at))
    for matter in Matter.objects.all():
        steps = events[matter.pk]
        assert steps[0][:2] == ("", "draft")
        for (_, before, at_before), (after, _, at_after) in zip(steps, steps[1:], strict=False):
            assert after == before, f"matter {matter.pk}: {steps}"
            assert at_before <= at_after < NOW
        assert steps[-1][1] == matter.state
        assert matter.version == len(steps)
    closed = Matter.objects.filter(state="closed").first()
    assert closed.closed_at and closed.completed_at and closed.assigned_at < closed.closed_at


@time_machine.travel(NOW, tick=False)
def test_every_matter_is_visible_to_its_lead_units_handler(generated):
    for matter in Matter.objects.all():
        handler = User.objects.get(username=f"handler{matter.lead_unit_id}")
        assert Matter.objects.visible_to(handler).filter(pk=matter.pk).exists()


@time_machine.travel(NOW, tick=False)
def test_each_role_signs_in_with_the_printed_password(generated):
    unit = Matter.objects.values_list("lead_unit_id", flat=True).first()
    for username in ["sup1", "leader1", f"handler{unit}", f"head{unit}"]:
        response = Client().post("/login/", {"username": username, "password": PASSWORD})
        assert response.status_code == 302, username
    refused = Client().post("/login/", {"username": "sup1", "password": "wrong"})
    assert refused.status_code == 200


@time_machine.travel(NOW, tick=False)
def test_the_event_log_verifies_and_the_warnings_are_scanned(generated):
    call_command("verify-log", stdout=io.StringIO())  # raises CommandError on a broken link
    running = Matter.objects.filter(state__in=OPEN_STATES, suspended_at__isnull=True)
    computed = NextWarningChange.objects.filter(matter__in=running, changes_on__gt=NOW.date())
    assert computed.count() == running.count()  # each running matter's next day, ahead
    assert Matter.objects.exclude(warning="normal").exists()
    # standings and the cockpit's counts follow the scanned warnings
    assert MatterStanding.objects.filter(valid_to__isnull=True).count() == 300
    overdue = Matter.objects.filter(warning="overdue").count()
    counted = sum(
        UnitCount.objects.filter(unit_id=-1, warning="overdue").values_list("n", flat=True)
    )
    assert counted == overdue


@time_machine.travel(NOW, tick=False)
def test_each_part_is_written_in_the_bucket_the_services_keep_and_counted(generated):
    """The generator writes each part's bucket (matters.partcounts) as the services
    would: a recount after the load rewrites no part and corrects no count, and the
    units' counts hold every active part of a dispatched matter."""
    assert "(0 part buckets rewritten)" in generated  # settle's recount found them right
    assert partcounts.rebuild() == {
        "parts_rewritten": 0,
        "part_counts_corrected": 0,
        "area_counts_corrected": 0,
    }
    assert MatterUnit.objects.filter(counted__isnull=False).exists()
    dispatched = MatterUnit.objects.filter(active=True).exclude(matter__state__in=PRE_DISPATCH)
    total = sum(PartCount.objects.values_list("n", flat=True))
    assert total == dispatched.count() > 0


@time_machine.travel(NOW, tick=False)
def test_a_database_that_holds_data_is_refused_unchanged(generated):
    counts = (Matter.objects.count(), Unit.objects.count(), MatterEvent.objects.count())
    with pytest.raises(CommandError, match="already holds 300 matters"):
        generate("--matters", "10", "--units", "80")
    assert (Matter.objects.count(), Unit.objects.count(), MatterEvent.objects.count()) == counts


def test_the_citys_units_remain_refused(db):
    """The suite's test city (units and users, no generated data) is refused too."""
    with pytest.raises(CommandError, match="units"):
        generate("--matters", "10")


def test_bad_input_names_its_option(empty_database):
    with pytest.raises(CommandError, match="--open-share"):
        generate("--matters", "10", "--open-share", "2")
    with pytest.raises(CommandError, match="units"):
        generate("--matters", "10", "--units", "3")
    assert not Unit.objects.exists()


def test_a_provinces_unit_tree_has_unique_names_and_the_size_asked():
    """`--scale province`: 18 cities of departments, districts, towns and villages."""
    import random

    from luoshi.demo.generate import names

    tree = names.tree(30_000, 18, random.Random(1))
    assert len(tree.units) == 30_000
    assert len({u.name for u in tree.units}) == 30_000  # Unit.name is unique
    kinds = [u.kind for u in tree.units]
    assert kinds.count("city") == 19 and kinds.count("department") == 18 * 60
    assert all(u.path.startswith("/1/") and u.path.endswith(f"/{u.id}/") for u in tree.units)
    by_id = {u.id: u for u in tree.units}
    village = next(u for u in tree.units if u.kind == "village")
    assert village.name.startswith(by_id[village.parent].name) and village.aliases
