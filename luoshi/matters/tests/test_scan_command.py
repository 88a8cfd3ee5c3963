"""`luoshi scan` and the scan_warnings task recompute warnings and say what changed."""

import datetime as dt
from io import StringIO

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.utils import translation

from luoshi.matters.models import Matter, MatterWarning
from luoshi.matters.tasks import scan_warnings
from luoshi.testing import accepted


def scan(*args: str) -> str:
    out = StringIO()
    with translation.override("en"):  # messages are asserted in English
        call_command("scan", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def overdue(city):
    """A matter due on 2 March, accepted: overdue once the clock passes that day."""
    with time_machine.travel(dt.datetime(2026, 2, 2, 9, tzinfo=dt.UTC), tick=False):
        return accepted(city, deadline=dt.date(2026, 3, 2))


@time_machine.travel(dt.datetime(2026, 3, 10, 9, tzinfo=dt.UTC), tick=False)
def test_scan_prints_rows_changed_per_warning_and_the_time(overdue):
    output = scan()
    assert "overdue 1" in output and "due_soon 0" in output
    assert output.rstrip().endswith("s)")
    assert Matter.objects.get(pk=overdue.pk).warning == MatterWarning.OVERDUE
    assert "overdue 0" in scan()  # nothing changes the second time


@time_machine.travel(dt.datetime(2026, 3, 10, 9, tzinfo=dt.UTC), tick=False)
def test_scan_every_loops_until_stopped(overdue, monkeypatch):
    sleeps = []

    def sleep(seconds):
        sleeps.append(seconds)
        if len(sleeps) == 2:
            raise KeyboardInterrupt

    monkeypatch.setattr("luoshi.matters.management.commands.scan.time.sleep", sleep)
    output = scan("--every", "60")
    assert sleeps == [60, 60]
    assert output.count("Warnings changed") == 2
    assert "Stopped" in output


def test_scan_every_refuses_a_non_positive_interval(db):
    with pytest.raises(CommandError):
        scan("--every", "0")


@time_machine.travel(dt.datetime(2026, 3, 10, 9, tzinfo=dt.UTC), tick=False)
def test_the_task_runs_the_scan(overdue):
    result = scan_warnings.enqueue()  # the test backend runs it at once
    assert result.return_value[MatterWarning.OVERDUE] == 1
    assert Matter.objects.get(pk=overdue.pk).warning == MatterWarning.OVERDUE


@time_machine.travel(dt.datetime(2026, 3, 10, 9, tzinfo=dt.UTC), tick=False)
def test_scan_enqueue_queues_the_task(overdue):
    output = scan("--enqueue")
    assert "Queued the warning scan" in output
    assert Matter.objects.get(pk=overdue.pk).warning == MatterWarning.OVERDUE


@time_machine.travel(dt.datetime(2026, 3, 10, 9, tzinfo=dt.UTC), tick=False)
def test_the_benchmark_data_goes_through_the_scan_and_the_inbox(empty_database):
    """`make bench` at a tiny size: generated rows are what the scan and the inbox read."""
    from bench import scan as bench

    sizes = bench.Generator(300, 50, seed=1).run()
    assert sizes["matters"] == 300 and sizes["units"] == 50
    assert sizes["parts"] >= 300 and sizes["events"] >= 600
    # the generated events are linked in their hash chains, as the services' would be
    from luoshi.lib.eventchain import verify_model
    from luoshi.matters.models import MatterEvent

    verdict = verify_model(MatterEvent)
    assert verdict.rows == sizes["events"] and verdict.breaks == []
    results = bench.measure(runs=1)
    assert sum(results["scan_cold_changed"].values()) > 0
    assert results["inbox_count"] > 0 and results["inbox_page_rows"] > 0
    assert "matters_matter" in results["inbox_explain"]
