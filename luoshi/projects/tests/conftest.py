"""Every project test runs with the clock pinned at 2026-06-30 10:00 in Shanghai."""

import datetime as dt

import pytest
import time_machine

TODAY = dt.datetime(2026, 6, 30, 2, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(TODAY, tick=False) as traveller:
        yield traveller
