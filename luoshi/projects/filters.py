"""The one filter of the key project list: it drives the list page, the figures page,
the JSON list and figures, and the Excel ledger, so an export never builds its own query.

`ProjectFilter.from_params(request.GET)` parses and validates (`errors` names each
bad field); `apply(queryset)` filters a queryset that already went through
queries.visible_projects(user).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from luoshi.lib.numbers import is_id

from .models import Project, ProjectKind, ProjectLevel, ProjectStatus, Stage

CHOICES = {"kind": ProjectKind, "level": ProjectLevel, "stage": Stage, "status": ProjectStatus}
# Each parameter's name as the filter form labels it: an error names the field shown.
LABELS = {
    "district": gettext_lazy("District"),
    "unit": gettext_lazy("Responsible unit"),
    "kind": gettext_lazy("Project kind"),
    "level": gettext_lazy("Level"),
    "stage": gettext_lazy("Stage"),
    "status": gettext_lazy("Status"),
}
NOT_SIGNED = "none"  # the stage filter's value for projects before signing


@dataclass
class ProjectFilter:
    district: int | None = None
    unit: int | None = None
    kind: str = ""
    level: str = ""
    stage: str = ""
    status: str = ""
    q: str = ""
    errors: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_params(cls, params: Mapping) -> ProjectFilter:
        found = cls()
        for name in ("district", "unit"):
            raw = str(params.get(name) or "").strip()
            if is_id(raw):
                setattr(found, name, int(raw))
            elif raw:
                found.errors[name] = f"{LABELS[name]}：{_('Choose a unit from the list.')}"
        for name, choices in CHOICES.items():
            raw = str(params.get(name) or "").strip()
            if raw and not (raw in choices.values or (name == "stage" and raw == NOT_SIGNED)):
                refusal = _("%(value)s is not a valid choice.") % {"value": raw[:40]}
                found.errors[name] = f"{LABELS[name]}：{refusal}"
            else:
                setattr(found, name, raw)
        found.q = str(params.get("q") or "").strip()[:100]
        return found

    def apply(self, queryset: QuerySet[Project]) -> QuerySet[Project]:
        conditions = {
            "district_id": self.district,
            "responsible_unit_id": self.unit,
            "kind": self.kind,
            "level": self.level,
            "status": self.status,
        }
        queryset = queryset.filter(**{k: v for k, v in conditions.items() if v})
        if self.stage:
            queryset = queryset.filter(stage="" if self.stage == NOT_SIGNED else self.stage)
        if self.q:
            text = Q(name__icontains=self.q) | Q(code__icontains=self.q)
            queryset = queryset.filter(text | Q(owner_name__icontains=self.q))
        return queryset

    def as_params(self) -> dict[str, str]:
        names = ("district", "unit", "kind", "level", "stage", "status", "q")
        return {n: str(getattr(self, n)) for n in names if getattr(self, n)}
