"""The citizen requests API: intake, the office's steps, the tokened door, suggestions."""

from __future__ import annotations

import datetime as dt

import pytest

from luoshi.citizens.models import CitizenRequest
from luoshi.matters import services as matter_services
from luoshi.org.tokens import issue_token

from .conftest import at

pytestmark = pytest.mark.django_db
API = "/api/citizens"


def bearer(user):
    return {"HTTP_AUTHORIZATION": f"Bearer {issue_token(user)[1]}"}


def test_enter_dispatch_and_follow_a_request(client, hotline):
    office = bearer(hotline.supervisor)
    body = {"request_type": "complaint", "text": "幸福路烧烤店油烟扰民",
            "street_id": hotline.street.pk, "contact_phone": "13800003333"}  # fmt: skip
    with at(dt.date(2026, 3, 2), 9):
        created = client.post(f"{API}/requests", body, content_type="application/json", **office)
    assert created.status_code == 201
    request = created.json()
    assert request["district"] == "东城区" and request["contact_phone"] == "13800003333"
    dispatch = {"version": request["version"], "category_id": hotline.categories["环境保护"].pk,
                "lead_unit_id": hotline.other.pk}  # fmt: skip
    url = f"{API}/requests/{request['id']}/dispatch"
    with at(dt.date(2026, 3, 2), 9, 10):
        stale = client.post(
            url, {**dispatch, "version": 99}, content_type="application/json", **office
        )
        assert stale.status_code == 409 and stale.json()["code"] == "stale_version"
        done = client.post(url, dispatch, content_type="application/json", **office).json()
    assert done["unit"] == "市商务局" and done["stage"] == "dispatched"
    listed = client.get(
        f"{API}/requests", {"stage": "dispatched"}, **bearer(hotline.other_handler)
    ).json()
    assert listed["count"] == 1 and listed["items"][0]["contact_phone"] == "13800003333"
    masked = client.get(f"{API}/requests/{request['id']}", **bearer(hotline.leader)).json()
    assert masked["contact_phone"] == "138****3333" and masked["contact_name"] == ""
    assert (
        client.get(f"{API}/requests/{request['id']}", **bearer(hotline.lead_handler)).status_code
        == 404
    )


def test_the_citizens_door_needs_only_the_token(client, hotline):
    with at(dt.date(2026, 3, 2), 9):
        created = client.post(
            f"{API}/requests",
            {"request_type": "inquiry", "text": "请问社保卡丢了怎么补办", "anonymous": True},
            content_type="application/json",
            **bearer(hotline.supervisor),
        ).json()
    request = CitizenRequest.objects.get(pk=created["id"])
    track = client.get(f"{API}/track/{request.tracking_token}").json()
    assert track["stage"] == "received" and track["unit"] is None
    assert client.get(f"{API}/track/not-a-token").status_code == 404
    refused = client.post(
        f"{API}/track/{request.tracking_token}/rating",
        {"grade": "satisfied"},
        content_type="application/json",
    )
    assert refused.status_code == 409
    wrong = client.post(
        f"{API}/track/{request.tracking_token}/rating",
        {"grade": "great"},
        content_type="application/json",
    )
    assert wrong.status_code == 422 and wrong.json()["field"] == "grade"


def test_entering_is_the_offices(client, hotline):
    body = {"request_type": "help", "text": "x", "anonymous": True}
    assert client.post(f"{API}/requests", body, content_type="application/json").status_code == 401
    refused = client.post(
        f"{API}/requests", body, content_type="application/json", **bearer(hotline.lead_handler)
    )
    assert refused.status_code == 403
    bad = client.post(f"{API}/requests", {**body, "request_type": "rant"},
                      content_type="application/json", **bearer(hotline.supervisor))  # fmt: skip
    assert bad.status_code == 422 and bad.json()["field"] == "request_type"


def test_suggestions_come_with_scores(client, hotline):
    found = client.get(
        f"{API}/suggestions", {"text": "12路公交车到站不停"}, **bearer(hotline.supervisor)
    ).json()
    assert found["source"] == "table" and found["categories"][0]["name"] == "交通运输"
    assert found["units"][0]["id"] == hotline.lead.pk and 0 < found["units"][0]["score"] <= 1


def test_a_return_call_through_the_api(client, hotline):
    office = bearer(hotline.supervisor)
    with at(dt.date(2026, 3, 2), 9):
        created = client.post(
            f"{API}/requests",
            {"request_type": "help", "text": "路灯坏了", "contact_phone": "13800004444"},
            content_type="application/json", **office,
        ).json()  # fmt: skip
        done = client.post(
            f"{API}/requests/{created['id']}/dispatch",
            {"version": created["version"], "category_id": hotline.categories["城乡建设"].pk,
             "lead_unit_id": hotline.street.pk},
            content_type="application/json", **office,
        ).json()  # fmt: skip
    matter = CitizenRequest.objects.get(pk=created["id"]).matter
    handler = hotline.street_handler
    with at(dt.date(2026, 3, 3)):
        matter = matter_services.accept_matter(matter, actor=handler, version=matter.version)
        matter = matter_services.request_completion(
            matter, actor=handler, version=matter.version, text="已修"
        )
        matter_services.review_completion(
            matter, actor=hotline.supervisor, version=matter.version, outcome="approve"
        )
        call = client.post(
            f"{API}/requests/{created['id']}/return-calls",
            {"version": done["version"], "purpose": "satisfaction", "reached": True,
             "grade": "satisfied"},
            content_type="application/json", **office,
        )  # fmt: skip
    assert (
        call.status_code == 200
        and call.json()["rating"] == "satisfied"
        and call.json()["stage"] == "closed"
    )


def test_a_leader_is_refused_dispatch_before_the_ids_are_read(client, hotline):
    """The refusal comes first: a leader who may read the request learns nothing from the
    ids of a dispatch (an unknown category once answered 422 naming it)."""
    body = {"request_type": "complaint", "text": "小区门口路灯坏了一个月", "anonymous": True}
    with at(dt.date(2026, 3, 2), 9):
        request = client.post(
            f"{API}/requests", body, content_type="application/json",
            **bearer(hotline.supervisor),
        ).json()  # fmt: skip
        refused = client.post(
            f"{API}/requests/{request['id']}/dispatch",
            {"version": request["version"], "category_id": 10**9, "lead_unit_id": 10**9},
            content_type="application/json",
            **bearer(hotline.leader),
        )
    assert refused.status_code == 403, refused.content
    assert CitizenRequest.objects.get(pk=request["id"]).stage == "received"


def test_a_client_retrying_with_its_idempotency_key_enters_one_request(client, hotline):
    """The 12345 platform resends on a timeout: the same key answers with the same request."""
    body = {"request_type": "inquiry", "text": "请问社保卡丢了怎么补办", "anonymous": True}
    headers = {**bearer(hotline.supervisor), "HTTP_IDEMPOTENCY_KEY": "12345-20260302-0001"}
    with at(dt.date(2026, 3, 2), 9):
        answers = [
            client.post(f"{API}/requests", body, content_type="application/json", **headers)
            for _ in range(3)
        ]
        bad = client.post(
            f"{API}/requests", body, content_type="application/json",
            **{**headers, "HTTP_IDEMPOTENCY_KEY": "no spaces allowed"},
        )  # fmt: skip
    assert {a.json()["id"] for a in answers} == {CitizenRequest.objects.get().pk}
    assert bad.status_code == 422 and bad.json()["field"] == "request_key"
    assert CitizenRequest.objects.count() == 1
