"""Reads of the hazard register. Every view, API call, export and figure starts here.

Visibility: the office and leaders read the whole register; a unit reads the hazards
it found, rectifies or verifies, and those located in its territory (its own unit, or
a unit below one it heads) — a street sees its villages' hazards.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from luoshi.lib.errors import NotFound
from luoshi.matters.models import MatterWarning, State
from luoshi.org.access import access_for
from luoshi.org.models import Unit

from .models import (
    LEVEL_ORDER,
    Hazard,
    HazardCategory,
    HazardEvent,
    HazardLevel,
    HazardStatus,
    HazardWarning,
)


def visible_hazards(user: User | AnonymousUser) -> QuerySet[Hazard]:
    """Hazards `user` may read (see the module docstring)."""
    access = access_for(user)
    if access.user_id is None:
        return Hazard.objects.none()
    if access.sees_everything:
        return Hazard.objects.all()
    units = sorted(access.visible_units)
    if not units:
        return Hazard.objects.none()
    return Hazard.objects.filter(
        Q(unit_id__in=units)
        | Q(found_by_unit_id__in=units)
        | Q(responsible_unit_id__in=units)
        | Q(verifying_unit_id__in=units)
    )


LIST_RELATED = ("category", "unit", "responsible_unit", "matter", "responsible_leader")


def get_hazard_for_user(user: User | AnonymousUser, pk: int) -> Hazard:
    """One visible hazard with what its page needs; NotFound if absent or not visible."""
    hazard = (
        visible_hazards(user)
        .select_related(*LIST_RELATED, "found_by_unit", "verifying_unit", "campaign", "relapse_of")
        .filter(pk=pk)
        .first()
    )
    if hazard is None:
        raise NotFound(_("Hazard %(pk)s does not exist or is not visible to you.") % {"pk": pk})
    return hazard


def status_q(status: str) -> Q:
    """The database condition of a status: Hazard.status written for a filter."""
    live = Q(withdrawn_at__isnull=True, closed_at__isnull=True)
    matter_withdrawn = Q(matter__state=State.WITHDRAWN)
    return {
        HazardStatus.REGISTERED: live & Q(matter__isnull=True),
        HazardStatus.RECTIFYING: live
        & Q(matter__isnull=False)
        & ~Q(matter__state__in=[State.COMPLETION_REQUESTED, State.WITHDRAWN]),
        HazardStatus.AWAITING_VERIFICATION: live & Q(matter__state=State.COMPLETION_REQUESTED),
        HazardStatus.CLOSED: Q(withdrawn_at__isnull=True, closed_at__isnull=False),
        HazardStatus.WITHDRAWN: Q(withdrawn_at__isnull=False) | (live & matter_withdrawn),
    }[HazardStatus(status)]


def open_q() -> Q:
    """Registered, being rectified or awaiting verification: the three open statuses at once
    (one condition for the planner rather than their OR)."""
    live = Q(withdrawn_at__isnull=True, closed_at__isnull=True)
    return live & (Q(matter__isnull=True) | ~Q(matter__state=State.WITHDRAWN))


def overdue_q() -> Q:
    return open_q() & Q(matter__warning=MatterWarning.OVERDUE)


def timeline(hazard: Hazard) -> QuerySet[HazardEvent]:
    return hazard.events.select_related("actor", "unit").order_by("at", "id")


def hazard_of_matter(user: User | AnonymousUser, matter_id: int) -> Hazard | None:
    return visible_hazards(user).filter(matter_id=matter_id).first()


# -- figures: open / overdue / awaiting verification / verified, by level, category, unit --


def hazards_link(**params) -> str:
    """/hazards/?… — the register filtered to the hazards behind a figure."""
    return "/hazards/?" + urlencode({k: v for k, v in params.items() if v not in (None, "")})


@dataclass
class FigureRow:
    key: object
    name: str
    open: int = 0
    overdue: int = 0
    awaiting: int = 0
    verified: int = 0
    total: int = 0
    links: dict[str, str] = field(default_factory=dict)


GROUPS = {"level": "level", "category": "category_id", "unit": "responsible_unit_id"}
FILTER_NAMES = {"level": "level", "category": "category", "unit": "unit"}


def figures(queryset: QuerySet[Hazard], *, by: str = "level") -> list[FigureRow]:
    """Counts of the (visible, filtered) hazards grouped by level, category or unit.

    One grouped query, plus one for the names of categories or units. Each count
    carries the link to the register filtered to it (drill-down).
    """
    column = GROUPS[by]
    rows = (
        queryset.order_by()
        .values(column)
        .annotate(
            open=Count("pk", filter=open_q()),
            overdue=Count("pk", filter=overdue_q()),
            awaiting=Count("pk", filter=status_q(HazardStatus.AWAITING_VERIFICATION)),
            verified=Count("pk", filter=status_q(HazardStatus.CLOSED)),
            total=Count("pk"),
        )
    )
    names = _names(by, [row[column] for row in rows])
    out = []
    for row in rows:
        key = row[column]
        figure = FigureRow(
            key=key,
            name=names.get(key, str(key)),
            **{name: row[name] for name in ("open", "overdue", "awaiting", "verified", "total")},
        )
        base = {FILTER_NAMES[by]: key}
        figure.links = {
            "open": hazards_link(**base, status="open"),
            "overdue": hazards_link(**base, overdue="1"),
            "awaiting": hazards_link(**base, status=HazardStatus.AWAITING_VERIFICATION),
            "verified": hazards_link(**base, status=HazardStatus.CLOSED),
            "total": hazards_link(**base),
        }
        out.append(figure)
    return sorted(out, key=_order(by))


def _names(by: str, keys: list) -> dict:
    if by == "level":
        return {k: str(HazardLevel(k).label) for k in keys}
    if by == "category":
        return dict(HazardCategory.objects.filter(pk__in=keys).values_list("pk", "name"))
    return dict(Unit.objects.filter(pk__in=keys).values_list("pk", "name"))


def _order(by: str):
    if by == "level":
        return lambda row: LEVEL_ORDER.index(row.key)
    return lambda row: (-row.open, -row.total, row.name)


def total_of(rows: list[FigureRow]) -> FigureRow:
    total = FigureRow(key=None, name=_("Total"))
    for row in rows:
        for name in ("open", "overdue", "awaiting", "verified", "total"):
            setattr(total, name, getattr(total, name) + getattr(row, name))
    total.links = {
        "open": hazards_link(status="open"),
        "overdue": hazards_link(overdue="1"),
        "awaiting": hazards_link(status=HazardStatus.AWAITING_VERIFICATION),
        "verified": hazards_link(status=HazardStatus.CLOSED),
        "total": hazards_link(),
    }
    return total


@dataclass
class CockpitPanel:
    """The hazard register on the leaders' cockpit: figures by level, majors overdue."""

    by_level: list[FigureRow]
    total: FigureRow
    majors_overdue: list[Hazard]
    reinspections_missed: int
    link: str = "/hazards/figures/"


def cockpit_panel(user: User | AnonymousUser, limit: int = 8) -> CockpitPanel:
    """Three queries: figures by level, the overdue major hazards, missed re-inspections."""
    visible = visible_hazards(user)
    rows = figures(visible, by="level")
    majors = (
        visible.filter(overdue_q(), level=HazardLevel.MAJOR)
        .select_related("matter", "responsible_leader", "responsible_unit")
        .order_by("matter__deadline", "pk")[:limit]
    )
    missed = visible.filter(warning=HazardWarning.REINSPECTION_MISSED).count()
    return CockpitPanel(rows, total_of(rows), list(majors), missed)


def due_checks(user: User | AnonymousUser, today: dt.date | None = None) -> QuerySet[Hazard]:
    """Re-inspections due soon or missed among the hazards `user` sees, soonest first."""
    today = today or timezone.localdate()
    return (
        visible_hazards(user)
        .exclude(warning=HazardWarning.NORMAL)
        .select_related(*LIST_RELATED)
        .order_by("reinspection_due", "pk")
    )
