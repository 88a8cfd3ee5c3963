"""Kinds of matter closed by an on-site check (验收销号), not by the supervisor's review.

A hazard rectification (kind `hazard`) is closed only when someone other than the unit
that rectified it checks it on site. The app that owns the kind decides who may verify
and keeps the check's record (hazards.permissions, hazards.services.verify_hazard);
this is the one door through which the matter moves on the verifier's word:

1. The lead unit requests completion (request_completion) as for any matter.
2. The check passes → completed and closed at once (two events, as review + close).
   The check fails → back in progress with the reason (as a rework).

review_completion and close_matter refuse these kinds (permissions.check_review and
check_close), so there is no other path to closing one while a verification is due.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from luoshi.lib.errors import IllegalTransition, NotAllowed
from luoshi.notifications.models import NotificationKind
from luoshi.notifications.services import notify, users_of_units
from luoshi.org.access import access_for

from ..models import EventKind, Matter, MatterWarning, State
from ..permissions import VERIFIED_KINDS
from ..warnings import refresh_warning
from ._base import lock, record, require_text


def _check(matter: Matter, actor: User) -> None:
    if matter.kind not in VERIFIED_KINDS:
        raise IllegalTransition(_("This kind of matter is closed by the supervisor's review."))
    if matter.state != State.COMPLETION_REQUESTED:
        raise IllegalTransition(
            _("Only a matter whose completion was requested can be verified (it is %(state)s).")
            % {"state": matter.get_state_display()}
        )
    access = access_for(actor)
    held = matter.parts.filter(active=True).values_list("unit_id", flat=True)
    if any(access.acts_for(unit_id) for unit_id in held):
        raise NotAllowed(_("A unit holding the matter cannot verify its own work."))


@transaction.atomic
def verify_completion(
    matter: Matter,
    *,
    actor: User,
    version: int | None,
    passed: bool,
    comment: str,
    data: dict[str, Any] | None = None,
) -> Matter:
    """Move the matter on a verification's result: closed if it passed, back to work if not.

    `data` names the check's record (e.g. {"verification": 12}) on the events.
    """
    matter = lock(matter, version)
    _check(matter, actor)
    comment = require_text(comment, "comment", _("The verification record"))
    data = {**(data or {}), "verified": True}
    if passed:
        on_time = matter.deadline is None or timezone.localdate() <= matter.deadline
        matter.state, matter.completed_at = State.COMPLETED, timezone.now()
        matter.warning = MatterWarning.NORMAL
        record(
            matter,
            EventKind.REVIEW_APPROVED,
            actor,
            from_state=State.COMPLETION_REQUESTED,
            unit=matter.lead_unit,
            comment=comment,
            data={**data, "on_time": on_time},
        )
        matter.state, matter.closed_at = State.CLOSED, timezone.now()
        record(matter, EventKind.CLOSED, actor, from_state=State.COMPLETED, data=data)
    else:
        matter.state = State.IN_PROGRESS
        record(
            matter,
            EventKind.REVIEW_REWORK,
            actor,
            from_state=State.COMPLETION_REQUESTED,
            unit=matter.lead_unit,
            comment=comment,
            data=data,
        )
        refresh_warning(matter)
    units = matter.parts.filter(active=True).values_list("unit_id", flat=True)
    notify(
        users_of_units(units),
        kind=NotificationKind.REVIEW,
        matter_id=matter.pk,
        text=(
            _("%(serial)s passed the on-site verification and is closed.")
            if passed
            else _("%(serial)s failed the on-site verification: %(reason)s")
        )
        % {"serial": matter.serial, "reason": comment},
    )
    return matter
