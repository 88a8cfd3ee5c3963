"""Reads of evaluation results: rankings by group, honour roll and lagging list, and the
matters behind a figure (through Matter.objects.visible_to)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from types import SimpleNamespace

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from luoshi.lib.errors import NotAllowed, NotFound
from luoshi.matters.models import Matter
from luoshi.org.access import access_for
from luoshi.org.models import UnitKind

from .models import Period, Scorecard


@dataclass
class Place:
    """A unit's place in a ranking (what a ranking shows of its scorecard)."""

    pk: int
    unit_id: int
    unit_name: str
    group: str
    score: Decimal
    rank: int
    rank_change: int | None

    @property
    def unit(self) -> SimpleNamespace:
        return SimpleNamespace(id=self.unit_id, pk=self.unit_id, name=self.unit_name)


@dataclass
class GroupRanking:
    group: str
    label: str
    cards: list[Place]
    honour_roll: list[Place]
    lagging_list: list[Place]


def require_overview(user: User | AnonymousUser) -> None:
    """Rankings of all units: leaders, supervisors and admins."""
    if not access_for(user).sees_everything:
        raise NotAllowed(_("Rankings are for leaders and supervisors."))


def ranking(period: Period) -> list[GroupRanking]:
    """Scorecards per group in rank order, with the top and bottom places of each."""
    rows = period.scorecards.order_by("group", "rank", "unit__order").values_list(
        "pk", "unit_id", "unit__name", "group", "score", "rank", "rank_change"
    )
    cards = [Place(*row) for row in rows]  # rows, not models: a ranking can be 30,000 long
    size = period.scheme.honour_count
    groups = []
    for group in dict.fromkeys(c.group for c in cards):
        members = [c for c in cards if c.group == group]
        honour = [c for c in members if c.rank <= size]
        lagging = [c for c in members if c.rank > max(len(members) - size, size)]
        label = UnitKind(group).label if group in UnitKind.values else group
        groups.append(GroupRanking(group, str(label), members, honour, lagging[::-1]))
    return groups


def scorecard_for_user(user: User | AnonymousUser, pk: int) -> Scorecard:
    """A scorecard its unit (and the units above it) or an overseer may read."""
    card = Scorecard.objects.select_related("unit", "period__scheme").filter(pk=pk).first()
    access = access_for(user)
    if card is None or access.user_id is None:
        raise NotFound(_("Scorecard %(pk)s does not exist.") % {"pk": pk})
    if not (access.sees_everything or card.unit_id in access.visible_units):
        raise NotAllowed(_("A unit sees only its own scorecard."))
    return card


def matters_behind(user: User | AnonymousUser, card: Scorecard, indicator: str) -> QuerySet[Matter]:
    """The matters behind one figure of a scorecard, as far as the user may see them."""
    ids = card.matter_ids.get(indicator, [])
    return (
        Matter.objects.visible_to(user)
        .filter(pk__in=ids)
        .select_related("lead_unit")
        .order_by("deadline", "pk")
    )


def latest_period(kind: str | None = None) -> Period | None:
    periods = Period.objects.select_related("scheme").order_by("-start", "kind")
    if kind:
        periods = periods.filter(kind=kind)
    return periods.first()


def rank_row(card: Place) -> dict:
    """A scorecard's place in the ranking (its figures are on the scorecard itself)."""
    return {
        "id": card.pk,
        "unit": {"id": card.unit_id, "name": card.unit_name},
        "group": card.group,
        "score": float(card.score),
        "rank": card.rank,
        "rank_change": card.rank_change,
        "link": f"/evaluation/scorecards/{card.pk}/",
    }


def card_data(card: Scorecard) -> dict:
    """A scorecard as JSON: each figure with the link to the matters behind it."""
    return {
        "id": card.pk,
        "unit": {"id": card.unit_id, "name": card.unit.name},
        "group": card.group,
        "score": float(card.score),
        "rank": card.rank,
        "rank_change": card.rank_change,
        "link": f"/evaluation/scorecards/{card.pk}/",
        "figures": {
            name: {
                "value": value,
                "points": card.points.get(name),
                "link": f"/evaluation/scorecards/{card.pk}/matters/{name}/"
                if card.matter_ids.get(name)
                else None,
            }
            for name, value in card.figures.items()
        },
        "manual": card.points.get("manual"),
    }


def period_data(period: Period) -> dict:
    return {
        "id": period.pk,
        "label": period.label,
        "kind": period.kind,
        "start": period.start.isoformat(),
        "end": period.end.isoformat(),
        "state": period.state,
        "scheme": str(period.scheme),
    }


def _ends(cards: list[Place], limit: int | None) -> list[Scorecard]:
    """The first and last `limit` places (all of them without a limit)."""
    if limit is None or len(cards) <= 2 * limit:
        return cards
    return cards[:limit] + cards[-limit:]


def ranking_data(period: Period, limit: int | None = None) -> dict:
    """The ranking as JSON; with `limit`, only the first and last places of each group."""
    return {
        "period": period_data(period),
        "groups": [
            {
                "group": g.group,
                "label": g.label,
                "size": len(g.cards),
                "cards": [rank_row(c) for c in _ends(g.cards, limit)],
                "honour_roll": [c.unit_id for c in g.honour_roll],
                "lagging_list": [c.unit_id for c in g.lagging_list],
            }
            for g in ranking(period)
        ],
    }


def latest_ranking_data(kind: str | None = None, limit: int | None = None) -> dict:
    """The ranking of the latest period that has scorecards (empty if none)."""
    periods = Period.objects.filter(scorecards__isnull=False).select_related("scheme").distinct()
    if kind:
        periods = periods.filter(kind=kind)
    period = periods.order_by("-start", "kind").first()
    return ranking_data(period, limit) if period else {"period": None, "groups": []}
