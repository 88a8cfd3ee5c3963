"""Reading a year's holiday schedule as the office receives it, and checking it.

Two sources, one result (`ScheduleDraft`): the text of the State Council's notice pasted
as it is ("二、春节：2月5日（农历除夕、星期五）至11日（农历正月初七、星期四）放假调休，共7天。
2月20日（星期六）上班。"), or an Excel/CSV table with a 日期 and a 类型 (放假/上班) column.
`check` then holds the days against the law: every statutory holiday off, make-up
working days on a weekend, nothing said twice. No database here.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import zipfile
from dataclasses import dataclass, field

from django.utils.translation import gettext as _
from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException

from luoshi.lib.workdays import statutory_holidays

MAX_TABLE_ROWS = 500
WEEKDAYS = "一二三四五六日"


@dataclass(frozen=True)
class ScheduleDay:
    """One day of the schedule: off (放假) or a make-up working day (上班); where it was read."""

    day: dt.date
    is_workday: bool
    festival: str = ""
    line: int = 0


@dataclass
class ScheduleDraft:
    """The days read for `year` and the problems found, each naming its line or row."""

    year: int
    days: list[ScheduleDay] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def holidays(self) -> list[ScheduleDay]:
        return sorted((d for d in self.days if not d.is_workday), key=lambda d: d.day)

    @property
    def workdays(self) -> list[ScheduleDay]:
        return sorted((d for d in self.days if d.is_workday), key=lambda d: d.day)

    def by_festival(self) -> list[tuple[str, str, str]]:
        """(festival, days off, make-up working days) as the notice writes them, for checking."""
        order: dict[str, tuple[list, list]] = {}
        for entry in sorted(self.days, key=lambda d: d.day):
            off, work = order.setdefault(entry.festival or "—", ([], []))
            (work if entry.is_workday else off).append(entry.day)
        return [(name, date_runs(off), date_runs(work)) for name, (off, work) in order.items()]

    def as_text(self) -> str:
        """The days one a line ("2027-02-05 放假 春节"), as read_notice reads them back."""
        return "\n".join(
            f"{d.day.isoformat()} {'上班' if d.is_workday else '放假'} {d.festival}".strip()
            for d in sorted(self.days, key=lambda d: d.day)
        )


def date_runs(days: list[dt.date]) -> str:
    """Days as a notice writes them: "2月5日至11日、2月14日" (runs of consecutive days)."""
    runs: list[list[dt.date]] = []
    for day in sorted(set(days)):
        if runs and (day - runs[-1][-1]).days == 1:
            runs[-1].append(day)
        else:
            runs.append([day])
    return "、".join(_run_text(run[0], run[-1]) for run in runs)


def _run_text(first: dt.date, last: dt.date) -> str:
    text = f"{first.month}月{first.day}日"
    if last == first:
        return text
    return text + (
        f"至{last.day}日" if last.month == first.month else f"至{last.month}月{last.day}日"
    )


# --- The notice's text ------------------------------------------------------------------------

PLAIN_LINE = re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})\s+(放假|休|上班|班)\s*(.*)$")
ASIDE = re.compile(r"[（(][^）)]*[）)]")
FESTIVAL = re.compile(r"^\s*(?:[一二三四五六七八九十]+[、.．]\s*)?([^：:，,。\d]{1,8})[：:]")
DATE = r"(?:(?P<{p}y>\d{{4}})年)?(?P<{p}m>\d{{1,2}})月(?P<{p}d>\d{{1,2}})日"
END = r"(?:(?:(?P<ey>\d{4})年)?(?P<em>\d{1,2})月)?(?P<ed>\d{1,2})日"
RANGE = re.compile(DATE.format(p="s") + r"\s*(?:至|到|—|－|-|～|~)\s*" + END)
ONE_DATE = re.compile(DATE.format(p="s"))
TOTAL = re.compile(r"共\s*(\d+)\s*天")


def read_notice(text: str, year: int) -> ScheduleDraft:
    """The days of a pasted notice (or of lines "2027-02-05 放假 春节"), line by line.

    Lines without a date (the preamble, the closing paragraph) are passed over; a line
    naming a festival but no date, or dates without 放假 or 上班, is a problem.
    """
    draft = ScheduleDraft(year=year)
    for number, raw in enumerate((text or "").splitlines(), start=1):
        line = raw.strip()
        plain = PLAIN_LINE.match(line)
        if plain:
            _plain_line(draft, plain, number)
        elif line:
            _notice_line(draft, ASIDE.sub("", line), number)
    return draft


def _plain_line(draft: ScheduleDraft, match: re.Match, number: int) -> None:
    year, month, day, kind, festival = match.groups()
    try:
        date = dt.date(int(year), int(month), int(day))
    except ValueError:
        draft.problems.append(
            _("Line %(n)s: %(text)s is not a date.") % {"n": number, "text": match.group(0)[:10]}
        )
        return
    draft.days.append(ScheduleDay(date, kind in ("上班", "班"), festival.strip(), number))


def _notice_line(draft: ScheduleDraft, line: str, number: int) -> None:
    named = FESTIVAL.match(line)
    festival = named.group(1).strip() if named else ""
    sentences = [s for s in re.split(r"[。；;]", line[named.end() :] if named else line) if s]
    found = False
    for sentence in sentences:
        if not ONE_DATE.search(sentence):
            continue
        found = True
        if "上班" in sentence:
            _workdays(draft, sentence, festival, number)
        elif "放假" in sentence or "休息" in sentence or "休假" in sentence:
            _holidays(draft, sentence, festival, number)
        else:
            draft.problems.append(
                _(
                    "Line %(n)s (%(festival)s): the dates are neither days off (放假) "
                    "nor working days (上班)."
                )
                % {"n": number, "festival": festival or "—"}
            )
    if named and not found and festival not in ("", "附件"):
        draft.problems.append(
            _("Line %(n)s (%(festival)s): no date found.") % {"n": number, "festival": festival}
        )


def _holidays(draft: ScheduleDraft, sentence: str, festival: str, number: int) -> None:
    days: list[dt.date] = []
    rest = sentence
    for match in RANGE.finditer(sentence):
        first = _date(draft, match, "s", festival, number)
        last = _end(draft, match, first, number)
        if first and last:
            days += [first + dt.timedelta(days=n) for n in range((last - first).days + 1)]
        rest = rest.replace(match.group(0), "")
    for match in ONE_DATE.finditer(rest):
        day = _date(draft, match, "s", festival, number)
        days += [day] if day else []
    total = TOTAL.search(sentence)
    if total and days and int(total.group(1)) != len(days):
        draft.problems.append(
            _(
                "Line %(n)s (%(festival)s): the dates make %(count)s days, "
                "the notice says %(total)s."
            )
            % {
                "n": number,
                "festival": festival or "—",
                "count": len(days),
                "total": total.group(1),
            }
        )
    draft.days += [ScheduleDay(d, False, festival, number) for d in days]


def _workdays(draft: ScheduleDraft, sentence: str, festival: str, number: int) -> None:
    for match in ONE_DATE.finditer(sentence):
        day = _date(draft, match, "s", festival, number)
        if day:
            draft.days.append(ScheduleDay(day, True, festival, number))


def _date(draft, match: re.Match, prefix: str, festival: str, number: int) -> dt.date | None:
    month, day = int(match.group(f"{prefix}m")), int(match.group(f"{prefix}d"))
    year = match.group(f"{prefix}y")
    # 元旦 may begin in the last days of the year before (2023年12月30日至2024年1月1日).
    year = int(year) if year else draft.year - (month == 12 and festival == "元旦")
    return _valid(draft, year, month, day, number)


def _end(draft, match: re.Match, first: dt.date | None, number: int) -> dt.date | None:
    if first is None:
        return None
    month = int(match.group("em") or first.month)
    year = int(match.group("ey") or (first.year + (month < first.month)))
    last = _valid(draft, year, month, int(match.group("ed")), number)
    if last is not None and last < first:
        draft.problems.append(_("Line %(n)s: the period ends before it starts.") % {"n": number})
        return None
    return last


def _valid(draft, year: int, month: int, day: int, number: int) -> dt.date | None:
    try:
        return dt.date(year, month, day)
    except ValueError:
        draft.problems.append(
            _("Line %(n)s: %(m)s月%(d)s日 is not a date.") % {"n": number, "m": month, "d": day}
        )
        return None


# --- A table (Excel or CSV) -------------------------------------------------------------------

DATE_HEADINGS = ("日期", "date")
KIND_HEADINGS = ("类型", "安排", "放假/上班", "休/班", "kind", "type")
FESTIVAL_HEADINGS = ("节日", "节假日", "名称", "说明", "备注", "festival", "note")
OFF_WORDS = {"放假", "休", "休息", "假", "节假日", "off", "holiday"}
WORK_WORDS = {"上班", "班", "调休上班", "补班", "工作日", "work", "workday"}
TEXT_DATE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")


def read_table(data: bytes, filename: str, year: int) -> ScheduleDraft:
    """The days of an Excel or CSV table: a header row naming 日期 and 类型, a day a row."""
    draft = ScheduleDraft(year=year)
    rows = _rows(data, filename, draft)
    header = next(
        (i for i, row in enumerate(rows[:10]) if _column(row, DATE_HEADINGS) is not None), None
    )
    if header is None:
        if rows:
            draft.problems.append(
                _("No header row with a 日期 column and a 类型 (放假/上班) column.")
            )
        return draft
    columns = [
        _column(rows[header], names) for names in (DATE_HEADINGS, KIND_HEADINGS, FESTIVAL_HEADINGS)
    ]
    if columns[1] is None:
        draft.problems.append(_("No 类型 column saying 放假 or 上班 for each day."))
        return draft
    for number, row in enumerate(rows[header + 1 :], start=header + 2):
        if any(str(v or "").strip() for v in row):
            _table_row(draft, row, columns, number)
    return draft


def _rows(data: bytes, filename: str, draft: ScheduleDraft) -> list[list[object]]:
    if filename.lower().endswith(".csv"):
        for encoding in ("utf-8-sig", "gb18030"):
            try:
                text = data.decode(encoding)
            except UnicodeDecodeError:
                continue
            rows: list[list[object]] = [list(row) for row in csv.reader(io.StringIO(text))]
            return rows[: MAX_TABLE_ROWS + 10]
        draft.problems.append(_("The CSV file is neither UTF-8 nor GBK text."))
        return []
    try:
        sheet = load_workbook(io.BytesIO(data), read_only=True, data_only=True).worksheets[0]
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError, IndexError):
        draft.problems.append(_("The file is neither an Excel workbook (.xlsx) nor a CSV file."))
        return []
    return [
        list(row)
        for row in sheet.iter_rows(max_row=MAX_TABLE_ROWS + 10, max_col=10, values_only=True)
    ]


def _column(row: list[object], names: tuple[str, ...]) -> int | None:
    for index, value in enumerate(row):
        text = re.sub(r"\s", "", str(value or "")).lower()
        if text and any(name in text for name in names):
            return index
    return None


def _table_row(draft: ScheduleDraft, row: list[object], columns, number: int) -> None:
    date_col, kind_col, festival_col = columns

    def cell(col: int | None) -> object:
        return row[col] if col is not None and col < len(row) else None

    day = _cell_date(cell(date_col))
    kind = re.sub(r"\s", "", str(cell(kind_col) or ""))
    if day is None:
        draft.problems.append(
            _("Row %(n)s: “%(value)s” is not a date (write it like 2027-02-05).")
            % {"n": number, "value": cell(date_col) or ""}
        )
        return
    if kind not in OFF_WORDS | WORK_WORDS:
        draft.problems.append(
            _("Row %(n)s: the type “%(value)s” should be 放假 or 上班.")
            % {"n": number, "value": kind}
        )
        return
    festival = str(cell(festival_col) or "").strip()
    draft.days.append(ScheduleDay(day, kind in WORK_WORDS, festival, number))


def _cell_date(value: object) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    match = TEXT_DATE.match(str(value or "").strip())
    if not match:
        return None
    try:
        return dt.date(*(int(g) for g in match.groups()))
    except ValueError:
        return None


# --- Checking the days against the law --------------------------------------------------------


def check(draft: ScheduleDraft) -> ScheduleDraft:
    """Add the problems of the days as a whole; the draft is valid when none remain.

    1. The same day said twice, once off and once working.
    2. A day outside the year (元旦 may start in the last week of the year before).
    3. A make-up working day that is not a Saturday or Sunday.
    4. A statutory holiday (放假办法) missing from the days off, or made a working day.
    """
    year = draft.year
    seen: dict[dt.date, ScheduleDay] = {}
    for entry in draft.days:
        other = seen.setdefault(entry.day, entry)
        if other.is_workday != entry.is_workday:
            draft.problems.append(
                _("%(day)s is given both as a day off and as a working day.") % {"day": entry.day}
            )
        if not dt.date(year - 1, 12, 25) <= entry.day <= dt.date(year, 12, 31):
            draft.problems.append(
                _("%(day)s is not in %(year)s.") % {"day": entry.day, "year": year}
            )
        if entry.is_workday and entry.day.weekday() < 5:
            draft.problems.append(
                _(
                    "%(day)s is a 星期%(weekday)s: a make-up working day (调休上班) "
                    "falls on a Saturday or Sunday."
                )
                % {"day": entry.day, "weekday": WEEKDAYS[entry.day.weekday()]}
            )
    for day, festival in statutory_holidays(year).items():
        listed = seen.get(day)
        if listed is None or listed.is_workday:
            draft.problems.append(
                _("%(day)s (%(festival)s) is a statutory holiday and must be among the days off.")
                % {"day": day, "festival": festival}
            )
    if not draft.holidays:
        draft.problems.append(_("No day off was read."))
    return draft
