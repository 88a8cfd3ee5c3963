"""Every operation that changes evaluation data: one function per verb.

Each checks permission (evaluation.permissions), locks the period and compares its
version (lib.eventlog), changes it inside one transaction and appends its
EvaluationEvent. Pages, the API, commands and the demo all call these functions.
"""

from .adjustments import add_adjustment, withdraw_adjustment
from .periods import close_period, open_period, period_bounds, review_period
from .schemes import DEFAULT_KINDS, DEFAULT_RULES, publish_scheme, validate_rules
from .scoring import (
    competition_ranks,
    compute_period,
    compute_scorecards,
    evaluated_units,
    previous_period,
    rule_points,
)

__all__ = [
    "DEFAULT_KINDS",
    "DEFAULT_RULES",
    "add_adjustment",
    "close_period",
    "competition_ranks",
    "compute_period",
    "compute_scorecards",
    "evaluated_units",
    "open_period",
    "period_bounds",
    "previous_period",
    "publish_scheme",
    "review_period",
    "rule_points",
    "validate_rules",
    "withdraw_adjustment",
]
