"""Timing of a large import and ledger (not part of the suite; run it by name):

    .venv/bin/python -m pytest bench/test_import_speed.py -s -p no:warnings
    LUOSHI_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test \\
        LUOSHI_TEST_DB_NAME=test_import_bench \\
        .venv/bin/python -m pytest bench/test_import_speed.py -s -p no:warnings

A table of BENCH_IMPORT_ROWS rows (default 5,000) shaped like a real one — sections every
500 rows, a 重点任务 merged over 5 具体措施, several units per cell (full names, "无"),
every kind of time limit — is previewed and confirmed through the API, then the ledger of
all the matters is exported. Prints one BENCH line: seconds, rows per second and queries
for the preview and the confirm, and the ledger's time. Targets (issue 9/15): preview and
confirm of 5,000 rows each within 5 s on this 2-core machine, on SQLite and PostgreSQL.
"""

import io
import os
import time

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import Workbook

from luoshi.matters.models import Matter

ROWS = int(os.environ.get("BENCH_IMPORT_ROWS", "5000"))
GROUP = 5
SECTION = 500
LEADS = ["市发展和改革委员会", "市工信局", "市商务局", "东城区", "市市场监管局"]
CO = ["市工信局、市商务局", "无", "东城区；东城区城关街道", "市发改委\n市商务局", "—"]
LIMITS = [
    "2026年12月",
    "6月底前",
    "持续推进",
    "2026年第三季度",
    "每季度",
    "2026年6月、12月",
    "年底前",
    "2026年9月持续跟踪",
]


def table() -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["2026年重点任务分解表"])
    sheet.merge_cells("A1:G1")
    sheet.append(["序号", "重点任务", "具体措施", "牵头单位", "配合单位", "责任领导", "完成时限"])
    merges = []
    for i in range(ROWS):
        if i % SECTION == 0:
            sheet.append([f"第{i // SECTION + 1}部分 重点领域{i // SECTION + 1}"])
            row = sheet.max_row
            sheet.merge_cells(start_row=row, end_row=row, start_column=1, end_column=7)
        group = i // GROUP
        sheet.append(
            [
                group + 1,
                f"重点任务{group}：推进第{group}项工作",
                f"具体措施{i}：完成第{i}项指标",
                LEADS[group % 5],
                CO[i % 5],
                "张伟",
                LIMITS[i % 8],
            ]
        )
        if i % GROUP == GROUP - 1:
            last = sheet.max_row
            merges += [f"A{last - GROUP + 1}:A{last}", f"B{last - GROUP + 1}:B{last}"]
    for merge in merges:
        sheet.merge_cells(merge)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def timed(call):
    """The call's result, wall seconds, queries, and this process's CPU seconds (on a
    shared machine the CPU time shows what the wall time would be without the others)."""
    with CaptureQueriesContext(connection) as queries:
        start, cpu = time.perf_counter(), time.process_time()
        result = call()
        seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    timed.cpu = cpu
    return result, seconds, len(queries)


def test_bench(client, docs_city):
    client.force_login(docs_city.supervisor)
    client.get("/documents/")  # load the URL conf before timing
    data = table()
    upload = SimpleUploadedFile("t.xlsx", data)
    response, preview, preview_queries = timed(
        lambda: client.post("/api/documents/imports/", {"file": upload})
    )
    preview_cpu = timed.cpu
    body = response.json()
    assert body["preview"]["valid"], body["preview"]["problems"][:3]
    response, confirm, confirm_queries = timed(
        lambda: client.post(f"/api/documents/imports/{body['id']}/confirm")
    )
    confirm_cpu = timed.cpu
    created = response.json()["created_count"]
    assert created == Matter.objects.count()
    _response, ledger, ledger_queries = timed(lambda: client.get("/documents/ledger.xlsx"))
    print(
        f"\nBENCH import {connection.vendor}: {ROWS} rows ({len(data) // 1024} KB) → {created} "
        f"matters; preview {preview:.2f} s ({ROWS / preview:.0f} rows/s, {preview_cpu:.2f} s "
        f"CPU, {preview_queries} queries); confirm {confirm:.2f} s ({ROWS / confirm:.0f} rows/s, "
        f"{confirm_cpu:.2f} s CPU, {confirm_queries} queries); ledger of {created} matters "
        f"{ledger:.2f} s ({ledger_queries} queries); load {os.getloadavg()[0]:.1f}"
    )
