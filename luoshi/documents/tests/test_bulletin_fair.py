"""The bulletin judges by the fair clock and reports the office's own backlog (督查室待办).

The case of issue 10: a matter asked for completion three days before its deadline and
the review waited for months. The October bulletin must not name its unit "逾期N天",
its October scorecard must not count the days, and the approval records it on time.
"""

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from luoshi.documents.models import Bulletin
from luoshi.evaluation import services as evaluation
from luoshi.evaluation.models import PeriodKind
from luoshi.matters import services
from luoshi.matters.models import EventKind, Matter
from luoshi.matters.warnings import scan
from luoshi.testing import accepted, assigned

D = dt.date
TZ = ZoneInfo("Asia/Shanghai")


def at(day: dt.date, hour: int = 10):
    return time_machine.travel(
        dt.datetime(day.year, day.month, day.day, hour, tzinfo=TZ), tick=False
    )


def fresh(matter: Matter) -> Matter:
    return Matter.objects.get(pk=matter.pk)


@pytest.fixture
def waiting(city):
    """市发改委 asks on Apr 21 (deadline Apr 24); nobody reviews it. 市工信局's matter is
    simply overdue since Sep 30."""
    with at(D(2026, 1, 5)):
        evaluation.publish_scheme(actor=city.supervisor, name="2026年度督查考核办法")
        october = evaluation.open_period(
            actor=city.supervisor, kind=PeriodKind.MONTH, year=2026, number=10
        )
    with at(D(2026, 4, 1)):
        asked = accepted(city, title="重点项目签约落地", deadline=D(2026, 4, 24), co=False)
    with at(D(2026, 4, 21)):
        services.request_completion(
            fresh(asked), actor=city.lead_handler, version=None, text="已全部完成"
        )
    with at(D(2026, 9, 1)):
        late = assigned(city, title="技改项目推进", deadline=D(2026, 9, 30), co=False, lead=city.co)
        services.accept_matter(fresh(late), actor=city.co_handler, version=None)
    with at(D(2026, 11, 2), 7):
        scan()
    return {"asked": asked, "late": late, "october": october}


def draft(client, city) -> Bulletin:
    client.force_login(city.supervisor)
    with at(D(2026, 11, 2)):
        response = client.post(
            reverse("documents:bulletin_list"),
            {"period_start": "2026-10-01", "period_end": "2026-10-31"},
        )
    assert response.status_code == 302
    return Bulletin.objects.latest("id")


def test_the_office_s_delay_is_not_the_unit_s_overdue(client, city, waiting):
    bulletin = draft(client, city)
    asked, late = waiting["asked"], waiting["late"]
    assert str(city.lead.pk) not in bulletin.figures["named"]
    assert bulletin.figures["named"] == {str(city.co.pk): [late.pk]}
    assert f"{late.serial} 技改项目推进（逾期33天" in bulletin.named
    assert "重点项目签约落地（逾期" not in bulletin.named
    # The office's own backlog, with the review waiting since April.
    backlog = bulletin.figures["office_backlog"]
    assert backlog["counts"]["review"] == {"pending": 1, "late": 1}
    assert backlog["late"][0]["matter"] == asked.pk
    assert "督查室待办事项1项（办结申请待审核1项）" in bulletin.office_backlog
    assert f"{asked.serial} 重点项目签约落地（办结申请待审核，已等待" in bulletin.office_backlog
    page = client.get(reverse("documents:bulletin_detail", args=[bulletin.pk])).content.decode()
    assert "重点项目签约落地" in page


def test_the_scorecard_and_the_approval_judge_on_the_day_asked(city, waiting):
    with at(D(2026, 11, 2)):
        cards = {c.unit_id: c for c in evaluation.compute_scorecards(waiting["october"])}
    assert cards[city.lead.pk].figures["overdue_days"] == 0
    assert cards[city.co.pk].figures["overdue_days"] == 31  # Oct 1–31, its own delay
    with at(D(2026, 11, 3)):
        services.review_completion(
            fresh(waiting["asked"]), actor=city.supervisor, version=None, outcome="approve"
        )
    approved = fresh(waiting["asked"]).events.get(kind=EventKind.REVIEW_APPROVED)
    assert approved.data["on_time"] is True and approved.data["asked_on"] == "2026-04-21"


def test_the_issued_bulletin_carries_the_section(client, city, waiting):
    bulletin = draft(client, city)
    with at(D(2026, 11, 2)):
        client.post(
            reverse("documents:bulletin_issue", args=[bulletin.pk]), {"version": bulletin.version}
        )
    bulletin.refresh_from_db()
    assert bulletin.is_issued
    page = client.get(reverse("documents:bulletin_detail", args=[bulletin.pk])).content.decode()
    assert "四、督查室待办" in page and "五、下一步工作" in page


def test_the_bulletin_s_then_figures_open_lists_as_they_stood(client, city):
    """Drafted on Apr 2; by Apr 10 the overdue matter is done: its list still shows it."""
    with at(D(2026, 3, 2)):
        late = accepted(city, title="口袋公园建设", deadline=D(2026, 3, 10), co=False)
        done = accepted(city, title="项目签约", deadline=D(2026, 3, 20), co=False)
    with at(D(2026, 3, 18)):
        services.request_completion(fresh(done), actor=city.lead_handler, version=None, text="完成")
        services.review_completion(
            fresh(done), actor=city.supervisor, version=None, outcome="approve"
        )
    with at(D(2026, 4, 2), 7):
        scan()
    client.force_login(city.supervisor)
    with at(D(2026, 4, 2)):
        client.post(
            reverse("documents:bulletin_list"),
            {"period_start": "2026-03-01", "period_end": "2026-03-31"},
        )
    bulletin = Bulletin.objects.latest("id")
    assert (bulletin.figures["due"], bulletin.figures["overdue"]) == (2, 1)
    with at(D(2026, 4, 10)):
        services.request_completion(fresh(late), actor=city.lead_handler, version=None, text="完成")
        page = client.get(reverse("documents:bulletin_detail", args=[bulletin.pk])).content.decode()
        links = re.findall(r'href="(/matters/\?as_of=[^"]+)"', page)
        counts = [
            client.get("/api/matters/" + link.replace("&amp;", "&")[len("/matters/") :]).json()[
                "count"
            ]
            for link in links
        ]
    assert counts == [2, 1]  # due, overdue: as on Apr 2, though the matter moved since
