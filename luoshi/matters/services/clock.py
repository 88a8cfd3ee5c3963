"""The clock and the supervisor's hand on it: suspend, resume, hasten; leader comments.

The fair clock (matters.fairness) is kept here too: `stop_unit_clock` when a matter
starts waiting for the office, `resume_unit_clock` when the office has ruled —
the request services (handling, requests) call them, so the rule is written once.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from luoshi.lib.errors import InvalidInput
from luoshi.lib.requestkeys import once
from luoshi.notifications.messages import N_
from luoshi.notifications.models import NotificationKind
from luoshi.notifications.services import (
    notify,
    users_of_units,
    users_with_role,
)
from luoshi.org.models import Role
from luoshi.workcalendar.calendar import get_calendar

from ..models import (
    EventKind,
    Hastening,
    Matter,
    MatterEvent,
    MatterWarning,
    PartRole,
    RequestState,
    State,
)
from ..warnings import refresh_warning
from ._base import authorize, lock, next_serial, record, require_text, today
from .deadlines import DEADLINE_FIELDS, move_deadline


def shift_deadlines(matter: Matter, workdays: int) -> dt.date | None:
    """Move the deadline and the open milestones by `workdays`; returns the old deadline.

    Each keeps how it was counted (matters.services.deadlines), so a deadline counted on
    a provisional year stays recountable when the year's schedule comes in.
    """
    old = matter.deadline
    if not workdays:
        return old
    calendar = get_calendar()
    if old is not None:
        move_deadline(matter, calendar, workdays)
    for milestone in matter.milestones.filter(done_at__isnull=True):
        move_deadline(milestone, calendar, workdays)
        milestone.save(update_fields=[*DEADLINE_FIELDS])
    return old


def stop_unit_clock(matter: Matter) -> None:
    """The matter starts waiting for the office: the unit's clock stops (if it ran)."""
    if matter.awaiting_office_since is None:
        matter.awaiting_office_since = timezone.now()
    matter.warning = MatterWarning.AWAITING_OFFICE


def office_holds(matter: Matter) -> bool:
    """Something still waits for the office's answer: a completion request under
    review, an extension request, or the lead unit's dispute."""
    pending = {"state": RequestState.PENDING}
    return (
        matter.state == State.COMPLETION_REQUESTED
        or matter.extensions.filter(**pending).exists()
        or matter.disputes.filter(**pending, part__active=True, part__role=PartRole.LEAD).exists()
    )


def stopped_workdays(since: dt.datetime | None, other: dt.datetime | None) -> int:
    """Working days a stop of the unit's clock that began `since` gives back now.

    The clock stops at the first of two stops (a suspension, a wait for the office)
    and resumes at the last: while the `other` stop is still on, this one gives back
    only the days before the other began; the other gives back the rest when it ends.
    """
    if since is None:
        return 0
    end = today() if other is None else min(timezone.localdate(other), today())
    return max(get_calendar().workdays_between(timezone.localdate(since), end), 0)


def resume_unit_clock(matter: Matter, *, deadline: dt.date | None = None) -> int:
    """The office has ruled: the unit gets back the working days it waited.

    The deadline (`deadline` when the ruling sets a new one, else the current one) and
    the open milestones move by the working days the office held the matter; returns
    them. If something else still waits for the office, the clock stays stopped from
    now on (what was waited so far is given back now, never twice).
    """
    waited = stopped_workdays(matter.awaiting_office_since, matter.suspended_at)
    if deadline is not None:
        matter.deadline = deadline
    shift_deadlines(matter, waited)
    matter.awaiting_office_since = timezone.now() if office_holds(matter) else None
    return waited


@transaction.atomic
def suspend_matter(matter: Matter, *, actor: User, version: int | None, reason: str) -> Matter:
    """Stop the clock (中止) while the matter waits on a higher level or an outside party."""
    matter = lock(matter, version)
    authorize("suspend", actor, matter)
    matter.suspend_reason = require_text(reason, "reason", _("The reason"))
    matter.suspended_at = timezone.now()
    matter.warning = MatterWarning.NORMAL
    record(matter, EventKind.SUSPENDED, actor, from_state=matter.state, comment=reason)
    return matter


@transaction.atomic
def resume_matter(matter: Matter, *, actor: User, version: int | None, comment: str = "") -> Matter:
    """Restart the clock: the deadline and open milestones move by the working days paused."""
    matter = lock(matter, version)
    authorize("resume", actor, matter)
    paused = stopped_workdays(matter.suspended_at, matter.awaiting_office_since)
    old = shift_deadlines(matter, paused)
    matter.suspended_at, matter.suspend_reason = None, ""
    record(
        matter,
        EventKind.RESUMED,
        actor,
        from_state=matter.state,
        comment=comment,
        data={
            "paused_workdays": paused,
            "from": old.isoformat() if old else None,
            "to": matter.deadline.isoformat() if matter.deadline else None,
        },
    )
    refresh_warning(matter)
    return matter


def hasten_matter(
    matter: Matter,
    *,
    actor: User,
    message: str = "",
    unit_ids: Sequence[int] | None = None,
    request_key: str = "",
) -> list[Hastening]:
    """Issue a numbered hastening notice (催办) to units, copied to their heads.

    A second reminder of the same matter to the same unit on the same day is merged
    into the first: counted once, not sent again. Hastening changes no field of the
    matter, so it does not raise its version (a unit's report in flight stays valid).
    A repeat of the same request (`request_key`) returns the first one's notices.
    """
    return once(
        MatterEvent,
        actor=actor,
        key=request_key,
        action=lambda: _hasten(matter, actor, message, unit_ids, request_key),
        replay=_notices_of,
    )


def _notices_of(event: MatterEvent) -> list[Hastening]:
    """The notices of the hastening request that appended `event` (its keyed event)."""
    units = event.data.get("units") or [event.unit_id]
    day = timezone.localdate(event.at)
    found = Hastening.objects.filter(matter_id=event.matter_id, day=day, unit_id__in=units)
    by_unit = {h.unit_id: h for h in found}
    return [by_unit[u] for u in units if u in by_unit]


@transaction.atomic
def _hasten(
    matter: Matter, actor: User, message: str, unit_ids: Sequence[int] | None, request_key: str
) -> list[Hastening]:
    matter = lock(matter.pk, None)  # no version check: it changes no field
    _access, ctx = authorize("hasten", actor, matter)
    units = {p.unit_id: p.unit for p in ctx.parts}
    targets: list[int] = list(unit_ids) if unit_ids else [matter.lead_unit_id or 0]
    unknown = [u for u in targets if u not in units]
    if unknown:
        raise InvalidInput(_("Only units holding this matter can be hastened."), field="unit_ids")
    day = today()
    notices: list[Hastening] = []
    for unit_id in targets:
        notice, merged = _notice(matter, unit_id, day, actor, message)
        data: dict = {"notice": notice.notice, "merged": merged}
        if request_key and not notices:  # the keyed event names every unit of the call
            data["units"] = targets
        record(
            matter,
            EventKind.HASTENED,
            actor,
            from_state=matter.state,
            unit=units[unit_id],
            comment=message,
            bump=False,
            data=data,
            request_key=request_key if not notices else "",
        )
        notices.append(notice)
    return notices


def _notice(matter: Matter, unit_id: int, day, actor: User, message: str) -> tuple[Hastening, bool]:
    """Today's notice to the unit: the earlier one counted again, else a new one sent."""
    earlier = (
        Hastening.objects.select_for_update()
        .filter(matter=matter, unit_id=unit_id, day=day)
        .first()
    )
    if earlier is not None:
        earlier.repeats += 1
        earlier.save(update_fields=["repeats"])
        return earlier, True
    notice = Hastening.objects.create(
        matter=matter,
        unit_id=unit_id,
        day=day,
        actor=actor,
        message=message,
        notice_year=day.year,
        notice_no=next_serial("hastening", day.year),
    )
    notify(
        users_of_units([unit_id]),
        kind=NotificationKind.HASTENED,
        matter_id=matter.pk,
        text=N_("%(notice)s: please speed up %(serial)s %(title)s. %(message)s")
        % {
            "notice": notice.notice,
            "serial": matter.serial,
            "title": matter.title,
            "message": message,
        },
    )
    return notice, False


def comment_on_matter(matter: Matter, *, actor: User, text: str, request_key: str = "") -> Matter:
    """The responsible leader's comment (批示), shown in the timeline and sent to the units.

    A repeat of the same request (`request_key`) comments once.
    """
    return once(
        MatterEvent,
        actor=actor,
        key=request_key,
        action=lambda: _comment(matter, actor, text, request_key),
        replay=lambda event: event.matter,
    )


@transaction.atomic
def _comment(matter: Matter, actor: User, text: str, request_key: str) -> Matter:
    matter = lock(matter.pk, None)  # no version check: it changes no field
    authorize("comment", actor, matter)
    text = require_text(text, "text", _("The comment"))
    record(
        matter,
        EventKind.COMMENTED,
        actor,
        from_state=matter.state,
        comment=text,
        bump=False,
        request_key=request_key,
    )
    units = matter.parts.filter(active=True).values_list("unit_id", flat=True)
    recipients = users_of_units(units) | users_with_role(Role.SUPERVISOR)
    notify(
        recipients,
        kind=NotificationKind.COMMENT,
        matter_id=matter.pk,
        exclude=actor.pk,
        text=N_("Leader comment on %(serial)s: %(text)s") % {"serial": matter.serial, "text": text},
    )
    return matter
