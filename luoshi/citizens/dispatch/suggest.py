"""Dispatch suggestions at intake: the top 3 categories and units, with calibrated scores.

From the trained model when there is one (store.current); otherwise, and for any
head the model lacks, from the office's category table: keyword hits suggest the
categories (the cold start), each category's default unit suggests the units.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from luoshi.org.models import Unit

from ..models import Category
from . import store


@dataclass
class Scored:
    key: int
    name: str
    score: float


@dataclass
class Suggestions:
    categories: list[Scored] = field(default_factory=list)
    units: list[Scored] = field(default_factory=list)
    source: str = "table"  # "model", or "table" (keywords and the category → unit table)


def suggest(text: str, n: int = 3) -> Suggestions:
    """The n most likely categories and units for a request's text."""
    text = (text or "").strip()
    if not text:
        return Suggestions()
    bundle = store.current()
    ranked = bundle.top(text, n) if bundle is not None else {}
    categories = _named(Category, ranked.get("category", []))
    source = "model" if categories else "table"
    if not categories:
        categories = _by_keywords(text, n)
    units = _named(Unit, ranked.get("unit", []))
    if not units:
        units = _from_table(categories)
    else:
        source = "model"
    return Suggestions(categories=categories[:n], units=units[:n], source=source)


def _named(model, pairs: list[tuple[Any, float]]) -> list[Scored]:
    # The keys are the classifier's labels: row ids as numpy integers (no types there).
    """Scored rows for (id, score) pairs, dropping ids archived since training."""
    if not pairs:
        return []
    ids = [int(key) for key, _ in pairs]
    names = dict(model.objects.filter(pk__in=ids, is_active=True).values_list("pk", "name"))
    return [Scored(int(k), names[int(k)], round(s, 3)) for k, s in pairs if int(k) in names]


def _by_keywords(text: str, n: int) -> list[Scored]:
    hits = []
    for category in Category.objects.filter(is_active=True):
        count = sum(text.count(word) for word in category.keyword_list())
        if count:
            hits.append((count, category))
    total = sum(count for count, _ in hits)
    hits.sort(key=lambda pair: (-pair[0], pair[1].order))
    return [Scored(c.pk, c.name, round(count / total, 3)) for count, c in hits[:n]]


def _from_table(categories: list[Scored]) -> list[Scored]:
    """Each suggested category's default unit, with the category's score."""
    defaults = dict(
        Category.objects.filter(
            pk__in=[c.key for c in categories], default_unit__is_active=True
        ).values_list("pk", "default_unit_id")
    )
    names = dict(Unit.objects.filter(pk__in=defaults.values()).values_list("pk", "name"))
    units: dict[int, Scored] = {}
    for category in categories:
        unit = defaults.get(category.key)
        if unit and unit not in units:
            units[unit] = Scored(unit, names[unit], category.score)
    return list(units.values())
