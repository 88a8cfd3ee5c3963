"""Reading what people write in an office's task tables: deadlines, unit lists, headers.

Pure functions without the database, so that every wording can be tested on its own.
The importer (documents.importer) feeds them cell values and the working-day calendar.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
import unicodedata
from collections.abc import Iterable
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
_CN_NUMBER = re.compile(r"[〇零一二两三四五六七八九十]+(?=年|月|日|号|季度|季|期)")


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


# --- Deadlines --------------------------------------------------------------------------------


class DeadlineError(ValueError):
    """A deadline cell that cannot be read; `suggestion` tells how to write it."""

    def __init__(self, message: str, suggestion: str = ""):
        super().__init__(message)
        self.message = message
        self.suggestion = suggestion


@dataclass(frozen=True)
class Deadline:
    """A deadline as read from a cell.

    `day` is None for open-ended work (长期坚持). `recurring` marks work that goes on
    after (or without) the date; `cycle` is the report cycle it implies (每月 → monthly).
    `earlier` holds the other, earlier dates the cell names (intermediate milestones).
    """

    day: dt.date | None
    recurring: bool = False
    cycle: str = ""
    earlier: tuple[dt.date, ...] = ()
    workdays: int | None = None  # "10个工作日内": counted from assignment

    @property
    def is_empty(self) -> bool:
        return self.day is None and not self.recurring and self.workdays is None


# Open-ended wordings: no date at all, work that never ends.
OPEN_ENDED = re.compile(r"长期坚持|长期推进|长期|持续推进|持续开展|常态化|久久为功|持续实施")
# Wordings that make a dated matter recurring (or give a year-end date when alone).
RECURRING = re.compile(r"持续跟踪|持续|跟踪|每月|每季度|每季|每半年|每年|按月|按季度?|逐月|常年")
CYCLES = (("季", "quarterly"), ("月", "monthly"))

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
YEAR_ONLY = re.compile(r"(?<!\d)(?P<year>\d{4})年(?:底|末|内|前)?")
YEAR_END = re.compile(r"(?:(?P<next>明年|次年)|本年度?|今年|年度?|全)(?:底|末|内|年)")
# What is left of a cell after its dates are taken; a date-like rest was misread.
EVERY_MONTH_DAY = re.compile(r"每月\d{1,2}(?:日|号)")  # a reporting day, not a deadline
WORKDAYS = re.compile(r"(?P<n>\d+)个?工作日")
DATE_LIKE = re.compile(r"\d+(?:年|月|日|号|季)|\d+[./-]\d+")


def parse_deadline(value, *, year: int, calendar: WorkCalendar) -> Deadline:
    """Read a deadline cell as an office writes it.

    1. Empty → an empty Deadline (the source's default time limit applies later).
    2. A date cell (Excel date) → that day.
    3. Every date the text names is collected (full dates, months, quarters, halves,
       year ends); the latest is the deadline, the others are `earlier`.
    4. 持续跟踪 / 每月 … mark it recurring; alone, 每月 means "until the year's end".
    5. 长期坚持 / 持续推进 … without a date → no date, recurring.
    6. "交办后10个工作日内" → no date, 10 working days counted from assignment.
    7. Anything else → DeadlineError with a suggestion.
    """
    if value is None or (isinstance(value, str) and not value.strip()):
        return Deadline(None)
    if isinstance(value, dt.datetime):
        return Deadline(value.date())
    if isinstance(value, dt.date):
        return Deadline(value)
    raw = str(value).strip()
    text = normalise(raw)
    workdays = WORKDAYS.search(text)
    if workdays:
        n = int(workdays["n"])
        return Deadline(None, bool(RECURRING.search(text)), _cycle(text), workdays=n)
    days = _dates_in(EVERY_MONTH_DAY.sub("每月", text), year, calendar)
    recurring = bool(RECURRING.search(text) or OPEN_ENDED.search(text))
    cycle = _cycle(text)
    if days:
        days.sort()
        return Deadline(days[-1], recurring, cycle, tuple(d for d in days[:-1] if d < days[-1]))
    if OPEN_ENDED.search(text):
        return Deadline(None, True, cycle)
    if RECURRING.search(text):
        return Deadline(calendar.last_workday_of_month(year, 12), True, cycle)
    raise DeadlineError(
        _("Cannot read the deadline “%(text)s”.") % {"text": raw},
        _("Write a date such as 2026年6月30日, 2026年6月底, 三季度末 or 长期坚持."),
    )


def _cycle(text: str) -> str:
    if not re.search(r"每|按|逐", text):
        return ""
    return next((cycle for word, cycle in CYCLES if word in text), "")


def _year(match: re.Match, default: int) -> int:
    groups = match.groupdict()
    if groups.get("next"):
        return default + 1
    return int(groups["year"]) if groups.get("year") else default


def _dates_in(text: str, default_year: int, calendar: WorkCalendar) -> list[dt.date]:
    """Every date named in `text`, each wording consumed once (longest forms first)."""
    days: list[dt.date] = []

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
            _("Part of the deadline “%(text)s” cannot be read.") % {"text": rest.group(0)},
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


def describe_deadline(day: dt.date | None, recurring: bool, workdays: int | None = None) -> str:
    """How the ledger writes a deadline; parse_deadline reads it back to the same thing."""
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


# --- Units ------------------------------------------------------------------------------------

SEPARATORS = set("、，,；;/／\n\r\t ")
OPEN_BRACKETS, CLOSE_BRACKETS = "（(〔[【", "）)〕]】"
# Parenthesised words that describe the role, not a second name of the unit.
ROLE_WORDS = re.compile(r"^(牵头|配合|负责|主责|按职责分工负责|按职责|各自|排名第一的为牵头单位)$")
TRAILING_WORDS = re.compile(r"(等(单位|部门)?|牵头|配合|负责)$")


def split_units(text) -> list[str]:
    """The unit names in one cell, split on 、，,；;/ and line breaks, never inside brackets.

    "各县（市、区）" stays whole; "市发改委（牵头）" loses its role word; trailing 等 goes.
    """
    if text is None:
        return []
    names, current, depth = [], [], 0
    for char in str(text):
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
    cleaned = [_clean_unit(name) for name in names]
    return [name for name in cleaned if name]


def _clean_unit(name: str) -> str:
    name = name.strip()
    base, inner = bracket_parts(name)
    if inner and ROLE_WORDS.match(inner):
        name = base
    return TRAILING_WORDS.sub("", name).strip()


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
    r"(常务副市长|副市长|市长|市委书记|市委副书记|副书记|书记|秘书长|副主任|主任|部长|同志)"
)


def person_key(text: str) -> str:
    """ "张三（副市长）" / "副市长张三" → "张三"."""
    base, _inner = bracket_parts(normalise(text or ""))
    return TITLES.sub("", base)


# --- Headers ----------------------------------------------------------------------------------

# Each field of a task table and the headings offices give it (compared without spaces).
HEADERS: dict[str, tuple[str, ...]] = {
    "number": ("序号", "编号", "序"),
    "serial": ("督办编号", "督办号", "事项编号"),
    "task": (
        "重点任务",
        "工作任务",
        "任务名称",
        "重点工作",
        "主要任务",
        "任务",
        "事项",
        "事项/重点任务",
        "督办事项",
        "事项名称",
    ),
    "measure": (
        "具体措施",
        "工作目标",
        "主要内容",
        "工作措施",
        "具体任务",
        "目标任务",
        "工作内容",
        "主要措施",
        "具体内容",
        "任务分解",
    ),
    "lead": ("牵头单位", "责任单位", "牵头部门", "主责单位", "责任部门", "牵头责任单位"),
    "co": ("配合单位", "协办单位", "配合部门", "协同单位", "参与单位"),
    "leader": ("责任领导", "分管领导", "市级领导", "牵头领导", "包联领导", "责任市领导"),
    "deadline": ("完成时限", "时间节点", "完成时间", "时限要求", "完成期限", "时限", "截止时间"),
}
_HEADER_INDEX = {unit_key(name): field for field, names in HEADERS.items() for name in names}


def header_field(text) -> str | None:
    """Which field a heading names, or None ("牵头单位" → "lead", "完成时限" → "deadline")."""
    if text is None:
        return None
    key = re.sub(r"[*＊:：]", "", unit_key(str(text)))
    if key in _HEADER_INDEX:
        return _HEADER_INDEX[key]
    for name, field in _HEADER_INDEX.items():
        if len(name) >= 4 and name in key:
            return field
    return None
