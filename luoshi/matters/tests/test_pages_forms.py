"""Registering (立项) and decomposing (分解) from pages; budgets of the matter page."""

import datetime as dt

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from luoshi.matters import services
from luoshi.matters.models import Matter, MilestoneTemplate, State
from luoshi.testing import accepted, assigned, register

from .pagetools import act, fresh

pytestmark = pytest.mark.django_db
# The forms judge deadlines against today: pinned, so the suite means the same on any day
# (a deadline 60 days out must not cross into a year the calendar only guesses).
TODAY = dt.date(2026, 4, 10)
FUTURE = TODAY + dt.timedelta(days=60)


@pytest.fixture(autouse=True)
def pinned_clock():
    with time_machine.travel(dt.datetime(2026, 4, 10, 10, tzinfo=dt.UTC), tick=False):
        yield


def register_data(city, **extra):
    data = {
        "title": "推进营商环境改革",
        "source": "meeting",
        "kind": "task",
        "priority": "normal",
        "report_cycle": "monthly",
        "lead_unit": city.lead.pk,
        "co_units": [city.co.pk, city.other.pk],
        "responsible_leader": city.leader.pk,
        "deadline": FUTURE.isoformat(),
        "milestones": f"制定方案 | {(FUTURE - dt.timedelta(30)).isoformat()}",
    }
    data.update(extra)
    return data


def test_register_with_co_units_and_milestones(client, city):
    client.force_login(city.supervisor)
    assert client.get(reverse("matters:register")).status_code == 200
    response = client.post(reverse("matters:register"), register_data(city))
    matter = Matter.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/matters/{matter.pk}/"
    assert matter.state == State.DRAFT and matter.lead_unit == city.lead
    assert sorted(p.unit.name for p in matter.parts.all()) == ["市发改委", "市商务局", "市工信局"]
    assert matter.milestones.get().title == "制定方案"


def test_register_with_a_milestone_template(client, city):
    template = MilestoneTemplate.objects.create(name="三步走", kind="task")
    template.items.create(title="启动", offset_workdays=5)
    client.force_login(city.supervisor)
    data = register_data(city, milestones="", milestone_template=template.pk)
    assert client.post(reverse("matters:register"), data).status_code == 302
    assert Matter.objects.get().milestones.get().title == "启动"


def test_register_errors_name_the_field_and_keep_the_input(client, city):
    client.force_login(city.supervisor)
    past = (TODAY - dt.timedelta(days=3)).isoformat()
    response = client.post(reverse("matters:register"), register_data(city, deadline=past))
    html = response.content.decode()
    assert response.status_code == 422
    assert "Deadline: The deadline" in html and "is in the past." in html
    assert 'value="推进营商环境改革"' in html
    response = client.post(
        reverse("matters:register"), register_data(city, milestones="方案 | 明天")
    )
    assert response.status_code == 422
    assert "Line 1: “明天” is not a date: enter it as 2026-06-30." in response.content.decode()
    response = client.post(
        reverse("matters:register"), register_data(city, co_units=[city.lead.pk])
    )
    assert (
        response.status_code == 422
        and "is named twice among the units" in response.content.decode()
    )
    assert not Matter.objects.exists()


def test_register_is_for_supervisors_only(client, city):
    for user in (city.lead_handler, city.leader):
        client.force_login(user)
        assert client.get(reverse("matters:register")).status_code == 403
        assert client.post(reverse("matters:register"), register_data(city)).status_code == 403
    assert not Matter.objects.exists()


def decompose_data(matter, rows):
    data = {
        "version": matter.version,
        "children-TOTAL_FORMS": 5,
        "children-INITIAL_FORMS": 0,
        "children-MIN_NUM_FORMS": 0,
        "children-MAX_NUM_FORMS": 50,
    }
    for index, (title, unit, deadline) in enumerate(rows):
        data[f"children-{index}-title"] = title
        data[f"children-{index}-lead_unit"] = unit.pk if unit else ""
        data[f"children-{index}-deadline"] = deadline
    return data


def test_decompose_several_children_at_once(client, city):
    parent = assigned(city, deadline=FUTURE)
    client.force_login(city.supervisor)
    url = reverse("matters:decompose", args=[parent.pk])
    assert client.get(url).status_code == 200
    rows = [("一期", city.lead, ""), ("二期", city.co, (FUTURE - dt.timedelta(9)).isoformat())]
    response = client.post(url, decompose_data(parent, rows))
    assert response.status_code == 302
    children = list(parent.children.order_by("serial_no"))
    assert [c.title for c in children] == ["一期", "二期"]
    assert children[0].deadline == FUTURE and children[1].lead_unit == city.co
    html = client.get(reverse("matters:detail", args=[parent.pk])).content.decode()
    assert "一期" in html and "二期" in html and 'id="h-children"' in html


def test_decompose_error_names_the_row_and_field(client, city):
    parent = assigned(city, deadline=FUTURE)
    client.force_login(city.supervisor)
    late = (FUTURE + dt.timedelta(5)).isoformat()
    rows = [("一期", city.lead, ""), ("二期", city.co, late)]
    response = client.post(
        reverse("matters:decompose", args=[parent.pk]), decompose_data(parent, rows)
    )
    html = response.content.decode()
    assert response.status_code == 422
    assert "Sub-matter 2: A sub-matter cannot be due after its parent" in html
    assert not parent.children.exists()
    response = client.post(
        reverse("matters:decompose", args=[parent.pk]), decompose_data(parent, [])
    )
    assert "Give at least one sub-matter with a title." in response.content.decode()


def test_decompose_stale_and_refused(client, city):
    parent = assigned(city, deadline=FUTURE)
    client.force_login(city.lead_handler)
    assert client.get(reverse("matters:decompose", args=[parent.pk])).status_code == 403
    client.force_login(city.supervisor)
    data = decompose_data(parent, [("一期", city.lead, "")])
    services.hasten_matter(parent, actor=city.supervisor)  # no version change
    services.suspend_matter(parent, actor=city.supervisor, version=parent.version, reason="等待")
    response = client.post(reverse("matters:decompose", args=[parent.pk]), data, follow=True)
    assert "changed by someone else" in response.content.decode()
    assert not parent.children.exists()


def test_assign_from_the_page_with_a_new_deadline(client, city):
    matter = register(city)
    client.force_login(city.supervisor)
    response = act(client, matter, "assign", deadline=FUTURE.isoformat())
    assert response.status_code == 302
    assert fresh(matter).state == State.ASSIGNED and fresh(matter).deadline == FUTURE


@pytest.mark.parametrize("user", ["supervisor", "lead_handler", "leader", "co_handler"])
def test_matter_page_query_budget_does_not_grow_with_rows(
    client, city, user, django_assert_max_num_queries
):
    """A matter with everything on it: milestones, children, reports with files, a
    pending dispute and extension, many events — still at most 15 queries."""
    matter = accepted(city, deadline=FUTURE, milestones=[services.MilestoneSpec("节点", FUTURE)])
    client.force_login(getattr(city, user))
    url = reverse("matters:detail", args=[matter.pk])
    with django_assert_max_num_queries(15):
        client.get(url)
    for index in range(8):
        upload = SimpleUploadedFile(f"f{index}.pdf", b"%PDF", content_type="application/pdf")
        services.report_progress(
            fresh(matter), actor=city.lead_handler, version=fresh(matter).version,
            text=f"第{index}次", percent=index * 10, attachments=[upload, upload],
        )  # fmt: skip
        services.hasten_matter(fresh(matter), actor=city.supervisor, message=str(index))
    services.decompose_matter(
        fresh(matter), [services.MatterSpec(title=f"子{i}", source="meeting") for i in range(6)],
        actor=city.supervisor, version=fresh(matter).version,
    )  # fmt: skip
    services.raise_dispute(
        fresh(matter), actor=city.co_handler, version=fresh(matter).version,
        reason_code="other", reason="不是我们的",
    )  # fmt: skip
    services.request_extension(
        fresh(matter), actor=city.lead_handler, version=fresh(matter).version,
        new_deadline=FUTURE + dt.timedelta(1), reason="需要时间",
    )  # fmt: skip
    with django_assert_max_num_queries(15):
        response = client.get(url)
    assert response.status_code == 200
