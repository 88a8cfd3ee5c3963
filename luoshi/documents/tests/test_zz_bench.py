import io
import time

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import Workbook

from luoshi.documents.tests.conftest import *  # noqa: F401,F403

ROWS = 300


def table() -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append(["2026年重点任务分解表"])
    ws.append(["序号", "重点任务", "具体措施", "牵头单位", "配合单位", "责任领导", "完成时限"])
    units = ["市发改委", "市工信局", "市商务局", "东城区"]
    for i in range(ROWS):
        group = i // 3
        ws.append([group + 1, f"重点任务{group}", f"具体措施{i}", units[i % 4], f"{units[(i + 1) % 4]}、{units[(i + 2) % 4]}", "张伟", f"{i % 11 + 2}月底"])
    for g in range(ROWS // 3):
        ws.merge_cells(start_row=3 + 3 * g, end_row=5 + 3 * g, start_column=2, end_column=2)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def test_bench(client, docs_city):
    client.force_login(docs_city.supervisor)
    client.get("/documents/")  # load the URL conf before timing
    data = table()
    t = time.perf_counter()
    r = client.post("/api/documents/imports/", {"file": SimpleUploadedFile("t.xlsx", data)})
    preview_s = time.perf_counter() - t
    body = r.json()
    assert body["preview"]["valid"], body["preview"]["problems"][:3]
    t = time.perf_counter()
    r = client.post(f"/api/documents/imports/{body['id']}/confirm")
    confirm_s = time.perf_counter() - t
    assert r.status_code == 200, r.content[:300]
    n = r.json()["created_count"]
    t = time.perf_counter()
    with CaptureQueriesContext(connection) as q:
        r = client.get("/documents/ledger.xlsx")
    ledger_s = time.perf_counter() - t
    print(f"\nBENCH {connection.vendor}: {ROWS} rows preview {preview_s:.2f}s; confirm {n} matters {confirm_s:.2f}s; ledger of {n} matters {ledger_s:.2f}s in {len(q)} queries, {len(r.content)} bytes")


def test_profile2(client, docs_city):
    import cProfile
    import pstats

    client.force_login(docs_city.supervisor)
    client.get("/documents/")
    data = table()
    body = client.post("/api/documents/imports/", {"file": SimpleUploadedFile("t.xlsx", data)}).json()
    prof = cProfile.Profile()
    prof.enable()
    client.post(f"/api/documents/imports/{body['id']}/confirm")
    prof.disable()
    pstats.Stats(prof).sort_stats("tottime").print_stats(15)
    prof = cProfile.Profile()
    prof.enable()
    client.get("/documents/ledger.xlsx")
    prof.disable()
    pstats.Stats(prof).sort_stats("tottime").print_stats(15)
