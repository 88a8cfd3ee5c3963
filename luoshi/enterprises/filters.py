"""The filters of enterprise service lists: each drives its page and the JSON list alike
(same search, same fields).

`from_params(request.GET or the API's query)` parses and validates (`errors` names
each bad field); `apply(queryset)` filters a queryset that already went through
queries.visible_enterprises(user) / visible_problems(user).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from luoshi.lib.numbers import id_or_none, is_id
from luoshi.matters.models import RUNNING_STATES, State

from .models import (
    Enterprise,
    EnterpriseProblem,
    EnterpriseSize,
    ProblemCategory,
    Tier,
    WhitelistEntry,
)


def _text(params: Mapping, name: str, limit: int = 100) -> str:
    return str(params.get(name) or "").strip()[:limit]


def _number(params: Mapping, name: str, errors: dict[str, str]) -> int | None:
    raw = _text(params, name)
    if raw and not is_id(raw):
        errors[name] = _("Choose from the list.")
    return id_or_none(raw)


def _choice(params: Mapping, name: str, values, errors: dict[str, str]) -> str:
    raw = _text(params, name)
    if raw and raw not in values:
        errors[name] = _("%(value)s is not a valid choice.") % {"value": raw[:40]}
        return ""
    return raw


@dataclass
class EnterpriseFilter:
    """The enterprise list: name or credit code, district, industry, size, whitelisted."""

    q: str = ""
    district: int | None = None
    industry: str = ""
    size: str = ""
    whitelisted: bool = False
    errors: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_params(cls, params: Mapping) -> EnterpriseFilter:
        found = cls()
        found.q = _text(params, "q")
        found.district = _number(params, "district", found.errors)
        found.industry = _text(params, "industry")
        found.size = _choice(params, "size", EnterpriseSize.values, found.errors)
        found.whitelisted = _text(params, "whitelisted").lower() in ("1", "true", "on", "yes")
        return found

    def apply(self, queryset: QuerySet[Enterprise]) -> QuerySet[Enterprise]:
        if self.q:
            text = Q(name__icontains=self.q) | Q(credit_code__icontains=self.q.upper())
            queryset = queryset.filter(text)
        if self.district:
            queryset = queryset.filter(district_id=self.district)
        if self.industry:
            queryset = queryset.filter(industry__icontains=self.industry)
        if self.size:
            queryset = queryset.filter(size=self.size)
        if self.whitelisted:
            today = timezone.localdate()
            live = WhitelistEntry.objects.filter(
                enterprise=OuterRef("pk"),
                valid_from__lte=today,
                valid_to__gte=today,
                revoked_at__isnull=True,
            )
            queryset = queryset.filter(Exists(live))
        return queryset

    def as_params(self) -> dict[str, str]:
        found = {n: str(getattr(self, n)) for n in ("q", "district", "industry", "size")}
        found = {k: v for k, v in found.items() if v and v != "None"}
        return {**found, "whitelisted": "1"} if self.whitelisted else found


# What the counters of the problem pages link to: ?show=<key>.
SHOW = {
    "to_transfer": Q(matter__isnull=True),
    "open": Q(matter__state__in=sorted(RUNNING_STATES)),
    "to_rate": Q(matter__state=State.COMPLETED, rating=""),
    "unsatisfied": Q(matter__state=State.COMPLETED) & ~Q(rating=""),
}


@dataclass
class ProblemFilter:
    """The problem list: which step (show), enterprise, category, tier, text."""

    show: str = ""
    enterprise: int | None = None
    category: str = ""
    tier: str = ""
    q: str = ""
    errors: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_params(cls, params: Mapping) -> ProblemFilter:
        found = cls()
        found.show = _choice(params, "show", SHOW, found.errors)
        found.enterprise = _number(params, "enterprise", found.errors)
        found.category = _choice(params, "category", ProblemCategory.values, found.errors)
        found.tier = _choice(params, "tier", Tier.values, found.errors)
        found.q = _text(params, "q")
        return found

    def apply(self, queryset: QuerySet[EnterpriseProblem]) -> QuerySet[EnterpriseProblem]:
        if self.show:
            queryset = queryset.filter(SHOW[self.show])
        conditions = {"enterprise_id": self.enterprise, "category": self.category}
        queryset = queryset.filter(**{k: v for k, v in conditions.items() if v})
        if self.tier:
            queryset = queryset.filter(tier=self.tier)
        if self.q:
            text = Q(title__icontains=self.q) | Q(enterprise__name__icontains=self.q)
            queryset = queryset.filter(text)
        return queryset.order_by("-received_at")
