"""Every enterprise service test starts with the clock pinned at Monday 2026-06-01 10:00
in Shanghai; tests move it with the `frozen` traveller."""

import pytest
import time_machine

from .helpers import MONDAY


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(MONDAY, tick=False) as traveller:
        yield traveller
