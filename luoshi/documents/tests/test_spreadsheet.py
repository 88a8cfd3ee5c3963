"""Uploaded workbooks read with bounded cost: used range, limits checked while reading.

A file over a limit is refused with a message naming it, before any grid is built; an
upload over the size limit is refused while it arrives (documents.uploads).
"""

import datetime as dt
import io
import re
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse
from openpyxl import Workbook

from luoshi.documents.models import ImportBatch
from luoshi.documents.spreadsheet import Limits, TooLarge, read_sheets
from luoshi.lib.errors import InvalidInput
from luoshi.matters.models import Matter


def save(workbook: Workbook) -> bytes:
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def sheet_of(data: bytes, **limits):
    return next(read_sheets(data, Limits(**limits)))


def rewrite(data: bytes, part: str, change) -> bytes:
    """The same workbook with one part's XML changed."""
    source, out = zipfile.ZipFile(io.BytesIO(data)), io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            content = source.read(item.filename)
            if item.filename == part:
                content = change(content.decode()).encode()
            target.writestr(item.filename, content)
    return out.getvalue()


def test_one_cell_far_right_is_refused_naming_it():
    book = Workbook()
    book.active["A1"] = "标题"
    book.active["XFD600"] = "x"
    with pytest.raises(TooLarge) as refused:
        sheet_of(save(book))
    assert "XFD600" in refused.value.message and refused.value.status == 413


def test_the_declared_dimension_is_not_the_used_range():
    book = Workbook()
    book.active.append(["序号", "重点任务"])
    book.active.append([1, "推进项目"])
    data = rewrite(
        save(book),
        "xl/worksheets/sheet1.xml",
        lambda xml: re.sub(r'<dimension ref="[^"]*"', '<dimension ref="A1:XFD1048576"', xml),
    )
    sheet = sheet_of(data)
    assert (len(sheet.rows), sheet.width) == (2, 2)


def test_empty_styled_cells_do_not_widen_the_table():
    book = Workbook()
    book.active.append(["序号", "重点任务"])
    book.active["Z900"].number_format = "0.00"  # formatted, never filled
    book.active["Y800"] = "   "
    sheet = sheet_of(save(book))
    assert (len(sheet.rows), sheet.width) == (1, 2)


@pytest.mark.parametrize(
    ("limits", "words"),
    [({"rows": 10}, "past row 10"), ({"cells": 15}, "more than 15 filled cells")],
)
def test_rows_and_cells_over_their_limits(limits, words):
    book = Workbook()
    for i in range(20):
        book.active.append([i, f"任务{i}"])
    with pytest.raises(TooLarge, match=words):
        sheet_of(save(book), **limits)


def test_a_zip_bomb_is_refused_before_it_is_inflated():
    book = Workbook()
    book.active["A1"] = "x" * 10
    data = rewrite(
        save(book),
        "xl/worksheets/sheet1.xml",
        lambda xml: xml.replace("</worksheet>", " " * 3_000_000 + "</worksheet>"),
    )
    assert len(data) < 100_000  # three megabytes of spaces pack small
    with pytest.raises(TooLarge, match="unpacks to more than 1 MB"):
        sheet_of(data, unzipped_bytes=1024 * 1024)


def test_too_many_parts_or_sheets():
    book = Workbook()
    for i in range(5):
        book.create_sheet(f"表{i}")
    with pytest.raises(TooLarge, match="6 sheets"):
        list(read_sheets(save(book), Limits(sheets=3)))
    with pytest.raises(TooLarge, match="parts"):
        list(read_sheets(save(book), Limits(zip_entries=5)))


def test_formulas_are_never_evaluated():
    book = Workbook()
    book.active.append(["=1+1", "=2+2", 3, "text"])
    book.active["D1"] = '=HYPERLINK("http://example.org")'
    book.active["D1"].data_type = "s"  # typed as text: it only looks like a formula
    data = rewrite(  # a cached result, as Excel leaves it, for the first formula only
        save(book),
        "xl/worksheets/sheet1.xml",
        lambda xml: xml.replace("<f>1+1</f><v></v>", "<f>1+1</f><v>2</v>"),
    )
    rows = sheet_of(data).rows
    assert rows[0] == [2, "=2+2", 3, '=HYPERLINK("http://example.org")']


def test_dates_strings_and_hidden_sheets():
    book = Workbook()
    hidden = book.active
    hidden.title = "辅助"
    hidden.sheet_state = "hidden"
    hidden["A1"] = "不读"
    shown = book.create_sheet("分解表")
    shown.append(["完成时限", dt.datetime(2026, 8, 31), "  ", "六月底"])
    sheets = list(read_sheets(save(book), Limits()))
    assert [s.name for s in sheets] == ["分解表"]
    assert sheets[0].rows == [["完成时限", dt.datetime(2026, 8, 31), None, "六月底"]]


def test_not_a_workbook_and_old_xls():
    with pytest.raises(InvalidInput, match="not an Excel workbook"):
        sheet_of(b"plain text")
    with pytest.raises(InvalidInput, match=".xls"):
        sheet_of(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100)


def test_a_document_type_declaration_is_refused():
    book = Workbook()
    book.active["A1"] = "x"
    data = rewrite(
        save(book),
        "xl/worksheets/sheet1.xml",
        lambda xml: '<!DOCTYPE x [<!ENTITY a "aaaa">]>' + xml.split("?>", 1)[-1],
    )
    with pytest.raises(InvalidInput, match="document type"):
        sheet_of(data)


# --- Through the doors: the page and the API --------------------------------------------------

SMALL = {"IMPORT_LIMITS": {"upload_bytes": 2000}}


def big_file() -> bytes:
    book = Workbook()
    book.active.append(["序号", "重点任务", "牵头单位"])
    for i in range(300):
        book.active.append([i, f"重点任务第{i}项，推进有关工作落实到位", "市发改委"])
    return save(book)


@override_settings(LUOSHI=SMALL)
def test_an_oversized_upload_is_refused_while_it_arrives(client, docs_city):
    client.force_login(docs_city.supervisor)
    response = client.post(
        "/api/documents/imports/", {"file": SimpleUploadedFile("big.xlsx", big_file())}
    )
    assert response.status_code == 413
    assert response.json()["code"] == "too_large" and response.json()["field"] == "file"
    response = client.post(
        reverse("documents:import_upload"),
        {"file": SimpleUploadedFile("big.xlsx", big_file()), "source": "meeting"},
    )
    assert response.status_code == 413
    assert "larger than" in response.content.decode() or "超过" in response.content.decode()
    assert ImportBatch.objects.count() == 0


def test_a_file_over_a_limit_through_the_api(client, docs_city):
    book = Workbook()
    book.active["A1"] = "序号"
    book.active["XFD2"] = "x"
    client.force_login(docs_city.supervisor)
    response = client.post(
        "/api/documents/imports/", {"file": SimpleUploadedFile("x.xlsx", save(book))}
    )
    assert response.status_code == 413
    assert response.json()["code"] == "too_large" and "XFD2" in response.json()["message"]
    assert ImportBatch.objects.count() == 0


def test_formula_text_in_a_cell_becomes_the_title_as_written(client, docs_city):
    book = Workbook()
    book.active.append(["序号", "重点任务", "牵头单位", "完成时限"])
    book.active.append([1, '=HYPERLINK("http://example.org","推进")', "市发改委", "6月底"])
    client.force_login(docs_city.supervisor)
    body = client.post(
        "/api/documents/imports/", {"file": SimpleUploadedFile("f.xlsx", save(book))}
    ).json()
    client.post(f"/api/documents/imports/{body['id']}/confirm")
    assert Matter.objects.get().title == '=HYPERLINK("http://example.org","推进")'
