"""Counted deadlines: how a deadline is counted on the working-day calendar, and recounting
the provisional ones once the office enters a year's official holiday schedule.

A deadline is either entered (a date a person chose: firm) or counted (N working days
after a day: it keeps that basis). A counted deadline that crossed a year without the
official schedule is provisional (luoshi.lib.workdays): statutory holidays assumed,
make-up working days unknown. `recount_provisional_deadlines` redoes the count from the
basis for every unfinished matter, with an event per matter and a notice to its units.
The matter's milestones follow the same rules.
"""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from luoshi.lib.errors import NotAllowed
from luoshi.lib.workdays import WorkCalendar
from luoshi.notifications.models import NotificationKind
from luoshi.notifications.services import notify, users_of_units
from luoshi.org.access import access_for
from luoshi.workcalendar.calendar import get_calendar

from ..models import PRE_DISPATCH_STATES, TERMINAL_STATES, EventKind, Matter, Milestone
from ..warnings import refresh_warning
from ._base import lock, record

Basis = tuple[dt.date, int]


def count_deadline(target: Matter | Milestone, calendar: WorkCalendar, basis: Basis) -> dt.date:
    """Set the deadline to `basis[1]` working days after `basis[0]`, and remember how."""
    day, workdays = basis
    target.deadline = calendar.add_workdays(day, workdays)
    target.deadline_basis_day, target.deadline_basis_workdays = day, workdays
    target.deadline_provisional = calendar.counts_provisionally(day, target.deadline)
    return target.deadline


# What a deadline's save writes: the date, whether it is provisional, how it was counted.
DEADLINE_FIELDS = (
    "deadline",
    "deadline_provisional",
    "deadline_basis_day",
    "deadline_basis_workdays",
)


def enter_deadline(target: Matter | Milestone, day: dt.date | None) -> None:
    """A date a person entered: firm, whatever the calendar later says."""
    target.deadline = day
    target.deadline_basis_day = target.deadline_basis_workdays = None
    target.deadline_provisional = False


def basis_of(target: Matter | Milestone) -> Basis | None:
    day, workdays = target.deadline_basis_day, target.deadline_basis_workdays
    if day is None or workdays is None:  # count_deadline sets both; enter_deadline neither
        return None
    return (day, workdays)


def move_deadline(target: Matter | Milestone, calendar: WorkCalendar, workdays: int) -> None:
    """Move a deadline later by `workdays` working days (a resumed clock).

    A deadline counted forward from a day is counted again with the days added, so a
    recount still starts from the first day; any other deadline is counted from itself.
    """
    basis = basis_of(target)
    if basis is not None and basis[1] > 0:
        count_deadline(target, calendar, (basis[0], basis[1] + workdays))
    elif target.deadline is not None:
        count_deadline(target, calendar, (target.deadline, workdays))


# --- Recounting -------------------------------------------------------------------------------


def provisional_matters() -> Q:
    """Unfinished matters with a provisional deadline or unreached provisional milestone."""
    milestones = Milestone.objects.filter(deadline_provisional=True, done_at__isnull=True)
    return Q(deadline_provisional=True) | Q(pk__in=milestones.values("matter_id"))


def provisional_count() -> int:
    return Matter.objects.exclude(state__in=TERMINAL_STATES).filter(provisional_matters()).count()


def recount_provisional_deadlines(*, actor: User) -> int:
    """Recount every unfinished provisional deadline on today's calendar; how many matters.

    Called by workcalendar.services.enter_schedule inside its transaction, so the
    schedule and the deadlines counted on it are saved together or not at all.
    """
    _require_office(actor)
    calendar = get_calendar()
    pending = Matter.objects.exclude(state__in=TERMINAL_STATES).filter(provisional_matters())
    ids = list(pending.order_by("pk").values_list("pk", flat=True))
    for pk in ids:
        recount_deadline(pk, actor=actor, calendar=calendar)
    return len(ids)


def _require_office(actor: User) -> None:
    if not access_for(actor).is_office:
        raise NotAllowed(_("Only the office recounts deadlines."))


@transaction.atomic
def recount_deadline(matter: Matter | int, *, actor: User, calendar: WorkCalendar) -> Matter:
    """Count one matter's provisional deadline and milestones again from their basis.

    A provisional deadline without a basis (nothing to count again) keeps its date and
    loses the mark. The deadline may stay provisional when its count reaches a later
    year that is still unpublished.
    """
    _require_office(actor)
    matter = lock(matter if isinstance(matter, int) else matter.pk, None)
    old = matter.deadline
    if matter.deadline_provisional:
        basis = basis_of(matter)
        if basis is None:
            matter.deadline_provisional = False
        else:
            count_deadline(matter, calendar, basis)
    milestones = _recount_milestones(matter, calendar)
    record(
        matter,
        EventKind.DEADLINE_RECOUNTED,
        actor,
        from_state=matter.state,
        data={
            "from": old.isoformat() if old else None,
            "to": matter.deadline.isoformat() if matter.deadline else None,
            "provisional": matter.deadline_provisional,
            "milestones": milestones,
        },
    )
    if matter.state not in PRE_DISPATCH_STATES:
        _notify_units(matter, old)
        refresh_warning(matter)
    return matter


def _recount_milestones(matter: Matter, calendar: WorkCalendar) -> list[dict]:
    changed = []
    for milestone in matter.milestones.filter(deadline_provisional=True, done_at__isnull=True):
        old, basis = milestone.deadline, basis_of(milestone)
        if basis is None:
            milestone.deadline_provisional = False
        else:
            count_deadline(milestone, calendar, basis)
        milestone.save(update_fields=[*DEADLINE_FIELDS])
        changed.append(
            {
                "title": milestone.title,
                "from": old.isoformat(),
                "to": milestone.deadline.isoformat(),
            }
        )
    return changed


def _notify_units(matter: Matter, old: dt.date | None) -> None:
    units = matter.parts.filter(active=True).values_list("unit_id", flat=True)
    values = {"serial": matter.serial, "from": old, "to": matter.deadline}
    if old == matter.deadline:
        text = _(
            "The official holiday schedule is in: the deadline of %(serial)s stays %(to)s "
            "and is no longer provisional."
        )
    else:
        text = _(
            "The official holiday schedule is in: the deadline of %(serial)s was recounted "
            "from %(from)s to %(to)s."
        )
    notify(
        users_of_units(units),
        kind=NotificationKind.RECOUNTED,
        matter_id=matter.pk,
        text=text % values,
    )
