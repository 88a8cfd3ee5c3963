"""Notices that stay useful: done when their action is taken, like ones grouped, each
reader's language."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from luoshi.matters import services
from luoshi.notifications.models import Notification
from luoshi.notifications.queries import pending_count
from luoshi.notifications.services import save_preference
from luoshi.testing import accepted

pytestmark = pytest.mark.django_db


def at(day):
    return time_machine.travel(
        timezone.make_aware(dt.datetime.combine(day, dt.time(10))), tick=False
    )


def test_review_marks_the_completion_request_done_for_every_supervisor(
    city, django_capture_on_commit_callbacks
):
    with at(dt.date(2026, 3, 2)), django_capture_on_commit_callbacks(execute=True):
        matter = accepted(city, deadline=dt.date(2026, 6, 30))
        matter = services.request_completion(
            matter, actor=city.lead_handler, version=matter.version, text="完成"
        )
    assert pending_count(city.supervisor) == 1
    with at(dt.date(2026, 3, 3)), django_capture_on_commit_callbacks(execute=True):
        services.review_completion(
            matter, actor=city.admin, version=matter.version, outcome="approve"
        )
    assert pending_count(city.supervisor) == 0
    notice = Notification.objects.get(user=city.supervisor, kind="request")
    assert notice.done_at is not None and notice.read_at is None


def test_accepting_clears_the_assignment_notice_of_that_unit_only(
    city, django_capture_on_commit_callbacks
):
    with at(dt.date(2026, 3, 2)), django_capture_on_commit_callbacks(execute=True):
        from luoshi.testing import assigned

        matter = assigned(city, deadline=dt.date(2026, 6, 30))
    assert pending_count(city.lead_head) == 1
    with at(dt.date(2026, 3, 2)):
        services.accept_matter(matter, actor=city.lead_handler, version=matter.version)
    assert pending_count(city.lead_head) == 0
    assert pending_count(city.co_handler) == 1  # the co-unit has not signed yet


def test_like_notices_are_one_line_in_the_inbox(client, city, django_capture_on_commit_callbacks):
    with at(dt.date(2026, 3, 2)), django_capture_on_commit_callbacks(execute=True):
        matter = accepted(city, deadline=dt.date(2026, 6, 30))
    for day in (3, 4, 5):
        with at(dt.date(2026, 3, day)), django_capture_on_commit_callbacks(execute=True):
            services.hasten_matter(matter, actor=city.supervisor, message=f"第{day}次")
    client.force_login(city.lead_handler)
    html = client.get(reverse("notifications:inbox")).content.decode()
    assert html.count("催办〔2026〕") == 1 and "and 2 earlier like it" in html
    client.post(
        reverse("notifications:read"),
        {
            "id": Notification.objects.filter(user=city.lead_handler, kind="hastened").first().pk,
            "group": "1",
        },
    )
    assert not Notification.objects.filter(
        user=city.lead_handler, kind="hastened", read_at=None
    ).exists()


def test_a_report_answers_the_hastening(city, django_capture_on_commit_callbacks):
    with at(dt.date(2026, 3, 2)), django_capture_on_commit_callbacks(execute=True):
        matter = accepted(city, deadline=dt.date(2026, 6, 30))
        services.hasten_matter(matter, actor=city.supervisor)
    assert Notification.objects.filter(
        user=city.lead_handler, kind="hastened", done_at=None
    ).exists()
    with at(dt.date(2026, 3, 3)):
        matter.refresh_from_db()
        services.report_progress(
            matter, actor=city.lead_handler, version=matter.version, text="推进中", percent=30
        )
    assert not Notification.objects.filter(
        user=city.lead_handler, kind="hastened", done_at=None
    ).exists()


def test_the_inbox_speaks_the_readers_language(client, city, django_capture_on_commit_callbacks):
    with at(dt.date(2026, 3, 2)), django_capture_on_commit_callbacks(execute=True):
        from luoshi.testing import assigned

        assigned(city, deadline=dt.date(2026, 6, 30))
    client.force_login(city.lead_handler)
    english = client.get(reverse("notifications:inbox"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    chinese = client.get(
        reverse("notifications:inbox"), HTTP_ACCEPT_LANGUAGE="zh-hans"
    ).content.decode()
    assert "assigned to your unit" in english and "已交办你单位" in chinese
    save_preference(city.lead_handler, language="en")  # stored for e-mail and SMS
    api = client.get("/api/notifications/", HTTP_ACCEPT_LANGUAGE="zh-hans").json()
    assert "已交办你单位" in api["items"][0]["text"]
