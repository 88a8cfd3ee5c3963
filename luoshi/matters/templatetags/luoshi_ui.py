"""Small template helpers shared by every page: badges, the header counters, form fields.

Colours and labels come from matters.models.choices (declared once there).
"""

from __future__ import annotations

from django import template
from django.utils import timezone, translation
from django.utils.html import format_html
from django.utils.translation import gettext as _

from luoshi.matters.filters import as_shown
from luoshi.matters.models import OPEN_STATES, WARNING_COLOURS, Matter, MatterWarning, State
from luoshi.notifications.models import Notification
from luoshi.org.access import access_for

register = template.Library()


# A list renders a badge or two per row: each distinct badge is built once per language
# and kept (a handful of states × warnings × colours), not formatted and translated
# again for every row (docs/benchmarks.md: the matter list's rendering, issue 15).
_BADGES: dict[tuple, str] = {}


def _badge(kind: str, code: str, colour: str = "") -> str:
    key = (translation.get_language(), kind, code, colour)
    badge = _BADGES.get(key)
    if badge is None:
        if kind == "state":
            badge = format_html(
                '<span class="badge state" data-state="{}">{}</span>', code, State(code).label
            )
        else:
            badge = format_html(
                '<span class="badge {}"><span class="dot {}" aria-hidden="true"></span>{}</span>',
                colour,
                colour,
                MatterWarning(code).label,
            )
        _BADGES[key] = badge
    return badge


@register.simple_tag
def warning_badge(matter: Matter) -> str:
    """The warning of an open matter as a coloured badge; nothing for finished ones."""
    if matter.state not in OPEN_STATES:
        return ""
    return _badge("warning", matter.warning, matter.warning_colour(today=timezone.localdate()))


@register.simple_tag
def deadline_label(matter: Matter) -> str:
    """The deadline as every page shows it: the date, 持续推进 for an ongoing matter, a
    mark when the date is provisional (counted before the year's holiday schedule)."""
    if matter.ongoing:
        return format_html('<span class="badge ongoing">{}</span>', _("Ongoing"))
    if matter.deadline is None:
        return "—"
    if matter.deadline_provisional:
        return format_html(
            '{} <span class="badge provisional" title="{}">{}</span>',
            matter.deadline.isoformat(),
            _("Counted before the official holiday schedule of the year was published"),
            _("provisional"),
        )
    return matter.deadline.isoformat()


@register.filter
def shown(matter: Matter) -> Matter:
    """A row of a list "as of" a past day, as it stood then (matters.filters.as_shown)."""
    return as_shown(matter)


@register.simple_tag
def standing_badges(state: str | None, warning: str | None) -> str:
    """A state and, when open, its warning, from stored codes (a standing of a past day)."""
    if not state:
        return format_html('<span class="muted">{}</span>', _("not yet registered"))
    badge = format_html(
        '<span class="badge state" data-state="{}">{}</span>', state, State(state).label
    )
    if state not in OPEN_STATES or not warning:
        return badge
    colour = WARNING_COLOURS[MatterWarning(warning)]
    return format_html(
        '{} <span class="badge {}">{}</span>', badge, colour, MatterWarning(warning).label
    )


@register.simple_tag
def state_badge(matter: Matter) -> str:
    return _badge("state", matter.state)


@register.inclusion_tag("matters/partials/nav_badges.html", takes_context=True)
def nav_badges(context, oob: bool = False) -> dict:
    """The unread count in the header; `oob` for htmx out-of-band swaps after an action."""
    user = context["request"].user
    unread = 0
    if user.is_authenticated:
        unread = Notification.objects.filter(
            user=user, read_at__isnull=True, done_at__isnull=True
        ).count()
    return {"unread": unread, "oob": oob}


@register.inclusion_tag("matters/partials/field.html")
def field(bound_field, css: str = "") -> dict:
    return {"field": bound_field, "css": css}


@register.filter
def sees_the_city(user) -> bool:
    """Whether the user reads the whole city — leaders, supervisors, administrators — as
    the cockpit requires (cockpit.permissions.may_read_cockpit): the menu offers it to
    them only (a unit head followed it to a 403)."""
    return user.is_authenticated and access_for(user).sees_everything


@register.filter
def get_item(mapping, key):
    return mapping.get(key) if mapping else None


@register.filter
def person(user) -> str:
    """A user's full name, else the login name; a dash for none (system events)."""
    if user is None:
        return "—"
    return user.get_full_name() or user.get_username()


@register.simple_tag
def gloss(term: str) -> str:
    """The Chinese term beside a translated heading, for readers of another language only.

    Headings are written `{% translate "Bulletins" %}{% gloss "督查通报" %}`: a Chinese
    page shows 督查通报 once, an English page shows "Bulletins 督查通报".
    """
    if (translation.get_language() or "").startswith("zh"):
        return ""
    return format_html(' <span class="muted small" lang="zh">{}</span>', term)
