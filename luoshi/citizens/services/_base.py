"""What every citizen service shares: the lock with a version check, the event row."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User
from django.utils.translation import gettext as _

from luoshi.lib.errors import InvalidInput
from luoshi.lib.eventlog import bump_and_save, lock_for_change
from luoshi.lib.text import visible_text

from ..models import CitizenEvent, CitizenRequest


def lock(request: CitizenRequest | int, version: int | None) -> CitizenRequest:
    """Re-read the request under a row lock; refuse if it changed since the caller read it."""
    pk = request if isinstance(request, int) else request.pk
    current = None if isinstance(request, int) else request.version
    return lock_for_change(
        CitizenRequest.objects.select_related("matter", "matter__lead_unit", "category"),
        pk,
        version,
        current=current,
        describe=lambda fresh: fresh.work_order_number,
    )


# Saved by record(); `replied_state` is the reply listener's own (services.replies writes
# it with an UPDATE while a service holds an older copy of the row).
SAVED_FIELDS = [
    f.name
    for f in CitizenRequest._meta.concrete_fields
    if not f.primary_key and f.name not in ("replied_state", "version")
]


def record(
    request: CitizenRequest,
    kind: str,
    actor: User | None,
    *,
    comment: str = "",
    data: dict[str, Any] | None = None,
    bump: bool = True,
    request_key: str = "",
) -> CitizenEvent:
    """Save the request (version + 1 unless `bump` is False) and append its event row
    (with the key of the form that asked for it, see luoshi.lib.requestkeys)."""
    if bump:
        bump_and_save(request, update_fields=SAVED_FIELDS)
    return CitizenEvent.objects.create(
        request=request,
        kind=kind,
        actor=actor,
        comment=comment,
        data=data or {},
        request_key=request_key,
    )


def require_text(value: str | None, field: str, label: str, limit: int = 2000) -> str:
    text = visible_text(value)  # control characters out, invisible-only refused
    if not text:
        raise InvalidInput(_("%(field)s is required.") % {"field": label}, field=field)
    if len(text) > limit:
        raise InvalidInput(
            _("%(field)s is longer than %(n)s characters.") % {"field": label, "n": limit},
            field=field,
        )
    return text


def choice(value: str, choices, field: str, label: str) -> str:
    if value not in choices.values:
        raise InvalidInput(_("Choose a %(field)s from the list.") % {"field": label}, field=field)
    return value
