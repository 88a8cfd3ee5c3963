"""督办事项: the list of matters, driven by the one MatterFilter; its export; bulk hasten."""

from __future__ import annotations

import csv

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect
from django.urls import NoReverseMatch, reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from luoshi.lib.cells import csv_text
from luoshi.lib.errors import DomainError
from luoshi.lib.numbers import is_id
from luoshi.org.access import access_for
from luoshi.org.queries import picked_unit

from .. import services
from ..counts import list_count
from ..filters import ORDERINGS, MatterFilter, as_shown, searched
from ..models import Matter, MatterKind, MatterWarning, Source, State
from ..paging import PageRequest, keyset, read_page
from ..permissions import may_hasten
from ._common import leaders, render_page

PAGE_SIZE = 25
SORTABLE = {
    "serial": gettext_lazy("Serial"),
    "deadline": gettext_lazy("Deadline"),
    "progress": gettext_lazy("Progress"),
}


# What `start=` jumps to in each ordering (its leading column), for the jump field.
JUMPS = {
    "deadline": ("date", gettext_lazy("Jump to deadline")),
    "updated_at": ("date", gettext_lazy("Jump to update day")),
    "progress": ("number", gettext_lazy("Jump to progress %")),
    "serial_year": ("text", gettext_lazy("Jump to serial (2025-123)")),
}


def _ledger_url(params: dict) -> str | None:
    """The documents app's office ledger for the same filter, once that app provides it."""
    try:
        base = reverse("documents:ledger")
    except NoReverseMatch:
        return None
    return f"{base}?{urlencode(params)}"


@login_required
def matter_list(request: HttpRequest) -> HttpResponse:
    mfilter = MatterFilter.from_params(request.GET)
    wanted = PageRequest.from_params(request.GET, mfilter)
    visible = Matter.objects.visible_to(request.user)
    access = access_for(request.user)
    rows = mfilter.apply(visible).select_related("lead_unit", "responsible_leader")
    count = list_count(mfilter, mfilter.apply(visible, ordered=False), access)
    rows = searched(mfilter, rows, count.total)
    page = read_page(rows, wanted, count, PAGE_SIZE, mfilter.ordering)
    params = mfilter.as_params()
    context = {
        "filter": mfilter,
        "page_obj": page,
        "count": count,
        "page_errors": wanted.errors,
        "facets": count.facets,
        "jump": JUMPS[keyset(mfilter.ordering)[0][0]],
        "jump_value": request.GET.get("start", ""),
        "jump_params": sorted(params.items()),
        "params": urlencode(params),
        "export_url": f"{reverse('matters:export')}?{urlencode(params)}",
        "ledger_url": _ledger_url(params),
        # The unit picker searches as the user types (org:search): only the chosen unit.
        "unit_chosen": picked_unit(mfilter.unit, mfilter.errors, label=_("Unit")),
        "leaders": leaders() if access.sees_everything else [],
        "states": State.choices,
        "warnings": MatterWarning.choices,
        "kinds": MatterKind.choices,
        "sources": Source.choices,
        "sortable": _sort_links(mfilter),
        "can_hasten": may_hasten(access),
    }
    return render_page(
        request, "matters/matter_list.html", "matters/partials/list_body.html", context
    )


def _sort_links(mfilter: MatterFilter) -> list[tuple[str, str, str]]:
    """(label, ordering to link to, current direction) for each sortable column."""
    links = []
    for key, label in SORTABLE.items():
        current = (
            "asc" if mfilter.ordering == key else "desc" if mfilter.ordering == f"-{key}" else ""
        )
        target = f"-{key}" if current == "asc" else key
        links.append((label, target if target in ORDERINGS else key, current))
    return links


EXPORT_COLUMNS = [
    ("serial", gettext_lazy("Serial")),
    ("title", gettext_lazy("Title")),
    ("state", gettext_lazy("State")),
    ("warning", gettext_lazy("Warning")),
    ("lead_unit", gettext_lazy("Lead unit")),
    ("deadline", gettext_lazy("Deadline")),
    ("progress", gettext_lazy("Progress %")),
    ("source", gettext_lazy("Source")),
]


class _Echo:
    def write(self, value: str) -> str:
        return value


@login_required
def matter_export(request: HttpRequest) -> StreamingHttpResponse:
    """The current filter as CSV (UTF-8 with BOM so that WPS/Excel read the Chinese)."""
    mfilter = MatterFilter.from_params(request.GET)
    rows = mfilter.apply(Matter.objects.visible_to(request.user)).select_related("lead_unit")
    writer = csv.writer(_Echo())
    # A list as of a past day shows the state, warning and deadline of that day.
    headings = [str(label) for _key, label in EXPORT_COLUMNS]
    if mfilter.as_of:
        headings[2:4] = [f"{h}（{mfilter.as_of:%Y-%m-%d}）" for h in headings[2:4]]

    def lines():
        yield "\ufeff" + writer.writerow(headings)
        for row in rows.iterator(chunk_size=500):
            m = as_shown(row)
            yield writer.writerow(
                [m.serial, csv_text(m.title), m.get_state_display(), m.get_warning_display(),
                 csv_text(str(m.lead_unit or "")), m.deadline or "", m.progress,
                 m.get_source_display()]
            )  # fmt: skip

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="matters.csv"'
    return response


@require_POST
@login_required
def bulk_hasten(request: HttpRequest) -> HttpResponse:
    """Hasten each chosen matter through the service; report how many went and why not."""
    if not may_hasten(access_for(request.user)):
        raise PermissionDenied(_("Only the office's supervisors may hasten matters."))
    ids = [int(i) for i in request.POST.getlist("ids") if is_id(i)]
    matters = Matter.objects.visible_to(request.user).filter(pk__in=ids)
    done, refused = 0, []
    for matter in matters:
        try:
            services.hasten_matter(
                matter, actor=request.user, message=request.POST.get("message", "")
            )
            done += 1
        except DomainError as error:
            refused.append(f"{matter.serial}: {error.message}")
    if done:
        messages.success(request, _("%(n)s matter(s) hastened.") % {"n": done})
    for line in refused:
        messages.error(request, line)
    if not ids:
        messages.error(request, _("Choose at least one matter to hasten."))
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = reverse("matters:list")
    return redirect(target)
