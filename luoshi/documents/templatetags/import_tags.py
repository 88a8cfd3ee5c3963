"""Template helpers of the import preview: a planned matter's time limit, a changed field."""

from django import template
from django.utils.translation import gettext_lazy as _

register = template.Library()

FIELD_LABELS = {
    "title": _("Title"),
    "content": _("Content"),
    "lead_unit": _("Lead unit"),
    "co_units": _("Co-units"),
    "responsible_leader": _("Responsible leader"),
    "deadline": _("Time limit"),
    "report_cycle": _("Report cycle"),
    "weight": _("Weight"),
}


@register.filter
def field_label(name: str) -> str:
    return str(FIELD_LABELS.get(name, name))


@register.filter
def time_limit(node: dict) -> str:
    """A planned matter's time limit as the ledger writes it: date, 持续推进, N 工作日."""
    if node.get("ongoing"):
        return "持续推进"
    if node.get("deadline"):
        return node["deadline"]
    if node.get("workdays"):
        return f"交办后{node['workdays']}个工作日内"
    return str(_("default time limit"))
