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


# Departments, districts and leaders the realistic tables (fixtures/real_tables.py) name,
# written here as a city's unit list has them: full names, with a few aliases.
CITY_UNITS = [
    ("市财政局", "department", []),
    ("市自然资源和规划局", "department", []),
    ("市统计局", "department", []),
    ("市住房和城乡建设局", "department", ["市住建委"]),
    ("市文化和旅游局", "department", []),
    ("市政务服务和数据管理局", "department", []),
    ("市人力资源和社会保障局", "department", []),
    ("市应急管理局", "department", []),
    ("市城市管理局", "department", []),
    ("市公安局", "department", []),
    ("市大数据管理局", "department", []),
    ("市农业农村局", "department", []),
    ("市水利局", "department", []),
    ("市教育局", "department", []),
    ("市卫生健康委员会", "department", []),
    ("市民政局", "department", []),
    ("市委机构编制委员会办公室", "department", []),
    ("西城区", "district", []),
    ("南湖区", "district", []),
]


@pytest.fixture
def real_city(docs_city):
    """docs_city with the units and leaders of a city's real tables."""
    from django.contrib.auth.models import User

    for name, kind, aliases in CITY_UNITS:
        Unit.objects.create(name=name, kind=kind, parent=docs_city.city, aliases=aliases)
    for username, last, first in (("wangfang", "王", "芳"), ("zhaomin", "赵", "敏")):
        user = User.objects.create_user(username, password="pw", last_name=last, first_name=first)
        Membership.objects.create(user=user, unit=docs_city.city, role=Role.LEADER)
    docs_city.units = {u.name: u for u in Unit.objects.all()}
    return docs_city
