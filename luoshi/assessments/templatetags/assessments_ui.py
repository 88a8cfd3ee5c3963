"""Stars and badges of the ratings; colours declared once in assessments.models."""

from __future__ import annotations

from django import template
from django.utils.html import format_html
from django.utils.translation import gettext as _

from luoshi.assessments.models import Assessment, AssessmentState
from luoshi.assessments.models.cycle import STATE_COLOURS

register = template.Library()


@register.simple_tag
def stars(count: int | None, out_of: int = 5) -> str:
    """★★★☆☆ with its number for screen readers; a dash when not rated."""
    if count is None:
        return format_html('<span class="muted">{}</span>', _("not rated"))
    count = max(0, min(int(count), out_of))
    return format_html(
        '<span class="stars" aria-label="{}"><span aria-hidden="true">{}{}</span></span>',
        _("%(n)s of %(total)s") % {"n": count, "total": out_of},
        "★" * count,
        "☆" * (out_of - count),
    )


@register.simple_tag
def assessment_badge(assessment: Assessment) -> str:
    state = AssessmentState(assessment.state)
    return format_html(
        '<span class="badge {}" data-state="{}">{}</span>',
        STATE_COLOURS[state],
        state.value,
        state.label,
    )
