"""The matters panel of a unit's page (org.panels): its open matters and counters."""

from __future__ import annotations

from django.db.models import Exists, OuterRef
from django.http import HttpRequest

from luoshi.org.models import Unit
from luoshi.org.panels import Panel

from ..models import OPEN_STATES, Matter, MatterUnit
from ..queries import unit_summary

UNIT_LIST_SIZE = 50


def unit_panel(request: HttpRequest, unit: Unit) -> Panel:
    """The unit's open matters the user may see, with open, overdue and hastened counts."""
    held = Exists(MatterUnit.objects.filter(matter=OuterRef("pk"), unit_id=unit.pk, active=True))
    matters = (
        Matter.objects.visible_to(request.user)
        .filter(held, state__in=sorted(OPEN_STATES))
        .select_related("lead_unit")
        .order_by("deadline", "id")[:UNIT_LIST_SIZE]
    )
    summary = unit_summary(request.user, unit.pk)
    # The unit's own parts: a unit with units below says so (its head's desk counts them all).
    below = Unit.objects.filter(parent=unit.pk).exists()
    context = {"unit": unit, "summary": summary, "matters": matters, "below": below}
    return Panel("matters/partials/unit_panel.html", context)
