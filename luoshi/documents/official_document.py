"""A Word document in the national official document format (GB/T 9704-2012), with python-docx.

The measures come from the standard: A4; margins top 37 mm, bottom 35 mm, binding (left)
28 mm, right 26 mm, leaving a type area of 156 × 225 mm; 22 lines of 28 characters
(line pitch exactly 28.95 pt on a line grid; characters set 0.25 pt closer,
so that 28 of 16 pt fill the 156 mm line: 28 × 15.75 pt ≤ 442.2 pt < 29 × 15.75 pt); title in
方正小标宋简体 二号 (22 pt), body in 仿宋_GB2312 三号 (16 pt), first-level headings
in 黑体, second-level in 楷体_GB2312; page numbers "— 1 —" in 宋体 四号 (14 pt), odd
pages on the right and even pages on the left, each one character from the edge.
Font names are also written as w:eastAsia so that Word on an office PC picks the
installed Chinese fonts.

From top to bottom (clause numbers of the standard):
1. 版头 (7.2): the issuing body's mark (发文机关标志) centred in red, its top 35 mm below
   the top of the type area; two blank lines; the document number (发文字号, "〔2026〕3号")
   centred, with the red rule 4 mm below it. A bulletin in the 简报 style instead shows
   its issue number ("第3期") and, over the red rule, the issuer left and the date right.
2. 标题 (7.3.1): two blank lines below, centred, broken between words (never inside a
   number or a date) into lines of about equal length, each on the line grid.
3. 正文 (7.3.3): one blank line below; headings 一、 in 黑体, （一） in 楷体.
4. 署名 and 成文日期 (7.3.5.1): one blank line below; the date right-indented four
   characters, the issuer centred over it.
5. 版记 (7.4): 抄送, then 印发机关 and 印发日期, between rules (thick, thin, thick), at the
   foot of the last page: the last rule on the bottom edge of the type area.
documents.services uses `render` to issue bulletins.
"""

from __future__ import annotations

import datetime as dt
import io
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING, WD_TAB_ALIGNMENT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor

from luoshi.lib.cells import xml_text

TITLE_FONT = "方正小标宋简体"
BODY_FONT = "仿宋_GB2312"
HEADING_1_FONT = "黑体"
HEADING_2_FONT = "楷体_GB2312"
PAGE_NUMBER_FONT = "宋体"
TITLE_SIZE, BODY_SIZE, PAGE_NUMBER_SIZE, MASTHEAD_SIZE = Pt(22), Pt(16), Pt(14), Pt(42)
RECORD_SIZE = Pt(14)  # 版记: 4号仿宋
LINE_PITCH = Pt(28.95)  # 225 mm / 22 lines
TYPE_WIDTH, TYPE_HEIGHT = Mm(156), Mm(225)
CHARS_PER_LINE, LINES_PER_PAGE = 28, 22
# Character spacing in twentieths of a point: -5 = -0.25 pt (see the module docstring).
# A character grid (docGrid linesAndChars) would do the same in Word, but LibreOffice and
# some WPS versions then give each 16 pt character two cells, so spacing is explicit.
CHAR_SPACING_TWIPS = -5
CHAR_PITCH = Pt(BODY_SIZE.pt + CHAR_SPACING_TWIPS / 20)  # one character of body text
MASTHEAD_TOP = Mm(35)  # 7.2.3: the mark's top edge below the top of the type area
RULE_GAP = Mm(4)  # 7.2.5: the red rule below the document number
RED = RGBColor(0xFF, 0x00, 0x00)
# 版记 rules (7.4.1): thick 0.35 mm, thin 0.25 mm; w:sz is in eighths of a point.
THICK_RULE, THIN_RULE = 8, 6

LEVEL_1 = re.compile(r"^[一二三四五六七八九十]+、")
LEVEL_2 = re.compile(r"^[（(][一二三四五六七八九十]+[）)]")
CN_ORDINALS = "一二三四五六七八九十"


@dataclass
class OfficialDocument:
    """What goes on the page: 版头, title, sections, signature and 版记."""

    masthead: str  # 发文机关标志, e.g. 督查通报
    number: str  # 发文字号 ("〔2026〕3号") or, in the 简报 style, the issue ("〔2026〕第3期")
    issuer: str  # 发文机关署名
    date: dt.date  # 成文日期
    title: str
    sections: Sequence[tuple[str, str]]  # (first-level heading, body text: one line a paragraph)
    copy_to: str = ""  # 抄送机关, e.g. 市委、市政府领导同志
    printer: str = ""  # 印发机关 (the issuer when empty)
    printed_on: dt.date | None = None  # 印发日期 (the date when empty)
    issue_style: bool = False  # 简报 style: issue number, issuer and date over the red rule


def render(doc: OfficialDocument) -> bytes:
    """The .docx bytes of `doc`."""
    document = Document()
    _page_setup(document)
    _base_style(document)
    _masthead(document, doc)
    _blank_lines(document, 2)
    _title(document, doc.title)
    _blank_lines(document, 1)
    for index, (heading, body) in enumerate(doc.sections):
        if heading:
            _paragraph(document, f"{CN_ORDINALS[index % 10]}、{heading}", HEADING_1_FONT)
        for line in body.splitlines():
            _body_line(document, line.strip())
    if not doc.issue_style:
        _blank_lines(document, 1)
        _signature(document, doc)
    _record(document, doc)
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
    # No extra space between Chinese and Latin text or digits: widths stay those of the
    # characters, so lines hold 28 characters and the signature centres as computed.
    p_pr = style.element.get_or_add_pPr()
    for name in ("w:autoSpaceDE", "w:autoSpaceDN"):
        off = OxmlElement(name)
        off.set(qn("w:val"), "0")
        _insert(p_pr, off)
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


def _run(paragraph, text: str, font: str = BODY_FONT, size=BODY_SIZE, color=None):
    run = paragraph.add_run(xml_text(text))  # a stored control character stops no bulletin
    _set_font(run.font, run._element.get_or_add_rPr(), font, size)
    if color is not None:
        run.font.color.rgb = color
    return run


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
        _run(paragraph, text, font, size, color)
    return paragraph


def _blank_lines(document, count: int) -> None:
    for _ in range(count):
        _paragraph(document, "", indent=False)


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
        _run(paragraph, rest)


# --- 版头 -------------------------------------------------------------------------------------


def _masthead(document, doc: OfficialDocument) -> None:
    """The mark 35 mm down, then the number (and, 简报 style, issuer and date) and red rule.

    The mark's line is exactly its type size, so its top is where its space before ends;
    the space after brings the next line back onto the grid (a whole number of lines).
    """
    head = _paragraph(
        document,
        doc.masthead,
        TITLE_FONT,
        MASTHEAD_SIZE,
        align=WD_ALIGN_PARAGRAPH.CENTER,
        color=RED,
    )
    _no_char_spacing(head)
    _off_grid(head)
    fmt = head.paragraph_format
    fmt.line_spacing_rule, fmt.line_spacing = WD_LINE_SPACING.EXACTLY, MASTHEAD_SIZE
    fmt.space_before = MASTHEAD_TOP
    used = MASTHEAD_TOP.pt + MASTHEAD_SIZE.pt
    fmt.space_after = Pt(round(math.ceil(used / LINE_PITCH.pt) * LINE_PITCH.pt - used, 2))
    _blank_lines(document, 2)
    number = _paragraph(document, doc.number, align=WD_ALIGN_PARAGRAPH.CENTER)
    if doc.issue_style:
        number = _paragraph(document, "", indent=False)
        number.paragraph_format.tab_stops.add_tab_stop(TYPE_WIDTH, WD_TAB_ALIGNMENT.RIGHT)
        _run(number, f"{doc.issuer}\t{chinese_date(doc.date)}")
    _red_rule(number)


def _no_char_spacing(paragraph) -> None:
    for run in paragraph.runs:
        spacing = OxmlElement("w:spacing")
        spacing.set(qn("w:val"), "0")
        _insert(run._element.get_or_add_rPr(), spacing)


# The order of a paragraph's and a run's properties in the schema, from the elements this
# module adds onwards (python-docx keeps these lists private): Word refuses other orders.
P_PR_ORDER = (
    "w:framePr", "w:widowControl", "w:numPr", "w:suppressLineNumbers", "w:pBdr", "w:shd",
    "w:tabs", "w:suppressAutoHyphens", "w:kinsoku", "w:wordWrap", "w:overflowPunct",
    "w:topLinePunct", "w:autoSpaceDE", "w:autoSpaceDN", "w:bidi", "w:adjustRightInd",
    "w:snapToGrid", "w:spacing", "w:ind", "w:contextualSpacing", "w:mirrorIndents",
    "w:suppressOverlap", "w:jc", "w:textDirection", "w:textAlignment", "w:textboxTightWrap",
    "w:outlineLvl", "w:divId", "w:cnfStyle", "w:rPr", "w:sectPr", "w:pPrChange",
)  # fmt: skip
R_PR_ORDER = ("w:spacing", "w:w", "w:kern", "w:position", "w:sz", "w:szCs", "w:highlight", "w:u")


def _insert(parent, element) -> None:
    """Add `element` where the schema puts it among `parent`'s children."""
    order = R_PR_ORDER if parent.tag == qn("w:rPr") else P_PR_ORDER
    tag = next(t for t in order if qn(t) == element.tag)
    parent.insert_element_before(element, *order[order.index(tag) + 1 :])


def _red_rule(paragraph) -> None:
    """The red rule (分隔线) 4 mm below the line, as its bottom border, within one grid line.

    The line is set exactly at the type size, so the border's distance is measured from
    the foot of the characters; the space after makes line, gap and rule one grid line.
    """
    rule_width = Pt(1.5)
    gap = round(RULE_GAP.pt)  # w:space is in whole points
    _off_grid(paragraph)
    fmt = paragraph.paragraph_format
    fmt.line_spacing_rule, fmt.line_spacing = WD_LINE_SPACING.EXACTLY, BODY_SIZE
    fmt.space_after = Pt(round(LINE_PITCH.pt - BODY_SIZE.pt - gap - rule_width.pt, 2))
    _border(paragraph, "bottom", sz=round(rule_width.pt * 8), space=gap, color="FF0000")


def _off_grid(paragraph) -> None:
    """Keep the paragraph's exact line height: LibreOffice would otherwise round every line
    up to whole grid lines (Word gives exact spacing precedence over the grid itself)."""
    snap = OxmlElement("w:snapToGrid")
    snap.set(qn("w:val"), "0")
    _insert(paragraph._p.get_or_add_pPr(), snap)


def _border(paragraph, side: str, *, sz: int, space: int = 0, color: str = "000000") -> None:
    p_pr = paragraph._p.get_or_add_pPr()
    borders = p_pr.find(qn("w:pBdr"))
    if borders is None:
        borders = OxmlElement("w:pBdr")
        _insert(p_pr, borders)
    element = OxmlElement(f"w:{side}")
    for key, value in (("val", "single"), ("sz", sz), ("space", space), ("color", color)):
        element.set(qn(f"w:{key}"), str(value))
    borders.append(element)


# --- 标题 -------------------------------------------------------------------------------------

TITLE_EMS_PER_LINE = int(TYPE_WIDTH / Pt(TITLE_SIZE.pt + CHAR_SPACING_TWIPS / 20))  # 20
# What never breaks: dates and periods, numbers with their unit, document numbers, Latin words.
ATOM = re.compile(
    r"〔\d{4}〕\d+号"
    r"|\d{4}年(?:第[一二三四1-4]季度|\d{1,2}月(?:份|\d{1,2}日)?|[上下]半年|度)?"
    r"|\d{1,2}月(?:份|\d{1,2}日)?|\d{1,2}日"
    r"|\d+(?:\.\d+)?(?:%|％|个|项|家|件|条|亿元|万元|元|期|号|天)?"
    r"|[A-Za-z][A-Za-z\-]*"
    r"|“[^”]{1,8}”"
    r"|."
)
DATE_LIKE = re.compile(r"\d[年月日]|季度|半年")
OPENING, CLOSING = "（《“‘〔【", "）》”’〕】、，。；：！？"
# Costs of breaking after / before these words: low where a word surely ends or starts.
# Function words first, then the words bulletin titles are made of.
AFTER = {"关于": 0, "的": 1, "至": 1, "等": 2, "和": 3, "与": 3, "及": 3, "暨": 3}
AFTER |= dict.fromkeys(("情况", "工作", "部署", "建设", "项目", "活动", "任务", "问题"), 3)
BEFORE = {"的": 3, "至": 4, "和": 2, "与": 2, "及": 2, "暨": 2, "通报": 2}
BEFORE |= dict.fromkeys(("重点", "落实", "推进", "督查", "情况", "开展", "有关", "整改"), 3)
BEFORE |= dict.fromkeys(("工作", "建设", "项目", "问题", "全市", "各地", "决策", "市委"), 4)
INSIDE_WORD = 12  # two Chinese characters may belong to one word
EXTRA_LINE = 8  # a line more than the fewest that fit


def title_lines(title: str, ems: int = TITLE_EMS_PER_LINE) -> list[str]:
    """The title broken into lines of at most `ems` character widths, between words.

    1. Cut the title into atoms that never break (dates, numbers, quoted names, …).
    2. Price each gap between atoms (AFTER/BEFORE words, punctuation, a date's edge).
    3. For the fewest lines that fit, and one more, choose the breaks (dynamic
       programming) minimising the gaps' price plus the squared difference of each
       line from the average length (lines of about equal length: 梯形 or 菱形).
    """
    atoms = ATOM.findall(title.strip())
    if _width("".join(atoms)) <= ems:
        return ["".join(atoms)]
    total = _width("".join(atoms))
    least = math.ceil(total / ems)
    options = [_best_breaks(atoms, n, ems, total / n) for n in (least, least + 1)]
    options[1] = (options[1][0] + EXTRA_LINE, options[1][1])
    _cost, lines = min((o for o in options if o[1]), default=(0, [title]))
    return lines


def _best_breaks(atoms: list[str], count: int, ems: int, target: float) -> tuple[float, list]:
    """The cheapest way to set `atoms` on `count` lines, or (inf, [])."""
    n = len(atoms)
    widths = [0.0]
    for atom in atoms:
        widths.append(widths[-1] + _width(atom))
    best = {(0, 0): (0.0, [0])}  # (atoms used, lines made) → (cost, break positions)
    for line in range(1, count + 1):
        for end in range(1, n + 1):
            options = []
            for start in range(end):
                previous = best.get((start, line - 1))
                width = widths[end] - widths[start]
                if previous is None or width > ems or width == 0:
                    continue
                price = (width - target) ** 2 / 4 + (_gap_cost(atoms, end) if end < n else 0)
                options.append((previous[0] + price, [*previous[1], end]))
            if options:
                best[(end, line)] = min(options, key=lambda o: o[0])
    found = best.get((n, count))
    if found is None:
        return math.inf, []
    cuts = found[1]
    return found[0], ["".join(atoms[a:b]) for a, b in zip(cuts, cuts[1:], strict=False)]


def _gap_cost(atoms: list[str], index: int) -> float:
    """The price of a line break before atoms[index]."""
    before, after = atoms[index - 1], atoms[index]
    if after[0] in CLOSING or before[-1] in OPENING:
        return math.inf
    if before[-1] in CLOSING:
        return 0
    text_before, text_after = "".join(atoms[:index]), "".join(atoms[index:])
    costs = [c for w, c in AFTER.items() if text_before.endswith(w)]
    costs += [c for w, c in BEFORE.items() if text_after.startswith(w)]
    if DATE_LIKE.search(before + after) and (len(before) > 1 or len(after) > 1):
        costs.append(2)  # the edge of a date or a period
    elif len(before) > 1 or len(after) > 1 or not (_is_cjk(before) and _is_cjk(after)):
        costs.append(6)  # the edge of a number, a name or a Latin word
    return min(costs, default=INSIDE_WORD)


def _is_cjk(text: str) -> bool:
    return all(ord(c) > 0x2E7F for c in text)


def _width(text: str) -> float:
    """Character widths: a Chinese character or full-width mark is one, a digit or Latin half."""
    return sum(1 if ord(c) > 0x2E7F else 0.5 for c in text)


def _title(document, title: str) -> None:
    """One centred paragraph, its lines separated by line breaks, each at the grid's pitch."""
    paragraph = _paragraph(document, "", align=WD_ALIGN_PARAGRAPH.CENTER)
    _off_grid(paragraph)  # exactly one grid line each, not as many as the type's height asks
    for index, line in enumerate(title_lines(title)):
        run = _run(paragraph, line, TITLE_FONT, TITLE_SIZE)
        if index:
            run._element.addprevious(_line_break())
    return paragraph


def _line_break():
    run = OxmlElement("w:r")
    br = OxmlElement("w:br")
    run.append(br)
    return run


# --- 署名, 成文日期 ------------------------------------------------------------------------------


def text_width(text: str, size=BODY_SIZE) -> float:
    """Points `text` takes in the body font: full-width characters one em, others half,
    each closer by the document's character spacing."""
    return _width(text) * size.pt + len(text) * CHAR_SPACING_TWIPS / 20


def _signature(document, doc: OfficialDocument) -> None:
    """7.3.5.1: the date right-indented four characters; the issuer centred over the date.

    The issuer's paragraph is centred within a box whose centre is the date's centre,
    wide enough for the longer of the two (pushed left if it would pass the margin).
    """
    width, pitch = TYPE_WIDTH.pt, CHAR_PITCH.pt
    date_text = chinese_date(doc.date)
    date_right, date_width = 4 * pitch, text_width(date_text)
    centre = width - date_right - date_width / 2
    half = max(text_width(doc.issuer), date_width) / 2 + pitch
    right = max(width - centre - half, 0)
    issuer = _paragraph(document, doc.issuer, align=WD_ALIGN_PARAGRAPH.CENTER)
    issuer.paragraph_format.left_indent = Pt(round(width - right - 2 * half, 2))
    issuer.paragraph_format.right_indent = Pt(round(right, 2))
    date = _paragraph(document, date_text, align=WD_ALIGN_PARAGRAPH.RIGHT)
    date.paragraph_format.right_indent = Pt(round(date_right, 2))


def chinese_date(day: dt.date) -> str:
    """成文日期 as 7.3.5 writes it: the year in full, months and days without a leading 0."""
    return f"{day.year}年{day.month}月{day.day}日"


# --- 版记 -------------------------------------------------------------------------------------


def _record(document, doc: OfficialDocument) -> None:
    """7.4: 抄送 and 印发机关/印发日期 between rules, at the foot of the last page.

    Each row is a framed paragraph at a fixed place in the type area (frames of an
    exact height, stacked up from its bottom edge), so the last rule lies on that edge
    whatever the length of the text above, and no text flows beside the rows. The rows
    are separate frames because Word and LibreOffice join consecutive framed paragraphs
    into one frame only when all their properties match, and the rules differ: thick
    above the first row and below the last, thin between.
    """
    rows = []
    if doc.copy_to:
        rows.append((f"抄送：{doc.copy_to.rstrip('。')}。", _copy_lines(doc.copy_to)))
    printed_on = chinese_date(doc.printed_on or doc.date)
    rows.append((f"{doc.printer or doc.issuer}\t{printed_on}印发", 1))
    bottom = TYPE_HEIGHT.pt
    top_of = {}
    for index in reversed(range(len(rows))):
        bottom -= rows[index][1] * LINE_PITCH.pt
        top_of[index] = bottom
    for index, (text, lines) in enumerate(rows):
        rules = {
            "top": THICK_RULE if index == 0 else 0,
            "bottom": THICK_RULE if index == len(rows) - 1 else THIN_RULE,
        }
        _record_row(document, text, lines, top_of[index], rules)
    # The frames' anchor: a framed paragraph ending the document is drawn in the flow
    # by LibreOffice (Word and WPS place it either way).
    document.add_paragraph()


def _copy_lines(copy_to: str) -> int:
    """Lines the 抄送 row takes: its text after 抄送： wraps under the first name."""
    width = TYPE_WIDTH.pt - RECORD_SIZE.pt * 2
    first, rest = width - RECORD_SIZE.pt * 3, width - RECORD_SIZE.pt * 3
    text = _width(copy_to.rstrip("。") + "。") * (RECORD_SIZE.pt + CHAR_SPACING_TWIPS / 20)
    return 1 + max(math.ceil((text - first) / rest), 0)


def _record_row(document, text: str, lines: int, top: float, rules: dict[str, int]) -> None:
    one_char = RECORD_SIZE.pt
    row = document.add_paragraph()
    fmt = row.paragraph_format
    fmt.left_indent = Pt(one_char * 4)  # 抄送： wraps under the first name after its colon
    fmt.first_line_indent = Pt(-one_char * 3)
    fmt.right_indent = Pt(one_char)
    fmt.tab_stops.add_tab_stop(Pt(TYPE_WIDTH.pt - one_char), WD_TAB_ALIGNMENT.RIGHT)
    # The rules take their width from the lines, so that the row keeps its exact height.
    rule_points = sum(rules.values()) / 8
    fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    fmt.line_spacing = Pt(round(LINE_PITCH.pt - rule_points / lines, 2))
    _run(row, text, size=RECORD_SIZE)
    _off_grid(row)
    for side, size in rules.items():
        if size:
            _border(row, side, sz=size)
    _frame(row, top=top, height=lines * LINE_PITCH.pt)


def _frame(paragraph, *, top: float, height: float) -> None:
    """Fix the paragraph in a frame `top` points below the top of the type area."""
    frame = OxmlElement("w:framePr")
    for key, value in (
        ("w", round(TYPE_WIDTH.pt * 20)),
        ("h", round(height * 20)),
        ("hRule", "exact"),
        ("wrap", "notBeside"),
        ("hAnchor", "margin"),
        ("vAnchor", "margin"),
        ("xAlign", "center"),
        ("y", round(top * 20)),
    ):
        frame.set(qn(f"w:{key}"), str(value))
    _insert(paragraph._p.get_or_add_pPr(), frame)


# --- Page numbers -----------------------------------------------------------------------------


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
        return _run(paragraph, text, PAGE_NUMBER_FONT, PAGE_NUMBER_SIZE)

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
