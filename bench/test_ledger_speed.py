"""Timing of the streamed ledger (not part of the suite; run it by name):

    .venv/bin/python -m pytest bench/test_ledger_speed.py -s -p no:warnings

Writes N open matters with their lead and co-unit parts and one progress report each
by bulk insert (a generator, not the services), then times `write_ledger` into a
temporary file for several sizes and the Python memory it peaks at (tracemalloc): the
write-only sheet should cost the memory of one batch, whatever N. Prints BENCH lines.
"""

import datetime as dt
import tempfile
import time
import tracemalloc

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from luoshi.documents.exports import ledger_queryset, parse_filter
from luoshi.documents.ledger import write_ledger
from luoshi.matters.models import Matter, MatterUnit, ProgressReport

SIZES = (1000, 5000, 20000)


def generate(city, count: int) -> None:
    now = timezone.now()
    first = Matter.objects.count()
    Matter.objects.bulk_create(
        Matter(
            kind="task",
            source="work_report",
            title=f"推进第{first + i}项重点工作，确保按期完成年度目标任务",
            content="具体措施：" + "细化分解、压实责任、按月调度。" * 3,
            serial_year=2026,
            serial_no=first + i + 1,
            lead_unit=city.lead,
            responsible_leader=city.leader,
            state="in_progress",
            deadline=dt.date(2026, 3 + i % 9, 28),
            created_by=city.supervisor,
            assigned_at=now,
        )
        for i in range(count)
    )
    matters = list(Matter.objects.filter(serial_no__gt=first).values_list("pk", flat=True))
    MatterUnit.objects.bulk_create(
        part
        for pk in matters
        for part in (
            MatterUnit(matter_id=pk, unit=city.lead, role="lead", state="accepted"),
            MatterUnit(matter_id=pk, unit=city.co, role="co", state="accepted"),
        )
    )
    leads = MatterUnit.objects.filter(matter_id__in=matters, role="lead").values_list(
        "pk", "matter_id"
    )
    ProgressReport.objects.bulk_create(
        ProgressReport(
            matter_id=matter,
            part_id=part,
            unit=city.lead,
            author=city.lead_handler,
            text="已完成阶段目标",
            percent=50,
        )
        for part, matter in leads
    )


def test_bench(city):
    done = 0
    for size in SIZES:
        generate(city, size - done)
        done = size
        params = {"ordering": "serial"}
        queryset = ledger_queryset(city.supervisor, parse_filter(params), params)
        start = time.perf_counter()
        with CaptureQueriesContext(connection) as queries, tempfile.TemporaryFile() as out:
            rows = write_ledger(queryset, out)
            out.seek(0, 2)
            size_bytes = out.tell()
        seconds = time.perf_counter() - start
        tracemalloc.start()  # a second run for the memory: tracing slows it several times
        with tempfile.TemporaryFile() as out:
            write_ledger(queryset, out)
        _current, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        print(
            f"\nBENCH {connection.vendor}: ledger of {rows} matters {seconds:.2f} s "
            f"({rows / seconds:.0f} rows/s), {len(queries)} queries, {size_bytes} bytes, "
            f"Python peak {peak / 2**20:.1f} MiB"
        )
