"""The records ratings count: incidents (and the bottom lines they may breach), and the
branch's activities (三会一课, 主题党日).

`record_incidents` is the seam other apps feed: the hazard scan calls it for an overdue
major hazard, the citizens app will call it for an escalated complaint. Each incident
is attached at once, as a finding, to the open assessments of its unit and of every
unit above it whose template counts that kind — so the 零事故 standing drops the day
the accident is recorded — and checked against the 五个不发生 bottom lines.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import PurePath

from django.contrib.auth.models import User
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from luoshi.lib import numbers
from luoshi.lib.errors import IllegalTransition, InvalidInput
from luoshi.notifications.models import NotificationKind
from luoshi.notifications.services import notify, users_of_units, users_with_role
from luoshi.org.access import access_for
from luoshi.org.models import Role, Unit

from .. import permissions
from ..models import (
    ActivityPhoto,
    ActivityType,
    Assessment,
    AssessmentCycle,
    AssessmentEvent,
    AssessmentEventKind,
    BottomLine,
    BottomLineBreach,
    BranchActivity,
    Criterion,
    CriterionFeed,
    CycleState,
    Finding,
    Incident,
    IncidentKind,
    Severity,
)
from ._base import require_text, today, validate_files


@dataclass
class IncidentRecord:
    """An incident as a feeding app describes it; `source` keys it (app.model:pk)."""

    kind: str
    unit: Unit
    occurred_on: dt.date
    title: str
    severity: str = Severity.GENERAL
    description: str = ""
    source: str = ""
    url: str = ""


def _validate(item: IncidentRecord) -> None:
    if item.kind not in IncidentKind.values:
        raise InvalidInput(_("Choose the kind of incident."), field="kind")
    if item.severity not in Severity.values:
        raise InvalidInput(_("Choose the severity."), field="severity")
    if item.unit is None:
        raise InvalidInput(_("Name the unit where it happened."), field="unit")
    if item.occurred_on is None or item.occurred_on > today():
        raise InvalidInput(_("The day it happened cannot be in the future."), field="occurred_on")
    item.title = require_text(item.title, "title", _("Title"), 300)


@transaction.atomic
def record_incident(item: IncidentRecord, *, actor: User) -> Incident:
    """The office or a unit records an incident in its territory (an accident, a case…)."""
    permissions.check_record_incident(access_for(actor), item.unit.pk if item.unit else 0)
    item.source = ""  # entered by hand: no feeding record behind it
    return record_incidents([item], actor=actor)[0]


@transaction.atomic
def record_incidents(
    items: Sequence[IncidentRecord], *, actor: User | None = None
) -> list[Incident]:
    """Record incidents fed by the platform (the seam); one whose source is known is skipped.

    Returns the incidents created. Set-based: one query for the known sources, one bulk
    insert, then the findings and the bottom lines of the new ones.
    """
    for item in items:
        _validate(item)
    sources = [i.source for i in items if i.source]
    known = set(Incident.objects.filter(source__in=sources).values_list("source", flat=True))
    fresh = [i for i in items if not i.source or i.source not in known]
    if not fresh:
        return []
    incidents = Incident.objects.bulk_create(
        Incident(
            kind=i.kind,
            severity=i.severity,
            unit=i.unit,
            occurred_on=i.occurred_on,
            title=i.title,
            description=i.description,
            source=i.source,
            url=i.url,
            recorded_by=actor,
        )
        for i in fresh
    )
    attach_findings(incidents)
    check_bottom_lines(incidents)
    return incidents


def attach_findings(incidents: Sequence[Incident], cycles: Sequence[AssessmentCycle] = ()) -> int:
    """Attach each incident to the open assessments it counts against; returns how many.

    1. The open cycles (or the given ones) whose period covers the incident.
    2. Their criteria fed by incidents of its kind.
    3. The assessments of the incident's unit and of every unit above it (its path).
    """
    cycles = cycles or list(AssessmentCycle.objects.filter(state=CycleState.OPEN))
    if not cycles or not incidents:
        return 0
    criteria = list(
        Criterion.objects.filter(
            feed=CriterionFeed.INCIDENTS, goal__template__in=[c.template_id for c in cycles]
        ).select_related("goal")
    )
    units = {i.unit_id: i.unit.path for i in incidents}
    above = {uid: [int(p) for p in path.strip("/").split("/") if p] for uid, path in units.items()}
    assessments = {
        (a.cycle_id, a.unit_id): a
        for a in Assessment.objects.filter(
            cycle__in=cycles, unit_id__in={u for ids in above.values() for u in ids}
        )
    }
    findings = []
    for incident in incidents:
        for cycle in cycles:
            if not cycle.period_start <= incident.occurred_on <= cycle.period_end:
                continue
            for criterion in criteria:
                if criterion.goal.template_id != cycle.template_id:
                    continue
                if incident.kind not in criterion.incident_kinds:
                    continue
                for unit_id in above[incident.unit_id]:
                    assessment = assessments.get((cycle.pk, unit_id))
                    if assessment is not None:
                        findings.append((assessment, criterion, incident))
    return _save_findings(findings)


def _save_findings(findings: list) -> int:
    if not findings:
        return 0
    Finding.objects.bulk_create(
        [Finding(assessment=a, criterion=c, incident=i) for a, c, i in findings],
        ignore_conflicts=True,
    )
    AssessmentEvent.objects.bulk_create(
        AssessmentEvent(
            assessment=a,
            kind=AssessmentEventKind.FINDING_ADDED,
            comment=i.title,
            data={"criterion": c.pk, "incident": i.pk},
        )
        for a, c, i in findings
    )
    return len(findings)


def check_bottom_lines(incidents: Sequence[Incident]) -> list[BottomLineBreach]:
    """Alert the leaders and the office at once of every bottom line an incident breaches."""
    lines = list(BottomLine.objects.filter(is_active=True))
    breaches = [
        BottomLineBreach(bottom_line=line, incident=incident)
        for incident in incidents
        for line in lines
        if line.breached_by(incident)
    ]
    if not breaches:
        return []
    BottomLineBreach.objects.bulk_create(breaches, ignore_conflicts=True)
    recipients = users_with_role(Role.LEADER) | users_with_role(Role.SUPERVISOR)
    for breach in breaches:
        notify(
            recipients,
            kind=NotificationKind.DEADLINE,
            text=_("Bottom line breached (五个不发生) — %(line)s: %(incident)s, %(unit)s")
            % {
                "line": breach.bottom_line,
                "incident": breach.incident.title,
                "unit": breach.incident.unit,
            },
        )
    return breaches


@transaction.atomic
def void_incident(incident: Incident, *, actor: User, reason: str) -> Incident:
    """The office voids an incident recorded in error: it stops counting, its row stays."""
    permissions.require_office(access_for(actor), _("void an incident record"))
    incident = Incident.objects.select_for_update().get(pk=incident.pk)
    if incident.voided_at is not None:
        raise IllegalTransition(_("This incident record is already voided."))
    incident.void_reason = require_text(reason, "reason", _("The reason"), 300)
    incident.voided_at = timezone.now()
    incident.save(update_fields=["void_reason", "voided_at"])
    return incident


# -- branch activities --------------------------------------------------------------------


@dataclass
class ActivitySpec:
    unit: Unit
    type: str
    held_on: dt.date | None
    topic: str
    attended: int | None
    expected: int | None
    minutes: str


def _validate_activity(spec: ActivitySpec) -> None:
    if spec.type not in ActivityType.values:
        raise InvalidInput(_("Choose the type of activity."), field="type")
    if spec.held_on is None or spec.held_on > today():
        raise InvalidInput(_("The day it was held cannot be in the future."), field="held_on")
    spec.topic = require_text(spec.topic, "topic", _("Topic"), 200)
    spec.minutes = require_text(spec.minutes, "minutes", _("Minutes"))
    if not spec.expected or spec.expected < 1:
        raise InvalidInput(_("Give how many members were expected."), field="expected")
    if spec.expected > numbers.MEMBERS_MAX:
        raise InvalidInput(
            _("%(field)s must be from %(min)s to %(max)s.")
            % {"field": _("Members expected"), "min": 1, "max": numbers.MEMBERS_MAX},
            field="expected",
        )
    if spec.attended is None or not 0 <= spec.attended <= spec.expected:
        raise InvalidInput(
            _("Attendance must be from 0 to the %(n)s members expected.") % {"n": spec.expected},
            field="attended",
        )


@transaction.atomic
def record_activity(
    spec: ActivitySpec, *, actor: User, photos: Sequence[UploadedFile] = ()
) -> BranchActivity:
    """A branch records an activity it held (三会一课 or 主题党日), with its minutes."""
    permissions.check_record_activity(access_for(actor), spec.unit.pk)
    _validate_activity(spec)
    # _validate_activity refused a spec without these.
    assert spec.held_on is not None and spec.attended is not None and spec.expected is not None
    validate_files(photos, "photos", photos=True)
    activity = BranchActivity.objects.create(
        unit=spec.unit,
        type=spec.type,
        held_on=spec.held_on,
        topic=spec.topic,
        attended=spec.attended,
        expected=spec.expected,
        minutes=spec.minutes,
        recorded_by=actor,
    )
    for upload in photos:
        ActivityPhoto.objects.create(
            activity=activity,
            file=upload,
            name=PurePath(upload.name or "").name[:255],
            size=upload.size or 0,
            uploaded_by=actor,
        )
    return activity


@transaction.atomic
def void_activity(activity: BranchActivity, *, actor: User, reason: str) -> BranchActivity:
    """Void an activity recorded in error (it stops counting); the row stays."""
    permissions.check_record_activity(access_for(actor), activity.unit_id)
    activity = BranchActivity.objects.select_for_update().get(pk=activity.pk)
    if activity.voided_at is not None:
        raise IllegalTransition(_("This activity record is already voided."))
    activity.void_reason = require_text(reason, "reason", _("The reason"), 300)
    activity.voided_at = timezone.now()
    activity.save(update_fields=["void_reason", "voided_at"])
    return activity


def notify_unit(unit_id: int, text: str) -> None:
    notify(users_of_units([unit_id]), kind=NotificationKind.REVIEW, text=text)
