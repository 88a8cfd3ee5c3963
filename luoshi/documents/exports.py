"""The ledger's export: at once when it is short, in the background when it is long.

`ledger_queryset` is the one query behind every ledger (the page, the API, the background
task): the user's visible matters through MatterFilter, in the order asked for or else in
the order of the imported tables. A ledger longer than LUOSHI["LEDGER_INTERACTIVE_ROWS"]
becomes a LedgerExport: `request_export` records it and queues `tasks.build_ledger_export`
after commit; `build_export` writes the file and tells the requester, whose exports page
offers the download. Only the requester reads an export.
"""

from __future__ import annotations

import logging
import tempfile
from collections.abc import Mapping

from django.conf import settings
from django.contrib.auth.models import AnonymousUser, User
from django.core.files import File
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from luoshi.lib.errors import InvalidInput, NotFound
from luoshi.matters.filters import ORDERINGS, MatterFilter
from luoshi.matters.models import Matter
from luoshi.notifications.models import NotificationKind
from luoshi.notifications.services import notify

from .ledger import describe_filter, in_original_order, write_ledger
from .models import ExportState, LedgerExport

log = logging.getLogger(__name__)


def interactive_limit() -> int:
    return int(settings.LUOSHI.get("LEDGER_INTERACTIVE_ROWS", 2000))


def plain_params(params: Mapping) -> dict[str, list[str]]:
    """Query parameters as a JSON-storable dict of lists (a QueryDict or a plain dict)."""
    if hasattr(params, "lists"):
        return {key: list(values) for key, values in params.lists()}
    return {key: list(v) if isinstance(v, list | tuple) else [str(v)] for key, v in params.items()}


def parse_filter(params: Mapping) -> MatterFilter:
    """The filter of a ledger request; refused, naming the field, when it does not parse."""
    matter_filter = MatterFilter.from_params(params)
    if not matter_filter.is_valid:
        field = next(iter(matter_filter.errors))
        raise InvalidInput("; ".join(matter_filter.errors.values()), field=field)
    return matter_filter


def ledger_queryset(user: User, matter_filter: MatterFilter, params: Mapping) -> QuerySet[Matter]:
    """The matters of a ledger, ordered as asked or else as their tables were."""
    queryset = matter_filter.apply(Matter.objects.visible_to(user), ordered=False)
    if "ordering" in params and matter_filter.ordering in ORDERINGS:
        return queryset.order_by(*ORDERINGS[matter_filter.ordering])
    return in_original_order(queryset)


@transaction.atomic
def request_export(*, actor: User, params: Mapping) -> LedgerExport:
    """Record a background export of the filtered ledger; it is built after commit."""
    from .tasks import build_ledger_export

    matter_filter = parse_filter(params)
    export = LedgerExport.objects.create(
        requested_by=actor,
        params=plain_params(params),
        filter_text=describe_filter(matter_filter)[:500],
    )
    transaction.on_commit(lambda: build_ledger_export.enqueue(export.pk))
    return export


def build_export(export_id: int) -> LedgerExport:
    """Write a pending export's file with its requester's visibility, then tell them."""
    export = LedgerExport.objects.select_related("requested_by").get(pk=export_id)
    if export.state != ExportState.PENDING:
        return export  # a task run twice builds once
    try:
        _write(export)
    except Exception as error:  # the export fails, not the worker: the user is told
        log.exception("Ledger export %s failed", export.pk)
        export.state, export.error = ExportState.FAILED, str(error)[:300]
        export.finished_at = timezone.now()
        export.save(update_fields=["state", "error", "finished_at"])
        text = _("The ledger export you asked for could not be prepared. Try again later.")
    else:
        text = _("The ledger you asked for (%(n)s matters) is ready: download it from Exports.")
        text %= {"n": export.row_count}
    notify([export.requested_by_id], kind=NotificationKind.EXPORT, text=text)
    return export


def _write(export: LedgerExport) -> None:
    params = export.params
    matter_filter = parse_filter(params)
    queryset = ledger_queryset(export.requested_by, matter_filter, params)
    with tempfile.TemporaryFile() as out:
        export.row_count = write_ledger(
            queryset,
            out,
            filter_text=export.filter_text,
            as_of=matter_filter.as_of,
            since=matter_filter.since,
        )
        out.seek(0)
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
        export.file.save(f"ledger-{export.pk}-{stamp}.xlsx", File(out), save=False)
    export.state, export.finished_at = ExportState.READY, timezone.now()
    export.save()


# --- Reads ------------------------------------------------------------------------------------


def exports_for(user: User | AnonymousUser) -> QuerySet[LedgerExport]:
    """A user's own exports: built with their visibility, so never anyone else's."""
    if not user.is_authenticated:
        return LedgerExport.objects.none()
    return LedgerExport.objects.filter(requested_by=user)


def get_export_for_user(user: User | AnonymousUser, pk: int) -> LedgerExport:
    export = exports_for(user).filter(pk=pk).first()
    if export is None:
        raise NotFound(_("Export %(pk)s does not exist or is not yours.") % {"pk": pk})
    return export
