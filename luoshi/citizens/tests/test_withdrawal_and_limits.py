"""Withdrawals checked by a return call, duplicates, and the time limits before handling."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from luoshi.citizens import services
from luoshi.citizens.models import MergeState, WithdrawalState
from luoshi.citizens.timelimits import add_working_minutes, after_commit
from luoshi.lib.errors import IllegalTransition, InvalidInput
from luoshi.matters import services as matter_services
from luoshi.matters.models import State
from luoshi.notifications.models import Delivery, Notification
from luoshi.workcalendar.calendar import get_calendar

from .conftest import at, call

pytestmark = pytest.mark.django_db
MONDAY = dt.date(2026, 3, 2)
OPEN, CLOSE = dt.time(8, 30), dt.time(17, 30)


def moment(day, hour, minute=0):
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


def dispatched(city, **changes):
    with at(MONDAY, 9):
        request = services.receive_request(call(city, **changes))
        return services.dispatch_request(
            request, actor=city.supervisor, version=request.version,
            category=city.categories["城乡建设"], lead_unit=city.street,
        )  # fmt: skip


@pytest.mark.parametrize(
    ("received", "due"),
    [
        (moment(MONDAY, 10), moment(MONDAY, 10, 30)),
        (moment(MONDAY, 17, 15), moment(dt.date(2026, 3, 3), 8, 45)),  # 15 min left today
        (moment(MONDAY, 20), moment(dt.date(2026, 3, 3), 9)),  # a night call: from 08:30
        (
            moment(dt.date(2026, 3, 6), 17, 20),
            moment(dt.date(2026, 3, 9), 8, 50),
        ),  # Friday → Monday
        (moment(dt.date(2026, 9, 30), 17, 20), moment(dt.date(2026, 10, 8), 8, 50)),  # 国庆
    ],
)
def test_dispatch_limit_counts_working_time(received, due):
    assert add_working_minutes(received, 30, get_calendar(), OPEN, CLOSE) == due


def test_the_nightly_scan_flags_late_dispatch_and_acceptance_once(
    hotline, django_capture_on_commit_callbacks
):
    with at(MONDAY, 9):
        waiting = services.receive_request(call(hotline, text="路灯坏了"))
    late_to_accept = dispatched(hotline)
    after_commit(now=moment(MONDAY, 9, 20))
    waiting.refresh_from_db()
    assert not waiting.dispatch_late
    with django_capture_on_commit_callbacks(execute=True):
        after_commit(now=moment(dt.date(2026, 3, 4), 7, 30))
        after_commit(now=moment(dt.date(2026, 3, 5), 7, 30))
    waiting.refresh_from_db()
    late_to_accept.refresh_from_db()
    assert waiting.dispatch_late and late_to_accept.accept_late
    told = Notification.objects.filter(user=hotline.supervisor, kind="citizen")
    assert told.count() == 1 and "1 citizen request" in told.get().render("en")


def test_withdrawal_counts_only_after_a_return_call_says_nobody_pressed(
    hotline, django_capture_on_commit_callbacks
):
    request = dispatched(hotline)
    with at(MONDAY, 14), django_capture_on_commit_callbacks(execute=True):
        services.request_withdrawal(request, reason="物业已经修好了")
    request.refresh_from_db()
    assert (
        request.withdrawal_state == WithdrawalState.PENDING
        and request.matter.state == State.ASSIGNED
    )
    with pytest.raises(InvalidInput, match="pressed"):
        services.record_return_call(
            request,
            actor=hotline.supervisor,
            version=request.version,
            purpose="withdrawal",
            reached=True,
        )
    with at(MONDAY, 15):
        services.record_return_call(
            request, actor=hotline.supervisor, version=request.version, purpose="withdrawal",
            reached=True, pressed=False, notes="群众确认问题已解决，自愿撤单",
        )  # fmt: skip
    request.refresh_from_db()
    assert request.withdrawal_state == WithdrawalState.CONFIRMED
    assert request.matter.state == State.WITHDRAWN


def test_a_pressed_withdrawal_is_refused_and_the_leaders_are_told(
    hotline, django_capture_on_commit_callbacks
):
    request = dispatched(hotline)
    with at(MONDAY, 14):
        services.request_withdrawal(request, reason="社区工作人员让我撤的")
        request.refresh_from_db()
    with at(MONDAY, 15), django_capture_on_commit_callbacks(execute=True):
        services.record_return_call(
            request, actor=hotline.supervisor, version=request.version, purpose="withdrawal",
            reached=True, pressed=True, notes="群众称社区多次上门要求撤单，问题并未解决",
        )  # fmt: skip
    request.refresh_from_db()
    assert (
        request.withdrawal_state == WithdrawalState.REFUSED
        and request.matter.state == State.ASSIGNED
    )
    told = Notification.objects.filter(kind="citizen", text__contains=request.work_order_number)
    assert {n.user for n in told} >= {hotline.supervisor, hotline.leader}


def test_an_unanswered_call_changes_nothing_but_is_recorded(hotline):
    request = dispatched(hotline)
    with at(MONDAY, 14):
        services.request_withdrawal(request, reason="不需要了")
        request.refresh_from_db()
        services.record_return_call(
            request,
            actor=hotline.supervisor,
            version=request.version,
            purpose="withdrawal",
            reached=False,
        )
    request.refresh_from_db()
    assert request.withdrawal_state == WithdrawalState.PENDING
    assert request.events.filter(kind="return_call", data__reached=False).exists()


def test_withdrawing_before_dispatch_counts_at_once(hotline, client):
    with at(MONDAY, 9):
        request = services.receive_request(call(hotline))
    client.post(
        reverse("citizens:track_action", args=[request.tracking_token, "withdraw"]),
        {"reason": "打错了"},
    )
    request.refresh_from_db()
    assert request.withdrawal_state == WithdrawalState.CONFIRMED and request.stage == "withdrawn"
    with pytest.raises(IllegalTransition):
        services.dispatch_request(
            request, actor=hotline.supervisor, version=request.version,
            category=hotline.categories["城乡建设"], lead_unit=hotline.street,
        )  # fmt: skip


def test_duplicates_are_proposed_only_for_the_same_place_and_similar_text(hotline):
    with at(MONDAY, 9):
        first = services.receive_request(
            call(hotline, latitude="34.746600", longitude="113.625300")
        )
    with at(dt.date(2026, 3, 5), 9):
        near = services.receive_request(
            call(hotline, text="3号楼电梯坏了又关人，物业不管", street=None, district=None,
                 address="", latitude="34.746900", longitude="113.625500")
        )  # fmt: skip
        elsewhere = services.receive_request(
            call(hotline, text="3号楼电梯坏了又关人，物业不管", street=None, district=None,
                 address="", latitude="34.800000", longitude="113.700000")
        )  # fmt: skip
        different = services.receive_request(call(hotline, text="城关菜市场门口垃圾三天没人收"))
    with at(dt.date(2026, 3, 20), 9):
        too_late = services.receive_request(call(hotline))
    assert (near.merge_state, near.duplicate_of) == (MergeState.PROPOSED, first)
    assert elsewhere.merge_state == different.merge_state == too_late.merge_state == ""


def test_merging_tells_every_requester(hotline, django_capture_on_commit_callbacks):
    with at(MONDAY, 9):
        first = services.receive_request(call(hotline))
    with at(MONDAY, 10):
        second = services.receive_request(call(hotline, contact_phone="13900001111"))
    with at(MONDAY, 10, 5):
        third = services.receive_request(call(hotline, contact_phone="13900002222"))
    with at(MONDAY, 11), django_capture_on_commit_callbacks(execute=True):
        services.merge_request(second, actor=hotline.supervisor, version=second.version)
        services.merge_request(third, actor=hotline.supervisor, version=third.version)
    told = list(
        Delivery.objects.filter(reference__endswith=":merge").values_list("address", flat=True)
    )
    assert sorted(set(told)) == ["13800001234", "13900001111", "13900002222"]
    with at(MONDAY, 11, 30), django_capture_on_commit_callbacks(execute=True):
        first.refresh_from_db()
        services.dispatch_request(
            first, actor=hotline.supervisor, version=first.version,
            category=hotline.categories["城乡建设"], lead_unit=hotline.street,
        )  # fmt: skip
    replies = Delivery.objects.filter(reference__endswith=":reply")
    assert sorted(replies.values_list("address", flat=True)) == [
        "13800001234",
        "13900001111",
        "13900002222",
    ]
    with pytest.raises(IllegalTransition):
        second.refresh_from_db()
        services.dispatch_request(
            second, actor=hotline.supervisor, version=second.version,
            category=hotline.categories["城乡建设"], lead_unit=hotline.street,
        )  # fmt: skip


def test_a_satisfaction_call_records_the_grade(hotline):
    request = dispatched(hotline)
    matter, handler = request.matter, hotline.street_handler
    with at(MONDAY, 15):
        matter = matter_services.accept_matter(matter, actor=handler, version=matter.version)
        matter = matter_services.request_completion(
            matter, actor=handler, version=matter.version, text="已修"
        )
        matter_services.review_completion(
            matter, actor=hotline.supervisor, version=matter.version, outcome="approve"
        )
        request.refresh_from_db()
        services.record_return_call(
            request, actor=hotline.supervisor, version=request.version, purpose="satisfaction",
            reached=True, grade="basically_satisfied", notes="基本满意，希望加强日常维护",
        )  # fmt: skip
    request.refresh_from_db()
    assert (request.rating, request.rating_source, request.matter.state) == (
        "basically_satisfied", "return_call", State.CLOSED,
    )  # fmt: skip
