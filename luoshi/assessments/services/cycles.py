"""The rating cycle: the office opens it, each unit assesses itself with evidence, the
reviewing unit scores and comments (and rules on incident records), the office publishes
the stars. One function per verb."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import PurePath

from django.contrib.auth.models import User
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from luoshi.lib.errors import IllegalTransition, InvalidInput, NotFound
from luoshi.notifications.models import NotificationKind
from luoshi.notifications.services import notify, users_of_units
from luoshi.org.access import access_for
from luoshi.org.models import Membership, Role, Unit

from .. import permissions, queries
from ..models import (
    Assessment,
    AssessmentCycle,
    AssessmentEvent,
    AssessmentEventKind,
    AssessmentState,
    AssessmentTemplate,
    Criterion,
    CriterionFeed,
    CycleState,
    EvidenceFile,
    Finding,
    FindingRuling,
    Incident,
    Score,
)
from ._base import authorize, lock, lock_cycle, points, record, require_text, validate_files
from .records import attach_findings


def _office_unit(actor: User) -> Unit | None:
    row = Membership.objects.filter(user=actor, role__in=[Role.SUPERVISOR, Role.ADMIN]).first()
    return row.unit if row else None


@transaction.atomic
def open_cycle(
    *,
    actor: User,
    template: AssessmentTemplate,
    name: str,
    period_start: dt.date | None,
    period_end: dt.date | None,
    units: Sequence[Unit] | None = None,
    self_due: dt.date | None = None,
    review_due: dt.date | None = None,
) -> AssessmentCycle:
    """Open a cycle: an assessment (with a score row per criterion) for every unit rated.

    1. Units: those given, else every active unit of the template's kinds.
    2. Each is reviewed by the unit above it (a street reviews its villages), or the
       office for a unit at the top.
    3. Incidents already recorded in the period are attached (services.records).
    """
    permissions.require_office(access_for(actor), _("open a rating cycle"))
    name = require_text(name, "name", _("Name"), 200)
    if period_start is None or period_end is None or period_end < period_start:
        raise InvalidInput(_("The period must end on or after it begins."), field="period_end")
    if not template.is_active:
        raise InvalidInput(_("This template is archived."), field="template")
    if units is None:
        units = list(Unit.objects.filter(kind__in=template.unit_kinds, is_active=True))
    if not units:
        raise InvalidInput(_("There is no unit to rate."), field="units")
    office = _office_unit(actor)
    orphan = next((u for u in units if u.parent_id is None and office is None), None)
    if orphan is not None:
        raise InvalidInput(
            _("%(unit)s has no unit above it to review it.") % {"unit": orphan}, field="units"
        )
    cycle = AssessmentCycle.objects.create(
        template=template,
        name=name,
        period_start=period_start,
        period_end=period_end,
        self_due=self_due,
        review_due=review_due,
        created_by=actor,
    )

    def reviewer(unit: Unit) -> int:
        if unit.parent_id:
            return unit.parent_id
        assert office is not None  # a top unit without an office was refused above
        return office.pk

    assessments = Assessment.objects.bulk_create(
        Assessment(cycle=cycle, unit=u, reviewing_unit_id=reviewer(u)) for u in units
    )
    criteria = list(Criterion.objects.filter(goal__template=template))
    Score.objects.bulk_create(
        Score(assessment=a, criterion=c) for a in assessments for c in criteria
    )
    AssessmentEvent.objects.bulk_create(
        AssessmentEvent(assessment=a, kind=AssessmentEventKind.OPENED, actor=actor)
        for a in assessments
    )
    kinds = {k for c in criteria if c.feed == CriterionFeed.INCIDENTS for k in c.incident_kinds}
    earlier = Incident.objects.filter(
        kind__in=sorted(kinds),
        occurred_on__gte=period_start,
        occurred_on__lte=period_end,
        voided_at__isnull=True,
    ).select_related("unit")
    attach_findings(list(earlier), [cycle])
    notify(
        users_of_units([u.pk for u in units]),
        kind=NotificationKind.REQUEST,
        text=_("%(cycle)s is open: assess your unit%(due)s.")
        % {"cycle": name, "due": _(" by %(day)s") % {"day": self_due} if self_due else ""},
    )
    return cycle


@dataclass
class SelfEntry:
    """The unit's score for one criterion, what it says about it, and its evidence."""

    criterion_id: int
    score: object = None
    note: str = ""
    files: Sequence[UploadedFile] = field(default_factory=list)


@transaction.atomic
def self_assess(
    assessment: Assessment,
    *,
    actor: User,
    version: int | None,
    entries: Sequence[SelfEntry],
    submit: bool = False,
) -> Assessment:
    """The unit scores itself with evidence (自评); `submit` sends it to the reviewing unit.

    Criteria fed by the platform (incidents, activities) are not self-scored: their
    notes and evidence are kept. On submission every manual criterion needs a score,
    and one that asks for evidence needs a note or a file.
    """
    assessment = lock(assessment, version)
    authorize("self_assess", actor, assessment)
    scores = {s.criterion_id: s for s in assessment.scores.select_related("criterion")}
    for entry in entries:
        _apply_self_entry(scores, entry, actor)
    Score.objects.bulk_update(list(scores.values()), ["self_score", "self_note"])
    if not submit:
        record(assessment, AssessmentEventKind.SAVED, actor)
        return assessment
    _require_complete(list(scores.values()))
    assessment.state, assessment.submitted_at = AssessmentState.SUBMITTED, timezone.now()
    record(assessment, AssessmentEventKind.SUBMITTED, actor)
    notify(
        users_of_units([assessment.reviewing_unit_id]),
        kind=NotificationKind.REVIEW,
        text=_("%(unit)s submitted its self-assessment for %(cycle)s: review it.")
        % {"unit": assessment.unit, "cycle": assessment.cycle},
    )
    return assessment


def _apply_self_entry(scores: dict[int, Score], entry: SelfEntry, actor: User) -> None:
    score = scores.get(entry.criterion_id)
    if score is None:
        raise NotFound(
            _("Criterion %(pk)s is not part of this assessment.") % {"pk": entry.criterion_id}
        )
    field_name = f"score_{entry.criterion_id}"
    criterion = score.criterion
    if criterion.feed == CriterionFeed.MANUAL and entry.score not in (None, ""):
        score.self_score = points(entry.score, criterion.points, field_name)
    score.self_note = (entry.note or "").strip()
    validate_files(entry.files, f"files_{entry.criterion_id}")
    for upload in entry.files:
        EvidenceFile.objects.create(
            score=score,
            file=upload,
            name=PurePath(upload.name or "").name[:255],
            size=upload.size or 0,
            uploaded_by=actor,
        )


def _require_complete(scores: list[Score]) -> None:
    with_files = set(
        EvidenceFile.objects.filter(score__in=scores).values_list("score_id", flat=True)
    )
    for score in scores:
        criterion = score.criterion
        if criterion.feed != CriterionFeed.MANUAL:
            continue
        if score.self_score is None:
            raise InvalidInput(
                _("Score “%(criterion)s” before submitting.") % {"criterion": criterion.title},
                field=f"score_{criterion.pk}",
            )
        if criterion.evidence and not (score.self_note or score.pk in with_files):
            raise InvalidInput(
                _("“%(criterion)s” needs its evidence: %(evidence)s")
                % {"criterion": criterion.title, "evidence": criterion.evidence},
                field=f"note_{criterion.pk}",
            )


@transaction.atomic
def return_assessment(
    assessment: Assessment, *, actor: User, version: int | None, reason: str
) -> Assessment:
    """The reviewing unit sends the self-assessment back for more evidence (退回补充)."""
    assessment = lock(assessment, version)
    authorize("return", actor, assessment)
    reason = require_text(reason, "reason", _("The reason"))
    assessment.state, assessment.submitted_at = AssessmentState.DRAFT, None
    record(assessment, AssessmentEventKind.RETURNED, actor, comment=reason)
    notify(
        users_of_units([assessment.unit_id]),
        kind=NotificationKind.REVIEW,
        text=_("Your self-assessment for %(cycle)s was returned: %(reason)s")
        % {"cycle": assessment.cycle, "reason": reason},
    )
    return assessment


@dataclass
class ReviewEntry:
    """The reviewer's score for one criterion (blank keeps the unit's or the platform's)."""

    criterion_id: int
    score: object = None
    comment: str = ""


@transaction.atomic
def review_assessment(
    assessment: Assessment,
    *,
    actor: User,
    version: int | None,
    entries: Sequence[ReviewEntry],
    comment: str,
) -> Assessment:
    """The reviewing unit scores and comments (审核). Departing from a score the platform
    computed (activities, incidents) needs a reason on that criterion."""
    assessment = lock(assessment, version)
    authorize("review", actor, assessment)
    assessment.comment = require_text(comment, "comment", _("The reviewer's comment"))
    scores = {s.criterion_id: s for s in assessment.scores.select_related("criterion")}
    for entry in entries:
        _apply_review_entry(scores, entry)
    Score.objects.bulk_update(list(scores.values()), ["review_score", "review_comment"])
    assessment.state, assessment.reviewed_at = AssessmentState.REVIEWED, timezone.now()
    result = queries.result_of(assessment)
    record(
        assessment,
        AssessmentEventKind.REVIEWED,
        actor,
        comment=assessment.comment,
        data={"stars": result.stars, "goals_met": result.goals_met, "total": str(result.total)},
    )
    notify(
        users_of_units([assessment.unit_id]),
        kind=NotificationKind.REVIEW,
        text=_("Your assessment for %(cycle)s was reviewed: %(comment)s")
        % {"cycle": assessment.cycle, "comment": assessment.comment},
    )
    return assessment


def _apply_review_entry(scores: dict[int, Score], entry: ReviewEntry) -> None:
    score = scores.get(entry.criterion_id)
    if score is None:
        raise NotFound(
            _("Criterion %(pk)s is not part of this assessment.") % {"pk": entry.criterion_id}
        )
    criterion = score.criterion
    score.review_comment = (entry.comment or "").strip()
    if entry.score in (None, ""):
        score.review_score = None
        return
    score.review_score = points(entry.score, criterion.points, f"review_{criterion.pk}")
    if criterion.feed != CriterionFeed.MANUAL and not score.review_comment:
        message = _("“%(criterion)s” is scored from the platform's records: give the reason.")
        raise InvalidInput(
            message % {"criterion": criterion.title}, field=f"review_comment_{criterion.pk}"
        )


@transaction.atomic
def rule_finding(
    assessment: Assessment,
    finding_id: int,
    *,
    actor: User,
    version: int | None,
    confirm: bool,
    reason: str = "",
) -> Finding:
    """The reviewer confirms an incident record against the unit, or overrules it with a
    reason (the record was not the unit's doing, or is out of its territory)."""
    assessment = lock(assessment, version)
    authorize("rule_finding", actor, assessment)
    finding = assessment.findings.select_related("incident").filter(pk=finding_id).first()
    if finding is None:
        raise NotFound(_("This incident record is not attached to the assessment."))
    if not confirm:
        reason = require_text(reason, "reason", _("The reason for overruling"), 300)
    finding.ruling = FindingRuling.CONFIRMED if confirm else FindingRuling.OVERRULED
    finding.reason, finding.ruled_by, finding.ruled_at = reason.strip(), actor, timezone.now()
    finding.save(update_fields=["ruling", "reason", "ruled_by", "ruled_at"])
    kind = (
        AssessmentEventKind.FINDING_CONFIRMED if confirm else AssessmentEventKind.FINDING_OVERRULED
    )
    record(
        assessment,
        kind,
        actor,
        comment=reason,
        data={"finding": finding.pk, "incident": finding.incident_id},
    )
    return finding


@transaction.atomic
def publish_cycle(cycle: AssessmentCycle, *, actor: User, version: int | None) -> int:
    """Publish the cycle (公布): each reviewed assessment's scores, stars and goals become
    final; assessments not reviewed stay unrated for this cycle. Returns how many.

    Set-based: three queries score every assessment (queries.results_for), two bulk
    updates store them, one bulk insert logs them.
    """
    cycle = lock_cycle(cycle, version)
    permissions.check_publish(access_for(actor), cycle)
    reviewed = list(cycle.assessments.filter(state=AssessmentState.REVIEWED))
    if not reviewed:
        raise IllegalTransition(_("No assessment of this cycle has been reviewed yet."))
    results = queries.results_for(reviewed, cycle)
    now = timezone.now()
    scores = []
    for assessment in reviewed:
        result = results[assessment.pk]
        assessment.state, assessment.published_at = AssessmentState.PUBLISHED, now
        assessment.stars, assessment.goals_met = result.stars, result.goals_met
        assessment.final_total, assessment.version = result.total, assessment.version + 1
        for score in result.score_rows:
            score.final_score = result.score_of(score.criterion_id)
            scores.append(score)
    Assessment.objects.bulk_update(
        reviewed, ["state", "published_at", "stars", "goals_met", "final_total", "version"]
    )
    Score.objects.bulk_update(scores, ["final_score"])
    AssessmentEvent.objects.bulk_create(
        AssessmentEvent(
            assessment=a,
            kind=AssessmentEventKind.PUBLISHED,
            actor=actor,
            data={"stars": a.stars, "goals_met": a.goals_met},
        )
        for a in reviewed
    )
    cycle.state, cycle.published_at, cycle.published_by = CycleState.PUBLISHED, now, actor
    cycle.version += 1
    cycle.save()
    notify(
        users_of_units([a.unit_id for a in reviewed]),
        kind=NotificationKind.REVIEW,
        text=_("The results of %(cycle)s are published.") % {"cycle": cycle},
    )
    return len(reviewed)
