"""Every status, warning and code of a matter, declared once with its label and colour.

Badges, filters, charts and Excel fills read labels and colours from here.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class MatterKind(models.TextChoices):
    TASK = "task", _("Task")
    ENTERPRISE = "enterprise", _("Enterprise problem")
    HAZARD = "hazard", _("Hazard rectification")
    CITIZEN = "citizen", _("Citizen request")


class Source(models.TextChoices):
    MEETING = "meeting", _("Meeting decision")
    INSTRUCTION = "instruction", _("Leader instruction")
    HIGHER_LEVEL = "higher_level", _("Assigned by higher level")
    WORK_REPORT = "work_report", _("Government work report")
    PROPOSAL = "proposal", _("Deputies' proposal")
    CITIZEN = "citizen", _("Citizen request")
    ENTERPRISE = "enterprise", _("Enterprise request")
    INSPECTION = "inspection", _("Hazard inspection")


class Priority(models.TextChoices):
    NORMAL = "normal", _("Normal")
    URGENT = "urgent", _("Urgent")
    VERY_URGENT = "very_urgent", _("Very urgent")


class ReportCycle(models.TextChoices):
    NONE = "none", _("No fixed cycle")
    WEEKLY = "weekly", _("Weekly")
    BIWEEKLY = "biweekly", _("Every two weeks")
    MONTHLY = "monthly", _("Monthly")
    QUARTERLY = "quarterly", _("Quarterly")


# Calendar days a report cycle spans; the stalled warning adds Policy.stall_grace_workdays.
CYCLE_DAYS = {
    ReportCycle.WEEKLY: 7,
    ReportCycle.BIWEEKLY: 14,
    ReportCycle.MONTHLY: 31,
    ReportCycle.QUARTERLY: 92,
}


class State(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PENDING_APPROVAL = "pending_approval", _("Awaiting leader approval")
    APPROVED = "approved", _("Approved for dispatch")
    ASSIGNED = "assigned", _("Assigned")
    ACCEPTED = "accepted", _("Accepted")
    IN_PROGRESS = "in_progress", _("In progress")
    COMPLETION_REQUESTED = "completion_requested", _("Completion requested")
    COMPLETED = "completed", _("Completed")
    CLOSED = "closed", _("Closed")
    WITHDRAWN = "withdrawn", _("Withdrawn")


PRE_DISPATCH_STATES = frozenset({State.DRAFT, State.PENDING_APPROVAL, State.APPROVED})
# The clock runs in these states: warnings are computed for them.
RUNNING_STATES = frozenset({State.ASSIGNED, State.ACCEPTED, State.IN_PROGRESS})
OPEN_STATES = RUNNING_STATES | {State.COMPLETION_REQUESTED}
TERMINAL_STATES = frozenset({State.COMPLETED, State.CLOSED, State.WITHDRAWN})
# Every section of the desk (我的工作台) is about a matter in one of these states.
DESK_STATES = OPEN_STATES | PRE_DISPATCH_STATES


class MatterWarning(models.TextChoices):
    NORMAL = "normal", pgettext_lazy("warning", "Normal")
    DUE_SOON = "due_soon", _("Due soon")
    OVERDUE = "overdue", _("Overdue")
    STALLED = "stalled", _("Stalled")
    BEHIND_PLAN = "behind_plan", _("Behind plan")
    # The unit's clock is stopped: the matter waits for the office (review, ruling).
    AWAITING_OFFICE = "awaiting_office", _("Awaiting the office")


# Colour of each warning: green / yellow / red / grey / blue. behind_plan turns red once the
# lag passes Policy.behind_plan_red_points (see Matter.warning_colour).
WARNING_COLOURS = {
    MatterWarning.NORMAL: "green",
    MatterWarning.DUE_SOON: "yellow",
    MatterWarning.OVERDUE: "red",
    MatterWarning.STALLED: "grey",
    MatterWarning.BEHIND_PLAN: "yellow",
    MatterWarning.AWAITING_OFFICE: "blue",
}
# When several apply, the scan keeps the first of this order. A matter awaiting the
# office is none of the unit's warnings (matters.fairness).
WARNING_PRECEDENCE = [
    MatterWarning.AWAITING_OFFICE,
    MatterWarning.OVERDUE,
    MatterWarning.STALLED,
    MatterWarning.BEHIND_PLAN,
    MatterWarning.DUE_SOON,
]


class PartRole(models.TextChoices):
    LEAD = "lead", _("Lead unit")
    CO = "co", _("Co-unit")


class PartState(models.TextChoices):
    PLANNED = "planned", _("Planned (not yet assigned)")
    ASSIGNED = "assigned", _("Assigned")
    ACCEPTED = "accepted", _("Accepted")
    DISPUTED = "disputed", _("Disputed")
    IN_PROGRESS = "in_progress", _("In progress")
    DONE = "done", _("Part done")
    REPLACED = "replaced", _("Reassigned away")


class ReturnReason(models.TextChoices):
    WRONG_TERRITORY = "wrong_territory", _("Not in our territory")  # 属地不符
    OVERLAPPING_DUTIES = "overlapping_duties", _("Overlapping duties")  # 职能交叉
    UNCLEAR_OWNERSHIP = "unclear_ownership", _("Unclear ownership")  # 权属不清
    OTHER = "other", _("Other")


class RequestState(models.TextChoices):
    PENDING = "pending", _("Pending")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


class DisputeRuling(models.TextChoices):
    REASSIGN = "reassign", _("Reassign to another unit")
    REJECT = "reject", _("Reject: the unit keeps the matter")


class ReviewOutcome(models.TextChoices):
    APPROVE = "approve", _("Approve completion")
    REWORK = "rework", _("Send back for rework")


class EventKind(models.TextChoices):
    REGISTERED = "matter.registered", _("Registered")
    UPDATED = "matter.updated", _("Edited")
    SUBMITTED = "matter.submitted", _("Submitted for leader approval")
    APPROVED = "matter.approved", _("Approved for dispatch")
    APPROVAL_REJECTED = "matter.approval_rejected", _("Sent back to the drafter")
    ASSIGNED = "matter.assigned", _("Assigned")
    DECOMPOSED = "matter.decomposed", _("Decomposed")
    SUSPENDED = "matter.suspended", _("Clock suspended")
    RESUMED = "matter.resumed", _("Clock resumed")
    HASTENED = "matter.hastened", _("Hastened")
    COMMENTED = "matter.commented", _("Leader comment")
    REOPENED = "matter.reopened", _("Reopened")
    RATED = "matter.rated", _("Rated by the requester")
    CLOSED = "matter.closed", _("Closed")
    WITHDRAWN = "matter.withdrawn", _("Withdrawn")
    ACCEPTED = "part.accepted", _("Accepted")
    PART_DONE = "part.done", _("Part done")
    REPORTED = "progress.reported", _("Progress reported")
    MILESTONE_DONE = "milestone.done", _("Milestone reached")
    DISPUTE_RAISED = "dispute.raised", _("Dispute raised")
    DISPUTE_REASSIGNED = "dispute.reassigned", _("Dispute ruled: reassigned")
    DISPUTE_REJECTED = "dispute.rejected", _("Dispute ruled: rejected")
    EXTENSION_REQUESTED = "extension.requested", _("Extension requested")
    EXTENSION_APPROVED = "extension.approved", _("Extension approved")
    EXTENSION_REJECTED = "extension.rejected", _("Extension rejected")
    COMPLETION_REQUESTED = "review.requested", _("Completion requested")
    REVIEW_APPROVED = "review.approved", _("Completion approved")
    REVIEW_REWORK = "review.rework", _("Sent back for rework")
    DEADLINE_RECOUNTED = (
        "matter.deadline_recounted",
        _("Deadline recounted on the holiday schedule"),
    )


class Rating(models.TextChoices):
    """The requester's satisfaction (满意度), five grades."""

    VERY_SATISFIED = "very_satisfied", _("Very satisfied")  # 非常满意
    SATISFIED = "satisfied", _("Satisfied")  # 满意
    BASICALLY_SATISFIED = "basically_satisfied", _("Basically satisfied")  # 基本满意
    UNSATISFIED = "unsatisfied", _("Unsatisfied")  # 不满意
    VERY_UNSATISFIED = "very_unsatisfied", _("Very unsatisfied")  # 非常不满意


# A satisfied grade closes the matter; the others send it back to the office (回访).
SATISFIED_GRADES = frozenset({Rating.VERY_SATISFIED, Rating.SATISFIED, Rating.BASICALLY_SATISFIED})
