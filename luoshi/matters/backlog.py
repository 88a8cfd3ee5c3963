"""督查室待办 (office_backlog): what waits for the office, with its age in working days.

The office holds itself to the standard it holds the units to: every completion to
review, dispute and extension to rule, and matter to approve for dispatch is an item
with the moment it began to wait; its age counts working days since; it is late once
it has waited longer than Policy.office_backlog_workdays. Counts are set-based (one
aggregate per kind, late by a cutoff moment); the items listed are bounded.

The supervisor desk, the backlog page and API, the cockpit tile and the bulletin's
section 督查室待办 all read `backlog_counts` / `backlog_items`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.contrib.auth.models import AnonymousUser, User
from django.db import models
from django.db.models import CharField, Count, F, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from luoshi.lib.dates import day_start
from luoshi.lib.errors import NotAllowed
from luoshi.lib.workdays import WorkCalendar
from luoshi.org.access import access_for
from luoshi.workcalendar.calendar import get_calendar

from .models import (
    OPEN_STATES,
    Dispute,
    EventKind,
    Extension,
    Matter,
    MatterEvent,
    Policy,
    RequestState,
    State,
)


class BacklogKind(models.TextChoices):
    REVIEW = "review", gettext_lazy("Completion to review")
    DISPUTE = "dispute", gettext_lazy("Dispute to rule")
    EXTENSION = "extension", gettext_lazy("Extension to rule")
    DISPATCH_APPROVAL = "dispatch_approval", gettext_lazy("Dispatch to approve")


@dataclass
class BacklogItem:
    """One thing waiting for the office: what, on which matter, since when, how long."""

    kind: str
    matter: Matter
    since: dt.datetime
    age: int  # working days waited
    late: bool
    request_id: int | None = None

    @property
    def kind_label(self) -> str:
        return str(BacklogKind(self.kind).label)


def require_backlog(user: User | AnonymousUser) -> None:
    """The backlog is the office's: supervisors and admins act on it, leaders read it."""
    if not access_for(user).sees_everything:
        raise NotAllowed(_("The office's backlog is for supervisors and leaders."))


def _submitted_at() -> Subquery:
    submitted = MatterEvent.objects.filter(matter=OuterRef("pk"), kind=EventKind.SUBMITTED)
    return Subquery(submitted.order_by("-at", "-id").values("at")[:1])


def sources() -> dict[str, QuerySet]:
    """Each kind as rows annotated `item_matter`, `item_pk` (the request, or the matter),
    `since` (when it began to wait) — all annotations, in one order, so they union."""
    open_matter = {"matter__state__in": sorted(OPEN_STATES)}
    pending = {"state": RequestState.PENDING, **open_matter}
    matters = {"item_matter": F("pk"), "item_pk": F("pk")}
    requests = {"item_matter": F("matter_id"), "item_pk": F("pk")}
    return {
        BacklogKind.REVIEW: Matter.objects.filter(state=State.COMPLETION_REQUESTED).annotate(
            **matters, since=Coalesce("completion_requested_at", "updated_at")
        ),
        BacklogKind.DISPUTE: Dispute.objects.filter(**pending).annotate(
            **requests, since=F("raised_at")
        ),
        BacklogKind.EXTENSION: Extension.objects.filter(**pending).annotate(
            **requests, since=F("requested_at")
        ),
        BacklogKind.DISPATCH_APPROVAL: Matter.objects.filter(state=State.PENDING_APPROVAL).annotate(
            **matters, since=Coalesce(_submitted_at(), "created_at")
        ),
    }


def late_cutoff(today: dt.date, calendar: WorkCalendar, limit: int) -> dt.datetime:
    """The moment before which an item began to wait has waited more than `limit`
    working days by `today` (its age counts working days after the day it began)."""
    day = today
    while calendar.workdays_between(day, today) <= limit:
        day -= dt.timedelta(days=1)
    return day_start(day + dt.timedelta(days=1))


def backlog_counts(today: dt.date | None = None) -> dict[str, dict[str, int]]:
    """Per kind: items pending and items late; plus "total". One query (UNION ALL); the
    completions under review (a province holds ~100k) are counted from the index
    matter_review_since alone, which carries the columns of `since` for that."""
    today = today or timezone.localdate()
    cutoff = late_cutoff(today, get_calendar(), Policy.current().office_backlog_workdays)
    parts = [
        source.annotate(item_kind=Value(name, output_field=CharField()))
        .values("item_kind")
        # Counted by `since` (never null), not by pk: the index carries `since`'s columns.
        .annotate(pending=Count("since"), late=Count("since", filter=Q(since__lt=cutoff)))
        .values_list("item_kind", "pending", "late")
        .order_by()
        for name, source in sources().items()
    ]
    out = {kind: {"pending": 0, "late": 0} for kind in BacklogKind.values}
    for kind, pending, late in parts[0].union(*parts[1:], all=True).order_by():
        out[kind] = {"pending": pending, "late": late}
    out["total"] = {
        "pending": sum(c["pending"] for c in out.values()),
        "late": sum(c["late"] for c in out.values()),
    }
    return out


def backlog_items(
    today: dt.date | None = None,
    *,
    kind: str | None = None,
    late: bool = False,
    limit: int = 500,
) -> list[BacklogItem]:
    """The items waiting, oldest first (at most `limit`): the oldest `limit` of each kind,
    each read in the order of its index (the completions: matter_review_since), merged
    here; then their matters in one query. One UNION ALL sorted as a whole sorted every
    completion under review (0.16 s at 1M)."""
    today = today or timezone.localdate()
    calendar = get_calendar()
    cutoff = late_cutoff(today, calendar, Policy.current().office_backlog_workdays)
    rows: list[tuple[int, int, dt.datetime, str]] = []
    for name, source in sources().items():
        if kind and kind != name:
            continue
        if late:
            source = source.filter(since__lt=cutoff)
        oldest = source.order_by("since", "item_pk").values_list("item_matter", "item_pk", "since")
        rows += [(*row, name) for row in oldest[:limit]]
    rows = sorted(rows, key=lambda row: (row[2], row[3]))[:limit]
    matters = Matter.objects.select_related("lead_unit").in_bulk([row[0] for row in rows])
    ages: dict[dt.date, int] = {}  # items of the same day share their age
    items = []
    for matter_id, pk, since, name in rows:
        day = timezone.localdate(since)
        if day not in ages:
            ages[day] = max(calendar.workdays_between(day, today), 0)
        request = pk if name in (BacklogKind.DISPUTE, BacklogKind.EXTENSION) else None
        items.append(
            BacklogItem(name, matters[matter_id], since, ages[day], since < cutoff, request)
        )
    return items


def newly_late(today: dt.date | None = None) -> int:
    """Items that crossed the limit on `today`: late today, not late yesterday."""
    today = today or timezone.localdate()
    calendar, limit = get_calendar(), Policy.current().office_backlog_workdays
    now = late_cutoff(today, calendar, limit)
    before = late_cutoff(today - dt.timedelta(days=1), calendar, limit)
    if before >= now:
        return 0
    parts = [
        source.filter(since__gte=before, since__lt=now).values_list("item_pk").order_by()
        for source in sources().values()
    ]
    return parts[0].union(*parts[1:], all=True).count()


def notify_newly_late(today: dt.date | None = None) -> int:
    """The office's own warning: one merged notice to the supervisors when items of the
    backlog crossed the limit today (called by the nightly scan; sent once a day)."""
    from luoshi.notifications.models import Notification, NotificationKind
    from luoshi.notifications.services import notify, users_with_role
    from luoshi.org.models import Role

    today = today or timezone.localdate()
    count = newly_late(today)
    if not count:
        return 0
    text = _(
        "%(n)s item(s) of the office backlog have now waited more than %(limit)s working "
        "days: review and rule on them."
    ) % {"n": count, "limit": Policy.current().office_backlog_workdays}
    supervisors = users_with_role(Role.SUPERVISOR)
    if not supervisors:
        return count
    # A second scan the same day sends nothing new (one supervisor's inbox tells).
    sent = Notification.objects.filter(
        user_id=min(supervisors), created_at__gte=day_start(today), text=text
    )
    if not sent.exists():
        notify(supervisors, kind=NotificationKind.REQUEST, text=text)
    return count
