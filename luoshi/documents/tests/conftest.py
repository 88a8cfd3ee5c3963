import datetime as dt
from pathlib import Path

import pytest
import time_machine

from luoshi.org.models import Membership, Role, Unit, UnitKind

FIXTURES = Path(__file__).resolve().parent / "fixtures"
# Mid-January 2026: every date in the fixture tables lies ahead.
JANUARY = dt.datetime(2026, 1, 15, 9, 0, tzinfo=dt.UTC)


def fixture_bytes(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


@pytest.fixture
def january():
    with time_machine.travel(JANUARY, tick=False):
        yield


@pytest.fixture
def docs_city(city, january):
    """The test city plus the units and the leader the fixture tables name."""
    from django.contrib.auth.models import User

    city.market = Unit.objects.create(
        name="市市场监管局", kind=UnitKind.DEPARTMENT, parent=city.city
    )
    city.publicity = Unit.objects.create(
        name="市委宣传部（市新闻出版局）", kind=UnitKind.DEPARTMENT, parent=city.city
    )
    city.zhang = User.objects.create_user(
        "zhangwei", password="pw", last_name="张", first_name="伟"
    )
    Membership.objects.create(user=city.zhang, unit=city.city, role=Role.LEADER)
    return city
