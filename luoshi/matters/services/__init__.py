"""Every operation that changes a matter: one function per verb.

Each checks permission and preconditions (matters.permissions), locks the matter
and compares its version, changes it inside one transaction, appends its
MatterEvent, and sends notifications after commit. Pages, the API, imports and
commands all call these functions.

`permission_context(matter)` is what pages and the API hand to matters.permissions
(`available_actions`, `check`) to offer only what the user may do now.
"""

from ._base import context as permission_context
from .bulk import NewMatter, register_matters
from .clock import comment_on_matter, hasten_matter, resume_matter, suspend_matter
from .deadlines import recount_deadline, recount_provisional_deadlines
from .dispatch import (
    CoUnit,
    MatterSpec,
    MilestoneSpec,
    add_milestones,
    approve_dispatch,
    assign_matter,
    decompose_matter,
    register_matter,
    submit_for_approval,
    template_specs,
    update_matter,
    withdraw_matter,
)
from .handling import (
    accept_matter,
    close_matter,
    complete_milestone,
    complete_part,
    report_progress,
    request_completion,
    review_completion,
)
from .reopening import rate_matter, reopen_matter, settle_unsatisfied
from .requests import raise_dispute, request_extension, rule_dispute, rule_extension
from .verification import verify_completion

__all__ = [
    "CoUnit",
    "MatterSpec",
    "MilestoneSpec",
    "permission_context",
    "NewMatter",
    "accept_matter",
    "add_milestones",
    "approve_dispatch",
    "assign_matter",
    "close_matter",
    "comment_on_matter",
    "complete_milestone",
    "complete_part",
    "decompose_matter",
    "hasten_matter",
    "raise_dispute",
    "recount_deadline",
    "recount_provisional_deadlines",
    "rate_matter",
    "register_matter",
    "reopen_matter",
    "register_matters",
    "report_progress",
    "request_completion",
    "request_extension",
    "resume_matter",
    "review_completion",
    "rule_dispute",
    "rule_extension",
    "settle_unsatisfied",
    "submit_for_approval",
    "suspend_matter",
    "template_specs",
    "update_matter",
    "verify_completion",
    "withdraw_matter",
]
