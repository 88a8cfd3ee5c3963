"""Computing a period's scorecards.

Scoring (_compute):
1. Take the window of the period that has passed (start … min(end, today)).
2. Compute every indicator for every evaluated unit (evaluation.indicators).
3. Score (_score) = scheme base + Σ rule points + Σ manual bonus/penalty points.
4. Rank within each group (the unit's kind: departments apart from districts); equal
   scores share a rank (1, 1, 3).
5. Rank change = rank in the previous period of the same kind − rank now (+ moved up).
A manual item re-scores its unit at once (rescore: steps 3–5, its group only).
A reviewed or closed period is never recomputed by the nightly refresh; a closed
one never at all: its scorecards are the frozen snapshot.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from luoshi.lib.errors import IllegalTransition
from luoshi.org.access import access_for
from luoshi.org.models import Unit

from .. import permissions
from ..indicators import Figure, Window, commendations, compute
from ..models import (
    AdjustmentKind,
    EvaluationEventKind,
    Period,
    PeriodState,
    Scheme,
    Scorecard,
)
from ._base import lock_period, record

CARD_FIELDS = ["group", "score", "rank", "rank_change", "figures", "points", "matter_ids"]


def rule_points(rule: dict, value: float | int | None) -> Decimal:
    """Points of one rule for one figure: per unit (`points`) or weight × rate / 100."""
    if value is None:
        return Decimal(0)
    if "weight" in rule:
        return Decimal(str(rule["weight"])) * Decimal(str(value)) / 100
    return Decimal(str(rule["points"])) * Decimal(str(value))


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


@transaction.atomic
def compute_period(
    period: Period, *, actor: User | None, version: int | None, today: dt.date | None = None
) -> list[Scorecard]:
    """Recompute an open (or reviewed) period's provisional results.

    Recomputing a reviewed period changes what was reviewed: it goes back to open.
    `actor` None is the nightly refresh (`luoshi evaluate`), which only the system runs.
    """
    if actor is not None:
        permissions.check("compute", access_for(actor))
    period = lock_period(period, version, system=actor is None)
    if period.is_closed:
        raise IllegalTransition(_("The period is closed; its results are frozen."))
    voided = period.is_reviewed
    cards = _compute(period, today)
    period.state, period.computed_at = PeriodState.OPEN, timezone.now()
    data = {"cards": len(cards), "until": Window.of(period, today).last.isoformat()}
    if voided:
        data["review_voided"] = True
    record(EvaluationEventKind.PERIOD_COMPUTED, actor, period=period, data=data)
    return cards


def compute_scorecards(period: Period, today: dt.date | None = None) -> list[Scorecard]:
    """The nightly refresh: an open period recomputed; a reviewed or closed one as it stands."""
    if period.state != PeriodState.OPEN:
        return list(period.scorecards.select_related("unit"))
    return compute_period(period, actor=None, version=None, today=today)


def _compute(period: Period, today: dt.date | None) -> list[Scorecard]:
    units = evaluated_units(period.scheme)
    figures = compute(Window.of(period, today), [u.pk for u in units])
    now = timezone.now()
    cards = [
        Scorecard(
            period=period,
            unit=unit,
            group=unit.kind,
            score=Decimal(0),
            rank=0,
            figures={name: f.value for name, f in figures[unit.pk].items()},
            matter_ids={name: f.matter_ids for name, f in figures[unit.pk].items() if f.matter_ids},
            computed_at=now,
        )
        for unit in units
    ]
    _score(period, cards)
    Scorecard.objects.bulk_create(  # an open period's provisional rows are overwritten
        cards,
        update_conflicts=True,
        unique_fields=["period", "unit"],
        update_fields=[*CARD_FIELDS, "computed_at"],
    )
    return list(period.scorecards.select_related("unit"))


def rescore(period: Period, unit_id: int) -> None:
    """Steps 3–5 again after one of a unit's items was added or withdrawn.

    Only that unit's score can change (from its stored figures; commendations, the one
    figure made of items, is re-read), and only its group's ranks: the group is re-ranked
    and only the cards whose place changed are written.
    """
    group = list(
        period.scorecards.filter(
            group__in=period.scorecards.filter(unit_id=unit_id).values("group")
        )
    )
    mine = next((c for c in group if c.unit_id == unit_id), None)
    if mine is None:  # not computed yet, or a unit the scheme does not rank
        return
    figure = commendations(Window.of(period), [unit_id]).get(unit_id, Figure(0, []))
    mine.figures["commendations"] = figure.value
    if figure.matter_ids:
        mine.matter_ids["commendations"] = figure.matter_ids
    else:
        mine.matter_ids.pop("commendations", None)
    _points(period.scheme, mine, _manual_points(period, unit_id).get(unit_id, Decimal(0)))
    before = {c.pk: (c.rank, c.rank_change) for c in group}
    _rank(period, group)
    changed = [c for c in group if c is mine or before[c.pk] != (c.rank, c.rank_change)]
    Scorecard.objects.bulk_update(changed, CARD_FIELDS)


def _score(period: Period, cards: list[Scorecard]) -> None:
    manual = _manual_points(period)
    for card in cards:
        _points(period.scheme, card, manual.get(card.unit_id, Decimal(0)))
    _rank(period, cards)


def _points(scheme: Scheme, card: Scorecard, extra: Decimal) -> None:
    """The card's points per rule, and its score: base + rules + manual items."""
    points = {
        r["indicator"]: rule_points(r, card.figures.get(r["indicator"])) for r in scheme.rules
    }
    card.score = (scheme.base + sum(points.values(), Decimal(0)) + extra).quantize(Decimal("0.01"))
    card.points = {k: float(v) for k, v in points.items()}
    if extra:
        card.points["manual"] = float(extra)


def _manual_points(period: Period, unit_id: int | None = None) -> dict[int, Decimal]:
    totals: dict[int, Decimal] = {}
    items = period.adjustments.filter(withdrawn_at__isnull=True).exclude(
        kind=AdjustmentKind.COMMENDATION
    )
    if unit_id is not None:
        items = items.filter(unit_id=unit_id)
    for unit, points in items.values_list("unit_id", "points"):
        totals[unit] = totals.get(unit, Decimal(0)) + points
    return totals


def _rank(period: Period, cards: list[Scorecard]) -> None:
    before = previous_period(period)
    old = dict(before.scorecards.values_list("unit_id", "rank")) if before else {}
    for group in {c.group for c in cards}:
        members = [c for c in cards if c.group == group]
        ranks = competition_ranks([(c.unit_id, c.score) for c in members])
        for card in members:
            card.rank = ranks[card.unit_id]
            card.rank_change = old[card.unit_id] - card.rank if card.unit_id in old else None
