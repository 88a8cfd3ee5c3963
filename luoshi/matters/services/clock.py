"""The supervisor's hand on the clock and the units: suspend, resume, hasten; leader comments."""

from __future__ import annotations

from collections.abc import Sequence

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from luoshi.lib.errors import InvalidInput
from luoshi.notifications.messages import N_
from luoshi.notifications.models import NotificationKind
from luoshi.notifications.services import (
    notify,
    users_of_units,
    users_with_role,
)
from luoshi.org.models import Role
from luoshi.workcalendar.calendar import get_calendar

from ..models import EventKind, Hastening, Matter, MatterWarning
from ..warnings import refresh_warning
from ._base import authorize, lock, next_serial, record, require_text, today
from .deadlines import move_deadline


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
    calendar = get_calendar()
    paused = calendar.workdays_between(timezone.localdate(matter.suspended_at), today())
    old = matter.deadline
    if old is not None and paused:
        move_deadline(matter, calendar, paused)
    for milestone in matter.milestones.filter(done_at__isnull=True) if paused else ():
        move_deadline(milestone, calendar, paused)
        milestone.save(
            update_fields=[
                "deadline",
                "deadline_provisional",
                "deadline_basis_day",
                "deadline_basis_workdays",
            ]
        )
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


@transaction.atomic
def hasten_matter(
    matter: Matter, *, actor: User, message: str = "", unit_ids: Sequence[int] | None = None
) -> list[Hastening]:
    """Issue a numbered hastening notice (催办) to units, copied to their heads.

    A second reminder of the same matter to the same unit on the same day is merged
    into the first: counted once, not sent again. Hastening changes no field of the
    matter, so it does not raise its version (a unit's report in flight stays valid).
    """
    matter = lock(matter.pk, None)  # no version check: it changes no field
    _access, ctx = authorize("hasten", actor, matter)
    units = {p.unit_id: p.unit for p in ctx.parts}
    targets: list[int] = list(unit_ids) if unit_ids else [matter.lead_unit_id or 0]
    unknown = [u for u in targets if u not in units]
    if unknown:
        raise InvalidInput(_("Only units holding this matter can be hastened."), field="unit_ids")
    day, notices = today(), []
    for unit_id in targets:
        earlier = (
            Hastening.objects.select_for_update()
            .filter(matter=matter, unit_id=unit_id, day=day)
            .first()
        )
        merged = earlier is not None
        if earlier is not None:
            earlier.repeats += 1
            earlier.save(update_fields=["repeats"])
            notice = earlier
        else:
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
        record(
            matter,
            EventKind.HASTENED,
            actor,
            from_state=matter.state,
            unit=units[unit_id],
            comment=message,
            bump=False,
            data={"notice": notice.notice, "merged": merged},
        )
        notices.append(notice)
    return notices


@transaction.atomic
def comment_on_matter(matter: Matter, *, actor: User, text: str) -> Matter:
    """The responsible leader's comment (批示), shown in the timeline and sent to the units."""
    matter = lock(matter.pk, None)  # no version check: it changes no field
    authorize("comment", actor, matter)
    text = require_text(text, "text", _("The comment"))
    record(matter, EventKind.COMMENTED, actor, from_state=matter.state, comment=text, bump=False)
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
