"""The fair clock: one rule for when a matter is the unit's to answer for.

Every figure that judges a unit asks this module — the warning scan, bulletins
(逾期N天, named units), scorecards and rankings (evaluation.indicators), the cockpit
(through the warnings the scan stores), the ledger — so a unit is never named
overdue for days the office held the matter.

1. The unit's clock runs from assignment until the unit asks for completion.
2. It stops while the matter waits for the office (`Matter.awaiting_office_since`):
   a completion request under review, the lead unit's dispute, an extension request
   awaiting a ruling; and while the supervisor suspends it (`suspended_at`).
3. When the office rules, the clock resumes (services.clock.resume_unit_clock): the
   deadline and open milestones move by the working days the office held the
   matter, as resuming a suspension always did. A completion sent back resumes
   instead with the working days that were left when the unit asked, at least
   Policy.rework_min_workdays; a unit that asked after its deadline stays exactly as
   late as it was.
4. A matter is overdue for the unit on day d when it is running, dated (not
   ongoing), its clock runs, and its deadline is before d.
5. A completion is on time when the unit asked on or before its deadline: the day
   of the review does not count against it.

Why move the deadline at the ruling rather than subtract waited days when reading:
the deadline stays one stored column, so every reader compares it with a date in
SQL (the scan stays set-based; an incremental scan can store the next date a
warning changes), and the ruling's event row keeps both dates and the days waited.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import F, Q
from django.db.models.functions import Coalesce
from django.db.models.lookups import LessThanOrEqual
from django.utils import timezone

from luoshi.lib.sql import LocalDate

from .models import RUNNING_STATES, Matter, State


def clock_running() -> Q:
    """The unit's clock runs: neither suspended nor waiting for the office."""
    return Q(suspended_at__isnull=True, awaiting_office_since__isnull=True)


def awaiting_office() -> Q:
    """The matter waits for the office: the unit's clock is stopped (rule 2)."""
    return Q(awaiting_office_since__isnull=False)


def overdue_for_unit(today: dt.date) -> Q:
    """Overdue for its unit on `today` (rule 4)."""
    return Q(state__in=sorted(RUNNING_STATES), ongoing=False, deadline__lt=today) & clock_running()


def finished_day():
    """The day the unit finished, as SQL: the day it asked for the completion approved."""
    return LocalDate(Coalesce("completion_requested_at", "completed_at"))


def on_time() -> Q:
    """Completed on time (rule 5): asked on or before the deadline (or no deadline)."""
    return Q(deadline__isnull=True) | Q(LessThanOrEqual(finished_day(), F("deadline")))


def clock_stopped_day():
    """As SQL: the day the unit's clock last stopped (None while it runs).

    The end of a unit's overdue days: the day it asked for completion, disputed or
    asked for more time, or the supervisor suspended the matter.
    """
    return LocalDate(
        Coalesce("awaiting_office_since", "suspended_at", "completion_requested_at", "completed_at")
    )


# ---- the same rule for one matter already read (pages, bulletins, the ledger) -------------


def stopped_on(matter: Matter) -> dt.date | None:
    """The Python twin of clock_stopped_day()."""
    moment = (
        matter.awaiting_office_since
        or matter.suspended_at
        or matter.completion_requested_at
        or matter.completed_at
    )
    return timezone.localdate(moment) if moment else None


def days_overdue(matter: Matter, today: dt.date) -> int:
    """Calendar days the unit is overdue on `today` (0 when not overdue for it)."""
    if matter.deadline is None or matter.ongoing:
        return 0
    if matter.state in RUNNING_STATES and stopped_on(matter) is None:
        return days_past(matter.deadline, today)
    return 0


def days_past(deadline: dt.date, day: dt.date) -> int:
    """Calendar days from a deadline to `day` (逾期N天), for a matter overdue for its unit
    on `day` — rule 4 said so then: the stored warning of that day's standing."""
    return max((day - deadline).days, 0)


def asked_on(matter: Matter) -> dt.date | None:
    """The day the unit asked for completion (the day its completion is judged on)."""
    moment = matter.completion_requested_at or matter.completed_at
    return timezone.localdate(moment) if moment else None


def is_on_time(matter: Matter) -> bool:
    """Rule 5 for one matter: completed (or asking) on or before its deadline."""
    day = asked_on(matter)
    return matter.deadline is None or (day is not None and day <= matter.deadline)


DONE_STATES = frozenset({State.COMPLETED, State.CLOSED})
