"""Text and requests as an attacker or a careless user sends them (issue 14 A).

Control characters are stripped where text comes in and invisible-only text is refused;
rows stored before that break no export; every refusal under /api/ is the JSON error
shape (unknown paths, wrong methods, bodies too large or not JSON, ids past any column);
uploaded workbooks of the project import are read with bounded cost.
"""

import datetime as dt
import io
import json
import zipfile

import pytest
import time_machine
from django.test import override_settings
from openpyxl import Workbook, load_workbook

from luoshi.documents.official_document import OfficialDocument, render
from luoshi.matters.models import Matter
from luoshi.projects.excel import COLUMNS
from luoshi.projects.models import Project


@pytest.fixture(autouse=True)
def november():
    with time_machine.travel(dt.datetime(2026, 11, 16, 10, tzinfo=dt.UTC), tick=False):
        yield


@pytest.fixture
def office(client, city):
    client.raise_request_exception = False
    client.force_login(city.supervisor)
    return client


def register(client, city, **fields):
    body = {"title": "推进老旧小区改造", "source": "meeting", "lead_unit": city.lead.pk, **fields}
    return client.post("/api/matters/", body, content_type="application/json")


def error_shape(response, status, code=None):
    assert response.status_code == status, (response.status_code, response.content[:300])
    assert response["Content-Type"].startswith("application/json"), response["Content-Type"]
    body = response.json()
    assert {"code", "message", "field"} <= body.keys() and body["message"], body
    if code:
        assert body["code"] == code, body
    return body


# ---- text ------------------------------------------------------------------------------


def test_control_characters_are_stripped_and_tabs_and_newlines_kept(office, city):
    made = register(
        office, city, title="推进\x0b老旧\x00小区\x1b改造", content="第一行\n\t第二行\x07"
    )
    assert made.status_code == 201, made.content
    matter = Matter.objects.get(pk=made.json()["matter"]["id"])
    assert matter.title == "推进老旧小区改造" and matter.content == "第一行\n\t第二行"


@pytest.mark.parametrize("title", ["\u200b\u200b", "\u200d\ufeff \u2060", "\x0b\x0c"])
def test_a_title_of_invisible_characters_is_refused(office, city, title):
    before = Matter.objects.count()
    body = error_shape(register(office, city, title=title), 422, "invalid_input")
    assert body["field"] == "title"
    assert Matter.objects.count() == before


def test_an_official_document_is_written_whatever_a_stored_title_holds():
    doc = OfficialDocument(
        masthead="督查通报",
        number="〔2026〕3号",
        issuer="市委督查室",
        date=dt.date(2026, 11, 16),
        title="关于\x0b重点\x00工作的通报",
        sections=[("总体\x1b情况", "第一行\x0c\n第二行\x01")],
    )
    assert render(doc)[:2] == b"PK"


def test_the_project_ledger_writes_stored_formulas_and_control_characters_as_text(office, city):
    from luoshi.projects.tests.helpers import project

    made = project(city, code="XM-1", name="智能装备")
    Project.objects.filter(pk=made.pk).update(name='=HYPERLINK("http://x","点此")\x0b一期')
    answer = office.get("/projects/ledger.xlsx")
    assert answer.status_code == 200
    sheet = load_workbook(io.BytesIO(answer.content)).active
    names = [row[1] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert '\'=HYPERLINK("http://x","点此")一期' in names
    cell = next(c for c in sheet["B"] if c.value and "HYPERLINK" in str(c.value))
    assert cell.data_type == "s"  # read back as text, not a formula


# ---- requests ---------------------------------------------------------------------------


def test_refusals_around_the_operations_are_json(office):
    error_shape(office.get("/api/no/such/path"), 404, "not_found")
    error_shape(office.get("/api/matters/not-a-number"), 404, "not_found")
    wrong = office.delete("/api/matters/")
    error_shape(wrong, 405, "method_not_allowed")
    assert "POST" in wrong["Allow"]
    broken = office.post("/api/matters/", "{not json", content_type="application/json")
    error_shape(broken, 400)


@pytest.mark.parametrize(
    "url",
    [
        "/api/matters/99999999999999999999999",
        f"/api/matters/{2**63}",
        f"/api/matters/{2**31}",
        f"/api/targets/{2**63}",
        f"/api/evaluation/periods/{2**64}",
    ],
)
def test_ids_past_any_column_are_not_found(office, url):
    assert office.get(url).status_code in (404, 422)
    error_shape(office.get(url), office.get(url).status_code)


def test_huge_page_numbers_and_ids_in_a_body(office, city):
    for page in ("99999999999999999999", str(2**63), "-1"):
        answer = office.get("/api/matters/", {"page": page})
        assert answer.status_code in (200, 404, 422), (page, answer.status_code)
        if answer.status_code != 200:
            error_shape(answer, answer.status_code)
    error_shape(register(office, city, lead_unit=2**70), 422, "invalid_input")
    error_shape(register(office, city, lead_unit=2**40), 422)


@override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=1024 * 1024)
def test_a_body_too_large_is_refused_with_413_before_it_is_read(office, city):
    before = Matter.objects.count()
    huge = json.dumps({"title": "x", "source": "meeting", "content": "长" * 600_000})
    body = error_shape(
        office.post("/api/matters/", huge, content_type="application/json"), 413, "too_large"
    )
    assert "1.0 MB" in body["message"]
    page = office.post("/matters/new/", {"title": "x" * 2_000_000})
    assert page.status_code == 413 and "1.0 MB" in page.content.decode()
    assert Matter.objects.count() == before


# ---- uploaded workbooks ----------------------------------------------------------------


def workbook(far_cell=None, padding=0) -> io.BytesIO:
    book = Workbook()
    book.active.append(list(COLUMNS.values()))
    if far_cell:
        book.active[far_cell] = "x"
    out = io.BytesIO()
    book.save(out)
    data = out.getvalue()
    if padding:  # spaces that pack small and unpack large: a zip bomb in miniature
        source, packed = zipfile.ZipFile(io.BytesIO(data)), io.BytesIO()
        with zipfile.ZipFile(packed, "w", zipfile.ZIP_DEFLATED) as target:
            for item in source.infolist():
                content = source.read(item.filename)
                if item.filename == "xl/worksheets/sheet1.xml":
                    content = content.replace(b"</worksheet>", b" " * padding + b"</worksheet>")
                target.writestr(item.filename, content)
        data = packed.getvalue()
    upload = io.BytesIO(data)
    upload.name = "projects.xlsx"
    return upload


def test_the_project_import_reads_the_used_range_with_limits(office):
    far = office.post("/projects/import/", {"file": workbook(far_cell="XFD600")})
    assert far.status_code in (413, 422) and "XFD600" in far.content.decode()
    with override_settings(LUOSHI={**__import__("django.conf").conf.settings.LUOSHI,
                                   "IMPORT_LIMITS": {"unzipped_bytes": 1024 * 1024}}):  # fmt: skip
        bomb = workbook(padding=3_000_000)
        assert len(bomb.getvalue()) < 100_000
        answer = office.post("/projects/import/", {"file": bomb})
    assert answer.status_code in (413, 422) and "1 MB" in answer.content.decode()
    assert not Project.objects.filter(code__startswith="XM-9").exists()


def test_page_forms_strip_control_characters_and_refuse_invisible_titles(office, city):
    from luoshi.matters.services._base import require_text

    with pytest.raises(Exception) as refused:
        require_text("\u200b\u200c", "title", "标题")
    assert refused.value.field == "title"
    assert require_text(" 推进\x0b工作 ", "title", "标题") == "推进工作"
    from django.http import QueryDict

    from luoshi.lib.text import clean_post

    posted = clean_post(QueryDict("title=%E6%8E%A8%0B%E8%BF%9B&content=a%0Ab%09c%00"))
    assert posted["title"] == "推进" and posted["content"] == "a\nb\tc"
