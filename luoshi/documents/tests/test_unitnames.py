"""Finding a unit by the name a table gives it, and ranking suggestions for unknown names."""

import pytest

from luoshi.documents.unitnames import UnitDirectory, bare_form, short_form
from luoshi.org.models import Unit, UnitKind

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("long", "short"),
    [
        ("市发展和改革委员会", "市发改委"),
        ("省发展改革委", "省发改委"),
        ("省经济和信息化厅", "省经信厅"),
        ("省人力资源和社会保障厅", "省人社厅"),
        ("市人力社保局", "市人社局"),
        ("市住房和城乡建设局", "市住建局"),
        ("市市场监督管理局", "市市场监管局"),
        ("市卫生健康委员会", "市卫健委"),
        ("市人民政府外事办公室", "市政府外办"),
    ],
)
def test_short_forms(long, short):
    assert short_form(long) == short


def test_bare_forms_drop_the_level_prefix_and_the_citys_name():
    assert bare_form("市发展和改革委员会") == "发改委"
    assert bare_form("示例市发展改革委", ["示例市"]) == "发改委"
    assert bare_form("市场监督管理局") == "市场监管局"  # 市场 is no prefix
    assert bare_form("市政府办公室") == "政府办"  # nor is the government's own office


@pytest.fixture
def units(city):
    for name in ("市经济和信息化局", "市人力资源和社会保障局", "市卫生健康委员会", "东城区发改局"):
        Unit.objects.create(name=name, kind=UnitKind.DEPARTMENT, parent=city.city)
    return UnitDirectory()


def test_found_exactly_by_alias_or_by_a_unique_short_form(city, units):
    assert units.find("市发改委") == city.lead
    assert units.find("市发展和改革委员会") == city.lead  # an alias
    assert units.find("市发展改革委") == city.lead  # the same short form, one unit
    assert units.find("市经信局").name == "市经济和信息化局"
    assert units.find("市人力社保局").name == "市人力资源和社会保障局"
    assert units.find("发改委") is None  # 市 or 区? only suggested


def test_suggestions_are_ranked_and_know_the_levels(city, units):
    names = [(s.unit.name, s.score) for s in units.suggest("发改委")]
    assert names[0] == ("市发改委", 0.95)
    assert units.suggest("市卫健局")[0].unit.name == "市卫生健康委员会"  # 局 or 委: same work
    assert units.suggest("县人社局")[0].unit.name == "市人力资源和社会保障局"
    assert units.suggest("市统计局") == []  # nothing like it


def test_collective_names(city, units):
    west = Unit.objects.create(name="西城区", kind=UnitKind.DISTRICT, parent=city.city)
    everyone = UnitDirectory().collective("各县（市、区）")
    assert set(everyone) == {city.district, west}
    assert UnitDirectory().collective("市发改委") is None
