"""What every app's demo builder receives (luoshi.<app>.demo.build(context))."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import time_machine
from django.contrib.auth.models import User
from django.utils import timezone

from luoshi.lib.workdays import WorkCalendar
from luoshi.matters.models import Matter
from luoshi.org.models import Unit


@dataclass
class DemoContext:
    """What every app's demo builder receives: the city's units and users, a seeded rng."""

    units: dict[str, Unit]  # by name
    users: dict[str, User]  # by username
    handlers: dict[str, User]  # unit name -> its handler
    heads: dict[str, User]  # unit name -> its head
    supervisors: list[User]
    leaders: list[User]  # leaders[0] is the mayor
    leader_of: dict[str, User]  # unit name -> the leader in charge of its field
    rng: random.Random
    today: dt.date
    start: dt.date  # first day of the demo's history
    calendar: WorkCalendar
    log: Callable[[str], None] = print
    matters: list[Matter] = field(default_factory=list)

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
