"""The closed loop through the API, each persona logged in on its own client."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile

from luoshi.matters.models import Matter, MilestoneTemplate, SourcePolicy
from luoshi.testing import accepted, assigned, register
from luoshi.workcalendar.calendar import get_calendar

from .test_api_client import NOW, Api, ok, refused

pytestmark = pytest.mark.django_db


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def kinds(api: Api, pk: int) -> list[str]:
    return [e["kind"] for e in ok(api.get(f"matters/{pk}/events"))]


def test_whole_loop_across_logins(city, frozen):
    supervisor, lead = Api(city.supervisor), Api(city.lead_handler)
    co, leader = Api(city.co_handler), Api(city.leader)
    created = ok(
        supervisor.post(
            "matters/",
            {
                "title": "推进重点项目签约落地",
                "source": "meeting",
                "lead_unit": city.lead.pk,
                "co_units": [{"unit": city.co.pk, "description": "负责企业对接"}],
                "responsible_leader": city.leader.pk,
                "deadline": "2026-04-30",
                "milestones": [{"title": "完成签约", "deadline": "2026-03-31"}],
            },
        ),
        201,
    )
    pk = created["matter"]["id"]
    assert created["matter"]["state"] == "draft"
    refused(lead.get(f"matters/{pk}"), 404, "not_found")  # drafts are the office's own
    assert supervisor.act(pk, "assign")["matter"]["state"] == "assigned"

    detail = ok(lead.get(f"matters/{pk}"))
    assert {"accept", "dispute"} <= set(detail["available_actions"])
    assert "assign" not in detail["available_actions"]
    assert [p["unit"]["name"] for p in detail["parts"]] == ["市发改委", "市工信局"]
    assert lead.act(pk, "accept")["matter"]["state"] == "accepted"
    co.act(pk, "accept")

    upload = SimpleUploadedFile("进展.txt", "已签约3个".encode(), content_type="text/plain")
    report = lead.form(
        f"matters/{pk}/report",
        {
            "version": lead.version(pk),
            "text": "已完成签约3个",
            "percent": 40,
            "attachments": upload,
        },
    )
    assert ok(report)["matter"]["state"] == "in_progress"
    assert ok(report)["matter"]["progress"] == 40
    co.act(pk, "complete-part", {"text": "企业对接完成"})
    milestone = ok(lead.get(f"matters/{pk}"))["milestones"][0]
    lead.act(pk, f"milestones/{milestone['id']}/complete", {"comment": "签约完成"})

    first = ok(supervisor.post(f"matters/{pk}/hasten", {"message": "请加快进度"}))
    again = ok(supervisor.post(f"matters/{pk}/hasten", {"message": "请加快进度"}))
    assert first["notices"] == again["notices"]  # merged on the same day
    ok(leader.post(f"matters/{pk}/comment", {"text": "抓紧推进"}))

    done = lead.form(
        f"matters/{pk}/request-completion", {"version": lead.version(pk), "text": "全部完成"}
    )
    assert ok(done)["matter"]["state"] == "completion_requested"
    assert supervisor.act(pk, "review", {"outcome": "approve"})["matter"]["state"] == "completed"
    assert supervisor.act(pk, "close")["matter"]["state"] == "closed"

    assert kinds(supervisor, pk) == [
        "matter.registered",
        "matter.assigned",
        "part.accepted",
        "part.accepted",
        "progress.reported",
        "part.done",
        "milestone.done",
        "matter.hastened",
        "matter.hastened",
        "matter.commented",
        "review.requested",
        "review.approved",
        "matter.closed",
    ]
    reports = ok(co.get(f"matters/{pk}/reports"))
    assert [r["percent"] for r in reports] == [100, 100, 40]
    assert reports[-1]["attachments"][0]["name"] == "进展.txt"


def test_leader_approval_before_dispatch(city, frozen):
    SourcePolicy.objects.create(source="instruction", requires_leader_approval=True)
    supervisor, leader = Api(city.supervisor), Api(city.leader)
    pk = register(city, source="instruction").pk
    refused(supervisor.post(f"matters/{pk}/assign", {"version": 1}), 409, "illegal_transition")
    supervisor.act(pk, "submit")
    refused(leader.post(f"matters/{pk}/approve-dispatch", {"version": 2, "approve": False}), 422,
            "invalid_input", "comment")  # fmt: skip
    back = leader.act(pk, "approve-dispatch", {"approve": False, "comment": "补充依据"})
    assert back["matter"] is None  # a draft again: out of the leader's sight
    assert ok(supervisor.get(f"matters/{pk}"))["state"] == "draft"
    supervisor.act(pk, "submit")
    assert leader.act(pk, "approve-dispatch", {"approve": True})["matter"]["state"] == "approved"
    assert supervisor.act(pk, "assign")["matter"]["state"] == "assigned"


def test_dispute_reassigned_to_another_unit(city, frozen):
    pk = assigned(city, deadline=dt.date(2026, 4, 30)).pk
    co, supervisor, other = Api(city.co_handler), Api(city.supervisor), Api(city.other_handler)
    raised = co.act(pk, "dispute", {"reason_code": "wrong_territory", "reason": "不属我局职能"})
    pending = ok(supervisor.get(f"matters/{pk}"))["pending_disputes"]
    assert [d["id"] for d in pending] == [raised["dispute_id"]]
    assert pending[0]["reason_code"] == "wrong_territory"
    supervisor.act(
        pk,
        "rule-dispute",
        {"dispute_id": raised["dispute_id"], "ruling": "reassign", "new_unit": city.other.pk},
    )
    assert ok(supervisor.get(f"matters/{pk}"))["pending_disputes"] == []
    assert "accept" in ok(other.get(f"matters/{pk}"))["available_actions"]
    other.act(pk, "accept")
    refused(co.get(f"matters/{pk}"), 404, "not_found")  # the part moved away


def test_dispute_rejected_binds(city, frozen):
    pk = assigned(city, deadline=dt.date(2026, 4, 30)).pk
    lead, supervisor = Api(city.lead_handler), Api(city.supervisor)
    raised = lead.act(pk, "dispute", {"reason_code": "unclear_ownership", "reason": "权属不清"})
    ruling = {"dispute_id": raised["dispute_id"], "ruling": "reject"}
    refused(
        supervisor.post(f"matters/{pk}/rule-dispute", {"version": lead.version(pk), **ruling}),
        422,
        "invalid_input",
        "comment",
    )
    supervisor.act(pk, "rule-dispute", {**ruling, "comment": "属于发改委职责"})
    again = {"version": lead.version(pk), "reason_code": "other", "reason": "再议"}
    body = refused(lead.post(f"matters/{pk}/dispute", again), 409, "illegal_transition")
    assert "ruling binds" in body["message"]
    lead.act(pk, "accept")


def test_dispute_after_the_time_limit_is_refused(city, frozen):
    pk = assigned(city, deadline=dt.date(2026, 4, 30)).pk
    frozen.move_to(dt.datetime(2026, 3, 5, 9, tzinfo=dt.UTC))
    lead = Api(city.lead_handler)
    body = {"version": lead.version(pk), "reason_code": "other", "reason": "迟到的退回"}
    assert (
        "ended"
        in refused(lead.post(f"matters/{pk}/dispute", body), 409, "illegal_transition")["message"]
    )


def test_extension_approved_moves_the_deadline(city, frozen):
    pk = accepted(city, deadline=dt.date(2026, 4, 30)).pk
    lead, supervisor = Api(city.lead_handler), Api(city.supervisor)
    asked = lead.act(pk, "extension", {"new_deadline": "2026-05-29", "reason": "等待土地审批"})
    refused(
        lead.post(
            f"matters/{pk}/extension",
            {"version": lead.version(pk), "new_deadline": "2026-06-30", "reason": "again"},
        ),
        409,
        "illegal_transition",
    )
    pending = ok(supervisor.get(f"matters/{pk}"))["pending_extensions"]
    assert pending[0]["requested_deadline"] == "2026-05-29"
    ruled = supervisor.act(
        pk, "rule-extension", {"extension_id": asked["extension_id"], "approve": True}
    )
    assert ruled["matter"]["deadline"] == "2026-05-29"
    assert ok(lead.get(f"matters/{pk}"))["original_deadline"] == "2026-04-30"


def test_extension_rejected_and_too_late(city, frozen):
    pk = accepted(city, deadline=dt.date(2026, 3, 20)).pk
    lead, supervisor = Api(city.lead_handler), Api(city.supervisor)
    asked = lead.act(pk, "extension", {"new_deadline": "2026-04-30", "reason": "资金未到位"})
    ruled = supervisor.act(
        pk,
        "rule-extension",
        {"extension_id": asked["extension_id"], "approve": False, "comment": "按期完成"},
    )
    assert ruled["matter"]["deadline"] == "2026-03-20"
    frozen.move_to(dt.datetime(2026, 3, 20, 9, tzinfo=dt.UTC))  # the deadline day itself
    lead = Api(city.lead_handler)  # a new login: the session of 2 March has expired
    late = {"version": lead.version(pk), "new_deadline": "2026-04-30", "reason": "再次申请"}
    refused(lead.post(f"matters/{pk}/extension", late), 409, "illegal_transition")


def test_rework_then_completion(city, frozen):
    pk = accepted(city, deadline=dt.date(2026, 4, 30)).pk
    lead, supervisor = Api(city.lead_handler), Api(city.supervisor)
    lead.form(f"matters/{pk}/request-completion", {"version": lead.version(pk), "text": "完成"})
    refused(
        supervisor.post(f"matters/{pk}/review", {"version": lead.version(pk), "outcome": "rework"}),
        422,
        "invalid_input",
        "comment",
    )
    back = supervisor.act(pk, "review", {"outcome": "rework", "comment": "缺少验收材料"})
    assert back["matter"]["state"] == "in_progress"
    assert "review.rework" in kinds(lead, pk)
    lead.form(f"matters/{pk}/request-completion", {"version": lead.version(pk), "text": "补齐"})
    assert supervisor.act(pk, "review", {"outcome": "approve"})["matter"]["state"] == "completed"


def test_suspend_and_resume_move_the_deadline(city, frozen):
    pk = accepted(city, deadline=dt.date(2026, 4, 30)).pk
    supervisor, lead = Api(city.supervisor), Api(city.lead_handler)
    suspended = supervisor.act(pk, "suspend", {"reason": "等待省级批复"})
    assert suspended["matter"]["is_suspended"] is True
    ask = {"version": lead.version(pk), "new_deadline": "2026-05-29", "reason": "x"}
    refused(lead.post(f"matters/{pk}/extension", ask), 409, "illegal_transition")
    frozen.move_to(dt.datetime(2026, 3, 9, 9, tzinfo=dt.UTC))  # one working week later
    resumed = supervisor.act(pk, "resume", {"comment": "批复已下达"})
    assert resumed["matter"]["is_suspended"] is False
    assert resumed["matter"]["deadline"] == "2026-05-11"  # 5 working days, 劳动节 skipped


def test_decompose_update_withdraw(city, frozen):
    pk = register(city, deadline=dt.date(2026, 6, 30)).pk
    supervisor = Api(city.supervisor)
    edited = ok(
        supervisor.patch(
            f"matters/{pk}", {"version": 1, "title": "推进重点项目开工", "priority": "urgent"}
        )
    )
    assert edited["matter"]["version"] == 2
    made = supervisor.act(
        pk,
        "decompose",
        {
            "children": [
                {"title": "完成规划图", "source": "meeting", "lead_unit": city.lead.pk},
                {"title": "完成施工图", "source": "meeting", "lead_unit": city.co.pk},
            ]
        },
    )
    detail = ok(supervisor.get(f"matters/{pk}"))
    assert [c["id"] for c in detail["children"]] == made["children"]
    assert detail["title"] == "推进重点项目开工" and detail["priority"] == "urgent"
    child = Matter.objects.get(pk=made["children"][0])
    assert child.deadline == dt.date(2026, 6, 30)
    withdrawn = supervisor.act(child.pk, "withdraw", {"reason": "合并办理"})
    assert withdrawn["matter"]["state"] == "withdrawn"
    refused(
        supervisor.post(f"matters/{child.pk}/assign", {"version": child.version + 1}),
        409,
        "illegal_transition",
    )


def test_list_filters_paginates_and_counts_facets(city, frozen):
    for n in range(5):
        assigned(city, title=f"重点项目{n}", deadline=dt.date(2026, 4, 1 + n))
    register(city, title="草稿事项")
    supervisor, lead, other = Api(city.supervisor), Api(city.lead_handler), Api(city.other_handler)
    page = ok(supervisor.get("matters/", page_size=2, page=2))
    assert page["count"] == 6 and page["pages"] == 3 and len(page["items"]) == 2
    assert page["facets"]["state"] == {"assigned": 5, "draft": 1}
    assigned_only = ok(supervisor.get("matters/", state="assigned", deadline_to="2026-04-02"))
    assert [m["title"] for m in assigned_only["items"]] == ["重点项目0", "重点项目1"]
    assert ok(lead.get("matters/"))["count"] == 5  # not the draft
    assert ok(lead.get("matters/", q="重点项目3"))["items"][0]["co_units"] == [
        {"id": city.co.pk, "name": "市工信局"}
    ]
    assert ok(other.get("matters/"))["count"] == 0


def test_register_with_a_template_and_change_units_before_dispatch(city, frozen):
    template = MilestoneTemplate.objects.create(name="决策事项跟踪", kind="task")
    template.items.create(title="制定方案", offset_workdays=5, order=1)
    template.items.create(title="组织实施", offset_workdays=20, order=2)
    supervisor = Api(city.supervisor)
    created = supervisor.post(
        "matters/",
        {
            "title": "落实常务会议决定",
            "source": "meeting",
            "lead_unit": city.lead.pk,
            "deadline": "2026-04-30",
            "template": template.pk,
            "milestones": [{"title": "启动会", "offset_workdays": 1}],
        },
    )
    pk = ok(created, 201)["matter"]["id"]
    detail = ok(supervisor.get(f"matters/{pk}"))
    assert [(m["title"], m["deadline"]) for m in detail["milestones"]] == [
        ("启动会", "2026-03-03"),
        ("制定方案", "2026-03-09"),
        ("组织实施", "2026-03-30"),
    ]
    changed = supervisor.patch(
        f"matters/{pk}",
        {
            "version": detail["version"],
            "lead_unit": city.co.pk,
            "co_units": [{"unit": city.lead.pk, "description": "提供数据"}],
        },
    )
    ok(changed)
    detail = ok(supervisor.get(f"matters/{pk}"))
    assert detail["lead_unit"]["name"] == "市工信局"
    assert [p["unit"]["name"] for p in detail["parts"]] == ["市工信局", "市发改委"]
    unknown = {"version": detail["version"], "co_units": [{"unit": 999999}]}
    refused(supervisor.patch(f"matters/{pk}", unknown), 422, "invalid_input", "co_units")
    supervisor.act(pk, "assign")
    late = {"version": supervisor.version(pk), "lead_unit": city.lead.pk}
    refused(supervisor.patch(f"matters/{pk}", late), 422, "invalid_input", "lead_unit")


def test_a_draft_edited_to_no_deadline_is_assigned_the_sources_default(city, frozen):
    """Clearing a draft's deadline left it with no basis: assigning it failed with a 500."""
    supervisor = Api(city.supervisor)
    body = {"title": "清理拖欠账款", "source": "meeting", "lead_unit": city.lead.pk}
    created = ok(supervisor.post("matters/", {**body, "deadline": "2026-04-30"}), 201)
    pk = created["matter"]["id"]
    version = ok(supervisor.get(f"matters/{pk}"))["version"]
    ok(supervisor.patch(f"matters/{pk}", {"version": version, "deadline": None}))
    assert Matter.objects.get(pk=pk).deadline is None
    assigned_now = supervisor.act(pk, "assign")
    assert assigned_now["matter"]["state"] == "assigned"
    workdays = SourcePolicy.for_source("meeting").default_workdays("normal")
    expected = get_calendar().add_workdays(NOW.date(), workdays)
    assert Matter.objects.get(pk=pk).deadline == expected


def test_a_citizen_request_or_a_hazard_keeps_its_kind_while_tasks_may_change(city, frozen):
    """Their apps follow only matters of their kind: a draft's kind moves, but not into or
    out of theirs (the refusal names the field and changes nothing)."""
    supervisor = Api(city.supervisor)
    body = {"title": "群众反映路灯不亮", "source": "citizen", "lead_unit": city.lead.pk}
    citizen = ok(supervisor.post("matters/", {**body, "kind": "citizen"}), 201)["matter"]
    refused(
        supervisor.patch(
            f"matters/{citizen['id']}", {"version": citizen["version"], "kind": "task"}
        ),
        422,
        "invalid_input",
        "kind",
    )
    assert Matter.objects.get(pk=citizen["id"]).kind == "citizen"
    task = ok(supervisor.post("matters/", {**body, "source": "meeting"}), 201)["matter"]
    to_hazard = {"version": task["version"], "kind": "hazard"}
    refused(supervisor.patch(f"matters/{task['id']}", to_hazard), 422, "invalid_input", "kind")
    ok(supervisor.patch(f"matters/{task['id']}", {**to_hazard, "kind": "enterprise"}))
    assert Matter.objects.get(pk=task["id"]).kind == "enterprise"
