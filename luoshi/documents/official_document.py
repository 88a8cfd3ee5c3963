"""A Word document in the national official document format (GB/T 9704-2012), with python-docx.

The measures come from the standard: A4; margins top 37 mm, bottom 35 mm, binding (left)
28 mm, right 26 mm, leaving a type area of 156 × 225 mm; 22 lines of 28 characters
(line pitch exactly 28.95 pt on a line grid; characters set 0.25 pt closer,
so that 28 of 16 pt fill the 156 mm line: 28 × 15.75 pt ≤ 442.2 pt < 29 × 15.75 pt); title in
方正小标宋简体 二号 (22 pt), body in 仿宋_GB2312 三号 (16 pt), first-level headings
in 黑体, second-level in 楷体_GB2312; page numbers "— 1 —" in 宋体 四号 (14 pt), odd
pages on the right and even pages on the left, each one character from the edge.
Font names are also written as w:eastAsia so that Word on an office PC picks the
installed Chinese fonts. documents.services uses `render` to issue bulletins.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING, WD_TAB_ALIGNMENT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor

TITLE_FONT = "方正小标宋简体"
BODY_FONT = "仿宋_GB2312"
HEADING_1_FONT = "黑体"
HEADING_2_FONT = "楷体_GB2312"
PAGE_NUMBER_FONT = "宋体"
TITLE_SIZE, BODY_SIZE, PAGE_NUMBER_SIZE, MASTHEAD_SIZE = Pt(22), Pt(16), Pt(14), Pt(42)
LINE_PITCH = Pt(28.95)  # 225 mm / 22 lines
CHARS_PER_LINE, LINES_PER_PAGE = 28, 22
# Character spacing in twentieths of a point: -5 = -0.25 pt (see the module docstring).
# A character grid (docGrid linesAndChars) would do the same in Word, but LibreOffice and
# some WPS versions then give each 16 pt character two cells, so spacing is explicit.
CHAR_SPACING_TWIPS = -5
RED = RGBColor(0xFF, 0x00, 0x00)

LEVEL_1 = re.compile(r"^[一二三四五六七八九十]+、")
LEVEL_2 = re.compile(r"^[（(][一二三四五六七八九十]+[）)]")
CN_ORDINALS = "一二三四五六七八九十"


@dataclass
class OfficialDocument:
    """What goes on the page: masthead (版头), number, issuer and date, title, sections."""

    masthead: str
    number: str
    issuer: str
    date: dt.date
    title: str
    sections: Sequence[tuple[str, str]]  # (first-level heading, body text: one line a paragraph)


def render(doc: OfficialDocument) -> bytes:
    """The .docx bytes of `doc`."""
    document = Document()
    _page_setup(document)
    _base_style(document)
    _masthead(document, doc)
    _paragraph(document, "", indent=False)  # the title sits two lines below the red rule
    _paragraph(document, doc.title, TITLE_FONT, TITLE_SIZE, align=WD_ALIGN_PARAGRAPH.CENTER)
    _paragraph(document, "", BODY_FONT, BODY_SIZE, indent=False)
    for index, (heading, body) in enumerate(doc.sections):
        if heading:
            _paragraph(document, f"{CN_ORDINALS[index % 10]}、{heading}", HEADING_1_FONT)
        for line in body.splitlines():
            _body_line(document, line.strip())
    _paragraph(document, "", BODY_FONT, BODY_SIZE, indent=False)
    _signature(document, doc)
    _page_numbers(document)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _page_setup(document) -> None:
    section = document.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(37), Mm(35)
    section.left_margin, section.right_margin = Mm(28), Mm(26)
    # The page number's dash sits 7 mm below the type area.
    section.footer_distance = Mm(35 - 7) - PAGE_NUMBER_SIZE
    section.header_distance = Mm(15)
    grid = section._sectPr.find(qn("w:docGrid"))
    if grid is None:
        grid = OxmlElement("w:docGrid")
        section._sectPr.append(grid)
    grid.set(qn("w:type"), "lines")
    grid.set(qn("w:linePitch"), str(round(LINE_PITCH.pt * 20)))


def _base_style(document) -> None:
    style = document.styles["Normal"]
    r_pr = style.element.get_or_add_rPr()
    _set_font(style.font, r_pr, BODY_FONT, BODY_SIZE)
    spacing = OxmlElement("w:spacing")
    spacing.set(qn("w:val"), str(CHAR_SPACING_TWIPS))
    r_pr.find(qn("w:sz")).addprevious(spacing)  # the schema wants it before the size
    fmt = style.paragraph_format
    fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    fmt.line_spacing = LINE_PITCH
    fmt.space_before = fmt.space_after = Pt(0)
    fmt.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY


def _set_font(font, r_pr, name: str, size) -> None:
    font.name = name
    font.size = size
    r_fonts = r_pr.get_or_add_rFonts()
    for attribute in ("eastAsia", "ascii", "hAnsi", "cs"):
        r_fonts.set(qn(f"w:{attribute}"), name)


def _paragraph(
    document,
    text: str,
    font: str = BODY_FONT,
    size=BODY_SIZE,
    *,
    align=None,
    indent: bool = True,
    color: RGBColor | None = None,
):
    paragraph = document.add_paragraph()
    if align is not None:
        paragraph.alignment = align
    elif indent:
        paragraph.paragraph_format.first_line_indent = Pt(BODY_SIZE.pt * 2)
    if text:
        run = paragraph.add_run(text)
        _set_font(run.font, run._element.get_or_add_rPr(), font, size)
        if color is not None:
            run.font.color.rgb = color
    return paragraph


def _body_line(document, line: str) -> None:
    if not line:
        return
    if LEVEL_1.match(line):
        _paragraph(document, line, HEADING_1_FONT)
    elif LEVEL_2.match(line):
        _heading_2(document, line)
    else:
        _paragraph(document, line)


def _heading_2(document, line: str) -> None:
    """ "（一）市商务局" alone is a heading; "（一）标题。正文…" sets only the heading in 楷体."""
    head, sep, rest = line.partition("。")
    paragraph = _paragraph(document, head + sep, HEADING_2_FONT)
    if rest:
        run = paragraph.add_run(rest)
        _set_font(run.font, run._element.get_or_add_rPr(), BODY_FONT, BODY_SIZE)


def _masthead(document, doc: OfficialDocument) -> None:
    head = _paragraph(
        document,
        doc.masthead,
        TITLE_FONT,
        MASTHEAD_SIZE,
        align=WD_ALIGN_PARAGRAPH.CENTER,
        color=RED,
    )
    head.paragraph_format.line_spacing_rule = WD_LINE_SPACING.SINGLE
    _paragraph(document, doc.number, align=WD_ALIGN_PARAGRAPH.CENTER)
    line = _paragraph(document, "", indent=False)
    line.paragraph_format.tab_stops.add_tab_stop(Mm(156), WD_TAB_ALIGNMENT.RIGHT)
    run = line.add_run(f"{doc.issuer}\t{_chinese_date(doc.date)}")
    _set_font(run.font, run._element.get_or_add_rPr(), BODY_FONT, BODY_SIZE)
    _red_rule(line)


def _red_rule(paragraph) -> None:
    """The red separator line (分隔线) under the masthead, as a bottom border."""
    p_pr = paragraph._p.get_or_add_pPr()
    borders = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    for key, value in (("val", "single"), ("sz", "12"), ("space", "4"), ("color", "FF0000")):
        bottom.set(qn(f"w:{key}"), value)
    borders.append(bottom)
    p_pr.append(borders)


def _signature(document, doc: OfficialDocument) -> None:
    for text in (doc.issuer, _chinese_date(doc.date)):
        paragraph = _paragraph(document, text, align=WD_ALIGN_PARAGRAPH.RIGHT)
        paragraph.paragraph_format.right_indent = Pt(BODY_SIZE.pt * 4)


def _chinese_date(day: dt.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def _page_numbers(document) -> None:
    """ "— 1 —" in 宋体 四号: odd pages right, even pages left, one character in."""
    document.settings.odd_and_even_pages_header_footer = True
    section = document.sections[0]
    one_char = Pt(PAGE_NUMBER_SIZE.pt)
    odd = section.footer.paragraphs[0]
    odd.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    odd.paragraph_format.right_indent = one_char
    even = section.even_page_footer.paragraphs[0]
    even.alignment = WD_ALIGN_PARAGRAPH.LEFT
    even.paragraph_format.left_indent = one_char
    for paragraph in (odd, even):
        paragraph.paragraph_format.line_spacing_rule = WD_LINE_SPACING.SINGLE
        paragraph.paragraph_format.first_line_indent = Pt(0)
        _page_field(paragraph)


def _page_field(paragraph) -> None:
    def run(text: str = ""):
        r = paragraph.add_run(text)
        _set_font(r.font, r._element.get_or_add_rPr(), PAGE_NUMBER_FONT, PAGE_NUMBER_SIZE)
        return r

    run("— ")
    for kind, instruction in (("begin", None), (None, " PAGE "), ("separate", None)):
        element = OxmlElement("w:fldChar" if kind else "w:instrText")
        if kind:
            element.set(qn("w:fldCharType"), kind)
        else:
            element.set(qn("xml:space"), "preserve")
            element.text = instruction
        run()._element.append(element)
    run("1")
    end = OxmlElement("w:fldChar")
    end.set(qn("w:fldCharType"), "end")
    run()._element.append(end)
    run(" —")
