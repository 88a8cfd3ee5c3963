"""The 四保 whitelist: entries added, renewed, revoked, and marked expired by the scan."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _

from luoshi.lib.errors import IllegalTransition, InvalidInput
from luoshi.org.access import access_for

from .. import permissions
from ..models import Enterprise, EnterpriseEvent, EnterpriseEventKind, Guarantee, WhitelistEntry
from ._base import lock, record, require_choice, require_text


def _check_period(valid_from: dt.date | None, valid_to: dt.date | None) -> None:
    if valid_from is None or valid_to is None or valid_to < valid_from:
        raise InvalidInput(_("The validity must end on or after it begins."), field="valid_to")


def _subjects(entry: WhitelistEntry) -> dict:
    return {"whitelist_entry": entry, "enterprise": entry.enterprise}


@transaction.atomic
def add_to_whitelist(
    *,
    actor: User,
    guarantee: str,
    valid_from: dt.date | None,
    valid_to: dt.date | None,
    enterprise: Enterprise | None = None,
    project=None,
) -> WhitelistEntry:
    """Put an enterprise or a project on the 四保 whitelist; the actor approves it."""
    permissions.require_approve_whitelist(access_for(actor))
    require_choice(guarantee, Guarantee, "guarantee")
    if (enterprise is None) == (project is None):
        raise InvalidInput(_("Name either an enterprise or a project."), field="enterprise")
    _check_period(valid_from, valid_to)
    entry = WhitelistEntry.objects.create(
        enterprise=enterprise,
        project=project,
        guarantee=guarantee,
        valid_from=valid_from,
        valid_to=valid_to,
        approved_by=actor,
    )
    data = {"guarantee": guarantee, "from": valid_from.isoformat(), "to": valid_to.isoformat()}
    if project is not None:
        data["project"] = project.pk
    record(EnterpriseEventKind.WHITELIST_ADDED, actor, data=data, **_subjects(entry))
    return entry


def _lock_live(entry: WhitelistEntry, version: int | None) -> WhitelistEntry:
    entry = lock(entry, version, describe=lambda e: str(e))
    if entry.revoked_at is not None:
        raise IllegalTransition(_("This whitelist entry was revoked."))
    return entry


@transaction.atomic
def renew_whitelist_entry(
    entry: WhitelistEntry, *, actor: User, version: int | None, valid_to: dt.date | None
) -> WhitelistEntry:
    """Extend (or shorten) an entry's validity; the event keeps the old end."""
    permissions.require_approve_whitelist(access_for(actor))
    entry = _lock_live(entry, version)
    _check_period(entry.valid_from, valid_to)
    if valid_to < timezone.localdate():
        raise InvalidInput(_("A renewed entry must still be valid today."), field="valid_to")
    old = entry.valid_to
    entry.valid_to = valid_to
    data = {"from": old.isoformat(), "to": valid_to.isoformat()}
    record(EnterpriseEventKind.WHITELIST_RENEWED, actor, bump=entry, data=data, **_subjects(entry))
    return entry


@transaction.atomic
def revoke_whitelist_entry(
    entry: WhitelistEntry, *, actor: User, version: int | None, reason: str
) -> WhitelistEntry:
    """Take an entry off the whitelist before its end (撤销), with the reason."""
    permissions.require_approve_whitelist(access_for(actor))
    reason = require_text(reason, "reason", _("Reason"))
    entry = _lock_live(entry, version)
    entry.revoked_at = timezone.now()
    record(
        EnterpriseEventKind.WHITELIST_REVOKED,
        actor,
        bump=entry,
        comment=reason,
        **_subjects(entry),
    )
    return entry


def record_expired_entries(today: dt.date) -> int:
    """Append an `expired` event for each entry whose period ended before today (once).

    Run by the daily scan: one query finds them, one bulk insert records them.
    """
    recorded = EnterpriseEvent.objects.filter(
        whitelist_entry=OuterRef("pk"), kind=EnterpriseEventKind.WHITELIST_EXPIRED
    )
    due = WhitelistEntry.objects.filter(valid_to__lt=today, revoked_at__isnull=True).exclude(
        Exists(recorded)
    )
    events = [
        EnterpriseEvent(
            kind=EnterpriseEventKind.WHITELIST_EXPIRED,
            whitelist_entry_id=entry.pk,
            enterprise_id=entry.enterprise_id,
            data={"to": entry.valid_to.isoformat()},
        )
        for entry in due.only("pk", "enterprise_id", "valid_to")
    ]
    EnterpriseEvent.objects.bulk_create(events)
    return len(events)
