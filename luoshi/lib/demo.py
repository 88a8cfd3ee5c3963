"""What every app's demo builder receives: `luoshi.<app>.demo.build(context)`.

`luoshi demo` (the top-level demo app, luoshi/demo) makes one DemoContext and hands it
to each installed app's builder in INSTALLED_APPS order: `org` fills the units and
users, `matters` a year of matters, the apps built on them their own records. A builder
reads what earlier builders left on the context and may add to it.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import time_machine
from django.utils import timezone

from luoshi.lib.workdays import WorkCalendar

if TYPE_CHECKING:
    from django.contrib.auth.models import User

    from luoshi.org.models import Unit


@dataclass
class DemoContext:
    """The demo city as the builders grow it, with one seeded rng and one clock."""

    rng: random.Random
    today: dt.date
    start: dt.date  # first day of the demo's history
    calendar: WorkCalendar
    log: Callable[[str], None] = print
    matter_count: int = 300  # how many matters the matters builder plans
    # Filled by org's builder:
    units: dict[str, Unit] = field(default_factory=dict)  # by name
    users: dict[str, User] = field(default_factory=dict)  # by username
    handlers: dict[str, User] = field(default_factory=dict)  # unit name -> its handler
    heads: dict[str, User] = field(default_factory=dict)  # unit name -> its head
    supervisors: list[User] = field(default_factory=list)
    leaders: list[User] = field(default_factory=list)  # leaders[0] is the mayor
    leader_of: dict[str, User] = field(default_factory=dict)  # unit name -> leader in charge
    # Filled by matters' builder (the Matter rows it made):
    matters: list[Any] = field(default_factory=list)

    def workday(self, day: dt.date) -> dt.date:
        """The working day on or after `day`, or the last one before today."""
        cal, out = self.calendar, day
        while not cal.is_workday(out):
            out += dt.timedelta(days=1)
        if out < self.today:
            return max(out, self.start)
        out = self.today - dt.timedelta(days=1)
        while not cal.is_workday(out) and out > self.start:
            out -= dt.timedelta(days=1)
        return out

    @contextmanager
    def at(self, day: dt.date, minute: int | None = None) -> Iterator[None]:
        """Run the block as if it were `day` (working hours), for services that stamp now()."""
        minute = minute if minute is not None else self.rng.randint(8 * 60 + 30, 17 * 60)
        moment = dt.datetime.combine(day, dt.time(minute // 60, minute % 60))
        with time_machine.travel(timezone.make_aware(moment), tick=False):
            yield


def history_start(today: dt.date) -> dt.date:
    """The first day of the demo's history: the current year, or the last 240 days early in it."""
    start = dt.date(today.year, 1, 4)
    return start if (today - start).days >= 150 else today - dt.timedelta(days=240)
