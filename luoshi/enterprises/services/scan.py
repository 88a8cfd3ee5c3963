"""The daily scan of enterprise service: default ratings, late revisits, expired entries."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from luoshi.matters.models import State
from luoshi.matters.services.reopening import SATISFIED_GRADES, Rating
from luoshi.notifications.models import NotificationKind
from luoshi.notifications.services import notify, users_with_role
from luoshi.org.models import Role

from ..models import EnterpriseEvent, EnterpriseEventKind, EnterprisePolicy, EnterpriseProblem
from .problems import rate_problem
from .whitelist import record_expired_entries


def apply_default_ratings(now: dt.datetime | None = None) -> int:
    """Give the default grade (基本满意) to answers not rated within the rating days.

    Each is a separate small transaction through rate_problem, so the event log
    shows the automatic rating like any other. Returns how many were rated.
    """
    now = now or timezone.now()
    policy = EnterprisePolicy.current()
    cutoff = now - dt.timedelta(days=policy.rating_days)
    due = EnterpriseProblem.objects.filter(
        matter__state=State.COMPLETED, matter__completed_at__lte=cutoff, rating=""
    ).select_related("matter")
    count = 0
    for problem in due:
        rate_problem(problem, policy.default_rating, version=problem.version, automatic=True)
        count += 1
    return count


@transaction.atomic
def escalate_unrevisited(now: dt.datetime | None = None) -> int:
    """Send to the supervisors the unsatisfied ratings not revisited within the limit."""
    now = now or timezone.now()
    policy = EnterprisePolicy.current()
    cutoff = now - dt.timedelta(hours=policy.revisit_hours)
    unsatisfied = [g for g in Rating.values if g not in SATISFIED_GRADES]
    late = EnterpriseProblem.objects.filter(
        matter__state=State.COMPLETED,
        rating__in=unsatisfied,
        rated_at__lte=cutoff,
        escalated_at__isnull=True,
    )
    rows = list(late.values_list("pk", "enterprise_id"))
    if rows:
        EnterpriseProblem.objects.filter(pk__in=[pk for pk, _e in rows]).update(escalated_at=now)
        EnterpriseEvent.objects.bulk_create(
            EnterpriseEvent(
                kind=EnterpriseEventKind.PROBLEM_ESCALATED,
                problem_id=pk,
                enterprise_id=enterprise,
                data={"revisit_hours": policy.revisit_hours},
            )
            for pk, enterprise in rows
        )
        notify(
            users_with_role(Role.SUPERVISOR),
            kind=NotificationKind.DEADLINE,
            text=_("%(n)s unsatisfied enterprise rating(s) were not revisited in time.")
            % {"n": len(rows)},
        )
    return len(rows)


@transaction.atomic
def expire_whitelist(today: dt.date | None = None) -> int:
    """Record the whitelist entries whose period has ended (see record_expired_entries)."""
    return record_expired_entries(today or timezone.localdate())
