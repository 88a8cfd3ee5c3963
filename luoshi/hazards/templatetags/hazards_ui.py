"""Badges of the hazard register and its cockpit panel.

Labels and colours come from hazards.models (LEVEL_COLOURS, STATUS_COLOURS,
WARNING_COLOURS), declared once there.
"""

from __future__ import annotations

from django import template
from django.utils.html import format_html
from django.utils.translation import gettext as _

from luoshi.hazards import queries
from luoshi.hazards.models import (
    LEVEL_COLOURS,
    STATUS_COLOURS,
    WARNING_COLOURS,
    Hazard,
    HazardLevel,
    HazardWarning,
)

register = template.Library()


@register.simple_tag
def level_badge(hazard: Hazard) -> str:
    level = HazardLevel(hazard.level)
    return format_html(
        '<span class="badge {} level" data-level="{}">{}</span>',
        LEVEL_COLOURS[level],
        level.value,
        level.label,
    )


@register.simple_tag
def status_badge(hazard: Hazard) -> str:
    status = hazard.status
    overdue = (
        format_html(' <span class="badge red">{}</span>', _("Overdue")) if hazard.overdue else ""
    )
    return format_html(
        '<span class="badge {}" data-status="{}">{}</span>{}',
        STATUS_COLOURS[status],
        status.value,
        status.label,
        overdue,
    )


@register.simple_tag
def check_badge(hazard: Hazard) -> str:
    """The re-inspection warning, with its due date; nothing when none is near."""
    if hazard.warning == HazardWarning.NORMAL or hazard.reinspection_due is None:
        return ""
    warning = HazardWarning(hazard.warning)
    return format_html(
        '<span class="badge {}" title="{}">{}</span>',
        WARNING_COLOURS[warning],
        hazard.reinspection_due.isoformat(),
        warning.label,
    )


@register.inclusion_tag("hazards/partials/cockpit_panel.html", takes_context=True)
def hazard_panel(context) -> dict:
    """The register on the leaders' cockpit: figures by level, majors overdue (drill-down)."""
    return {"panel": queries.cockpit_panel(context["request"].user)}
