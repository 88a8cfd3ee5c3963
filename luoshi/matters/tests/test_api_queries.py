"""Every list and detail call runs a fixed number of queries, whatever the row count."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile

from luoshi.matters import services
from luoshi.matters.models import Matter
from luoshi.testing import accepted, assigned

from .test_api_client import NOW, Api, ok

pytestmark = pytest.mark.django_db
DEADLINE = dt.date(2026, 6, 30)
# Session, user, memberships, then the call's own queries; the same bound for 3 rows or 30.
LIST_QUERIES = 10
DETAIL_QUERIES = 14
TIMELINE_QUERIES = 6
REPORTS_QUERIES = 7


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def _matters(city, n: int) -> None:
    for i in range(n):
        matter = assigned(city, title=f"事项{i}", deadline=DEADLINE)
        if i % 2:
            services.accept_matter(matter, actor=city.co_handler, version=matter.version)


@pytest.mark.parametrize("rows", [3, 30])
def test_list_runs_a_fixed_number_of_queries(city, rows, django_assert_max_num_queries):
    _matters(city, rows)
    for user in (city.supervisor, city.lead_handler, city.district_head):
        api = Api(user)
        with django_assert_max_num_queries(LIST_QUERIES):
            page = ok(api.get("matters/", page_size=50, open="1", ordering="-deadline"))
        assert page["count"] == (rows if user != city.district_head else 0)


def _busy_matter(city, n: int) -> Matter:
    """A matter with n milestones, n children, n events and n reports with attachments."""
    matter = accepted(city, deadline=DEADLINE)
    specs = [services.MilestoneSpec(f"节点{i}", dt.date(2026, 5, 1)) for i in range(n)]
    matter = services.add_milestones(matter, specs, actor=city.supervisor, version=matter.version)
    children = [services.MatterSpec(f"子事项{i}", "meeting", lead_unit=city.lead) for i in range(n)]
    services.decompose_matter(matter, children, actor=city.supervisor, version=matter.version)
    matter.refresh_from_db()
    for i in range(n):
        upload = SimpleUploadedFile(f"r{i}.txt", b"x")
        services.report_progress(
            matter,
            actor=city.lead_handler,
            version=matter.version,
            text=f"进展{i}",
            percent=i,
            attachments=[upload],
        )
        matter.refresh_from_db()
        services.comment_on_matter(matter, actor=city.leader, text=f"批示{i}")
    return matter


@pytest.mark.parametrize("rows", [3, 30])
def test_detail_timeline_and_reports_are_bounded(city, rows, django_assert_max_num_queries):
    matter = _busy_matter(city, rows)
    supervisor = Api(city.supervisor)
    with django_assert_max_num_queries(DETAIL_QUERIES):
        detail = ok(supervisor.get(f"matters/{matter.pk}"))
    assert len(detail["milestones"]) == rows and len(detail["children"]) == rows
    with django_assert_max_num_queries(TIMELINE_QUERIES):
        events = ok(supervisor.get(f"matters/{matter.pk}/events"))
    assert len(events) > 2 * rows
    with django_assert_max_num_queries(REPORTS_QUERIES):
        reports = ok(supervisor.get(f"matters/{matter.pk}/reports"))
    assert len(reports) == rows and all(len(r["attachments"]) == 1 for r in reports)
    lead = Api(city.lead_handler)  # a unit user: children are drafts, out of its sight
    with django_assert_max_num_queries(DETAIL_QUERIES):
        assert ok(lead.get(f"matters/{matter.pk}"))["children"] == []
