"""A request's life through the matter loop: intake, dispatch, replies, rating, 退单."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from luoshi.citizens import services
from luoshi.citizens.models import CitizenEventKind, RatingSource, ReplyState, RequestType
from luoshi.matters import services as matter_services
from luoshi.matters.models import MatterKind, Source, State
from luoshi.notifications.models import Delivery

from .conftest import at, call

D = dt.date
MONDAY = D(2026, 3, 2)


def dispatched(city, day=MONDAY, **changes):
    with at(day, 9):
        request = services.receive_request(call(city, **changes))
    with at(day, 9, 20):
        return services.dispatch_request(
            request,
            actor=city.supervisor,
            version=request.version,
            category=city.categories["城乡建设"],
            lead_unit=city.street,
        )


def test_dispatch_registers_and_assigns_a_citizen_matter_due_by_type(hotline):
    request = dispatched(hotline)
    matter = request.matter
    assert (matter.kind, matter.source, matter.state) == (
        MatterKind.CITIZEN,
        Source.CITIZEN,
        State.ASSIGNED,
    )
    assert matter.lead_unit == hotline.street
    assert matter.deadline == D(2026, 3, 23)  # 15 working days after Monday 2 March
    assert request.work_order_number.startswith("20260302")
    assert not request.dispatch_late
    inquiry = dispatched(hotline, request_type=RequestType.INQUIRY, text="请问社保卡丢了怎么补办")
    assert inquiry.matter.deadline == D(2026, 3, 3)
    urgent = dispatched(hotline, urgent=True, text="解放路井盖丢了，晚上有人掉进去")
    assert urgent.matter.deadline == D(2026, 3, 9)


def test_replies_follow_the_matter_and_reach_the_citizen(
    hotline, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        request = dispatched(hotline)
    matter = request.matter
    handler = hotline.street_handler
    with at(D(2026, 3, 3)), django_capture_on_commit_callbacks(execute=True):
        matter = matter_services.accept_matter(matter, actor=handler, version=matter.version)
        matter = matter_services.request_completion(
            matter, actor=handler, version=matter.version, text="已联系物业维修电梯，恢复运行"
        )
        matter = matter_services.review_completion(
            matter, actor=hotline.supervisor, version=matter.version, outcome="approve"
        )
    request.refresh_from_db()
    assert request.replied_state == ReplyState.ANSWERED
    replies = list(
        request.events.filter(kind=CitizenEventKind.REPLIED).values_list("comment", flat=True)
    )
    assert len(replies) == 3  # accepted, in hand, answered
    assert "东城区城关街道" in replies[0] and "2026-03-23" in replies[0]
    assert "已联系物业维修电梯" in replies[2]
    sms = Delivery.objects.filter(channel="sms", address="13800001234")
    assert sms.count() == 3


def test_tracking_page_shows_state_unit_replies_and_takes_the_rating(hotline, client):
    request = dispatched(hotline)
    matter = request.matter
    handler = hotline.street_handler
    with at(D(2026, 3, 3)):
        matter = matter_services.accept_matter(matter, actor=handler, version=matter.version)
        matter = matter_services.request_completion(
            matter, actor=handler, version=matter.version, text="已修好"
        )
        matter_services.review_completion(
            matter, actor=hotline.supervisor, version=matter.version, outcome="approve"
        )
    url = reverse("citizens:track", args=[request.tracking_token])
    with at(D(2026, 3, 4)):
        page = client.get(url)
        assert page.status_code == 200
        body = page.content.decode()
        assert "东城区城关街道" in body and "已修好" in body and 'name="grade"' in body
        assert "13800001234" not in body  # the contact is never on the tracking page
        assert page["Referrer-Policy"] == "same-origin"
        client.post(
            reverse("citizens:track_action", args=[request.tracking_token, "rate"]),
            {"grade": "satisfied"},
        )
    request.refresh_from_db()
    assert (request.rating, request.rating_source) == ("satisfied", RatingSource.TRACKING)
    assert request.matter.state == State.CLOSED


def test_unsatisfied_reopens_once_then_the_supervisor_settles(hotline):
    request = dispatched(hotline)
    handler, supervisor = hotline.street_handler, hotline.supervisor

    def answer(day):
        matter = request.matter
        matter.refresh_from_db()
        with at(day):
            if matter.state == State.ASSIGNED:
                matter = matter_services.accept_matter(
                    matter, actor=handler, version=matter.version
                )
            matter = matter_services.request_completion(
                matter, actor=handler, version=matter.version, text="已处理"
            )
            matter_services.review_completion(
                matter, actor=supervisor, version=matter.version, outcome="approve"
            )

    answer(D(2026, 3, 3))
    with at(D(2026, 3, 4)):
        services.rate_request(request, "unsatisfied")
        request.refresh_from_db()
        services.record_return_call(
            request, actor=supervisor, version=request.version, purpose="unsatisfied",
            reached=True, notes="电梯仍然时好时坏",
        )  # fmt: skip
    request.refresh_from_db()
    assert request.matter.state == State.IN_PROGRESS
    answer(D(2026, 3, 6))
    with at(D(2026, 3, 9)):
        request.refresh_from_db()
        services.rate_request(request, "unsatisfied")
        request.refresh_from_db()
        services.record_return_call(
            request, actor=supervisor, version=request.version, purpose="unsatisfied",
            reached=True, notes="已更换主板，群众仍不满意，经研究予以办结",
        )  # fmt: skip
    request.refresh_from_db()
    assert request.matter.state == State.CLOSED


def test_no_rating_in_seven_days_counts_as_basically_satisfied(
    hotline, django_capture_on_commit_callbacks
):
    from luoshi.matters.warnings import scan

    request = dispatched(hotline)
    matter = request.matter
    handler = hotline.street_handler
    with at(D(2026, 3, 3)):
        matter = matter_services.accept_matter(matter, actor=handler, version=matter.version)
        matter = matter_services.request_completion(
            matter, actor=handler, version=matter.version, text="已修好"
        )
        matter_services.review_completion(
            matter, actor=hotline.supervisor, version=matter.version, outcome="approve"
        )
    with at(D(2026, 3, 9), 7), django_capture_on_commit_callbacks(execute=True):
        scan()
    request.refresh_from_db()
    assert request.rating == ""
    with at(D(2026, 3, 11), 7), django_capture_on_commit_callbacks(execute=True):
        scan()
    request.refresh_from_db()
    assert (request.rating, request.rating_source) == ("basically_satisfied", RatingSource.DEFAULT)
    assert request.matter.state == State.CLOSED


def test_a_unit_returns_a_misdirected_request_and_the_ruling_moves_it(hotline):
    request = dispatched(hotline)
    matter = request.matter
    with at(D(2026, 3, 2), 15):
        dispute = matter_services.raise_dispute(
            matter, actor=hotline.street_handler, version=matter.version,
            reason_code="overlapping_duties", reason="电梯属特种设备，归市场监管部门",
        )  # fmt: skip
        matter.refresh_from_db()
        matter_services.rule_dispute(
            matter, dispute.pk, actor=hotline.supervisor, version=matter.version,
            ruling="reassign", new_unit=hotline.other,
        )  # fmt: skip
    request.refresh_from_db()
    assert request.matter.lead_unit == hotline.other


@pytest.mark.parametrize("channel", ["hotline", "api"])
def test_only_the_office_enters_hotline_and_api_requests(hotline, channel):
    from luoshi.lib.errors import NotAllowed

    with pytest.raises(NotAllowed):
        services.receive_request(call(hotline, channel=channel), actor=hotline.lead_handler)
    assert services.receive_request(call(hotline, channel=channel), actor=hotline.supervisor).pk
