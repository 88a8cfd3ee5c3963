"""Indicators and scorecards in the reader's words: the name of every indicator, what it
counts, and for each point of a scorecard the rule that gave it. Pages show these words,
never an indicator's code (the codes stay in the API and the stored rules)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from .indicators import known_indicators
from .models import Adjustment, AdjustmentKind, Scheme, Scorecard

COUNT, DAYS, TIMES, RATE = "count", "days", "times", "rate"


@dataclass(frozen=True)
class Indicator:
    code: str
    label: str
    measure: str  # COUNT (件), DAYS (天), TIMES (次) or RATE (%)
    meaning: str


INDICATORS: dict[str, tuple] = {
    "due_matters": (gettext_lazy("Matters due"), COUNT, gettext_lazy(
        "Matters whose deadline falls in the period (dispatched, not withdrawn).")),
    "completed_on_time": (gettext_lazy("Completed on time"), COUNT, gettext_lazy(
        "Of the matters due, those whose completion was approved by the deadline.")),
    "on_time_rate": (gettext_lazy("On-time completion rate"), RATE, gettext_lazy(
        "Completed on time ÷ matters due.")),
    "overdue_matters": (gettext_lazy("Overdue matters"), COUNT, gettext_lazy(
        "Matters overdue on at least one day of the period.")),
    "overdue_days": (gettext_lazy("Days overdue"), DAYS, gettext_lazy(
        "The days those matters were overdue within the period, added up.")),
    "stalled_matters": (gettext_lazy("Stalled matters"), COUNT, gettext_lazy(
        "Open matters with no progress report within their report cycle.")),
    "reports_on_time_rate": (gettext_lazy("Progress reported on time"), RATE, gettext_lazy(
        "Of the matters with a report cycle, the share reported on in the period.")),
    "hastenings": (gettext_lazy("Hastenings received"), TIMES, gettext_lazy(
        "Hastening notices the unit received (merged reminders count once).")),
    "disputes_upheld_against": (gettext_lazy("Disputes refused"), COUNT, gettext_lazy(
        "Disputes the unit raised that the office refused: the matter was the unit's.")),
    "rework": (gettext_lazy("Sent back for rework"), TIMES, gettext_lazy(
        "Completions the office sent back for rework.")),
    "commendations": (gettext_lazy("Leader commendations"), TIMES, gettext_lazy(
        "Commendations of city leaders entered for the period.")),
    "satisfaction": (gettext_lazy("Requester satisfaction"), RATE, gettext_lazy(
        "Satisfied ratings (very satisfied, satisfied, basically satisfied) ÷ ratings.")),
}  # fmt: skip
# Measure words (件, 天, 次): a context keeps them apart from "matter" and "day" elsewhere.
PER = {
    COUNT: pgettext_lazy("measure word", "matter"),
    DAYS: pgettext_lazy("measure word", "day"),
    TIMES: pgettext_lazy("measure word", "time"),
}


def indicator(code: str) -> Indicator:
    label, measure, meaning = INDICATORS.get(code, (code, COUNT, ""))
    return Indicator(code, str(label), measure, str(meaning))


def indicators() -> list[Indicator]:
    """Every indicator a scheme may price, in the order pages list them."""
    return [indicator(code) for code in INDICATORS if code in known_indicators()]


def number(value: float | int | Decimal | None) -> str:
    """12 → "12", 33.30 → "33.3", None → "—"."""
    if value is None:
        return "—"
    amount = Decimal(str(value)).quantize(Decimal("0.01")) + 0  # + 0 turns −0 into 0
    text = f"{amount:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def figure_text(code: str, value: float | int | None) -> str:
    """A figure with its measure: 2 件, 19 天, 33.3%, or 'nothing to measure'."""
    info = indicator(code)
    if value is None:
        return _("nothing to measure") if info.measure == RATE else "—"
    if info.measure == RATE:
        return f"{number(value)}%"
    return _("%(n)s %(per)s(s)") % {"n": number(value), "per": PER[info.measure]}


def rule_text(rule: dict | None, code: str) -> str:
    """What a rule of the scheme does, in words."""
    if rule is None:
        return _("not scored (for reference)")
    if "weight" in rule:
        return _("weight %(w)s points × the rate") % {"w": number(rule["weight"])}
    points, per = rule["points"], PER.get(indicator(code).measure, PER[COUNT])
    if points < 0:
        return _("deducts %(p)s point(s) per %(per)s") % {"p": number(-points), "per": per}
    return _("adds %(p)s point(s) per %(per)s") % {"p": number(points), "per": per}


def working(rule: dict | None, value: float | int | None, points: float | None) -> str:
    """The arithmetic behind the points: 2 × (−1) = −2, 33.3% × 20 = 6.66."""
    if rule is None or points is None:
        return ""
    if value is None:
        return _("no data: 0")
    if "weight" in rule:
        return f"{number(value)}% × {number(rule['weight'])} = {signed(points)}"
    return f"{number(value)} × ({signed(rule['points'])}) = {signed(points)}"


def signed(value: float | int | Decimal | None) -> str:
    if value is None:
        return ""
    text = number(value)
    return text if text.startswith("-") or text == "0" else f"+{text}"


@dataclass
class Line:
    """One line of an explained scorecard."""

    code: str
    label: str
    meaning: str
    figure: str
    rule: str
    working: str
    points: str
    has_matters: bool = False


def scheme_lines(scheme: Scheme) -> list[Line]:
    """A scheme's rules in words, every indicator listed (unpriced ones as reference)."""
    rules = {r["indicator"]: r for r in scheme.rules}
    return [
        Line(i.code, i.label, i.meaning, "", rule_text(rules.get(i.code), i.code), "", "")
        for i in indicators()
    ]


@dataclass
class Explained:
    """A scorecard in words: the base, each scored indicator, each manual item, the total."""

    card: Scorecard
    base: str
    scored: list[Line]
    reference: list[Line]
    items: list[Adjustment]
    total: str
    place: str


def explain(card: Scorecard, items: list[Adjustment], group_size: int) -> Explained:
    """Every point of the card with the rule behind it (`items`: the unit's live items)."""
    rules = {r["indicator"]: r for r in card.period.scheme.rules}
    scored, reference = [], []
    for info in indicators():
        value, rule = card.figures.get(info.code), rules.get(info.code)
        points = card.points.get(info.code)
        line = Line(
            info.code,
            info.label,
            info.meaning,
            figure_text(info.code, value),
            rule_text(rule, info.code),
            working(rule, value, points),
            signed(points) if rule is not None else "",
            bool(card.matter_ids.get(info.code)),
        )
        (scored if rule is not None else reference).append(line)
    return Explained(
        card,
        number(card.period.scheme.base),
        scored,
        reference,
        [i for i in items if i.kind != AdjustmentKind.COMMENDATION],
        number(card.score),
        place_text(card, group_size),
    )


def place_text(card: Scorecard, group_size: int) -> str:
    place = _("rank %(rank)s of %(n)s") % {"rank": card.rank, "n": group_size}
    if card.rank_change is None:
        return place
    if card.rank_change > 0:
        return place + _(", up %(n)s on the last period") % {"n": card.rank_change}
    if card.rank_change < 0:
        return place + _(", down %(n)s on the last period") % {"n": -card.rank_change}
    return place + _(", as in the last period")


def event_text(event) -> str:
    """What an EvaluationEvent did, in words (the page never shows its raw data)."""
    data, parts = event.data or {}, []
    if event.kind == "period.computed":
        parts.append(
            _("%(n)s scorecard(s), events up to %(day)s")
            % {"n": data.get("cards", 0), "day": data.get("until", "")}
        )
    if event.kind == "period.closed" and data.get("early"):
        parts.append(_("closed before the period ended"))
    if event.kind in ("adjustment.added", "adjustment.withdrawn") and event.unit is not None:
        points = signed(data.get("points")) if data.get("kind") != "commendation" else ""
        parts.append(f"{event.unit.name} {points}".strip())
    if event.kind == "scheme.published":
        parts.append(_("version %(n)s") % {"n": data.get("version")})
    if data.get("review_voided"):
        parts.append(_("the review no longer holds: review again"))
    return "；".join(str(p) for p in parts)
