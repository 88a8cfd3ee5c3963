"""The supervisor desk's reminder that next year's holiday schedule is still missing."""

from __future__ import annotations

from django import template

from luoshi.org.access import access_for

from ..calendar import next_year_schedule_missing

register = template.Library()


@register.inclusion_tag("workcalendar/partials/schedule_warning.html", takes_context=True)
def schedule_warning(context) -> dict:
    """From 1 November, for the office only: no query for anyone else or before then."""
    user = context["request"].user
    year = next_year_schedule_missing() if access_for(user).is_office else None
    return {"year": year}
