"""The bulletin as GB/T 9704-2012 lays it out, read back from the issued .docx (python-docx
and the XML): 版头, the title's lines, the signature, the 版记 at the foot of the last page.
One test renders it with LibreOffice (when installed) and measures the PDF."""

import datetime as dt
import io
import re
import shutil
import subprocess

import pytest
from django.conf import settings
from django.test import override_settings
from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

from luoshi.documents.official_document import OfficialDocument, render, title_lines

from . import test_bulletin
from .test_bulletin import docx_of, draft, issue

march = test_bulletin.march  # the bulletin tests' March, as a fixture here too

PITCH = Pt(28.95)
TYPE_HEIGHT = Mm(225)
# A number or a date that must never be cut by a line break.
UNBREAKABLE = re.compile(r"\d{4}年(?:\d{1,2}月(?:\d{1,2}日)?)?|\d{1,2}月\d{1,2}日|\d+(?:\.\d+)?%?")


def pt(length) -> float:
    return round(length / Pt(1), 2)


def p_pr(paragraph, name):
    element = paragraph._p.pPr
    return None if element is None else element.find(qn(f"w:{name}"))


def border(paragraph, side):
    borders = p_pr(paragraph, "pBdr")
    found = None if borders is None else borders.find(qn(f"w:{side}"))
    return None if found is None else {k.split("}")[1]: v for k, v in found.attrib.items()}


def title_text_lines(paragraph) -> list[str]:
    return paragraph.text.split("\n")


@pytest.fixture
def issued(client, march):
    bulletin = issue(client, draft(client, march))
    return bulletin, docx_of(bulletin)


def test_masthead_sits_35_mm_below_the_type_area_and_keeps_the_grid(issued):
    _bulletin, document = issued
    head = document.paragraphs[0]
    fmt = head.paragraph_format
    assert head.text == "督查通报" and head.alignment == WD_ALIGN_PARAGRAPH.CENTER
    assert head.runs[0].font.color.rgb == (0xFF, 0x00, 0x00)
    assert round(fmt.space_before / Mm(1), 1) == 35.0
    assert fmt.line_spacing_rule == WD_LINE_SPACING.EXACTLY
    assert fmt.line_spacing == head.runs[0].font.size == Pt(42)  # its top is the line's top
    assert p_pr(head, "snapToGrid").get(qn("w:val")) == "0"
    used = pt(fmt.space_before) + pt(fmt.line_spacing) + pt(fmt.space_after)
    assert used == pytest.approx(5 * 28.95, abs=0.05)  # the block ends on a grid line


def test_number_two_blank_lines_below_with_the_red_rule_4_mm_under_it(issued):
    bulletin, document = issued
    paragraphs = document.paragraphs
    number = next(i for i, p in enumerate(paragraphs) if p.text == "〔2026〕1号")
    assert [p.text for p in paragraphs[1:number]] == ["", ""]
    rule = border(paragraphs[number], "bottom")
    assert rule["color"] == "FF0000" and round(int(rule["space"]) / 72 * 25.4) == 4
    fmt = paragraphs[number].paragraph_format
    # Line, gap and rule make exactly one grid line.
    height = pt(fmt.line_spacing) + int(rule["space"]) + int(rule["sz"]) / 8 + pt(fmt.space_after)
    assert height == pytest.approx(28.95, abs=0.05)
    title = next(i for i, p in enumerate(paragraphs) if p.text.startswith("关于"))
    assert [p.text for p in paragraphs[number + 1 : title]] == ["", ""]
    assert bulletin.title.startswith("关于")


def test_title_lines_break_between_words_on_the_grid(issued):
    bulletin, document = issued
    title = next(p for p in document.paragraphs if p.text.startswith("关于"))
    lines = title_text_lines(title)
    assert "".join(lines) == bulletin.title
    assert lines == ["关于2026年3月1日至2026年3月31日", "重点工作督查督办情况的通报"]
    assert title.alignment == WD_ALIGN_PARAGRAPH.CENTER
    assert title.paragraph_format.line_spacing_rule is None  # the Normal style's exact pitch
    assert document.styles["Normal"].paragraph_format.line_spacing == PITCH
    assert p_pr(title, "snapToGrid").get(qn("w:val")) == "0"
    assert len(title._p.findall(".//" + qn("w:br"))) == 1


@pytest.mark.parametrize(
    "text",
    [
        "关于2026年3月1日至2026年3月31日重点工作督查情况的通报",
        "关于全市2026年第一季度重点项目建设和“万人助万企”活动推进情况的通报",
        "关于市发改委等12个单位落实市委市政府重点工作情况的督查通报",
        "关于2026年1月1日至2026年12月31日全市重点项目建设、“万人助万企”活动和风险隐患排查整治工作推进情况的督查通报",
        "关于对2026年第三季度重点工作进展缓慢的5个单位予以通报批评的通报",
        "关于2026年10月重点工作按期办结率达到95.5%的通报",
    ],
)
def test_title_lines_never_cut_a_number_or_a_date(text):
    lines = title_lines(text)
    assert "".join(lines) == text
    assert all(sum(1 if ord(c) > 0x2E7F else 0.5 for c in line) <= 20 for line in lines)
    for match in UNBREAKABLE.finditer(text):
        offsets, start = [], 0
        for line in lines[:-1]:
            start += len(line)
            offsets.append(start)
        assert not any(match.start() < cut < match.end() for cut in offsets), (match, lines)
    assert not any(line[0] in "、，。）”" for line in lines)
    widths = [sum(1 if ord(c) > 0x2E7F else 0.5 for c in line) for line in lines]
    assert max(widths) - min(widths) <= 8  # about equal: 梯形 or 菱形, never a stub


def test_signature_date_four_characters_in_issuer_centred_over_it(issued):
    _bulletin, document = issued
    paragraphs = document.paragraphs
    at = next(i for i, p in enumerate(paragraphs) if re.fullmatch(r"\d{4}年\d+月\d+日", p.text))
    date, issuer = paragraphs[at], paragraphs[at - 1]
    assert issuer.text == "市委督查室" and issuer.alignment == WD_ALIGN_PARAGRAPH.CENTER
    assert date.alignment == WD_ALIGN_PARAGRAPH.RIGHT
    assert pt(date.paragraph_format.right_indent) == 4 * 15.75  # four characters of 16 pt
    # Widths in 仿宋_GB2312 (CJK one em, digits half), each 0.25 pt closer.
    date_width = sum(16 if ord(c) > 0x2E7F else 8 for c in date.text) - 0.25 * len(date.text)
    date_centre = 442.2 - 63 - date_width / 2
    box = (
        pt(issuer.paragraph_format.left_indent),
        442.2 - pt(issuer.paragraph_format.right_indent),
    )
    assert (box[0] + box[1]) / 2 == pytest.approx(date_centre, abs=0.1)
    assert box[1] - box[0] >= 5 * 15.75  # wide enough for the issuer
    assert paragraphs[at - 2].text == ""  # 下空一行


def test_record_rows_are_framed_at_the_foot_of_the_last_page(issued):
    _bulletin, document = issued
    body = document.element.body
    framed = [p for p in document.paragraphs if p_pr(p, "framePr") is not None]
    assert [p.text for p in framed] == [
        "抄送：市委、市人大常委会、市政府、市政协领导同志。",
        "市委督查室\t2026年4月10日印发",
    ]
    # They end the document (only the frames' empty anchor after them).
    assert [p.text for p in document.paragraphs[-3:]] == [*(p.text for p in framed), ""]
    bottom = 0
    for row in framed:
        frame = {k.split("}")[1]: v for k, v in p_pr(row, "framePr").attrib.items()}
        assert (frame["vAnchor"], frame["hAnchor"], frame["hRule"]) == ("margin", "margin", "exact")
        assert int(frame["w"]) == round(156 / 25.4 * 1440)
        assert int(frame["y"]) >= bottom - 1  # stacked, never overlapping
        bottom = int(frame["y"]) + int(frame["h"])
        assert row.runs[0].font.size == Pt(14)  # 4号仿宋
        assert pt(row.paragraph_format.left_indent) - 3 * 14 == 14  # one character in
        assert pt(row.paragraph_format.right_indent) == 14
    assert bottom == pytest.approx(TYPE_HEIGHT / Pt(1) * 20, abs=2)  # the type area's bottom
    copy, printed = framed
    assert border(copy, "top")["sz"] == "8"  # thick, 0.35 mm
    assert border(copy, "bottom")["sz"] == "6"  # thin, 0.25 mm
    assert border(printed, "top") is None and border(printed, "bottom")["sz"] == "8"
    assert body[-1].tag == qn("w:sectPr")


def test_a_copy_list_that_wraps_takes_two_rows_of_the_grid():
    names = "市委、市人大常委会、市政府、市政协领导同志，各县（市、区）党委和人民政府"
    data = render(_document(copy_to=names))
    document = Document(io.BytesIO(data))
    copy = next(p for p in document.paragraphs if p.text.startswith("抄送："))
    frame = p_pr(copy, "framePr")
    assert int(frame.get(qn("w:h"))) == round(2 * 28.95 * 20)
    # Wrapped names align under the first name after the colon.
    assert pt(copy.paragraph_format.first_line_indent) == -3 * 14


@override_settings(LUOSHI={**settings.LUOSHI, "BULLETIN_NUMBER_STYLE": "issue"})
def test_an_office_may_keep_the_issue_style(client, march):
    bulletin = issue(client, draft(client, march))
    assert bulletin.number_label == "〔2026〕第1期"
    document = docx_of(bulletin)
    texts = [p.text for p in document.paragraphs]
    assert "〔2026〕第1期" in texts
    masthead_line = next(p for p in document.paragraphs if "\t" in p.text and "督查室" in p.text)
    assert masthead_line.text.startswith("市委督查室\t2026年")
    assert border(masthead_line, "bottom")["color"] == "FF0000"
    # No signature at the end in the 简报 style: the issuer and date head the page.
    assert not any(re.fullmatch(r"\d{4}年\d+月\d+日", t) for t in texts)


def test_the_number_issued_is_kept_when_the_setting_changes(client, march):
    bulletin = issue(client, draft(client, march))
    with override_settings(LUOSHI={**settings.LUOSHI, "BULLETIN_NUMBER_STYLE": "issue"}):
        bulletin.refresh_from_db()
        assert bulletin.number_label == "〔2026〕1号"
    with override_settings(LUOSHI={**settings.LUOSHI, "BULLETIN_ISSUER_CODE": "示督"}):
        assert issue(client, draft(client, march)).number_label == "示督〔2026〕2号"


def _document(**extra) -> OfficialDocument:
    return OfficialDocument(
        masthead="督查通报",
        number="〔2026〕3号",
        issuer="市委督查室",
        date=dt.date(2026, 4, 10),
        title="关于2026年3月重点工作督查情况的通报",
        sections=[("总体情况", "全市督办事项总体推进有序。" * 8)] * 3,
        **extra,
    )


@pytest.mark.skipif(not shutil.which("soffice"), reason="LibreOffice is not installed")
def test_libreoffice_lays_it_out_as_the_standard_says(tmp_path):
    """Rendered to PDF: the mark 35 mm into the type area, the 版记's text just above the
    type area's bottom edge on the last page, the page number 7 mm below it."""
    source = tmp_path / "bulletin.docx"
    source.write_bytes(render(_document(copy_to="市委、市政府领导同志")))
    subprocess.run(
        ["soffice", "--headless", "--convert-to", "pdf", "--outdir", str(tmp_path), str(source)],
        check=True,
        capture_output=True,
        timeout=120,
    )
    boxes = subprocess.run(
        ["pdftotext", "-bbox", str(tmp_path / "bulletin.pdf"), "-"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    pages = boxes.split("<page ")[1:]
    words = [
        (float(m["ymin"]), float(m["ymax"]), m["text"])
        for m in re.finditer(
            r'yMin="(?P<ymin>[\d.]+)" xMax="[\d.]+" yMax="(?P<ymax>[\d.]+)">(?P<text>[^<]+)<',
            pages[-1],
        )
    ]
    mm = 25.4 / 72
    first = re.search(r'yMin="([\d.]+)"[^>]*>督查通报<', pages[0])
    assert first and abs(float(first.group(1)) * mm - (37 + 35)) < 2.5
    printed = next(w for w in words if w[2].endswith("印发"))
    assert 255 < printed[1] * mm <= 262.5  # the last row ends at the type area's bottom
    number = next(w for w in words if w[2] == "—")
    assert 267 < number[0] * mm < 272
