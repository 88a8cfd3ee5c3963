"""The inbox API: the caller's own notifications, the unread count, marking read."""

from __future__ import annotations

import datetime as dt
import math

from django.http import HttpRequest
from ninja import Query, Router, Schema

from luoshi.lib.numbers import PAGE_MAX
from luoshi.lib.schemas import ErrorOut, Input, label

from .models import Notification, NotificationKind
from .queries import pending_count
from .services import mark_read

router = Router(tags=["notifications"])
MAX_PAGE_SIZE = 100


class NotificationOut(Schema):
    id: int
    kind: str
    kind_label: str
    text: str
    matter_id: int | None
    created_at: dt.datetime
    read_at: dt.datetime | None
    done_at: dt.datetime | None


class NotificationPage(Schema):
    items: list[NotificationOut]
    count: int
    unread: int
    page: int
    page_size: int
    pages: int


class UnreadOut(Schema):
    unread: int


class MarkReadIn(Input):
    ids: list[int] | None = None  # None: all of the caller's unread notifications


class MarkedOut(Schema):
    marked: int
    unread: int


def _out(n: Notification) -> dict:
    fields = ["kind", "matter_id", "created_at", "read_at", "done_at"]
    return {
        "id": n.pk,
        "text": n.render(),  # in the caller's language
        "kind_label": label(NotificationKind, n.kind),
        **{f: getattr(n, f) for f in fields},
    }


def _unread(request: HttpRequest) -> int:
    """Unread and not yet done (a done notice's action was taken by someone)."""
    return pending_count(request.user)


@router.get(
    "/",
    response={200: NotificationPage, 401: ErrorOut, 422: ErrorOut},
    url_name="notification_list",
)
def list_notifications(
    request: HttpRequest,
    unread: bool = False,
    page: int = Query(1, ge=1, le=PAGE_MAX),
    page_size: int = Query(20, ge=1, le=MAX_PAGE_SIZE),
):
    """The caller's notifications, newest first (only unread ones with unread=true)."""
    mine = Notification.objects.filter(user=request.user)
    if unread:
        mine = mine.filter(read_at__isnull=True)
    count = mine.count()
    rows = mine.order_by("-created_at", "-id")[(page - 1) * page_size : page * page_size]
    return {
        "items": [_out(n) for n in rows],
        "count": count,
        "unread": _unread(request),
        "page": page,
        "page_size": page_size,
        "pages": math.ceil(count / page_size),
    }


@router.get(
    "/unread-count", response={200: UnreadOut, 401: ErrorOut}, url_name="notification_unread"
)
def unread_count(request: HttpRequest):
    return {"unread": _unread(request)}


@router.post(
    "/read", response={200: MarkedOut, 401: ErrorOut, 422: ErrorOut}, url_name="notification_read"
)
def read(request: HttpRequest, payload: MarkReadIn):
    """Mark the given notifications (or all unread) of the caller as read."""
    marked = mark_read(request.user, payload.ids)
    return {"marked": marked, "unread": _unread(request)}
