"""Reads of the inbox: what waits, and like notices grouped.

Notices about the same matter and of the same kind form one group (three hastenings
of one matter are one line, "and 2 earlier"); notices about no matter group by their
message. A group waits while any of its notices is unread and not done.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.models import User
from django.db.models import Case, CharField, Count, Max, Q, QuerySet, Value, When
from django.db.models.functions import Coalesce, NullIf

from .models import Notification

WAITING = Q(read_at__isnull=True, done_at__isnull=True)


def pending_count(user: User) -> int:
    """The badge's number: notices unread and not yet done."""
    return Notification.objects.filter(WAITING, user=user).count()


@dataclass
class Group:
    latest: Notification
    count: int
    waiting: int

    @property
    def earlier(self) -> int:
        return self.count - 1

    @property
    def done(self) -> bool:
        return self.latest.done_at is not None


def grouped(user: User, *, waiting_only: bool) -> QuerySet:
    """One row per group: its key, its newest notice's id, counts; newest group first."""
    rows = Notification.objects.filter(user=user)
    if waiting_only:
        rows = rows.filter(WAITING)
    topic = Case(
        When(matter_id__isnull=True, then=Coalesce(NullIf("message", Value("")), "text")),
        default=Value(""),
        output_field=CharField(),
    )
    return (
        rows.annotate(topic=topic)
        .values("matter_id", "kind", "topic")
        .annotate(latest=Max("id"), n=Count("id"), waiting=Count("id", filter=WAITING))
        .order_by("-latest")
    )


def groups_of(rows: list[dict]) -> list[Group]:
    """The Group of each grouped row, reading their newest notices in one query."""
    latest = Notification.objects.select_related("matter").in_bulk([r["latest"] for r in rows])
    return [Group(latest[r["latest"]], r["n"], r["waiting"]) for r in rows]


def group_members(user: User, notice: Notification) -> QuerySet[Notification]:
    """The notices of the group `notice` belongs to (for marking a whole group read)."""
    rows = Notification.objects.filter(user=user, kind=notice.kind)
    if notice.matter_id is not None:
        return rows.filter(matter_id=notice.matter_id)
    if notice.message:
        return rows.filter(matter__isnull=True, message=notice.message)
    return rows.filter(matter__isnull=True, message="", text=notice.text)
