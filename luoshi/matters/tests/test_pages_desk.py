"""我的工作台: each role sees what waits for it; counts move as work is done."""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from luoshi.matters import services
from luoshi.matters.models import ReportCycle
from luoshi.matters.queries import DESK_LIST_SIZE
from luoshi.matters.warnings import scan
from luoshi.testing import accepted, assigned, register

from .pagetools import HTMX, fresh, many_matters

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 3, 2, 10, 0, tzinfo=dt.UTC)


def counts(response) -> dict[str, int]:
    return {s["key"]: s["count"] for s in response.context["sections"]}


def desk(client):
    return client.get(reverse("matters:desk"))


def test_anonymous_is_sent_to_login(client):
    response = desk(client)
    assert response.status_code == 302 and response["Location"] == "/login/?next=/"


def test_handler_sees_to_accept_then_to_report(client, city):
    matter = assigned(city, report_cycle=ReportCycle.WEEKLY)
    client.force_login(city.lead_handler)
    response = desk(client)
    assert counts(response)["to_accept"] == 1
    html = response.content.decode()
    assert matter.title in html
    assert reverse("matters:action", args=[matter.pk, "accept"]) in html  # one click
    services.accept_matter(matter, actor=city.lead_handler, version=matter.version)
    response = desk(client)
    assert counts(response)["to_accept"] == 0
    assert counts(response)["to_report"] == 1
    assert response.context["cycles"] == [("Weekly", 1)]
    assert f"/matters/{matter.pk}/#act-report" in response.content.decode()


def test_accept_from_the_desk_by_htmx_swaps_the_desk_and_its_counters(client, city):
    matter = assigned(city)
    client.force_login(city.lead_handler)
    response = client.post(
        reverse("matters:action", args=[matter.pk, "accept"]),
        {"accept-version": matter.version, "from": "desk"},
        **HTMX,
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert '<div id="desk">' not in html and 'id="desk-lists"' in html  # the swap target
    assert 'id="desk-counters" aria-label="Counts" hx-swap-oob="true"' in html  # out of band
    assert 'id="unread-count"' in html
    assert counts(response)["to_accept"] == 0 and counts(response)["to_report"] == 1


def test_accept_from_the_desk_without_js_returns_to_the_desk(client, city):
    matter = assigned(city)
    client.force_login(city.lead_handler)
    response = client.post(
        reverse("matters:action", args=[matter.pk, "accept"]),
        {"accept-version": matter.version, "from": "desk"},
    )
    assert response.status_code == 302 and response["Location"] == reverse("matters:desk")


def test_supervisor_sees_what_to_assign_rule_and_review(client, city):
    register(city, title="待交办")
    disputed = assigned(city, title="有争议")
    services.raise_dispute(
        disputed,
        actor=city.co_handler,
        version=disputed.version,
        reason_code="other",
        reason="非本单位",
    )
    done = accepted(city, title="待审核")
    services.request_completion(done, actor=city.lead_handler, version=done.version, text="完成")
    client.force_login(city.supervisor)
    got = counts(desk(client))
    assert got["to_assign"] == 1 and got["disputes"] == 1 and got["review"] == 1
    assert got["extensions"] == 0
    assert "to_accept" not in got  # a supervisor accepts nothing


def test_leader_sees_approvals(client, city):
    from luoshi.matters.models import Source, SourcePolicy

    SourcePolicy.objects.create(
        source=Source.INSTRUCTION, requires_leader_approval=True, normal_workdays=10,
        urgent_workdays=5, very_urgent_workdays=1,
    )  # fmt: skip
    matter = register(city, source=Source.INSTRUCTION)
    services.submit_for_approval(matter, actor=city.supervisor, version=matter.version)
    client.force_login(city.leader)
    response = desk(client)
    assert counts(response)["approvals"] == 1
    assert f"/matters/{matter.pk}/#act-approve_dispatch" in response.content.decode()
    client.force_login(city.other_leader)
    assert counts(desk(client))["approvals"] == 0


def test_overdue_and_due_soon_follow_the_warning_scan(client, city):
    with time_machine.travel(NOW, tick=False):
        accepted(city, deadline=dt.date(2026, 3, 4))
        later = accepted(city, deadline=dt.date(2026, 3, 10), title="后到期")
        services.report_progress(  # far enough along not to be behind plan
            later, actor=city.lead_handler, version=later.version, text="快完成了", percent=90
        )
    with time_machine.travel(NOW + dt.timedelta(days=5), tick=False):
        scan()
        client.force_login(city.lead_handler)
        got = counts(desk(client))
    assert got["overdue"] == 1 and got["due_soon"] == 1


def test_other_units_see_none_of_it(client, city):
    assigned(city)
    client.force_login(city.other_handler)
    response = desk(client)
    assert sum(counts(response).values()) == 0
    assert "Nothing waits for you" in response.content.decode()


@pytest.mark.parametrize("user", ["supervisor", "lead_handler", "leader", "lead_head"])
@time_machine.travel(NOW, tick=False)  # which desk sections hold rows depends on the day
def test_desk_query_budget_does_not_grow_with_rows(
    client, city, user, django_assert_max_num_queries
):
    # The office's backlog card reads the oldest items of each of its four kinds on
    # their own (each in its index's order): a fixed four, whatever the rows.
    many_matters(city, 3)
    client.force_login(getattr(city, user))
    with django_assert_max_num_queries(18):
        desk(client)
    many_matters(city, 25)
    with django_assert_max_num_queries(18):
        response = desk(client)
    assert response.status_code == 200


def test_changed_state_shows_on_the_next_desk(client, city):
    matter = accepted(city)
    services.request_completion(matter, actor=city.lead_handler, version=matter.version, text="好")
    client.force_login(city.supervisor)
    assert counts(desk(client))["review"] == 1
    services.review_completion(
        fresh(matter), actor=city.supervisor, version=fresh(matter).version, outcome="approve"
    )
    assert counts(desk(client))["review"] == 0


def test_supervisor_rules_from_pending_requests_only(client, city):
    # The desk counts disputes and extensions from the pending rows: a ruled request
    # leaves it, a pending one on a matter no longer running is not the desk's.
    with time_machine.travel(NOW, tick=False):
        waiting = accepted(city, title="申请延期", deadline=dt.date(2026, 4, 30))
        extension = services.request_extension(
            waiting, actor=city.lead_handler, version=None,
            new_deadline=dt.date(2026, 6, 30), reason="工期紧",
        )  # fmt: skip
        ruled = accepted(city, title="已裁定", deadline=dt.date(2026, 4, 30))
        other = services.request_extension(
            ruled, actor=city.lead_handler, version=None,
            new_deadline=dt.date(2026, 6, 30), reason="工期紧",
        )  # fmt: skip
        ruled.refresh_from_db()
        services.rule_extension(
            ruled, other.pk, actor=city.supervisor, version=None, approve=False, comment="理由不足"
        )
        client.force_login(city.supervisor)
        response = desk(client)
    got = counts(response)
    assert got["extensions"] == 1 and got["disputes"] == 0
    section = next(s for s in response.context["sections"] if s["key"] == "extensions")
    assert [m.pk for m in section["items"]] == [waiting.pk] and extension.matter_id == waiting.pk


def test_a_handler_of_both_units_of_a_matter_counts_it_once(client, city):
    """A unit user's counts join each part of their units to its matter: a matter held by
    two of their units (lead and co-unit) is one matter in every section."""
    from luoshi.org.models import Membership, Role

    Membership.objects.create(user=city.lead_handler, unit=city.co, role=Role.HANDLER)
    with time_machine.travel(NOW, tick=False):
        matter = assigned(city, deadline=dt.date(2026, 3, 6))
    client.force_login(city.lead_handler)
    with time_machine.travel(NOW, tick=False):
        assert counts(desk(client))["to_accept"] == 1
    later = dt.datetime(2026, 3, 12, 10, tzinfo=dt.UTC)  # past the deadline
    with time_machine.travel(later, tick=False):
        scan(later.date())
        assert fresh(matter).warning == "overdue"
        response = desk(client)
    assert counts(response)["overdue"] == 1 and counts(response)["to_accept"] == 1
    assert response.content.decode().count(f"/matters/{matter.pk}/") >= 1


def test_a_long_warning_section_links_to_the_list_of_that_warning(client, city):
    """More overdue matters than the desk shows: "see all" opens the list filtered by
    that warning, which holds as many as the desk counts. The office's sections count
    what it watches, so its link stays the plain list."""
    with time_machine.travel(NOW, tick=False):
        for index in range(DESK_LIST_SIZE + 1):
            accepted(city, deadline=dt.date(2026, 3, 4), title=f"逾期事项{index}")
    with time_machine.travel(NOW + dt.timedelta(days=5), tick=False):
        scan()
        client.force_login(city.lead_handler)
        page = desk(client)
        html = page.content.decode()
        assert counts(page)["overdue"] == DESK_LIST_SIZE + 1
        link = reverse("matters:list") + "?warning=overdue"
        assert f'href="{link}"' in html
        listed = client.get(link)
        assert listed.context["count"].total == DESK_LIST_SIZE + 1
        # to report, 9 too: no list filter holds a unit's own sections — said, not linked
        # (the plain list was bigger; a new user found "see all" showing other matters)
        assert counts(page)["to_report"] == DESK_LIST_SIZE + 1
        assert html.count("See all in the list") == 1
        assert f"The first {DESK_LIST_SIZE} of {DESK_LIST_SIZE + 1} are shown here." in html
        client.force_login(city.supervisor)
        office = desk(client).content.decode()
    assert "?warning=overdue" not in office
