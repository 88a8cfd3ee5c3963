"""督查室待办: the office's own backlog with its age, on the desk, a page and the API."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import TestCase

from luoshi.matters import services
from luoshi.matters.models import Matter, Policy, ReturnReason, Source, SourcePolicy
from luoshi.matters.warnings import scan
from luoshi.notifications.models import Notification, NotificationKind
from luoshi.testing import accepted, assigned, register

D = dt.date
TZ = ZoneInfo("Asia/Shanghai")
TODAY = D(2026, 3, 12)  # Thursday


def at(day: dt.date, hour: int = 10):
    return time_machine.travel(
        dt.datetime(day.year, day.month, day.day, hour, tzinfo=TZ), tick=False
    )


def fresh(matter: Matter) -> Matter:
    return Matter.objects.get(pk=matter.pk)


@pytest.fixture
def backlog(city):
    """One of each kind: a dispute (Mar 2), a review (Mar 3), an extension (Mar 9),
    a dispatch approval (Mar 10). On Thu Mar 12 the first two waited 8 and 7 working
    days (late), the others 3 and 2."""
    SourcePolicy.objects.create(source=Source.INSTRUCTION, requires_leader_approval=True)
    with at(D(2026, 3, 2)):
        disputed = assigned(city, title="退回事项", deadline=D(2026, 4, 30))
        services.raise_dispute(
            fresh(disputed),
            actor=city.lead_handler,
            version=None,
            reason_code=ReturnReason.WRONG_TERRITORY,
            reason="属地不符",
        )
        reviewed = accepted(city, title="待审核事项", deadline=D(2026, 3, 31))
        extended = accepted(city, title="延期事项", deadline=D(2026, 3, 31))
    with at(D(2026, 3, 3)):
        services.request_completion(
            fresh(reviewed), actor=city.lead_handler, version=None, text="已完成"
        )
    with at(D(2026, 3, 9)):
        services.request_extension(
            fresh(extended),
            actor=city.lead_head,
            version=None,
            new_deadline=D(2026, 4, 30),
            reason="等待审批",
        )
    with at(D(2026, 3, 10)):
        approval = register(city, title="待领导审核事项", source=Source.INSTRUCTION)
        services.submit_for_approval(approval, actor=city.supervisor, version=None)
    return {"dispute": disputed, "review": reviewed, "extension": extended, "approval": approval}


def get_backlog(client, user, **params):
    client.force_login(user)
    with at(TODAY):
        return client.get("/api/matters/backlog", params)


def test_each_item_with_its_age_and_lateness_oldest_first(client, city, backlog):
    body = get_backlog(client, city.supervisor).json()
    assert body["limit_workdays"] == 3
    assert body["counts"]["total"] == {"pending": 4, "late": 2}
    assert body["counts"]["review"] == {"pending": 1, "late": 1}
    got = [(i["kind"], i["matter"]["id"], i["age_workdays"], i["late"]) for i in body["items"]]
    assert got == [
        ("dispute", backlog["dispute"].pk, 8, True),
        ("review", backlog["review"].pk, 7, True),
        ("extension", backlog["extension"].pk, 3, False),
        ("dispatch_approval", backlog["approval"].pk, 2, False),
    ]
    assert body["items"][0]["request_id"] is not None


def test_only_late_items_and_one_kind(client, city, backlog):
    late = get_backlog(client, city.supervisor, late="true").json()["items"]
    assert [i["kind"] for i in late] == ["dispute", "review"]
    reviews = get_backlog(client, city.supervisor, kind="review").json()["items"]
    assert [i["matter"]["id"] for i in reviews] == [backlog["review"].pk]
    assert get_backlog(client, city.supervisor, kind="nonsense").status_code == 422


def test_the_limit_is_a_policy_setting(client, city, backlog):
    Policy.objects.update_or_create(pk=1, defaults={"office_backlog_workdays": 10})
    assert get_backlog(client, city.supervisor).json()["counts"]["total"]["late"] == 0


def test_a_ruling_takes_the_item_off_the_backlog(client, city, backlog):
    with at(TODAY):
        services.review_completion(
            fresh(backlog["review"]), actor=city.supervisor, version=None, outcome="approve"
        )
    kinds = [i["kind"] for i in get_backlog(client, city.supervisor).json()["items"]]
    assert "review" not in kinds


@pytest.mark.parametrize(
    ("user", "status"),
    [
        ("supervisor", 200),
        ("admin", 200),
        ("leader", 200),
        ("lead_head", 403),
        ("lead_handler", 403),
        ("co_handler", 403),
        ("other_handler", 403),
    ],
)
def test_who_may_read_the_backlog(client, city, backlog, user, status):
    assert get_backlog(client, getattr(city, user)).status_code == status
    with at(TODAY):
        assert client.get("/matters/backlog/").status_code == status


def test_anonymous_is_asked_to_log_in(client, city, backlog):
    with at(TODAY):
        assert client.get("/api/matters/backlog").status_code == 401
        assert client.get("/matters/backlog/").status_code == 302


def test_the_page_shows_ages_and_the_supervisor_desk_shows_the_card(client, city, backlog):
    client.force_login(city.supervisor)
    with at(TODAY):
        page = client.get("/matters/backlog/").content.decode()
        desk = client.get("/").content.decode()
    assert "退回事项" in page and "待领导审核事项" in page
    assert 'class="age late">8<' in page
    assert 'id="sec-office-backlog"' in desk and "2 late" in desk


def test_a_unit_s_desk_has_no_backlog_card(client, city, backlog):
    client.force_login(city.lead_handler)
    with at(TODAY):
        assert 'id="sec-office-backlog"' not in client.get("/").content.decode()


def test_the_nightly_scan_warns_the_office_once_when_an_item_turns_late(city, backlog):
    """The dispute (Mar 2) turns late on Fri Mar 6, the review (Mar 3) on Mon Mar 9."""

    def notices(user):
        return list(
            Notification.objects.filter(user=user, kind=NotificationKind.REQUEST)
            .filter(text__contains="office backlog")
            .values_list("text", flat=True)
        )

    for day in (D(2026, 3, 5), D(2026, 3, 6), D(2026, 3, 6), D(2026, 3, 7), D(2026, 3, 9)):
        with at(day, 7), TestCase.captureOnCommitCallbacks(execute=True):
            scan()
    assert (
        notices(city.supervisor)
        == [
            "1 item(s) of the office backlog have now waited more than 3 working days: "
            "review and rule on them.",
        ]
        * 2
    )
    assert notices(city.lead_handler) == []
