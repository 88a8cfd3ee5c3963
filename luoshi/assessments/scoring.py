"""How an assessment's criteria are scored and its stars (or goals) earned.

Pure functions over rows already loaded (no query of their own), so the assessment
page, the review and the publication of a whole cycle score alike.

1. A criterion's score:
   - `incidents`: its points, unless an incident of its kinds in the unit's territory
     during the cycle counts against it (a finding not overruled, an incident not
     voided): then 0 — the standing is lost (零事故 …). The reviewer's score, if given,
     replaces the points.
   - `activities`: points × min(1, activities held / activities expected), the
     expectation being the yearly target pro rata to the cycle's length; the
     reviewer's score, if given (with a reason), replaces it.
   - `manual`: the reviewer's score, else the unit's own, else 0.
2. A goal (a star, or one of the three zeros) is met when its criteria add up to its
   threshold and each criterion reaches its own threshold.
3. Stars = goals met.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.utils.translation import gettext as _

from .models import Criterion, CriterionFeed, Finding, Goal, Score

TENTH = Decimal("0.1")


def expected_activities(criterion: Criterion, start: dt.date, end: dt.date) -> int:
    """The yearly target pro rata to the cycle's days (at least 1 when there is a target)."""
    if not criterion.activity_target:
        return 0
    days = (end - start).days + 1
    return max(1, math.ceil(criterion.activity_target * days / 365))


@dataclass
class CriterionResult:
    criterion: Criterion
    score: Decimal
    how: str  # "review", "self", "activities", "incidents", "none"
    findings: list[Finding] = field(default_factory=list)
    held: int | None = None
    expected: int | None = None

    @property
    def meets(self) -> bool:
        return self.score >= self.criterion.threshold

    @property
    def dropped(self) -> bool:
        return any(f.counts for f in self.findings)


@dataclass
class GoalResult:
    goal: Goal
    criteria: list[CriterionResult]

    @property
    def total(self) -> Decimal:
        return sum((c.score for c in self.criteria), Decimal(0))

    @property
    def points(self) -> Decimal:
        return sum((c.criterion.points for c in self.criteria), Decimal(0))

    @property
    def met(self) -> bool:
        return self.total >= self.goal.threshold and all(c.meets for c in self.criteria)

    def why_not(self) -> list[str]:
        """What kept the goal from being met, in the words of the criteria."""
        reasons = [f.incident.title for c in self.criteria for f in c.findings if f.counts]
        reasons += [
            f"{c.criterion.title}（{c.score}/{c.criterion.points}）"
            for c in self.criteria
            if not c.meets and not c.dropped
        ]
        if not reasons and self.total < self.goal.threshold:
            reasons.append(
                _("%(total)s points, %(needed)s needed")
                % {"total": self.total, "needed": self.goal.threshold}
            )
        return reasons


@dataclass
class Result:
    goals: list[GoalResult]
    score_rows: list[Score] = field(default_factory=list)

    @property
    def stars(self) -> int:
        return sum(1 for g in self.goals if g.met)

    @property
    def goals_met(self) -> list[str]:
        return [g.goal.code for g in self.goals if g.met]

    @property
    def total(self) -> Decimal:
        return sum((g.total for g in self.goals), Decimal(0))

    def score_of(self, criterion_id: int) -> Decimal:
        for goal in self.goals:
            for result in goal.criteria:
                if result.criterion.pk == criterion_id:
                    return result.score
        return Decimal(0)


def criterion_result(
    score: Score,
    findings: list[Finding],
    held: Mapping[str, int],
    start: dt.date,
    end: dt.date,
) -> CriterionResult:
    criterion = score.criterion
    if criterion.feed == CriterionFeed.INCIDENTS:
        if any(f.counts for f in findings):
            return CriterionResult(criterion, Decimal(0), "incidents", findings)
        value = score.review_score if score.review_score is not None else criterion.points
        return CriterionResult(criterion, value, "incidents", findings)
    if criterion.feed == CriterionFeed.ACTIVITIES:
        count = sum(held.get(t, 0) for t in criterion.activity_types)
        expected = expected_activities(criterion, start, end)
        share = min(Decimal(1), Decimal(count) / expected) if expected else Decimal(1)
        auto = (criterion.points * share).quantize(TENTH, rounding=ROUND_HALF_UP)
        value, how = auto, "activities"
        if score.review_score is not None:
            value, how = score.review_score, "review"
        return CriterionResult(criterion, value, how, held=count, expected=expected)
    if score.review_score is not None:
        return CriterionResult(criterion, score.review_score, "review")
    if score.self_score is not None:
        return CriterionResult(criterion, score.self_score, "self")
    return CriterionResult(criterion, Decimal(0), "none")


def evaluate(
    scores: Iterable[Score],
    findings: Iterable[Finding],
    held: Mapping[str, int],
    start: dt.date,
    end: dt.date,
) -> Result:
    """Score an assessment from its Score rows (criterion and goal loaded), its findings
    (incident loaded) and the branch's activities held by type."""
    by_criterion: dict[int, list[Finding]] = {}
    for finding in findings:
        by_criterion.setdefault(finding.criterion_id, []).append(finding)
    scores = list(scores)
    goals: dict[int, GoalResult] = {}
    for score in sorted(scores, key=lambda s: (s.criterion.goal.order, s.criterion.order)):
        goal = score.criterion.goal
        result = criterion_result(score, by_criterion.get(score.criterion_id, []), held, start, end)
        goals.setdefault(goal.pk, GoalResult(goal, [])).criteria.append(result)
    return Result(list(goals.values()), list(scores))
