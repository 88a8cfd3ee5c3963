"""Timing of a large import and ledger (not part of the suite; run it by name):

    .venv/bin/python -m pytest bench/test_import_speed.py -s -p no:warnings

A 300-row table (100 重点任务 merged over 3 具体措施 each) is previewed and confirmed
through the API — 400 matters through the matter services — then the ledger of all of
them is exported. Prints one BENCH line with the times and the ledger's query count.
"""

import io
import time

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import Workbook

ROWS = 300
UNITS = ["市发改委", "市工信局", "市商务局", "东城区"]


def table() -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["2026年重点任务分解表"])
    sheet.append(["序号", "重点任务", "具体措施", "牵头单位", "配合单位", "责任领导", "完成时限"])
    for i in range(ROWS):
        co = f"{UNITS[(i + 1) % 4]}、{UNITS[(i + 2) % 4]}"
        sheet.append(
            [
                i // 3 + 1,
                f"重点任务{i // 3}",
                f"具体措施{i}",
                UNITS[i % 4],
                co,
                "张伟",
                f"{i % 11 + 2}月底",
            ]
        )
    for group in range(ROWS // 3):
        first = 3 + 3 * group
        sheet.merge_cells(start_row=first, end_row=first + 2, start_column=2, end_column=2)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def test_bench(client, docs_city):
    client.force_login(docs_city.supervisor)
    client.get("/documents/")  # load the URL conf before timing
    start = time.perf_counter()
    body = client.post(
        "/api/documents/imports/", {"file": SimpleUploadedFile("t.xlsx", table())}
    ).json()
    preview = time.perf_counter() - start
    assert body["preview"]["valid"], body["preview"]["problems"][:3]
    start = time.perf_counter()
    created = client.post(f"/api/documents/imports/{body['id']}/confirm").json()["created_count"]
    confirm = time.perf_counter() - start
    start = time.perf_counter()
    with CaptureQueriesContext(connection) as queries:
        size = len(b"".join(client.get("/documents/ledger.xlsx").streaming_content))
    ledger = time.perf_counter() - start
    print(
        f"\nBENCH {connection.vendor}: preview of {ROWS} rows {preview:.2f} s; confirm "
        f"({created} matters) {confirm:.1f} s; ledger of {created} matters {ledger:.2f} s, "
        f"{len(queries)} queries, {size} bytes"
    )
