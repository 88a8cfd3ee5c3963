"""The one filter of assessment lists: the cycle page and the JSON list use it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from luoshi.lib.numbers import is_id

from .models import Assessment, AssessmentState


@dataclass
class AssessmentFilter:
    cycle: int | None = None
    unit: int | None = None
    reviewing_unit: int | None = None
    template: int | None = None
    state: list[str] = field(default_factory=list)
    errors: dict[str, str] = field(default_factory=dict)

    NUMBERS = ("cycle", "unit", "reviewing_unit", "template")

    @classmethod
    def from_params(cls, params: Mapping) -> AssessmentFilter:
        f = cls()
        for name in cls.NUMBERS:
            value = (params.get(name) or "").strip()
            if not value:
                continue
            if not is_id(value):
                f.errors[name] = _("%(field)s must be a number.") % {"field": name}
                continue
            setattr(f, name, int(value))
        states = [s for s in (params.get("state") or "").split(",") if s.strip()]
        bad = [s for s in states if s not in AssessmentState.values]
        if bad:
            f.errors["state"] = _("Unknown %(field)s: %(values)s") % {
                "field": "state",
                "values": ", ".join(bad),
            }
        f.state = [s for s in states if s in AssessmentState.values]
        return f

    @property
    def is_valid(self) -> bool:
        return not self.errors

    def apply(self, queryset: QuerySet[Assessment]) -> QuerySet[Assessment]:
        for name, column in (
            ("cycle", "cycle_id"),
            ("unit", "unit_id"),
            ("reviewing_unit", "reviewing_unit_id"),
            ("template", "cycle__template_id"),
        ):
            if getattr(self, name) is not None:
                queryset = queryset.filter(**{column: getattr(self, name)})
        if self.state:
            queryset = queryset.filter(state__in=self.state)
        return queryset.order_by("-cycle__period_end", "unit__path")
