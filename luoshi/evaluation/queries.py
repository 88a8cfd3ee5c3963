"""Reads of evaluation results: rankings by group, honour roll and lagging list, a unit's
scorecards explained, the matters behind a figure (through Matter.objects.visible_to),
and a period's items and events. Who may read what is evaluation.permissions'."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from types import SimpleNamespace

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from luoshi.lib.errors import NotFound
from luoshi.matters.models import Matter
from luoshi.org.access import access_for
from luoshi.org.models import UnitKind

from . import permissions
from .explain import Explained, event_text, explain, figure_text, indicator, rule_text
from .models import Adjustment, EvaluationEvent, Period, Scheme, Scorecard


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

    @property
    def link(self) -> str:
        return f"/evaluation/scorecards/{self.pk}/"


@dataclass
class GroupRanking:
    group: str
    label: str
    cards: list[Place]
    honour_roll: list[Place]
    lagging_list: list[Place]
    hidden: int = 0  # places left out of `cards` between its top and its bottom
    shown_top: int = 0

    def trimmed(self, limit: int, longer_than: int) -> GroupRanking:
        """The first and last `limit` places of a group `longer_than` that (a page stays
        readable)."""
        if len(self.cards) <= max(longer_than, 2 * limit):
            return self
        cards = self.cards[:limit] + self.cards[-limit:]
        hidden = len(self.cards) - len(cards)
        return GroupRanking(
            self.group, self.label, cards, self.honour_roll, self.lagging_list, hidden, limit
        )


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


def get_period(pk: int) -> Period:
    period = Period.objects.select_related("scheme", "closed_by", "reviewed_by").filter(pk=pk)
    found = period.first()
    if found is None:
        raise NotFound(_("Evaluation period %(pk)s does not exist.") % {"pk": pk})
    return found


def get_scheme(pk: int) -> Scheme:
    scheme = Scheme.objects.select_related("published_by").filter(pk=pk).first()
    if scheme is None:
        raise NotFound(_("Evaluation scheme %(pk)s does not exist.") % {"pk": pk})
    return scheme


def latest_version(scheme: Scheme) -> int:
    """The newest version published under the scheme's name."""
    versions = Scheme.objects.filter(name=scheme.name).order_by("-version")
    return versions.values_list("version", flat=True).first() or scheme.version


def visible_scorecards(user: User | AnonymousUser) -> QuerySet[Scorecard]:
    """Every scorecard for leaders and the office; a unit's own (and below) for others."""
    access = access_for(user)
    if access.user_id is None:
        return Scorecard.objects.none()
    if permissions.may_read_rankings(access):
        return Scorecard.objects.all()
    return Scorecard.objects.filter(unit_id__in=sorted(access.visible_units))


def scorecard_for_user(user: User | AnonymousUser, pk: int) -> Scorecard:
    """A scorecard its unit (and the units above it) or an overseer may read."""
    card = Scorecard.objects.select_related("unit", "period__scheme").filter(pk=pk).first()
    access = access_for(user)
    if card is None or access.user_id is None:
        raise NotFound(_("Scorecard %(pk)s does not exist.") % {"pk": pk})
    permissions.require_scorecard(access, card.unit_id)
    return card


def live_items(period: Period, unit_id: int | None = None) -> QuerySet[Adjustment]:
    """The period's items not withdrawn (of one unit, if given)."""
    items = period.adjustments.filter(withdrawn_at__isnull=True).select_related("created_by")
    return items.filter(unit_id=unit_id) if unit_id is not None else items


def explained_card(card: Scorecard) -> Explained:
    """The scorecard with every point explained (three queries)."""
    size = Scorecard.objects.filter(period_id=card.period_id, group=card.group).count()
    return explain(card, list(live_items(card.period, card.unit_id).order_by("id")), size)


@dataclass
class EventLine:
    """An event as the history shows it: the row, and what it did in words."""

    event: EvaluationEvent
    text: str


def period_events(period: Period) -> list[EventLine]:
    """The period's events, newest first, each with the words saying what it did."""
    events = period.events.select_related("actor", "unit").order_by("-at", "-id")
    return [EventLine(event, event_text(event)) for event in events]


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
    """A scorecard as JSON: each figure in words, its rule, and the matters behind it."""
    rules = {r["indicator"]: r for r in card.period.scheme.rules}
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
                "label": indicator(name).label,
                "value": value,
                "text": figure_text(name, value),
                "rule": rule_text(rules.get(name), name),
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
        "state_label": str(period.get_state_display()),
        "scheme": str(period.scheme),
        "scheme_id": period.scheme_id,
        "version": period.version,
        "computed_at": period.computed_at.isoformat() if period.computed_at else None,
        "reviewed_at": period.reviewed_at.isoformat() if period.reviewed_at else None,
        "closed_at": period.closed_at.isoformat() if period.closed_at else None,
        "link": f"/evaluation/periods/{period.pk}/",
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
