"""Every operation that changes evaluation data: publish a scheme, open and close a
period, add a bonus/penalty item, compute the scorecards.

Scoring (compute_scorecards):
1. Take the window of the period that has passed (start … min(end, today)).
2. Compute every indicator for every evaluated unit (evaluation.indicators).
3. Score = scheme base + Σ rule points + Σ manual bonus/penalty points.
4. Rank within each group (the unit's kind: departments apart from districts); equal
   scores share a rank (1, 1, 3).
5. Rank change = rank in the previous period of the same kind − rank now (+ moved up).
A closed period is never recomputed: its scorecards are the frozen snapshot.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from luoshi.lib.errors import IllegalTransition, InvalidInput, NotAllowed
from luoshi.org.access import access_for
from luoshi.org.models import Unit, UnitKind

from .indicators import Figure, Window, compute, known_indicators
from .models import Adjustment, AdjustmentKind, Period, PeriodKind, PeriodState, Scheme, Scorecard

DEFAULT_RULES = [
    {"indicator": "overdue_matters", "points": -1},
    {"indicator": "rework", "points": -2},
    {"indicator": "disputes_upheld_against", "points": -1},
    {"indicator": "commendations", "points": 1},
]
DEFAULT_KINDS = [UnitKind.DEPARTMENT, UnitKind.DISTRICT]


def require_supervisor(actor: User) -> None:
    access = access_for(actor)
    if not (access.is_office):
        raise NotAllowed(_("Only supervisors configure and close the evaluation."))


def validate_rules(rules: list[dict]) -> list[dict]:
    """Each rule names a known indicator and either `points` (per unit) or `weight` (rate)."""
    known = set(known_indicators())
    clean = []
    for number, rule in enumerate(rules, start=1):
        name = rule.get("indicator") if isinstance(rule, dict) else None
        if name not in known:
            raise InvalidInput(
                _("Rule %(n)s: unknown indicator %(name)s.") % {"n": number, "name": name},
                field="rules",
            )
        keys = {"points", "weight"} & set(rule)
        if len(keys) != 1:
            raise InvalidInput(
                _("Rule %(n)s: give either points or weight.") % {"n": number}, field="rules"
            )
        key = keys.pop()
        try:
            value = float(rule[key])
        except (TypeError, ValueError):
            raise InvalidInput(
                _("Rule %(n)s: %(key)s must be a number.") % {"n": number, "key": key},
                field="rules",
            ) from None
        clean.append({"indicator": name, key: value})
    return clean


@transaction.atomic
def publish_scheme(
    *,
    actor: User,
    name: str,
    rules: list[dict] | None = None,
    base: Decimal | int = 100,
    unit_kinds: list[str] | None = None,
    honour_count: int = 3,
) -> Scheme:
    """Publish a new version of the scheme `name`; earlier versions stay as they were."""
    require_supervisor(actor)
    if not (name or "").strip():
        raise InvalidInput(_("The scheme needs a name."), field="name")
    kinds = unit_kinds or list(DEFAULT_KINDS)
    if bad := [k for k in kinds if k not in UnitKind.values]:
        raise InvalidInput(_("Unknown kind of unit: %(k)s") % {"k": bad[0]}, field="unit_kinds")
    last = Scheme.objects.select_for_update().filter(name=name).order_by("-version").first()
    return Scheme.objects.create(
        name=name.strip(),
        version=(last.version + 1) if last else 1,
        base=Decimal(base),
        rules=validate_rules(DEFAULT_RULES if rules is None else rules),
        unit_kinds=kinds,
        honour_count=honour_count,
        published_by=actor,
    )


def period_bounds(kind: str, year: int, number: int = 1) -> tuple[dt.date, dt.date]:
    """First and last day of month `number`, quarter `number`, or the year."""
    if kind == PeriodKind.MONTH and 1 <= number <= 12:
        first_month, months = number, 1
    elif kind == PeriodKind.QUARTER and 1 <= number <= 4:
        first_month, months = 3 * number - 2, 3
    elif kind == PeriodKind.YEAR:
        first_month, months = 1, 12
    else:
        raise InvalidInput(_("No such period: %(k)s %(n)s") % {"k": kind, "n": number}, "number")
    start = dt.date(year, first_month, 1)
    after = first_month + months
    end = dt.date(year + (after > 12), (after - 1) % 12 + 1, 1) - dt.timedelta(1)
    return start, end


@transaction.atomic
def open_period(
    *, actor: User, kind: str, year: int, number: int = 1, scheme: Scheme | None = None
) -> Period:
    """Open a period under a scheme version (default: the newest version published)."""
    require_supervisor(actor)
    start, end = period_bounds(kind, year, number)
    scheme = scheme or Scheme.objects.order_by("-published_at", "-pk").first()
    if scheme is None:
        raise InvalidInput(_("Publish an evaluation scheme first."), field="scheme")
    if Period.objects.filter(kind=kind, start=start).exists():
        raise InvalidInput(_("This period is already open."), field="number")
    return Period.objects.create(kind=kind, start=start, end=end, scheme=scheme)


@transaction.atomic
def add_adjustment(
    period: Period,
    *,
    actor: User,
    unit: Unit,
    kind: str,
    reason: str,
    points: Decimal | int = 0,
    matter=None,
) -> Adjustment:
    """A manual item: a leader's commendation, or a bonus/penalty with its reason."""
    require_supervisor(actor)
    if period.is_closed:
        raise IllegalTransition(_("The period is closed; its results are frozen."))
    if kind not in AdjustmentKind.values:
        raise InvalidInput(_("Unknown kind of item: %(k)s") % {"k": kind}, field="kind")
    if not (reason or "").strip():
        raise InvalidInput(_("Give the reason for the item."), field="reason")
    points = Decimal(0) if kind == AdjustmentKind.COMMENDATION else Decimal(points)
    if (kind == AdjustmentKind.BONUS and points <= 0) or (
        kind == AdjustmentKind.PENALTY and points >= 0
    ):
        raise InvalidInput(_("A bonus adds and a penalty deducts points."), field="points")
    return Adjustment.objects.create(
        period=period,
        unit=unit,
        kind=kind,
        points=points,
        reason=reason.strip(),
        matter=matter,
        created_by=actor,
    )


def rule_points(rule: dict, figure: Figure) -> Decimal:
    if figure.value is None:
        return Decimal(0)
    if "weight" in rule:
        return Decimal(str(rule["weight"])) * Decimal(str(figure.value)) / 100
    return Decimal(str(rule["points"])) * Decimal(str(figure.value))


def evaluated_units(scheme: Scheme) -> list[Unit]:
    return list(Unit.objects.filter(kind__in=scheme.unit_kinds, is_active=True))


def competition_ranks(scores: list[tuple[int, Decimal]]) -> dict[int, int]:
    """unit → rank, highest score first; equal scores share a rank (1, 1, 3)."""
    ordered = sorted(scores, key=lambda pair: -pair[1])
    ranks: dict[int, int] = {}
    for index, (unit, score) in enumerate(ordered):
        previous = ordered[index - 1] if index else None
        ranks[unit] = ranks[previous[0]] if previous and previous[1] == score else index + 1
    return ranks


def previous_period(period: Period) -> Period | None:
    return (
        Period.objects.filter(kind=period.kind, start__lt=period.start).order_by("-start").first()
    )


def compute_scorecards(period: Period, today: dt.date | None = None) -> list[Scorecard]:
    """The period's scorecards: stored ones if closed, else recomputed and stored."""
    if period.is_closed:
        return list(period.scorecards.select_related("unit"))
    with transaction.atomic():
        return _compute(period, today)


def _compute(period: Period, today: dt.date | None) -> list[Scorecard]:
    scheme, units = period.scheme, evaluated_units(period.scheme)
    figures = compute(Window.of(period, today), [u.pk for u in units])
    manual = _manual_points(period)
    cards = []
    for unit in units:
        points = {
            r["indicator"]: rule_points(r, figures[unit.pk][r["indicator"]]) for r in scheme.rules
        }
        score = scheme.base + sum(points.values(), Decimal(0)) + manual.get(unit.pk, Decimal(0))
        cards.append(_card(period, unit, score, figures[unit.pk], points, manual.get(unit.pk)))
    _rank(period, cards)
    Scorecard.objects.bulk_create(  # an open period's provisional rows are overwritten
        cards,
        update_conflicts=True,
        unique_fields=["period", "unit"],
        update_fields=[
            "group",
            "score",
            "rank",
            "rank_change",
            "figures",
            "points",
            "matter_ids",
            "computed_at",
        ],
    )
    return list(period.scorecards.select_related("unit"))


def _manual_points(period: Period) -> dict[int, Decimal]:
    totals: dict[int, Decimal] = {}
    for unit, points in period.adjustments.exclude(kind=AdjustmentKind.COMMENDATION).values_list(
        "unit_id", "points"
    ):
        totals[unit] = totals.get(unit, Decimal(0)) + points
    return totals


def _card(period, unit, score, figures, points, manual) -> Scorecard:
    shown_points = {k: float(v) for k, v in points.items()}
    if manual:
        shown_points["manual"] = float(manual)
    return Scorecard(
        period=period,
        unit=unit,
        group=unit.kind,
        score=score.quantize(Decimal("0.01")),
        rank=0,
        figures={name: f.value for name, f in figures.items()},
        points=shown_points,
        matter_ids={name: f.matter_ids for name, f in figures.items() if f.matter_ids},
        computed_at=timezone.now(),
    )


def _rank(period: Period, cards: list[Scorecard]) -> None:
    before = previous_period(period)
    old = dict(before.scorecards.values_list("unit_id", "rank")) if before else {}
    for group in {c.group for c in cards}:
        members = [c for c in cards if c.group == group]
        ranks = competition_ranks([(c.unit_id, c.score) for c in members])
        for card in members:
            card.rank = ranks[card.unit_id]
            card.rank_change = old[card.unit_id] - card.rank if card.unit_id in old else None


@transaction.atomic
def close_period(period: Period, *, actor: User, today: dt.date | None = None) -> Period:
    """Compute the final scorecards and freeze them: later events no longer change them."""
    require_supervisor(actor)
    period = Period.objects.select_for_update().get(pk=period.pk)
    if period.is_closed:
        raise IllegalTransition(_("The period is already closed."))
    _compute(period, today)
    period.state, period.closed_at, period.closed_by = PeriodState.CLOSED, timezone.now(), actor
    period.save(update_fields=["state", "closed_at", "closed_by"])
    return period
