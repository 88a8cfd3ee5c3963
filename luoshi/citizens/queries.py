"""Reads of citizen requests: who sees which, the tracking door, hot spots.

Dispatched requests are read through their matter's visibility
(Matter.objects.visible_to); requests not yet dispatched are the office's (and the
leaders'). On the tracking page the token is the door: it shows one request to
whoever holds its link, without the contact.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import Count, Prefetch, QuerySet
from django.db.models.functions import TruncWeek
from django.utils import timezone
from django.utils.translation import gettext as _

from luoshi.lib.errors import NotFound
from luoshi.matters.models import Matter, MatterUnit
from luoshi.org.access import access_for

from .models import CitizenEvent, CitizenEventKind, CitizenPolicy, CitizenRequest, MergeState

RELATED = ("matter", "matter__lead_unit", "category", "district", "street", "duplicate_of")


def visible_requests(user: User | AnonymousUser) -> QuerySet[CitizenRequest]:
    """The requests `user` may read: all for the office and leaders, else those whose
    matter the user sees."""
    access = access_for(user)
    base = CitizenRequest.objects.select_related(*RELATED)
    if access.user_id is None:
        return base.none()
    if access.sees_everything:
        return base
    return base.filter(matter__in=Matter.objects.visible_to(user))


def with_parts(requests: QuerySet[CitizenRequest]) -> QuerySet[CitizenRequest]:
    """Prefetch each matter's active parts (permissions.may_see_contact reads them)."""
    active = MatterUnit.objects.filter(active=True)
    return requests.prefetch_related(
        Prefetch("matter__parts", queryset=active, to_attr="active_parts")
    )


def get_request_for_user(user: User | AnonymousUser, pk: int) -> CitizenRequest:
    request = with_parts(visible_requests(user)).filter(pk=pk).first()
    if request is None:
        raise NotFound(_("Request %(pk)s does not exist or is not visible to you.") % {"pk": pk})
    return request


def request_for_token(token: str) -> CitizenRequest:
    request = (
        CitizenRequest.objects.select_related(*RELATED).filter(tracking_token=token).first()
        if token
        else None
    )
    if request is None:
        raise NotFound(_("This tracking link is not valid."))
    return request


def followed(request: CitizenRequest) -> CitizenRequest:
    """The request whose handling a tracking page shows: the one a merge joined."""
    if request.merge_state == MergeState.MERGED and request.duplicate_of_id:
        return CitizenRequest.objects.select_related(*RELATED).get(pk=request.duplicate_of_id)
    return request


def replies(request: CitizenRequest) -> QuerySet[CitizenEvent]:
    return request.events.filter(kind=CitizenEventKind.REPLIED).order_by("at", "id")


def timeline(request: CitizenRequest) -> QuerySet[CitizenEvent]:
    return request.events.select_related("actor").order_by("at", "id")


# -- hot spots ---------------------------------------------------------------------------


@dataclass
class HotSpot:
    """Requests of one category in one district, week by week (oldest first)."""

    category_id: int | None
    category: str
    district_id: int | None
    district: str
    weeks: list[int] = field(default_factory=list)
    rising: bool = False

    @property
    def total(self) -> int:
        return sum(self.weeks)

    @property
    def latest(self) -> int:
        return self.weeks[-1] if self.weeks else 0


HOTSPOT_WEEKS_MAX = 520


def week_starts(today: dt.date, weeks: int) -> list[dt.date]:
    monday = today - dt.timedelta(days=today.weekday())
    return [monday - dt.timedelta(weeks=n) for n in range(weeks - 1, -1, -1)]


def hotspots(
    user: User | AnonymousUser, *, today: dt.date | None = None, weeks: int | None = None
) -> tuple[list[dt.date], list[HotSpot]]:
    """Requests by category × district × week, for the last `weeks` weeks; one grouped query.

    A cell is rising when its latest week exceeds the mean of the weeks before it by
    the policy's percentage and has at least the policy's minimum count.
    """
    policy = CitizenPolicy.current()
    today = today or timezone.localdate()
    # Held to the policy's bounds: a stored 0 would leave no week to start from, and a
    # stored 30000 a grid no page can show (one bad row must not fail the page).
    weeks = min(max(weeks or policy.hotspot_weeks, 1), HOTSPOT_WEEKS_MAX)
    starts = week_starts(today, weeks)
    since = timezone.make_aware(dt.datetime.combine(starts[0], dt.time.min))
    rows = (
        visible_requests(user)
        .filter(received_at__gte=since)  # merged duplicates count: more people, hotter
        .annotate(week=TruncWeek("received_at"))
        .values("category_id", "category__name", "district_id", "district__name", "week")
        .annotate(n=Count("pk"))
        .order_by()
    )
    index = {start: i for i, start in enumerate(starts)}
    spots: dict[tuple, HotSpot] = {}
    for row in rows:
        key = (row["category_id"], row["district_id"])
        spot = spots.get(key)
        if spot is None:
            spot = spots[key] = HotSpot(
                row["category_id"],
                row["category__name"] or _("Not yet classified"),
                row["district_id"],
                row["district__name"] or _("No district given"),
                [0] * len(starts),
            )
        week = row["week"]  # PostgreSQL answers in UTC: Monday 00:00 local is Sunday there
        week = timezone.localtime(week).date() if isinstance(week, dt.datetime) else week
        if week in index:
            spot.weeks[index[week]] += row["n"]
    for spot in spots.values():
        spot.rising = is_rising(spot.weeks, policy.hotspot_rise_percent, policy.hotspot_min_count)
    ordered = sorted(spots.values(), key=lambda s: (not s.rising, -s.latest, -s.total))
    return starts, ordered


def is_rising(weeks: list[int], percent: int, minimum: int) -> bool:
    if len(weeks) < 2 or weeks[-1] < minimum:
        return False
    before = weeks[:-1]
    mean = sum(before) / len(before)
    return weeks[-1] > mean * (1 + percent / 100)


def counts(user: User | AnonymousUser) -> dict[str, int]:
    """The office's work queues, for the list's tabs (one grouped query)."""
    from .filters import QUEUES

    requests = visible_requests(user)
    result = requests.aggregate(**{name: Count("pk", filter=q) for name, q in QUEUES.items()})
    return defaultdict(int, {k: v or 0 for k, v in result.items()})
