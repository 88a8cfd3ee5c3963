"""The committed .xlsx fixtures are what make_fixtures.py builds (cells and merges)."""

import pytest
from openpyxl import load_workbook

from .conftest import FIXTURES
from .fixtures.make_fixtures import FIXTURES as BUILDERS


def cells(sheet):
    return [[c.value if c.value != "" else None for c in row] for row in sheet.iter_rows()]


@pytest.mark.parametrize("name", sorted(BUILDERS))
def test_committed_fixture_matches_its_generator(name):
    committed = load_workbook(FIXTURES / name).active
    built = BUILDERS[name]().active
    assert cells(committed) == cells(built)
    assert {str(r) for r in committed.merged_cells.ranges} == {
        str(r) for r in built.merged_cells.ranges
    }
