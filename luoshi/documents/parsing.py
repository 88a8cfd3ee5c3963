"""Reading what people write in an office's tables: time limits, unit cells, names, headings.

Pure functions without the database, so that every wording can be tested on its own.
Generic: any kind of import (task tables, hazard findings) reads its cells with these;
documents.importer and documents.unitnames give the results their meaning.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from django.utils.translation import gettext as _

from luoshi.lib.workdays import WorkCalendar

# --- Text normalisation ---------------------------------------------------------------------

CN_DIGITS = {
    "〇": 0,
    "零": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
_CN_NUMBER = re.compile(r"[〇零一二两三四五六七八九十]+(?=年|月|日|号|季度|季|期|个工作日)")


def cn_to_int(text: str) -> int:
    """一 → 1, 十二 → 12, 二十三 → 23, 二〇二六 → 2026 (digit by digit without 十)."""
    if "十" not in text:
        return int("".join(str(CN_DIGITS[c]) for c in text))
    tens, _sep, ones = text.partition("十")
    return CN_DIGITS.get(tens, 1) * 10 + (CN_DIGITS[ones] if ones else 0)


def normalise(text: str) -> str:
    """Full-width to half-width (NFKC), Chinese numerals before 年/月/日 to digits, no spaces."""
    text = unicodedata.normalize("NFKC", str(text))
    text = _CN_NUMBER.sub(lambda m: str(cn_to_int(m.group(0))), text)
    return re.sub(r"\s+", "", text)


def clean_text(value: object) -> str:
    """A cell as text: stripped, control characters (but tab and line breaks) removed."""
    if value is None:
        return ""
    text = value if isinstance(value, str) else str(value)
    if not text.isprintable():  # the rare cell with a line break or a stray control
        text = "".join(c for c in text if c in "\t\n" or unicodedata.category(c)[0] != "C")
    return text.strip()


# --- Time limits ------------------------------------------------------------------------------


class DeadlineError(ValueError):
    """A time-limit cell that cannot be read; `suggestion` tells how to write it."""

    def __init__(self, message: str, suggestion: str = ""):
        super().__init__(message)
        self.message = message
        self.suggestion = suggestion


@dataclass(frozen=True)
class TimeLimit:
    """A time limit as read from a cell.

    `day`: the deadline, or None. `ongoing`: 持续推进 / 长期坚持 / 每季度 — no deadline,
    reported on `cycle` (empty: the default cycle); a date it also names ("2026年6月持续
    跟踪") is kept in `milestones`. Otherwise `milestones` holds the earlier dates of
    a cell naming several ("6月底前完成主体，年底前竣工"). `workdays`: "交办后10个工作日
    内", counted from assignment.
    """

    day: dt.date | None
    ongoing: bool = False
    cycle: str = ""
    milestones: tuple[dt.date, ...] = ()
    workdays: int | None = None

    @property
    def is_empty(self) -> bool:
        return self.day is None and not self.ongoing and self.workdays is None

    @property
    def recurring(self) -> bool:  # the older name of `ongoing`
        return self.ongoing


Deadline = TimeLimit  # the name the ledger and older code use

# Wordings of work without an end: no deadline at all.
OPEN_ENDED = re.compile(
    r"长期坚持|长期推进|长期|持续推进|持续开展|持续实施|持续跟踪|持续|常态化|常年|久久为功|"
    r"动态推进|动态调整|跟踪问效|逐年推进|分年度推进|年年"
)
# Cadences: the report cycle they imply; alone, they make the matter ongoing.
CADENCES = (
    (re.compile(r"每两周|每半月|双周"), "biweekly"),
    (re.compile(r"每周|按周|逐周"), "weekly"),
    (re.compile(r"每季度?|按季度?|逐季度?"), "quarterly"),
    (re.compile(r"每月|按月|逐月|月度"), "monthly"),
    (re.compile(r"每半年|每年|按年|逐年"), ""),
)
# Reporting days inside a cadence ("每月25日前报送", "每季度末") are not deadlines.
CADENCE_DAYS = re.compile(
    r"((每|按|逐)(两周|半月|月|季度?|周|半年|年)|双周|月度)(\d{1,2}(日|号)|末|底|初|前|中)?"
)

_YEAR = r"(?:(?P<year>\d{4})年?|(?P<next>明年|次年))"
FULL_DATE = re.compile(
    r"(?<!\d)(?:(?P<year>\d{4})[年./-]|(?P<next>明年|次年))?"
    r"(?P<month>\d{1,2})(?:月|[./-])(?P<day>\d{1,2})(?:日|号)?(?!\d)"
)
YEAR_MONTH = re.compile(r"(?<!\d)(?P<year>\d{4})[./-](?P<month>\d{1,2})(?![\d./-])")
MONTH = re.compile(
    r"(?<!\d)" + _YEAR + r"?(?P<month>\d{1,2})月份?(?P<part>上旬|中旬|下旬|底|末|前|中|内)?(?!\d)"
)
QUARTER = re.compile(_YEAR + r"?第?(?P<q>[1-4])季度?(?P<part>末|底|前|内)?")
HALF = re.compile(_YEAR + r"?(?P<half>上半年|下半年|年中)")
YEAR_ONLY = re.compile(r"(?<!\d)(?P<year>\d{4})年(?:度)?(?:底|末|内|前)?")
YEAR_END = re.compile(r"(?:(?P<next>明年|次年)|本年度?|今年|年度?|全)(?:底|末|内|年)")
BARE_YEAR = re.compile(r"^(?P<year>20\d{2})$")
WORKDAYS = re.compile(r"(?P<n>\d+)个?工作日")
# What is left of a cell after its dates are taken; a date-like rest was misread.
DATE_LIKE = re.compile(r"\d+(?:年|月|日|号|季)|\d+[./-]\d+")


def parse_deadline(value, *, year: int, calendar: WorkCalendar) -> TimeLimit:
    """Read a time-limit cell as an office writes it.

    1. Empty → an empty TimeLimit (the source's default time limit applies later).
    2. A date cell → that day; a number that is a year (2026) → its last working day.
    3. "交办后10个工作日内" → 10 working days counted from assignment.
    4. Every date the text names is collected (full dates, months — a month alone is
       its last working day — quarters, halves, year ends; a year written once carries
       to the months after it: "2026年6月、12月").
    5. Open-ended wording (长期坚持, 持续推进, 常态化, …持续跟踪) → ongoing; the dates it
       names become milestones.
    6. Otherwise the latest date is the deadline and the others milestones; a cadence
       (每月, 每季度) sets the report cycle.
    7. A cadence without a date → ongoing, reported on that cycle.
    8. Anything else → DeadlineError with a suggestion.
    """
    if value is None or (isinstance(value, str) and not value.strip()):
        return TimeLimit(None)
    if isinstance(value, dt.datetime):
        return TimeLimit(value.date())
    if isinstance(value, dt.date):
        return TimeLimit(value)
    raw = clean_text(value)
    text = normalise(raw)
    bare = BARE_YEAR.match(text)
    if bare:
        return TimeLimit(calendar.last_workday_of_month(int(bare["year"]), 12))
    workdays = WORKDAYS.search(text)
    if workdays:
        return TimeLimit(None, cycle=_cycle(text), workdays=int(workdays["n"]))
    cycle, has_cadence = _cycle(text), bool(CADENCE_DAYS.search(text))
    days = sorted(set(_dates_in(CADENCE_DAYS.sub("|", text), year, calendar)))
    if OPEN_ENDED.search(text):
        return TimeLimit(None, ongoing=True, cycle=cycle, milestones=tuple(days))
    if days:
        return TimeLimit(days[-1], cycle=cycle, milestones=tuple(days[:-1]))
    if has_cadence:
        return TimeLimit(None, ongoing=True, cycle=cycle)
    raise DeadlineError(
        _("Cannot read the time limit “%(text)s”.") % {"text": raw},
        _("Write a date such as 2026年6月30日, 2026年6月底, 三季度末 or 长期坚持."),
    )


def _cycle(text: str) -> str:
    return next((cycle for pattern, cycle in CADENCES if pattern.search(text)), "")


def _year(match: re.Match, default: int) -> int:
    groups = match.groupdict()
    if groups.get("next"):
        return default + 1
    return int(groups["year"]) if groups.get("year") else default


def _dates_in(text: str, default_year: int, calendar: WorkCalendar) -> list[dt.date]:
    """Every date named in `text`, each wording consumed once (longest forms first)."""
    days: list[dt.date] = []
    written = re.search(r"(?<!\d)(20\d{2})(?:年|[./-])", text)
    if written:  # "2026年6月、12月": the year written once holds for the months after it
        default_year = int(written.group(1))

    def take(pattern: re.Pattern, convert) -> None:
        nonlocal text
        for match in list(pattern.finditer(text)):
            days.append(convert(match))
        text = pattern.sub("|", text)

    year_end = calendar.last_workday_of_month
    take(FULL_DATE, lambda m: _full_date(m, default_year))
    take(YEAR_MONTH, lambda m: _month(m, default_year, calendar))
    take(HALF, lambda m: year_end(_year(m, default_year), 12 if m["half"] == "下半年" else 6))
    take(QUARTER, lambda m: year_end(_year(m, default_year), int(m["q"]) * 3))
    take(MONTH, lambda m: _month(m, default_year, calendar))
    take(YEAR_ONLY, lambda m: year_end(_year(m, default_year), 12))
    take(YEAR_END, lambda m: year_end(_year(m, default_year), 12))
    rest = DATE_LIKE.search(text)
    if rest:
        raise DeadlineError(
            _("Part of the time limit “%(text)s” cannot be read.") % {"text": rest.group(0)},
            _("Write one date per deadline, such as 2026年6月30日."),
        )
    return days


def _full_date(match: re.Match, default_year: int) -> dt.date:
    year = _year(match, default_year)
    month, day = int(match["month"]), int(match["day"])
    try:
        return dt.date(year, month, day)
    except ValueError:
        raise DeadlineError(
            _("%(year)s-%(month)s-%(day)s is not a date.")
            % {"year": year, "month": month, "day": day},
            _("Check the month and the day."),
        ) from None


def _month(match: re.Match, default_year: int, calendar: WorkCalendar) -> dt.date:
    year, month = _year(match, default_year), int(match["month"])
    if not 1 <= month <= 12:
        raise DeadlineError(
            _("There is no month %(month)s.") % {"month": month}, _("Check the month.")
        )
    part = match.groupdict().get("part") or ""
    if part in ("上旬", "中旬", "中"):
        day = dt.date(year, month, 10 if part == "上旬" else 20)
        return day if calendar.is_workday(day) else calendar.add_workdays(day, -1)
    return calendar.last_workday_of_month(year, month)


def describe_deadline(
    day: dt.date | None, recurring: bool, workdays: int | None = None, *, ongoing: bool = False
) -> str:
    """How the ledger writes a time limit; parse_deadline reads it back to the same thing."""
    if ongoing:
        return "持续推进"
    if day is None and workdays:
        return f"交办后{workdays}个工作日内"
    if day is None:
        return "长期坚持" if recurring else ""
    text = f"{day.year}年{day.month}月{day.day}日"
    return f"{text}，持续跟踪" if recurring else text


def year_in(text: str) -> int | None:
    """The year a table's title names ("2026年政府工作报告重点任务分解表" → 2026)."""
    match = re.search(r"(20\d{2})\s*年", normalise(text or ""))
    return int(match.group(1)) if match else None


# --- Unit cells -------------------------------------------------------------------------------

SEPARATORS = set("、，,；;/／\n\r\t ")
OPEN_BRACKETS, CLOSE_BRACKETS = "（(〔[【", "）)〕]】"
# Parenthesised words that describe the role, not a second name of the unit.
LEAD_WORDS = re.compile(r"^(牵头|牵头单位|主责|负责|总牵头|排名第一的为牵头单位)$")
ROLE_WORDS = re.compile(r"^(配合|协办|参与|按职责分工负责|按职责|各自|分别负责|按职责分工)$")
# Endings that say how a unit takes part, taken off the name (repeatedly).
TRAILING = re.compile(
    r"(按职责分工负责|按职责分工|按职能职责|按职责|分别负责|负责|牵头|配合|参与|"
    r"等(相关|有关)?(单位|部门)?)$"
)
# A cell (or a part) meaning "no unit".
_PUNCT = r"[\s\-—–―_/／\\.。·、，,；;:：]*"
NOTHING = re.compile(rf"^{_PUNCT}(无|暂无|不涉及|空|无配合单位|无需配合)?{_PUNCT}$")
# Not units but how a table says "whoever it concerns"; read as no unit, with a note.
NOT_UNITS = re.compile(
    r"^((市直|省直|区直|县直)?各?(有关|相关)?(单位|部门|成员单位)|其他(有关|相关)?(单位|部门)|"
    r"按职责分工负责|按职责分工|按职责)$"
)
# Labels inside one cell: "牵头单位：市发改委；配合单位：市工信局".
ROLE_LABEL = re.compile(
    r"(牵头单位|牵头部门|责任单位|主责单位|牵头|配合单位|配合部门|协办单位|参与单位|配合)[:：]"
)
CO_LABELS = {"配合单位", "配合部门", "协办单位", "参与单位", "配合"}


@dataclass(frozen=True)
class UnitName:
    """One unit named in a cell; `role` is "lead" or "co" when the cell marks it."""

    name: str
    role: str = ""


@dataclass(frozen=True)
class UnitCell:
    """What a unit cell says: the units it names and the phrases that are not units."""

    names: tuple[UnitName, ...] = ()
    ignored: tuple[str, ...] = ()

    def __iter__(self):
        return iter(self.names)


def read_units(text) -> UnitCell:
    """The units a cell names, as offices write them.

    Split on 、，,；;/ and line breaks (never inside brackets); "无", "—", "/" and blank
    mean none; "按职责分工负责", "各相关单位" are not units (kept in `ignored`); "等",
    "牵头", "（牵头）" and "（配合）" are taken off the name and mark its role; labels
    ("牵头单位：…；配合单位：…") mark the roles of what follows them.
    """
    text = clean_text(text)
    if not text or NOTHING.match(text):
        return UnitCell()
    names, ignored = [], []
    for label, segment in _segments(text):
        role = ("co" if label in CO_LABELS else "lead") if label else ""
        for piece in _split(segment):
            name, marked = _clean_unit(piece)
            if not name or NOTHING.match(name):
                continue
            if NOT_UNITS.match(name):
                ignored.append(name)
                continue
            names.append(UnitName(name, marked or role))
    return UnitCell(tuple(dict.fromkeys(names)), tuple(dict.fromkeys(ignored)))


def split_units(text) -> list[str]:
    """The unit names in one cell (see read_units), without their roles."""
    return [u.name for u in read_units(text).names]


def _segments(text: str) -> list[tuple[str, str]]:
    """The cell cut at its role labels: [(label or "", text after it)]."""
    cuts = list(ROLE_LABEL.finditer(text))
    if not cuts:
        return [("", text)]
    segments = [("", text[: cuts[0].start()])] if cuts[0].start() else []
    for i, match in enumerate(cuts):
        end = cuts[i + 1].start() if i + 1 < len(cuts) else len(text)
        segments.append((match.group(1), text[match.end() : end]))
    return segments


def _split(text: str) -> list[str]:
    names, current, depth = [], [], 0
    for char in text:
        if char in OPEN_BRACKETS:
            depth += 1
        elif char in CLOSE_BRACKETS:
            depth = max(depth - 1, 0)
        if char in SEPARATORS and depth == 0:
            names.append("".join(current))
            current = []
        else:
            current.append(char)
    names.append("".join(current))
    return names


def _clean_unit(name: str) -> tuple[str, str]:
    """The unit's name without role words, and the role they marked ("lead", "co", "")."""
    name, role = name.strip().strip("。.:："), ""
    base, inner = bracket_parts(name)
    if inner and LEAD_WORDS.match(inner):
        name, role = base, "lead"
    elif inner and ROLE_WORDS.match(inner):
        name, role = base, "co"
    while True:
        match = TRAILING.search(name)
        if not match or match.start() == 0:
            break
        if match.group(1) == "牵头":
            role = role or "lead"
        name = name[: match.start()].strip()
    return name, role


def bracket_parts(name: str) -> tuple[str, str]:
    """Split a parenthesised second name off: "市市场监管局（市知识产权局）" → both parts."""
    match = re.match(r"^(.*?)[（(](.*)[）)]$", name.strip())
    if not match:
        return name.strip(), ""
    return match.group(1).strip(), match.group(2).strip()


def unit_key(name: str) -> str:
    """The form unit names are compared in: half-width, no spaces."""
    return normalise(name)


def name_variants(name: str) -> list[str]:
    """A name and, when it carries one, its parenthesised second name: both identify the unit."""
    base, inner = bracket_parts(name)
    return [v for v in dict.fromkeys([unit_key(name), unit_key(base), unit_key(inner)]) if v]


def similarity(a: str, b: str) -> float:
    """0..1: difflib's ratio, which scores 市发展改革委 against 市发改委 at 0.8."""
    return difflib.SequenceMatcher(None, a, b, autojunk=False).ratio()


def closest(name: str, candidates: Iterable[str], cutoff: float = 0.6) -> str | None:
    """The candidate most like `name` (a near miss such as a long form or a typo), if any."""
    found = difflib.get_close_matches(unit_key(name), list(candidates), n=1, cutoff=cutoff)
    return found[0] if found else None


# --- People -----------------------------------------------------------------------------------

TITLES = re.compile(
    r"(常务副省长|副省长|省长|常务副市长|副市长|市长|市委书记|市委副书记|副书记|书记|秘书长|"
    r"副区长|区长|副县长|县长|副主任|主任|部长|同志)"
)


def person_key(text: str) -> str:
    """ "张三（副市长）" / "副市长张三" → "张三"."""
    base, _inner = bracket_parts(normalise(text or ""))
    return TITLES.sub("", base)


# --- Headings ---------------------------------------------------------------------------------


def heading_key(text) -> str:
    """A heading as compared: half-width, no spaces, marks and bracketed notes."""
    key = unit_key(str(text or ""))
    key = re.sub(r"[（(][^）)]*[）)]", "", key)
    return re.sub(r"[*＊:：#№.、]", "", key)


def heading_index(synonyms: Mapping[str, Iterable[str]]) -> dict[str, str]:
    """{heading key: field} for a kind's table of synonyms (documents.tables.Schema)."""
    return {heading_key(name): field for field, names in synonyms.items() for name in names}


def match_heading(text, index: Mapping[str, str]) -> str | None:
    """Which field a heading names: exactly, else the longest synonym (4+ characters) in it."""
    if text is None:
        return None
    key = heading_key(text)
    if not key:
        return None
    if key in index:
        return index[key]
    # "牵头责任单位", "事项/重点任务" — but not a title that happens to contain "重点任务".
    inside = [
        name for name in index if len(name) >= 4 and name in key and len(key) <= len(name) + 4
    ]
    return index[max(inside, key=len)] if inside else None
