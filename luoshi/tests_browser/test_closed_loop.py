"""The closed loop in a real browser, across the supervisor's, a handler's and a leader's logins."""

import datetime as dt

import pytest
from django.utils import timezone

from luoshi.matters.models import EventKind, Matter, MatterEvent, State
from luoshi.testing import the_city

pytestmark = pytest.mark.django_db(transaction=True)


def expect():
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect


def test_register_assign_accept_report_complete_rework_approve_close(session, tmp_path):
    city = the_city()
    page = session.page
    deadline = timezone.localdate() + dt.timedelta(days=40)

    # 1. The supervisor registers the matter with a co-unit, then assigns it.
    session.login("supervisor")
    assert session.count("to_assign") == 0
    session.go("/matters/new/")
    page.fill("#id_title", "推进重点项目签约落地")
    page.select_option("#id_source", "meeting")
    session.pick_unit("id_lead_unit", "发改", city.lead)
    session.pick_unit("id_co_units", "工信", city.co)
    page.fill("#id_deadline", deadline.isoformat())
    page.fill("#id_milestones", f"制定方案 | {(deadline - dt.timedelta(days=20)).isoformat()}")
    page.click("main form button[type=submit]")
    matter = Matter.objects.get()
    page.wait_for_url(f"{session.base}/matters/{matter.pk}/")
    session.go("/")
    assert session.count("to_assign") == 1
    session.go(f"/matters/{matter.pk}/")
    session.act("assign")
    expect()(page.locator("#matter .badge.state")).to_have_attribute("data-state", State.ASSIGNED)

    # 2. The lead unit's handler accepts on the desk; the counters move in place.
    page.locator("summary", has_text="supervisor").click()
    page.click("form[action='/logout/'] button")
    page.wait_for_url(f"{session.base}/login/")
    session.login("lead_handler")
    assert session.count("to_accept") == 1 and session.count("to_report") == 0
    page.click(f"#sec-to_accept form[action='/matters/{matter.pk}/act/accept/'] button")
    expect()(page.locator("#count-to_accept .n")).to_have_text("0")
    expect()(page.locator("#count-to_report .n")).to_have_text("1")

    # 3. It reports with an attachment, and asks for completion.
    page.click(f"#sec-to_report a[href='/matters/{matter.pk}/#act-report']")
    evidence = tmp_path / "签约情况.pdf"
    evidence.write_bytes(b"%PDF-1.4 evidence")
    session.act("report", text="已签约3个项目", percent="60", attachments=str(evidence))
    link = page.locator("#h-reports ~ article a", has_text="签约情况.pdf")
    expect()(link).to_be_visible()
    download = page.request.get(session.base + link.get_attribute("href"))
    assert download.ok and download.body() == b"%PDF-1.4 evidence"
    session.act("request_completion", text="全部签约完成")
    expect()(page.locator("#matter .badge.state")).to_have_attribute(
        "data-state", State.COMPLETION_REQUESTED
    )

    # 4. The responsible leader comments (批示); the comment lands in the timeline.
    session.login("leader")
    session.go(f"/matters/{matter.pk}/")
    session.act("comment", text="抓紧推进，确保实效")
    expect()(page.locator(".timeline .kind-comment .comment")).to_have_text("抓紧推进，确保实效")

    # 5. The supervisor sends it back once, then approves and closes.
    session.login("supervisor")
    assert session.count("review") == 1
    page.click(f"#sec-review a[href='/matters/{matter.pk}/#act-review']")
    session.act("review", outcome="rework", comment="")
    expect()(page.locator("#id_review-comment_error")).to_be_visible()  # on the field named
    session.act("review", outcome="rework", comment="请补充签约合同扫描件")
    expect()(page.locator("#matter .badge.state")).to_have_attribute(
        "data-state", State.IN_PROGRESS
    )

    session.login("lead_handler")
    session.go(f"/matters/{matter.pk}/")
    session.act("request_completion", text="已补充合同扫描件")

    session.login("supervisor")
    assert session.count("review") == 1
    session.go(f"/matters/{matter.pk}/")
    session.act("review", outcome="approve")
    session.act("close")
    expect()(page.locator("#matter .badge.state")).to_have_attribute("data-state", State.CLOSED)
    session.go("/")
    assert session.count("review") == 0
    kinds = list(MatterEvent.objects.filter(matter=matter).values_list("kind", flat=True))
    assert kinds.count(EventKind.REVIEW_REWORK) == 1 and kinds[-1] == EventKind.CLOSED
