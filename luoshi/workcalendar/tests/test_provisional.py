"""Deadlines counted into a year without the official schedule are provisional, shown so
everywhere, and recounted through the matter services once the office enters the schedule."""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from luoshi.matters import services
from luoshi.matters.models import EventKind, Matter, MatterEvent
from luoshi.notifications.models import Notification, NotificationKind
from luoshi.testing import register
from luoshi.workcalendar.models import DayOverride, HolidaySchedule

from .test_schedule import NOTICE_2027

D = dt.date


def at(day: D, hour: int = 2):
    return time_machine.travel(
        dt.datetime(day.year, day.month, day.day, hour, tzinfo=dt.UTC), tick=False
    )


@pytest.fixture
def nov(city):
    """Friday 27 November 2026; a matter due in 50 working days, one in 25, one dated."""
    with at(D(2026, 11, 27)):
        city.february = services.assign_matter(
            register(city, title="春节前完成冬季供暖排查", deadline_workdays=50),
            actor=city.supervisor,
            version=None,
        )
        city.january = services.assign_matter(
            register(city, title="元旦后上报年度总结", deadline_workdays=25, co=False),
            actor=city.supervisor,
            version=None,
        )
        city.dated = services.assign_matter(
            register(city, title="一季度完成项目签约", deadline=D(2027, 3, 31), co=False),
            actor=city.supervisor,
            version=None,
        )
        yield city


def test_counting_into_2027_is_provisional_entered_dates_are_not(nov):
    # Provisionally 1 Jan and 5–8 Feb are off (statutory), no make-up day: 10 February.
    assert (nov.february.deadline, nov.february.deadline_provisional) == (D(2027, 2, 10), True)
    assert (nov.february.deadline_basis_day, nov.february.deadline_basis_workdays) == (
        D(2026, 11, 27),
        50,
    )
    assert (nov.january.deadline, nov.january.deadline_provisional) == (D(2027, 1, 4), True)
    assert nov.dated.deadline_provisional is False and nov.dated.deadline_basis_day is None
    assert nov.february.events.get(kind=EventKind.ASSIGNED).data["deadline_provisional"]


def test_provisional_shown_on_the_matter_the_list_and_the_api(client, nov):
    client.force_login(nov.lead_handler)
    with at(D(2026, 11, 27)):
        page = client.get(reverse("matters:detail", args=[nov.february.pk]))
        listing = client.get(reverse("matters:list"), HTTP_ACCEPT_LANGUAGE="zh-hans")
        api = client.get("/api/matters/").json()
    assert "2027-02-10" in page.content.decode() and "provisional" in page.content.decode()
    assert listing.content.decode().count("暂定") == 2
    flags = {item["title"]: item["deadline_provisional"] for item in api["items"]}
    assert flags == {
        "春节前完成冬季供暖排查": True,
        "元旦后上报年度总结": True,
        "一季度完成项目签约": False,
    }


def test_a_decomposed_child_takes_the_parent_s_count_and_its_mark(nov):
    with at(D(2026, 11, 30)):
        [child] = services.decompose_matter(
            nov.february,
            [services.MatterSpec(title="排查城区供热管网", source="meeting", lead_unit=nov.co)],
            actor=nov.supervisor,
            version=None,
        )
    assert (child.deadline, child.deadline_provisional) == (D(2027, 2, 10), True)


def test_resume_keeps_counting_from_the_first_day(nov):
    with at(D(2026, 11, 30)):
        matter = services.suspend_matter(
            nov.february, actor=nov.supervisor, version=None, reason="等待省里批复"
        )
    with at(D(2026, 12, 2)):  # two working days paused
        matter = services.resume_matter(matter, actor=nov.supervisor, version=None)
    assert (matter.deadline_basis_day, matter.deadline_basis_workdays) == (D(2026, 11, 27), 52)
    assert (matter.deadline, matter.deadline_provisional) == (D(2027, 2, 12), True)


def test_an_approved_extension_is_an_entered_date(nov):
    with at(D(2026, 12, 1)):
        accepted = services.accept_matter(nov.february, actor=nov.lead_handler, version=None)
        extension = services.request_extension(
            accepted,
            actor=nov.lead_handler,
            version=None,
            new_deadline=D(2027, 3, 1),
            reason="供暖季延长",
        )
        matter = Matter.objects.get(pk=accepted.pk)
        services.rule_extension(
            matter, extension.pk, actor=nov.supervisor, version=None, approve=True
        )
    matter.refresh_from_db()
    assert (matter.deadline, matter.deadline_provisional, matter.deadline_basis_day) == (
        D(2027, 3, 1),
        False,
        None,
    )


def enter(client, user, text=NOTICE_2027, action="confirm", **extra):
    client.force_login(user)
    data = {
        "year": 2027,
        "notice": "国办发明电〔2026〕9号",
        "text": text,
        "action": action,
        **extra,
    }
    return client.post(reverse("workcalendar:index"), data, HTTP_ACCEPT_LANGUAGE="zh-hans")


def test_entering_the_schedule_recounts_through_the_services(
    client, nov, django_capture_on_commit_callbacks
):
    with at(D(2026, 12, 10)):
        preview = enter(client, nov.supervisor, action="preview")
        assert preview.status_code == 200
        body = preview.content.decode()
        assert "2027-02-14" in body and "2个事项" in body
        assert HolidaySchedule.objects.count() == 0  # a preview saves nothing
        with django_capture_on_commit_callbacks(execute=True):
            response = enter(client, nov.supervisor)
    assert response.status_code == 302
    schedule = HolidaySchedule.objects.get()
    assert (schedule.year, schedule.notice, schedule.recounted) == (
        2027,
        "国办发明电〔2026〕9号",
        2,
    )
    assert DayOverride.objects.filter(schedule=schedule, is_workday=True).count() == 6

    february = Matter.objects.get(pk=nov.february.pk)
    # Officially 5–11 Feb are off and Sunday 14 Feb is worked: the 50th day is that Sunday.
    assert (february.deadline, february.deadline_provisional) == (D(2027, 2, 14), False)
    january = Matter.objects.get(pk=nov.january.pk)
    assert (january.deadline, january.deadline_provisional) == (D(2027, 1, 4), False)
    assert february.version == nov.february.version + 1

    event = MatterEvent.objects.get(matter=february, kind=EventKind.DEADLINE_RECOUNTED)
    assert (event.actor, event.data["from"], event.data["to"]) == (
        nov.supervisor,
        "2027-02-10",
        "2027-02-14",
    )
    assert not MatterEvent.objects.filter(
        matter=nov.dated, kind=EventKind.DEADLINE_RECOUNTED
    ).exists()

    notices = Notification.objects.filter(kind=NotificationKind.RECOUNTED)
    assert set(notices.filter(matter=february).values_list("user__username", flat=True)) == {
        "lead_handler",
        "lead_head",
        "co_handler",
    }
    text = notices.filter(matter=january, user__username="lead_handler").get().text
    assert text == "节假日安排已公布：督办〔2026〕2号办理时限确定为2027-01-04，不再暂定。"

    page = client.get(reverse("workcalendar:index"), HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert "国办发明电〔2026〕9号" in page.content.decode()
    again = enter(client, nov.supervisor)
    assert again.status_code == 422 and HolidaySchedule.objects.count() == 1


def test_a_count_reaching_an_unpublished_later_year_stays_provisional(city):
    with at(D(2027, 12, 1)):
        matter = services.assign_matter(
            register(city, deadline_workdays=30), actor=city.supervisor, version=None
        )
        assert (matter.deadline, matter.deadline_provisional) == (D(2028, 1, 12), True)
        services.recount_provisional_deadlines(actor=city.supervisor)
    matter.refresh_from_db()
    assert matter.deadline_provisional is True  # 2028 is still unpublished


def test_milestones_counted_into_2027_are_recounted_too(client, nov):
    with at(D(2026, 11, 27)):
        services.add_milestones(
            nov.dated,
            [services.MilestoneSpec(title="完成选址", offset_workdays=50)],
            actor=nov.supervisor,
            version=None,
        )
    milestone = nov.dated.milestones.get()
    assert (milestone.deadline, milestone.deadline_provisional) == (D(2027, 2, 10), True)
    with at(D(2026, 12, 10)):
        assert enter(client, nov.supervisor).status_code == 302
    milestone.refresh_from_db()
    assert (milestone.deadline, milestone.deadline_provisional) == (D(2027, 2, 14), False)
    event = MatterEvent.objects.get(matter=nov.dated, kind=EventKind.DEADLINE_RECOUNTED)
    assert event.data["milestones"] == [
        {"title": "完成选址", "from": "2027-02-10", "to": "2027-02-14"}
    ]


def test_bad_schedules_are_refused_with_their_problems_and_change_nothing(client, nov):
    text = NOTICE_2027.replace("六、中秋节：9月15日（周三）放假，共1天。", "")
    with at(D(2026, 12, 10)):
        response = enter(client, nov.supervisor, text=text, action="preview")
        assert response.status_code == 422
        assert "2027-09-15（中秋节）是法定节假日" in response.content.decode()
        response = enter(client, nov.supervisor, text=text)
    assert response.status_code == 422
    assert HolidaySchedule.objects.count() == 0
    assert Matter.objects.get(pk=nov.february.pk).deadline == D(2027, 2, 10)
    with at(D(2026, 12, 10)):
        built_in = enter(client, nov.supervisor, year=2026, action="preview")
    assert built_in.status_code == 422 and "已内置" in built_in.content.decode()


def test_a_table_upload_previews_with_row_messages(client, nov):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(nov.supervisor)
    csv = "日期,类型,节日\n2027-01-01,放假,元旦\n2027-13-01,放假,春节\n".encode()
    with at(D(2026, 12, 10)):
        response = client.post(
            reverse("workcalendar:index"),
            {"year": 2027, "action": "preview", "file": SimpleUploadedFile("2027.csv", csv)},
            HTTP_ACCEPT_LANGUAGE="zh-hans",
        )
    body = response.content.decode()
    assert response.status_code == 422
    assert "第3行：“2027-13-01”不是有效日期" in body


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("supervisor", 200),
        ("admin", 200),
        ("lead_handler", 403),
        ("lead_head", 403),
        ("co_handler", 403),
        ("leader", 403),
    ],
)
def test_only_the_office_enters_schedules(client, city, persona, status):
    client.force_login(getattr(city, persona))
    assert client.get(reverse("workcalendar:index")).status_code == status
    posted = client.post(
        reverse("workcalendar:index"), {"year": 2027, "text": NOTICE_2027, "action": "confirm"}
    )
    assert posted.status_code == (302 if status == 200 else 403)


def test_anonymous_is_sent_to_log_in(client):
    assert client.get(reverse("workcalendar:index")).status_code == 302


def test_the_calendar_page_reads_in_few_queries(client, nov, django_assert_max_num_queries):
    client.force_login(nov.supervisor)
    with django_assert_max_num_queries(8):
        assert client.get(reverse("workcalendar:index")).status_code == 200


@pytest.mark.parametrize(
    ("day", "persona", "shown"),
    [
        (D(2026, 11, 2), "supervisor", True),
        (D(2026, 10, 30), "supervisor", False),
        (D(2026, 11, 2), "lead_handler", False),
    ],
)
def test_the_supervisor_desk_warns_from_november(client, city, day, persona, shown):
    client.force_login(getattr(city, persona))
    with at(day):
        page = client.get(reverse("matters:desk")).content.decode()
    assert ('id="schedule-warning"' in page) is shown
    if shown:
        assert "2027" in page and reverse("workcalendar:index") in page


def test_the_desk_warning_goes_once_the_schedule_is_entered(client, city):
    HolidaySchedule.objects.create(year=2027, entered_by=city.supervisor)
    client.force_login(city.supervisor)
    with at(D(2026, 11, 2)):
        assert 'id="schedule-warning"' not in client.get(reverse("matters:desk")).content.decode()


def test_only_the_office_recounts(nov):
    from luoshi.lib.errors import NotAllowed
    from luoshi.workcalendar.calendar import get_calendar

    for persona in ("lead_handler", "leader"):
        with pytest.raises(NotAllowed):
            services.recount_deadline(
                nov.february, actor=getattr(nov, persona), calendar=get_calendar()
            )
        with pytest.raises(NotAllowed):
            services.recount_provisional_deadlines(actor=getattr(nov, persona))
    assert Matter.objects.get(pk=nov.february.pk).deadline_provisional is True
