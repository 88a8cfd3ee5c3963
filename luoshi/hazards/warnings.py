"""The hazard scan: re-inspection warnings and the overdue alert to the leader in charge.

It runs with every warning scan of matters (`luoshi scan`, through
matters.listeners.on_matters_scanned), as a handful of statements whatever the number
of hazards — never a Python loop over the register:

1. Re-inspection warnings (复查预警): one CASE gives each hazard with a re-inspection
   date its warning (missed when past, due soon within HazardPolicy.reminder_days);
   one grouped count of the rows that move feeds one merged reminder per checking
   unit (and the office for missed ones); one UPDATE moves them.
2. Overdue alerts (重大隐患逾期): major hazards whose rectification matter the matter
   scan just marked overdue and whose leader was not yet told. Their leader gets an
   alert, the hazard an event, and the ratings a record (assessments: 零事故); one
   UPDATE marks them alerted. A hazard no longer overdue is unmarked, so a new overdue
   spell alerts again.

Scoped to the matters the matter scan looked at, so a one-matter refresh costs a few
indexed queries and the nightly scan covers the register.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.db import transaction
from django.db.models import Case, CharField, Count, Q, QuerySet, Value, When
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from luoshi.matters.models import RUNNING_STATES, Matter, MatterWarning, State
from luoshi.notifications.models import Notification, NotificationKind
from luoshi.notifications.services import UNIT_ROLES, users_with_role
from luoshi.org.models import Membership, Role

from .models import Hazard, HazardEvent, HazardEventKind, HazardLevel, HazardPolicy, HazardWarning


def after_matters_scanned(matters: QuerySet[Matter]) -> None:
    """Called by matters.warnings.scan with the running matters it looked at."""
    scan(matters=matters)


def scan(today: dt.date | None = None, matters: QuerySet[Matter] | None = None) -> dict[str, int]:
    """Set re-inspection warnings and send overdue alerts; returns what changed."""
    today = today or timezone.localdate()
    changed = reinspection_warnings(today, HazardPolicy.current())
    changed["overdue_alerts"] = overdue_alerts(today, matters)
    return changed


def warning_case(today: dt.date, policy: HazardPolicy) -> Case:
    horizon = today + dt.timedelta(days=policy.reminder_days)
    return Case(
        When(reinspection_due__lt=today, then=Value(HazardWarning.REINSPECTION_MISSED)),
        When(reinspection_due__lte=horizon, then=Value(HazardWarning.REINSPECTION_DUE)),
        default=Value(HazardWarning.NORMAL),
        output_field=CharField(),
    )


def reinspection_warnings(today: dt.date, policy: HazardPolicy) -> dict[str, int]:
    horizon = today + dt.timedelta(days=policy.reminder_days)
    target = warning_case(today, policy)
    # Only hazards with a check near or past, or a warning to lift: both indexed.
    # A hazard withdrawn through its matter (the matter page) needs no more checks.
    candidates = Hazard.objects.filter(
        Q(reinspection_due__lte=horizon) | ~Q(warning=HazardWarning.NORMAL)
    ).exclude(matter__state=State.WITHDRAWN)
    moving = candidates.filter(~Q(warning=target))
    groups = (
        moving.annotate(new=target, checker=Coalesce("verifying_unit_id", "found_by_unit_id"))
        .values_list("checker", "new")
        .annotate(n=Count("pk"))
        .order_by()
    )
    changed = dict.fromkeys(HazardWarning.values, 0)
    digests: dict[int, dict[str, int]] = defaultdict(dict)
    for unit_id, level, count in groups:
        changed[level] += count
        if level != HazardWarning.NORMAL:
            digests[unit_id][level] = count
    if any(changed.values()):
        moving.update(warning=target)
    if digests:
        _send_reminders(digests, changed[HazardWarning.REINSPECTION_MISSED])
    return changed


def _send_reminders(digests: dict[int, dict[str, int]], missed: int) -> None:
    """One merged notice per checking unit, and one to the office for missed checks."""
    members = Membership.objects.filter(unit_id__in=list(digests), role__in=UNIT_ROLES)
    recipients: dict[int, set[int]] = defaultdict(set)
    for user_id, unit_id in members.values_list("user_id", "unit_id"):
        recipients[unit_id].add(user_id)
    rows = []
    for unit_id, counts in digests.items():
        text = "; ".join(
            _("%(n)s hazard(s): %(warning)s") % {"n": n, "warning": HazardWarning(w).label}
            for w, n in sorted(counts.items())
        )
        rows += [
            Notification(user_id=u, kind=NotificationKind.DEADLINE, text=text[:500])
            for u in sorted(recipients[unit_id])
        ]
    if missed:
        text = _("%(n)s hazard re-inspection(s) were missed.") % {"n": missed}
        rows += [
            Notification(user_id=u, kind=NotificationKind.DEADLINE, text=text)
            for u in sorted(users_with_role(Role.SUPERVISOR))
        ]
    if rows:
        transaction.on_commit(lambda: Notification.objects.bulk_create(rows))


def overdue_alerts(today: dt.date, matters: QuerySet[Matter] | None = None) -> int:
    """Alert the leader in charge of each major hazard newly overdue; returns how many."""
    overdue = Q(matter__warning=MatterWarning.OVERDUE, matter__state__in=sorted(RUNNING_STATES))
    scoped = Hazard.objects.filter(matter__isnull=False)
    if matters is not None:
        scoped = scoped.filter(matter__in=matters.values("pk"))
    scoped.filter(overdue_alerted_on__isnull=False).exclude(overdue).update(overdue_alerted_on=None)
    new = scoped.filter(
        overdue, level=HazardLevel.MAJOR, closed_at__isnull=True, overdue_alerted_on__isnull=True
    ).exclude(matter__state=State.WITHDRAWN)
    hazards = list(new.select_related("matter", "unit").order_by("pk"))
    if not hazards:
        return 0
    Hazard.objects.filter(pk__in=[h.pk for h in hazards]).update(overdue_alerted_on=today)
    HazardEvent.objects.bulk_create(
        HazardEvent(
            hazard=h,
            kind=HazardEventKind.OVERDUE_ALERT,
            data={"deadline": h.matter.deadline.isoformat() if h.matter.deadline else None},
        )
        for h in hazards
    )
    _alert_leaders(hazards)
    _feed_ratings(hazards)
    return len(hazards)


def _alert_leaders(hazards: list[Hazard]) -> None:
    office = users_with_role(Role.SUPERVISOR)
    rows = []
    for h in hazards:
        text = _("Major hazard %(serial)s is overdue (due %(day)s): %(title)s") % {
            "serial": h.serial,
            "day": h.matter.deadline,
            "title": h.title,
        }
        for user_id in sorted(({h.responsible_leader_id} | office) - {None}):
            rows.append(
                Notification(
                    user_id=user_id,
                    kind=NotificationKind.DEADLINE,
                    text=text[:500],
                    matter_id=h.matter_id,
                )
            )
    transaction.on_commit(lambda: Notification.objects.bulk_create(rows))


def _day_after(deadline: dt.date | None) -> dt.date:
    """The first day a rectification is overdue (today when it has no deadline)."""
    return deadline + dt.timedelta(days=1) if deadline else timezone.localdate()


def _feed_ratings(hazards: list[Hazard]) -> None:
    """An overdue major hazard touches its place's 零事故 standing (assessments)."""
    from luoshi.assessments.services import IncidentRecord, record_incidents

    record_incidents(
        [
            IncidentRecord(
                kind="major_hazard_overdue",
                unit=h.unit,
                occurred_on=_day_after(h.matter.deadline),
                title=f"重大隐患逾期未整改：{h.title}"[:300],  # a record, in the office's words
                source=f"hazards.hazard:{h.pk}",
                url=reverse("hazards:detail", args=[h.pk]),
                severity="major",
            )
            for h in hazards
        ]
    )
