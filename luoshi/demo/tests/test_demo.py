"""`luoshi demo` builds 示例市 through the services: every role, every state, every warning."""

import datetime as dt
from io import StringIO

import pytest
import time_machine
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command
from django.utils import translation

from luoshi.matters.models import Matter, MatterEvent, MatterWarning, State
from luoshi.org.models import Membership, Role, Unit, UnitKind

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("empty_database")]


def run(*args: str) -> str:
    out = StringIO()
    with translation.override("en"):  # messages are asserted in English
        call_command("demo", *args, stdout=out)
    return out.getvalue()


@time_machine.travel(dt.datetime(2026, 6, 17, 10, tzinfo=dt.UTC), tick=False)
def test_demo_builds_a_city_with_every_state_and_warning():
    output = run("--matters", "40", "--seed", "7")

    # The city's own units; villages and communities are added by the hazards demo.
    assert 35 <= Unit.objects.exclude(kind=UnitKind.VILLAGE).count() <= 45
    unit = Unit.objects.get(name="市发改委")
    assert "市发展和改革委员会" in unit.aliases
    assert "市知识产权局" in Unit.objects.get(name="市市场监管局").aliases
    roles = set(Membership.objects.values_list("role", flat=True))
    assert roles == set(Role.values)
    handled = set(Membership.objects.filter(role=Role.HANDLER).values_list("unit__name", flat=True))
    headed = set(
        Membership.objects.filter(role=Role.UNIT_HEAD).values_list("unit__name", flat=True)
    )
    assert {"市发改委", "市工信局", "东城区", "东城区城关街道"} <= handled & headed
    assert User.objects.get(username="fgw.handler").check_password("luoshi-demo")

    states = set(Matter.objects.values_list("state", flat=True))
    assert states == set(State.values), set(State.values) - states
    warnings = set(
        Matter.objects.filter(state__in=["assigned", "accepted", "in_progress"]).values_list(
            "warning", flat=True
        )
    )
    assert warnings == set(MatterWarning.values), set(MatterWarning.values) - warnings
    assert Matter.objects.filter(parent__isnull=False).exists()  # a decomposition
    assert "Matters by state" in output

    # History has realistic timestamps: events spread over the year, none in the future.
    days = {at.date() for at in MatterEvent.objects.values_list("at", flat=True)}
    assert len(days) > 20
    assert min(days) < dt.date(2026, 3, 1) and max(days) <= dt.date(2026, 6, 17)
    assert Matter.objects.filter(serial_year=2026, serial_no=1).get().created_at.month < 3

    assert "Units exist already" in run("--if-empty")
    with pytest.raises(CommandError):
        run()

    logins = run("--logins", "--port", "8123")
    assert "http://127.0.0.1:8123/" in logins
    assert "luoshi-demo" in logins
    for username in ("supervisor", "leader", "admin", "fgw.handler", "fgw.head"):
        assert username in logins


def test_if_empty_builds_once_and_leaves_the_city_alone():
    run("--if-empty", "--matters", "0")
    units, users = Unit.objects.count(), User.objects.count()
    assert units >= 35
    assert "Units exist already" in run("--if-empty")
    assert (Unit.objects.count(), User.objects.count()) == (units, users)


def test_logins_on_an_empty_database_say_how_to_build():
    assert "luoshi demo" in run("--logins")
