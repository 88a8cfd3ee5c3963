"""What every matter service shares: locking with a version check, the event row, serials."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.contrib.auth.models import User
from django.db import connections, router, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from luoshi.lib.errors import InvalidInput
from luoshi.lib.eventlog import lock_for_change
from luoshi.lib.text import visible_text
from luoshi.org.access import Access, access_for
from luoshi.org.models import Unit
from luoshi.workcalendar.calendar import get_calendar

from .. import history, listeners, permissions
from ..models import EventKind, Matter, MatterEvent, Policy, SerialCounter, SourcePolicy


def today() -> dt.date:
    return timezone.localdate()


def lock(matter: Matter | int, version: int | None) -> Matter:
    """Re-read the matter under a row lock; refuse if it changed since the caller read it.

    `version` is what the user's form or API call saw; None means "the version of
    the object passed in" (commands and imports that just loaded it).
    """
    pk = matter if isinstance(matter, int) else matter.pk
    current = None if isinstance(matter, int) else matter.version
    return lock_for_change(
        Matter.objects.select_related("lead_unit"),
        pk,
        version,
        current=current,
        describe=lambda fresh: fresh.serial,
    )


def context(matter: Matter) -> permissions.Context:
    """Everything the permission checks need about this matter, read once."""
    return permissions.Context(
        matter=matter,
        parts=list(matter.parts.filter(active=True).select_related("unit")),
        today=today(),
        calendar=get_calendar(),
        policy=Policy.current(),
        requires_approval=SourcePolicy.for_source(matter.source).requires_leader_approval,
    )


def authorize(
    verb: str, actor: User, matter: Matter, **kwargs
) -> tuple[Access, permissions.Context]:
    access = access_for(actor)
    ctx = context(matter)
    permissions.check(verb, access, ctx, **kwargs)
    return access, ctx


def record(
    matter: Matter,
    kind: EventKind,
    actor: User | None,
    *,
    from_state: str,
    unit: Unit | None = None,
    comment: str = "",
    data: Mapping[str, Any] | None = None,
    bump: bool = True,
    request_key: str = "",
    created: bool = False,
) -> MatterEvent:
    """Save the matter (version + 1 unless `bump` is False) and append its event row
    (with the key of the request that asked for it, see luoshi.lib.requestkeys).

    `created`: the matter was inserted in this transaction (registration), so it has no
    standing and no event yet: neither is looked up (history.sync_created, and the
    event starts its chain: AppendOnlyModel.starts_chain).
    """
    if bump:
        matter.version += 1
        matter.save()
    if created:
        history.sync_created(matter)
    else:
        history.sync([matter.pk])  # its standing day by day, and the cockpit's counts
    listeners.matter_changed(matter.pk, matter.kind)  # other followers, same transaction
    event = MatterEvent(
        matter=matter,
        kind=kind,
        actor=actor,
        unit=unit,
        from_state=from_state,
        to_state=matter.state,
        comment=comment,
        data=dict(data or {}),
        request_key=request_key,
    )
    if created:
        event.starts_chain()
    event.save(force_insert=True)
    return event


def next_serial(series: str, year: int) -> int:
    """The next number of a yearly series, taken under a row lock.

    The lock lasts to the end of the caller's transaction (so numbers have no gaps) and
    every concurrent registration queues on it: one UPDATE … RETURNING takes the number
    in a single round trip (SQLite ≥ 3.35, PostgreSQL); the year's first makes the row.
    """
    alias = router.db_for_write(SerialCounter)
    quote = connections[alias].ops.quote_name
    with connections[alias].cursor() as cursor:
        cursor.execute(
            f"UPDATE {quote(SerialCounter._meta.db_table)} SET {quote('last')} = "
            f"{quote('last')} + 1 WHERE {quote('series')} = %s AND {quote('year')} = %s "
            f"RETURNING {quote('last')}",
            [series, year],
        )
        taken = cursor.fetchone()
    if taken is not None:
        return int(taken[0])
    with transaction.atomic(using=alias):
        counter, _created = SerialCounter.objects.select_for_update().get_or_create(
            series=series, year=year
        )
        counter.last += 1
        counter.save(update_fields=["last"])
        return counter.last


def require_text(value: str | None, field: str, label: str) -> str:
    text = visible_text(value)  # control characters out, invisible-only refused
    if not text:
        raise InvalidInput(_("%(field)s is required.") % {"field": label}, field=field)
    return text


def require_percent(value: int, field: str = "percent") -> int:
    if value is None or not 0 <= int(value) <= 100:
        raise InvalidInput(_("Progress must be a whole number from 0 to 100."), field=field)
    return int(value)
