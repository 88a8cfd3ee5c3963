"""The hazard scan, run by `luoshi scan`: re-inspection reminders and missed-check warnings,
the overdue alert to a major hazard's leader (once), and its record in the ratings."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from luoshi.assessments.models import Incident, IncidentKind
from luoshi.hazards import services
from luoshi.hazards.models import Hazard, HazardEventKind, HazardWarning
from luoshi.matters.models import Matter, MatterWarning, NextWarningChange
from luoshi.notifications.models import Notification

from .helpers import MONDAY, assigned, fresh

pytestmark = pytest.mark.django_db


def at(day: dt.date):
    moment = dt.datetime.combine(day, dt.time(7))
    return time_machine.travel(timezone.make_aware(moment), tick=False)


def scan(day: dt.date, capture) -> None:
    """`luoshi scan` on the morning of `day`, its notifications written."""
    with at(day), capture(execute=True):
        call_command("scan", stdout=StringIO())


@pytest.fixture
def major(city):
    with time_machine.travel(MONDAY, tick=False):
        return assigned(city, level="major", title="尾矿库排洪设施淤堵")


def texts(user) -> list[str]:
    return list(Notification.objects.filter(user=user).values_list("text", flat=True))


def test_a_missed_reinspection_of_a_major_hazard_warns(
    city, major, django_capture_on_commit_callbacks
):
    assert major.reinspection_due == dt.date(2026, 6, 16)
    scan(dt.date(2026, 6, 12), django_capture_on_commit_callbacks)
    assert fresh(major).warning == HazardWarning.NORMAL
    scan(dt.date(2026, 6, 14), django_capture_on_commit_callbacks)  # within 3 days: remind
    assert fresh(major).warning == HazardWarning.REINSPECTION_DUE
    assert texts(city.other_handler) == ["1 hazard(s): Re-inspection due soon"]
    scan(dt.date(2026, 6, 17), django_capture_on_commit_callbacks)
    assert fresh(major).warning == HazardWarning.REINSPECTION_MISSED
    assert "1 hazard re-inspection(s) were missed." in texts(city.supervisor)
    scan(dt.date(2026, 6, 18), django_capture_on_commit_callbacks)  # no second notice
    assert len(texts(city.other_handler)) == 2

    with at(dt.date(2026, 6, 18)):
        hazard = fresh(major)
        check = services.reinspect_hazard(
            hazard, actor=city.other_handler, version=hazard.version, record_text="补做复查"
        )
    assert check.late and check.due_on == dt.date(2026, 6, 16)
    assert fresh(major).reinspection_due == dt.date(2026, 7, 3)
    scan(dt.date(2026, 6, 19), django_capture_on_commit_callbacks)
    assert fresh(major).warning == HazardWarning.NORMAL


def test_an_overdue_major_hazard_alerts_its_leader_once_and_costs_zero_accidents(
    city, major, django_capture_on_commit_callbacks
):
    deadline = major.matter.deadline
    scan(deadline, django_capture_on_commit_callbacks)
    assert not Incident.objects.exists()
    scan(deadline + dt.timedelta(days=1), django_capture_on_commit_callbacks)
    alerts = [t for t in texts(city.leader) if "is overdue" in t]
    assert alerts == [
        f"Major hazard {major.serial} is overdue (due {deadline}): 尾矿库排洪设施淤堵"
    ]
    assert any("is overdue" in t for t in texts(city.supervisor))
    assert not any("is overdue" in t for t in texts(city.other_leader))
    hazard = fresh(major)
    assert hazard.overdue_alerted_on == deadline + dt.timedelta(days=1)
    assert hazard.events.filter(kind=HazardEventKind.OVERDUE_ALERT).count() == 1
    incident = Incident.objects.get()
    assert incident.kind == IncidentKind.MAJOR_HAZARD_OVERDUE and incident.unit == city.street
    assert incident.source == f"hazards.hazard:{major.pk}"
    assert incident.url == f"/hazards/{major.pk}/"
    scan(deadline + dt.timedelta(days=2), django_capture_on_commit_callbacks)
    assert len([t for t in texts(city.leader) if "is overdue" in t]) == 1
    assert Incident.objects.count() == 1


def test_the_scan_costs_the_same_for_few_or_many_hazards(city):
    def add(count: int) -> None:
        with time_machine.travel(MONDAY, tick=False):
            for index in range(count):
                assigned(city, level="major", title=f"隐患{index}")
        Hazard.objects.update(warning=HazardWarning.NORMAL)  # every one moves again
        # written behind the services' back, stamped as a save just before the scans of
        # the 17th (07:00) would have been, and due that day: each scan of the 17th
        # looks at every one again, and finds them all moving among the due
        saved = timezone.make_aware(dt.datetime(2026, 6, 17, 6, 30))
        Matter.objects.update(warning=MatterWarning.NORMAL, updated_at=saved)
        NextWarningChange.objects.update(changes_on=dt.date(2026, 6, 17))

    def queries(day: dt.date) -> int:
        with at(day), CaptureQueriesContext(connection) as captured:
            call_command("scan", stdout=StringIO())
        return len(captured)

    # The first scan is full (no stamp yet): both measured below are nightly scans.
    queries(dt.date(2026, 6, 16))
    add(3)
    few = queries(dt.date(2026, 6, 17))
    add(12)
    assert queries(dt.date(2026, 6, 17)) == few
