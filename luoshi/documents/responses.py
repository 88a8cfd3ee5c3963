"""The files documents serves, built once for the pages and the API alike."""

from __future__ import annotations

from collections.abc import Mapping

from django.contrib.auth.models import AnonymousUser, User
from django.http import FileResponse, HttpResponse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _

from luoshi.lib.errors import InvalidInput, NotFound
from luoshi.matters.filters import MatterFilter
from luoshi.matters.models import Matter

from .ledger import build_ledger
from .models import Bulletin

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def ledger_file(user: User | AnonymousUser, params: Mapping) -> HttpResponse:
    """The ledger of the list the user filtered, as the matter list shows it.

    An unreadable filter is refused (InvalidInput naming the first bad parameter).
    """
    matter_filter = MatterFilter.from_params(params)
    if not matter_filter.is_valid:
        field, message = next(iter(matter_filter.errors.items()))
        raise InvalidInput(message, field=field)
    queryset = matter_filter.apply(Matter.objects.visible_to(user))
    response = HttpResponse(build_ledger(queryset), content_type=XLSX)
    response["Content-Disposition"] = content_disposition_header(
        True, f"督查督办台账-{timezone.localdate():%Y%m%d}.xlsx"
    )
    return response


def bulletin_file(bulletin: Bulletin) -> FileResponse:
    """The issued bulletin's .docx; NotFound while it is a draft."""
    if not bulletin.file:
        raise NotFound(_("This bulletin has not been issued yet."))
    name = f"督查通报{bulletin.number_label}.docx"
    return FileResponse(
        bulletin.file.open("rb"), as_attachment=True, filename=name, content_type=DOCX
    )
