"""The inbox through the API: mine only, unread count, marking read."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from luoshi.notifications.models import Notification
from luoshi.testing import assigned

from .test_api_client import NOW, Api, ok, refused

pytestmark = pytest.mark.django_db


@time_machine.travel(NOW, tick=False)
def test_inbox_lists_mine_counts_unread_and_marks_read(
    city, django_capture_on_commit_callbacks, django_assert_max_num_queries
):
    with django_capture_on_commit_callbacks(execute=True):
        matter = assigned(city, deadline=dt.date(2026, 4, 30))
        ok(Api(city.supervisor).post(f"matters/{matter.pk}/hasten", {"message": "请加快"}))
    lead = Api(city.lead_handler)
    with django_assert_max_num_queries(7):
        inbox = ok(lead.get("notifications/"))
    assert [n["kind"] for n in inbox["items"]] == ["hastened", "assigned"]
    assert inbox["unread"] == 2 and inbox["items"][0]["matter_id"] == matter.pk
    assert ok(lead.get("notifications/unread-count")) == {"unread": 2}
    assert ok(Api(city.other_handler).get("notifications/"))["count"] == 0

    first = inbox["items"][0]["id"]
    mine_and_not = [
        first,
        *Notification.objects.exclude(user=city.lead_handler).values_list("pk", flat=True),
    ]
    assert ok(lead.post("notifications/read", {"ids": mine_and_not})) == {"marked": 1, "unread": 1}
    assert ok(lead.get("notifications/", unread="true"))["count"] == 1
    assert ok(lead.post("notifications/read", {})) == {"marked": 1, "unread": 0}
    assert Notification.objects.filter(user=city.co_handler, read_at__isnull=True).count() == 1
    refused(lead.get("notifications/", page_size=0), 422, "invalid_input", "page_size")
