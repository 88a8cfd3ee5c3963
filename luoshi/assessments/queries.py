"""Reads of the ratings: who sees which assessment, an assessment's result, the stars
ladder of a unit, stars by district over time, stars lost and why, bottom-line breaches.

Visibility: the office and leaders see every assessment; a unit sees its own (and
those of units below one it heads) and those it reviews.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext as _

from luoshi.lib.errors import NotFound
from luoshi.org.access import access_for
from luoshi.org.models import Unit, UnitKind

from .models import (
    Assessment,
    AssessmentCycle,
    AssessmentState,
    BottomLine,
    BottomLineBreach,
    BranchActivity,
    Finding,
    Goal,
    Incident,
    Score,
)
from .scoring import Result, evaluate


def visible_assessments(user: User | AnonymousUser) -> QuerySet[Assessment]:
    access = access_for(user)
    if access.user_id is None:
        return Assessment.objects.none()
    if access.sees_everything:
        return Assessment.objects.all()
    return Assessment.objects.filter(
        Q(unit_id__in=sorted(access.visible_units))
        | Q(reviewing_unit_id__in=sorted(access.own_units))
    )


def may_see_unit(user: User | AnonymousUser, unit: Unit) -> bool:
    """A unit's ratings: the office and leaders, the unit's own people (and heads above
    it), and the unit that reviews it (the street above a village)."""
    access = access_for(user)
    return (
        access.sees_everything
        or unit.pk in access.visible_units
        or (unit.parent_id is not None and access.acts_for(unit.parent_id))
    )


def get_assessment_for_user(user: User | AnonymousUser, pk: int) -> Assessment:
    assessment = (
        visible_assessments(user)
        .select_related("cycle", "cycle__template", "unit", "reviewing_unit")
        .filter(pk=pk)
        .first()
    )
    if assessment is None:
        raise NotFound(_("Assessment %(pk)s does not exist or is not visible to you.") % {"pk": pk})
    return assessment


def visible_incidents(user: User | AnonymousUser) -> QuerySet[Incident]:
    access = access_for(user)
    if access.user_id is None:
        return Incident.objects.none()
    if access.sees_everything:
        return Incident.objects.all()
    return Incident.objects.filter(unit_id__in=sorted(access.visible_units))


def visible_activities(user: User | AnonymousUser) -> QuerySet[BranchActivity]:
    access = access_for(user)
    if access.user_id is None:
        return BranchActivity.objects.none()
    if access.sees_everything:
        return BranchActivity.objects.all()
    return BranchActivity.objects.filter(unit_id__in=sorted(access.visible_units))


# -- scoring inputs, read set-based ---------------------------------------------------------


def held_activities(
    unit_ids: Sequence[int], start: dt.date, end: dt.date
) -> dict[int, dict[str, int]]:
    """Activities each unit held in the period, by type (voided ones do not count)."""
    rows = (
        BranchActivity.objects.filter(
            unit_id__in=list(unit_ids),
            held_on__gte=start,
            held_on__lte=end,
            voided_at__isnull=True,
        )
        .values_list("unit_id", "type")
        .annotate(n=Count("pk"))
        .order_by()
    )
    held: dict[int, dict[str, int]] = defaultdict(dict)
    for unit_id, kind, count in rows:
        held[unit_id][kind] = count
    return held


def results_for(assessments: Sequence[Assessment], cycle: AssessmentCycle) -> dict[int, Result]:
    """Each assessment's result (assessments of one cycle): three queries for any number."""
    ids = [a.pk for a in assessments]
    scores: dict[int, list[Score]] = defaultdict(list)
    for score in Score.objects.filter(assessment_id__in=ids).select_related("criterion__goal"):
        scores[score.assessment_id].append(score)
    findings: dict[int, list[Finding]] = defaultdict(list)
    for finding in Finding.objects.filter(assessment_id__in=ids).select_related("incident"):
        findings[finding.assessment_id].append(finding)
    period = (cycle.period_start, cycle.period_end)
    held = held_activities([a.unit_id for a in assessments], *period)
    return {
        a.pk: evaluate(scores[a.pk], findings[a.pk], held.get(a.unit_id, {}), *period)
        for a in assessments
    }


def result_of(assessment: Assessment) -> Result:
    return results_for([assessment], assessment.cycle)[assessment.pk]


# -- the ladder: a unit's stars over time ---------------------------------------------------


@dataclass
class Step:
    cycle: AssessmentCycle
    stars: int
    goals_met: list[str]
    change: int | None  # against the previous published cycle of the template


def ladder(unit: Unit) -> dict[str, list[Step]]:
    """The unit's published results by template, oldest first: one query."""
    rows = (
        Assessment.objects.filter(unit=unit, state=AssessmentState.PUBLISHED)
        .select_related("cycle", "cycle__template")
        .order_by("cycle__period_end", "pk")
    )
    steps: dict[str, list[Step]] = defaultdict(list)
    for row in rows:
        name = row.cycle.template.name
        assert row.stars is not None  # publish_cycle sets the stars of every result it publishes
        before = steps[name][-1].stars if steps[name] else None
        change = None if before is None else row.stars - before
        steps[name].append(Step(row.cycle, row.stars, row.goals_met, change))
    return dict(steps)


# -- figures --------------------------------------------------------------------------------


def published_cycles(template_id: int | None = None) -> QuerySet[AssessmentCycle]:
    cycles = AssessmentCycle.objects.filter(published_at__isnull=False).select_related("template")
    if template_id:
        cycles = cycles.filter(template_id=template_id)
    return cycles.order_by("period_end", "pk")


@dataclass
class DistrictRow:
    district: Unit | None
    by_cycle: dict[int, dict] = field(default_factory=dict)  # cycle id → counts and average


def stars_by_district(cycles: Sequence[AssessmentCycle]) -> list[DistrictRow]:
    """Per district and published cycle: units rated, average stars, units by stars.

    Two queries: the published assessments with their unit paths, and the districts.
    A unit belongs to the district on its path (a village → its street → its district).
    """
    districts = {u.pk: u for u in Unit.objects.filter(kind=UnitKind.DISTRICT)}
    rows = Assessment.objects.filter(
        cycle__in=list(cycles), state=AssessmentState.PUBLISHED
    ).values_list("cycle_id", "unit__path", "stars")
    table: dict[int | None, DistrictRow] = {}
    for cycle_id, path, stars in rows:
        district = _district_of(path, districts)
        row = table.setdefault(district.pk if district else None, DistrictRow(district))
        cell = row.by_cycle.setdefault(cycle_id, {"units": 0, "stars": 0, "counts": Counter()})
        cell["units"] += 1
        cell["stars"] += stars or 0
        cell["counts"][stars or 0] += 1
    for row in table.values():
        for cell in row.by_cycle.values():
            cell["average"] = round(cell["stars"] / cell["units"], 2) if cell["units"] else 0
    return sorted(
        table.values(), key=lambda r: (r.district is None, getattr(r.district, "order", 0))
    )


def _district_of(path: str, districts: dict[int, Unit]) -> Unit | None:
    ids = [int(p) for p in path.strip("/").split("/") if p]
    return next((districts[i] for i in ids if i in districts), None)


@dataclass
class LostStar:
    unit: Unit
    before: int
    now: int
    goals: list[Goal]
    reasons: dict[str, list[str]]  # goal code → why


def stars_lost(cycle: AssessmentCycle) -> list[LostStar]:
    """Units that hold fewer goals than in the template's previous published cycle, and why.

    Reads the previous cycle's goals (one query), this cycle's published assessments
    and their results (three queries).
    """
    previous = (
        AssessmentCycle.objects.filter(
            template=cycle.template, published_at__isnull=False, period_end__lt=cycle.period_end
        )
        .order_by("-period_end")
        .first()
    )
    if previous is None:
        return []
    before = {
        unit_id: (stars, set(goals))
        for unit_id, stars, goals in previous.assessments.filter(
            state=AssessmentState.PUBLISHED
        ).values_list("unit_id", "stars", "goals_met")
    }
    now = [
        a
        for a in cycle.assessments.filter(state=AssessmentState.PUBLISHED).select_related("unit")
        if a.unit_id in before and before[a.unit_id][1] - set(a.goals_met)
    ]
    results = results_for(now, cycle) if now else {}
    goals = {g.code: g for g in Goal.objects.filter(template=cycle.template)}
    lost = []
    for assessment in now:
        lost_codes = before[assessment.unit_id][1] - set(assessment.goals_met)
        codes = sorted(lost_codes, key=lambda c: goals[c].order if c in goals else 99)
        result = results[assessment.pk]
        reasons = {g.goal.code: g.why_not() for g in result.goals if g.goal.code in codes}
        lost.append(
            LostStar(
                assessment.unit,
                before[assessment.unit_id][0] or 0,
                assessment.stars or 0,
                [goals[c] for c in codes if c in goals],
                reasons,
            )
        )
    return lost


def breaches(year: int) -> list[tuple[BottomLine, list[BottomLineBreach]]]:
    """Each bottom line with its breaches in the year: two queries."""
    found: dict[int, list[BottomLineBreach]] = defaultdict(list)
    rows = BottomLineBreach.objects.filter(incident__occurred_on__year=year).select_related(
        "incident", "incident__unit"
    )
    for breach in rows:
        found[breach.bottom_line_id].append(breach)
    return [(line, found[line.pk]) for line in BottomLine.objects.filter(is_active=True)]
