"""The hazard register through the API: each role on its own client, the refusals in the
{code, message, field} shape, the figures with their drill-down links."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from luoshi.matters.tests.test_api_client import Api, ok, refused

from .helpers import MONDAY, assigned, category, found, fresh, rectified

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(MONDAY, tick=False) as traveller:
        yield traveller


def body(city, **changes) -> dict:
    return {
        "title": "燃气管道锈蚀",
        "category": category("building_gas").pk,
        "level": "serious",
        "discovery": "inspection",
        "unit": city.street.pk,
        "found_by_unit": city.co.pk,
        "responsible_unit": city.lead.pk,
        "found_on": "2026-05-28",
        "address": "幸福小区5号楼",
        **changes,
    }


def version(api: Api, pk: int) -> int:
    return ok(api.get(f"hazards/{pk}"))["version"]


def ask_for_verification(city, matter: int, text: str) -> None:
    """The rectifying unit requests completion (multipart, as with evidence files)."""
    api = Api(city.lead_handler)
    ok(
        api.form(
            f"matters/{matter}/request-completion", {"version": api.version(matter), "text": text}
        )
    )


def test_whole_life_across_logins(city, frozen):
    finder, office = Api(city.co_handler), Api(city.supervisor)
    rectifier, verifier, leader = Api(city.lead_handler), Api(city.other_handler), Api(city.leader)
    pk = ok(finder.post("hazards/", body(city)), 201)["id"]
    assert ok(rectifier.get(f"hazards/{pk}"))["available_actions"] == []

    assigned_ = ok(
        office.post(
            f"hazards/{pk}/assign",
            {
                "version": version(office, pk),
                "verifying_unit": city.other.pk,
                "deadline": "2026-07-10",
            },
        )
    )
    assert assigned_["status"] == "rectifying" and assigned_["deadline"] == "2026-07-10"
    matter = assigned_["matter_id"]
    Api(city.lead_handler).act(matter, "accept")
    ask_for_verification(city, matter, "管道已更换")

    refused(
        rectifier.post(
            f"hazards/{pk}/verify",
            {"version": version(rectifier, pk), "passed": True, "record": "自验合格"},
        ),
        403,
        "not_allowed",
    )
    refused(
        office.post(
            f"matters/{matter}/review", {"version": office.version(matter), "outcome": "approve"}
        ),
        409,
        "illegal_transition",
    )
    assert "verify" in ok(verifier.get(f"hazards/{pk}"))["available_actions"]
    failed = ok(
        verifier.post(
            f"hazards/{pk}/verify",
            {"version": version(verifier, pk), "passed": False, "record": "接口处仍有渗漏"},
        )
    )
    assert failed["status"] == "rectifying"
    assert failed["checks"][0] == {
        "id": failed["checks"][0]["id"],
        "kind": "verification",
        "unit": {"id": city.other.pk, "name": "市商务局"},
        "checked_on": "2026-06-01",
        "passed": False,
        "relapsed": None,
        "record": "接口处仍有渗漏",
    }
    ask_for_verification(city, matter, "接口已重新密封")
    closed = ok(
        verifier.post(
            f"hazards/{pk}/verify",
            {"version": version(verifier, pk), "passed": True, "record": "复验合格"},
        )
    )
    assert closed["status"] == "closed" and closed["reinspection_due"] == "2026-07-01"
    assert [e["kind"] for e in ok(leader.get(f"hazards/{pk}"))["events"]] == [
        "hazard.registered",
        "hazard.assigned",
        "hazard.verification_failed",
        "hazard.verified",
    ]

    frozen.move_to(dt.datetime(2026, 7, 2, 2, tzinfo=dt.UTC))
    finder = Api(city.co_handler)  # a month on: a fresh login
    followed = ok(
        finder.post(
            f"hazards/{pk}/reinspect", {"version": version(finder, pk), "record": "回头看：未反弹"}
        )
    )
    assert followed["reinspection_due"] is None
    assert followed["checks"][-1]["kind"] == "follow_up"


def test_refusals_name_the_field(city):
    office = Api(city.supervisor)
    refused(office.post("hazards/", body(city, level="huge")), 422, "invalid_input", "level")
    refused(
        office.post("hazards/", body(city, found_on="2026-06-02")), 422, "invalid_input", "found_on"
    )
    refused(office.post("hazards/", body(city, unit=999999)), 422, "invalid_input", "unit")
    refused(office.post("hazards/", {"title": "缺字段"}), 422, "invalid_input")
    # A unit registers only what it found itself.
    refused(Api(city.other_handler).post("hazards/", body(city)), 403, "not_allowed")
    hazard = found(city)
    refused(
        office.post(f"hazards/{hazard.pk}/assign", {"version": hazard.version + 5}),
        409,
        "stale_version",
    )
    refused(office.post(f"hazards/{hazard.pk}/assign", {}), 422, "invalid_input", "version")
    refused(
        office.post(
            f"hazards/{hazard.pk}/assign", {"version": hazard.version, "deadline": "2026-07-31"}
        ),
        422,
        "invalid_input",
        "deadline",
    )
    refused(Api().get("hazards/"), 401, "not_authenticated")


def test_a_major_hazard_needs_its_leader_and_plan(city):
    office = Api(city.supervisor)
    hazard = found(city, level="major")
    path = f"hazards/{hazard.pk}/assign"
    refused(office.post(path, {"version": hazard.version}), 422, "invalid_input", "leader")
    refused(
        office.post(path, {"version": hazard.version, "leader": city.leader.pk}),
        422,
        "invalid_input",
        "milestones",
    )
    listed = ok(
        office.post(
            path,
            {
                "version": hazard.version,
                "leader": city.leader.pk,
                "deadline": "2026-12-31",
                "milestones": [
                    {"title": "制定方案", "deadline": "2026-06-15"},
                    {"title": "主体整改", "deadline": "2026-10-30"},
                ],
            },
        )
    )
    assert listed["listed_supervision"] and listed["responsible_leader_id"] == city.leader.pk
    assert listed["reinspection_due"] == "2026-06-16"  # every 15 days while open
    assert "hazard.listed" in [e["kind"] for e in listed["events"]]


def test_list_filters_figures_and_visibility(city, django_assert_max_num_queries):
    for level in ("general", "serious", "general"):
        rectified(city, assigned(city, level=level))
    found(city, level="major", title="尾矿库排洪设施淤堵", category_code="production_safety")
    office = Api(city.supervisor)
    with django_assert_max_num_queries(6):
        page = ok(office.get("hazards/", level="general,serious", status="awaiting_verification"))
    assert page["count"] == 3
    assert ok(office.get("hazards/", q="尾矿库"))["items"][0]["status"] == "registered"
    refused(office.get("hazards/", status="lost"), 422, "invalid_input", "status")
    figures = {f["key"]: f for f in ok(office.get("hazards/figures", by="level"))}
    assert figures["general"]["awaiting"] == 2 and figures["major"]["open"] == 1
    assert figures["major"]["links"]["open"] == "/hazards/?level=major&status=open"
    # 市商务局 verifies the three; it sees them, not the major one nobody assigned it.
    assert ok(Api(city.other_handler).get("hazards/"))["count"] == 3
    street = ok(Api(city.street_handler).get("hazards/"))  # all lie in its territory
    assert street["count"] == 4
    assert fresh(found(city)).status == "registered"
