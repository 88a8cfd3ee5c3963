"""The ratings API: cycles, assessments (self-assessment, review, rulings, publication),
a unit's stars ladder, figures, incident records (the seam) and branch activities.

Reads go through assessments.queries; changes through assessments.services with the
version the caller read (409 stale_version otherwise).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db.models import Count
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from luoshi.lib import numbers
from luoshi.lib.errors import InvalidInput, NotAllowed
from luoshi.lib.schemas import Input
from luoshi.matters.schemas import ErrorOut
from luoshi.org.access import access_for
from luoshi.org.models import Unit

from . import queries, services
from .filters import AssessmentFilter
from .models import Assessment, AssessmentCycle, AssessmentTemplate
from .permissions import available_actions

router = Router(tags=["assessments"])
ERRORS: dict[int, Any] = {status: ErrorOut for status in (401, 403, 404, 409, 422)}


def _r(schema) -> dict[int, Any]:
    return {200: schema, **ERRORS}


class AssessmentRef(Schema):
    id: int
    name: str


def _ref(obj) -> dict | None:
    return {"id": obj.pk, "name": str(obj)} if obj is not None else None


class CycleOut(Schema):
    id: int
    name: str
    template: AssessmentRef
    period_start: dt.date
    period_end: dt.date
    state: str
    version: int


def _cycle(c: AssessmentCycle) -> dict:
    return {
        **{
            f: getattr(c, f)
            for f in ("id", "name", "period_start", "period_end", "state", "version")
        },
        "template": _ref(c.template),
    }


@router.get("/cycles", response=_r(list[CycleOut]), url_name="cycle_list")
def list_cycles(request: HttpRequest):
    cycles = AssessmentCycle.objects.select_related("template").order_by("-period_end")[:200]
    return [_cycle(c) for c in cycles]


class CycleIn(Input):
    template: int
    name: str
    period_start: dt.date
    period_end: dt.date
    self_due: dt.date | None = None
    review_due: dt.date | None = None
    units: list[int] | None = None


@router.post("/cycles", response={201: CycleOut, **ERRORS}, url_name="cycle_open")
def open_cycle(request: HttpRequest, payload: CycleIn):
    """Open a cycle: every village and community (or the units given) gets an assessment."""
    template = AssessmentTemplate.objects.filter(pk=payload.template).first()
    if template is None:
        raise InvalidInput(f"template: {payload.template}", field="template")
    units = None
    if payload.units is not None:
        units = list(Unit.objects.filter(pk__in=payload.units))
        if len(units) != len(set(payload.units)):
            raise InvalidInput(_unknown(payload.units, units), field="units")
    data = payload.dict(exclude={"template", "units"})
    cycle = services.open_cycle(actor=request.user, template=template, units=units, **data)
    return Status(201, _cycle(cycle))


def _unknown(asked: list[int], found: list[Unit]) -> str:
    missing = sorted(set(asked) - {u.pk for u in found})
    return "units: " + ", ".join(map(str, missing))


class AssessmentVersionIn(Input):
    version: int


@router.post("/cycles/{int:pk}/publish", response=_r(CycleOut), url_name="cycle_publish")
def publish(request: HttpRequest, pk: int, payload: AssessmentVersionIn):
    """Publish the cycle: reviewed assessments become final with their stars."""
    cycle = get_object_or_404(AssessmentCycle, pk=pk)
    services.publish_cycle(cycle, actor=request.user, version=payload.version)
    cycle.refresh_from_db()
    return _cycle(cycle)


# ---- assessments ---------------------------------------------------------------------------


class AssessmentItem(Schema):
    id: int
    cycle: AssessmentRef
    unit: AssessmentRef
    reviewing_unit: AssessmentRef
    state: str
    stars: int | None
    goals_met: list[str]
    version: int


def _item(a: Assessment) -> dict:
    return {
        "id": a.pk,
        "cycle": _ref(a.cycle),
        "unit": _ref(a.unit),
        "reviewing_unit": _ref(a.reviewing_unit),
        "state": a.state,
        "stars": a.stars,
        "goals_met": a.goals_met,
        "version": a.version,
    }


@router.get("/", response=_r(list[AssessmentItem]), url_name="assessment_list")
def list_assessments(request: HttpRequest):
    """Assessments the caller may see; filter by cycle, unit, reviewing_unit, template, state."""
    afilter = AssessmentFilter.from_params(request.GET)
    if not afilter.is_valid:
        field, message = next(iter(afilter.errors.items()))
        raise InvalidInput(message, field=field)
    rows = afilter.apply(queries.visible_assessments(request.user))
    return [_item(a) for a in rows.select_related("cycle", "unit", "reviewing_unit")[:1000]]


class FindingOut(Schema):
    id: int
    incident: int
    title: str
    url: str
    ruling: str
    reason: str
    counts: bool


class CriterionOut(Schema):
    id: int
    title: str
    points: Decimal
    threshold: Decimal
    feed: str
    self_score: Decimal | None
    review_score: Decimal | None
    score: Decimal
    meets: bool
    held: int | None
    expected: int | None
    findings: list[FindingOut]


class GoalOut(Schema):
    code: str
    name: str
    threshold: Decimal
    total: Decimal
    met: bool
    criteria: list[CriterionOut]


class AssessmentDetail(AssessmentItem):
    comment: str
    goals: list[GoalOut]
    stars_now: int
    available_actions: list[str]


def _detail(request: HttpRequest, pk: int) -> dict:
    assessment = queries.get_assessment_for_user(request.user, pk)
    result = queries.result_of(assessment)
    scores = {s.criterion_id: s for s in result.score_rows}
    goals = [
        {
            "code": g.goal.code,
            "name": g.goal.name,
            "threshold": g.goal.threshold,
            "total": g.total,
            "met": g.met,
            "criteria": [
                {
                    "id": c.criterion.pk,
                    "title": c.criterion.title,
                    "points": c.criterion.points,
                    "threshold": c.criterion.threshold,
                    "feed": c.criterion.feed,
                    "self_score": scores[c.criterion.pk].self_score,
                    "review_score": scores[c.criterion.pk].review_score,
                    "score": c.score,
                    "meets": c.meets,
                    "held": c.held,
                    "expected": c.expected,
                    "findings": [
                        {
                            "id": f.pk,
                            "incident": f.incident_id,
                            "title": f.incident.title,
                            "url": f.incident.url,
                            "ruling": f.ruling,
                            "reason": f.reason,
                            "counts": f.counts,
                        }
                        for f in c.findings
                    ],
                }
                for c in g.criteria
            ],
        }
        for g in result.goals
    ]
    return {
        **_item(assessment),
        "comment": assessment.comment,
        "goals": goals,
        "stars_now": result.stars,
        "available_actions": available_actions(access_for(request.user), assessment),
    }


@router.get("/{int:pk}", response=_r(AssessmentDetail), url_name="assessment_detail")
def assessment_detail(request: HttpRequest, pk: int):
    """An assessment with each criterion's score as it stands, its incident records and
    what the caller may do now."""
    return _detail(request, pk)


class SelfEntryIn(Input):
    criterion_id: int
    score: Decimal | None = Field(None, ge=0, le=numbers.POINTS_MAX)
    note: str = ""


class SelfAssessIn(Input):
    version: int
    entries: list[SelfEntryIn] = []
    submit: bool = False


def _assessment(request: HttpRequest, pk: int) -> Assessment:
    return queries.get_assessment_for_user(request.user, pk)


@router.post("/{int:pk}/self-assess", response=_r(AssessmentDetail), url_name="self_assess")
def self_assess(request: HttpRequest, pk: int, payload: SelfAssessIn):
    services.self_assess(
        _assessment(request, pk),
        actor=request.user,
        version=payload.version,
        entries=[services.SelfEntry(**e.dict()) for e in payload.entries],
        submit=payload.submit,
    )
    return _detail(request, pk)


class ReviewEntryIn(Input):
    criterion_id: int
    score: Decimal | None = Field(None, ge=0, le=numbers.POINTS_MAX)
    comment: str = ""


class AssessmentReviewIn(Input):
    version: int
    entries: list[ReviewEntryIn] = []
    comment: str


@router.post("/{int:pk}/review", response=_r(AssessmentDetail), url_name="review")
def review(request: HttpRequest, pk: int, payload: AssessmentReviewIn):
    services.review_assessment(
        _assessment(request, pk),
        actor=request.user,
        version=payload.version,
        entries=[services.ReviewEntry(**e.dict()) for e in payload.entries],
        comment=payload.comment,
    )
    return _detail(request, pk)


class AssessmentReasonIn(Input):
    version: int
    reason: str


@router.post("/{int:pk}/return", response=_r(AssessmentDetail), url_name="return")
def return_assessment(request: HttpRequest, pk: int, payload: AssessmentReasonIn):
    services.return_assessment(
        _assessment(request, pk), actor=request.user, version=payload.version, reason=payload.reason
    )
    return _detail(request, pk)


class RulingIn(Input):
    version: int
    confirm: bool
    reason: str = ""


@router.post(
    "/{int:pk}/findings/{int:finding_id}/rule", response=_r(AssessmentDetail), url_name="rule"
)
def rule(request: HttpRequest, pk: int, finding_id: int, payload: RulingIn):
    """Confirm an incident record against the unit, or overrule it with a reason."""
    services.rule_finding(
        _assessment(request, pk),
        finding_id,
        actor=request.user,
        version=payload.version,
        confirm=payload.confirm,
        reason=payload.reason,
    )
    return _detail(request, pk)


class StepOut(Schema):
    cycle: AssessmentRef
    period_end: dt.date
    stars: int
    goals_met: list[str]
    change: int | None


@router.get("/units/{int:pk}/ladder", response=_r(dict[str, list[StepOut]]), url_name="ladder")
def ladder(request: HttpRequest, pk: int):
    """A unit's published stars by template, oldest first (the ladder over time)."""
    unit = get_object_or_404(Unit, pk=pk)
    if not queries.may_see_unit(request.user, unit):
        raise NotAllowed(_("You may see only your own units' ratings."))
    return {
        name: [
            {
                "cycle": _ref(s.cycle),
                "period_end": s.cycle.period_end,
                "stars": s.stars,
                "goals_met": s.goals_met,
                "change": s.change,
            }
            for s in steps
        ]
        for name, steps in queries.ladder(unit).items()
    }


# ---- records: incidents (the seam) and branch activities -----------------------------------


class IncidentIn(Input):
    kind: str
    severity: str = "general"
    unit: int
    occurred_on: dt.date
    title: str
    description: str = ""


class IncidentOut(Schema):
    id: int
    kind: str
    severity: str
    unit: AssessmentRef
    occurred_on: dt.date
    title: str
    source: str
    url: str
    voided: bool
    findings: int


@router.post("/incidents", response={201: IncidentOut, **ERRORS}, url_name="incident_record")
def record_incident(request: HttpRequest, payload: IncidentIn):
    """Record an incident (an accident, a case, an escalated petition) in your territory; it is
    attached at once to the open assessments it counts against and checked against the
    bottom lines."""
    unit = Unit.objects.filter(pk=payload.unit).first()
    if unit is None:
        raise InvalidInput(f"unit: {payload.unit}", field="unit")
    data = {**payload.dict(), "unit": unit}
    incident = services.record_incident(services.IncidentRecord(**data), actor=request.user)
    return Status(201, _incident(incident))


def _incident(i) -> dict:
    return {
        **{
            f: getattr(i, f)
            for f in ("id", "kind", "severity", "occurred_on", "title", "source", "url")
        },
        "unit": _ref(i.unit),
        "voided": i.voided_at is not None,
        "findings": i.n_findings if hasattr(i, "n_findings") else i.findings.count(),
    }


@router.get("/incidents", response=_r(list[IncidentOut]), url_name="incident_list")
def list_incidents(
    request: HttpRequest,
    year: int | None = Query(None, ge=numbers.YEAR_MIN, le=numbers.YEAR_MAX),
):
    year = year or timezone.localdate().year
    rows = queries.visible_incidents(request.user).filter(occurred_on__year=year)
    rows = rows.select_related("unit").annotate(n_findings=Count("findings"))
    return [_incident(i) for i in rows[:500]]


class ActivityIn(Input):
    unit: int
    type: str
    held_on: dt.date
    topic: str
    attended: int = Field(ge=0, le=numbers.MEMBERS_MAX)
    expected: int = Field(ge=1, le=numbers.MEMBERS_MAX)
    minutes: str


class ActivityOut(Schema):
    id: int
    unit: AssessmentRef
    type: str
    held_on: dt.date
    topic: str
    attended: int
    expected: int


@router.post("/activities", response={201: ActivityOut, **ERRORS}, url_name="activity_record")
def record_activity(request: HttpRequest, payload: ActivityIn):
    """A branch records an activity it held (三会一课, 主题党日)."""
    unit = Unit.objects.filter(pk=payload.unit).first()
    if unit is None:
        raise InvalidInput(f"unit: {payload.unit}", field="unit")
    spec = services.ActivitySpec(**{**payload.dict(), "unit": unit})
    activity = services.record_activity(spec, actor=request.user)
    return Status(
        201,
        {
            **{
                f: getattr(activity, f)
                for f in ("id", "type", "held_on", "topic", "attended", "expected")
            },
            "unit": _ref(unit),
        },
    )


class DistrictOut(Schema):
    district: AssessmentRef | None
    cycles: dict[str, dict]


class LostOut(Schema):
    unit: AssessmentRef
    before: int
    now: int
    goals: list[str]
    reasons: dict[str, list[str]]


class BreachOut(Schema):
    title: str
    unit: AssessmentRef
    occurred_on: dt.date
    url: str


class BottomLineOut(Schema):
    name: str
    breaches: list[BreachOut]


class AssessmentFiguresOut(Schema):
    cycles: list[CycleOut]
    districts: list[DistrictOut]
    lost: list[LostOut]
    bottom_lines: list[BottomLineOut]


@router.get("/figures", response=_r(AssessmentFiguresOut), url_name="figures")
def figures(request: HttpRequest, template: int | None = None):
    """Stars by district over the published cycles, the units that lost a star and why,
    and the bottom lines with this year's breaches. For leaders and the office."""
    if not access_for(request.user).sees_everything:
        raise NotAllowed(_("The ratings figures are for leaders and the office."))
    cycles = list(queries.published_cycles(template))
    latest = cycles[-1] if cycles else None
    return {
        "cycles": [_cycle(c) for c in cycles],
        "districts": [
            {
                "district": _ref(row.district),
                "cycles": {  # in the order of the cycles
                    str(c.pk): {
                        "units": row.by_cycle[c.pk]["units"],
                        "average": row.by_cycle[c.pk]["average"],
                    }
                    for c in cycles
                    if c.pk in row.by_cycle
                },
            }
            for row in queries.stars_by_district(cycles)
        ],
        "lost": [
            {
                "unit": _ref(item.unit),
                "before": item.before,
                "now": item.now,
                "goals": [g.code for g in item.goals],
                "reasons": item.reasons,
            }
            for item in (queries.stars_lost(latest) if latest else [])
        ],
        "bottom_lines": [
            {
                "name": line.name,
                "breaches": [
                    {
                        "title": b.incident.title,
                        "unit": _ref(b.incident.unit),
                        "occurred_on": b.incident.occurred_on,
                        "url": b.incident.url,
                    }
                    for b in found
                ],
            }
            for line, found in queries.breaches(timezone.localdate().year)
        ],
    }
