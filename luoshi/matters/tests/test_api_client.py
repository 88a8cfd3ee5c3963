"""The API's doors: session and CSRF, anonymous callers, the error shape, languages, docs.

`Api` (a logged-in test client speaking JSON) is shared by the other test_api_* modules.
"""

from __future__ import annotations

import datetime as dt
import json

import pytest
import time_machine
from django.contrib.staticfiles import finders
from django.test import Client

from luoshi.testing import accepted, assigned, register

NOW = dt.datetime(2026, 3, 2, 9, tzinfo=dt.UTC)  # a Monday


class Api:
    """A test client for one persona (None: anonymous), in English unless told otherwise."""

    def __init__(self, user=None, *, language: str = "en", csrf: bool = False, **headers):
        self.client = Client(enforce_csrf_checks=csrf, headers={"accept-language": language})
        self.headers = headers
        if user is not None:
            self.client.force_login(user)

    def get(self, path: str, **params):
        return self.client.get(_url(path), params, headers=self.headers)

    def post(self, path: str, data: dict | None = None, **headers):
        body = json.dumps(data or {}, default=str)
        return self.client.post(
            _url(path), body, content_type="application/json", headers=self.headers | headers
        )

    def patch(self, path: str, data: dict):
        body = json.dumps(data, default=str)
        return self.client.patch(
            _url(path), body, content_type="application/json", headers=self.headers
        )

    def form(self, path: str, data: dict):
        """A multipart POST (reports with files)."""
        return self.client.post(_url(path), data, headers=self.headers)

    def version(self, pk: int) -> int:
        return ok(self.get(f"matters/{pk}"))["version"]

    def act(self, pk: int, verb: str, data: dict | None = None) -> dict:
        """POST an operation with the matter's current version; assert it succeeded."""
        body = {"version": self.version(pk), **(data or {})}
        return ok(self.post(f"matters/{pk}/{verb}", body))


def _url(path: str) -> str:
    return path if path.startswith("/") else f"/api/{path}"


def ok(response, status: int = 200) -> dict:
    assert response.status_code == status, response.content.decode()[:1000]
    return response.json()


def refused(response, status: int, code: str, field: str | None = None) -> dict:
    assert response.status_code == status, response.content.decode()[:1000]
    body = response.json()
    assert body["code"] == code, body
    assert body["message"]
    if field is not None:
        assert body["field"] == field, body
    return body


pytestmark = pytest.mark.django_db


def test_anonymous_callers_get_401_as_json(city):
    matter = assigned(city)
    anonymous = Api()
    for response in [
        anonymous.get("matters/"),
        anonymous.get(f"matters/{matter.pk}"),
        anonymous.post(f"matters/{matter.pk}/accept", {"version": matter.version}),
        anonymous.get("units/"),
        anonymous.get("notifications/"),
    ]:
        body = refused(response, 401, "not_authenticated")
        assert set(body) >= {"code", "message", "field"}


def test_session_post_needs_the_csrf_token(city):
    matter = assigned(city)
    handler = Api(city.lead_handler, csrf=True)
    body = {"version": matter.version}
    refused(handler.post(f"matters/{matter.pk}/accept", body), 403, "csrf_failed")
    anonymous = Api(csrf=True).post(f"matters/{matter.pk}/accept", body)
    refused(anonymous, 401, "not_authenticated")
    handler.get("/api/docs")  # the docs page sets the CSRF cookie, as any page does
    token = handler.client.cookies["csrftoken"].value
    response = handler.post(f"matters/{matter.pk}/accept", body, x_csrftoken=token)
    assert ok(response)["matter"]["state"] == "accepted"


def test_openapi_document_lists_every_operation(city):
    doc = ok(Api(city.supervisor).get("/api/openapi.json"))
    paths = set(doc["paths"])
    verbs = [
        "submit",
        "approve-dispatch",
        "assign",
        "decompose",
        "withdraw",
        "accept",
        "dispute",
        "rule-dispute",
        "report",
        "complete-part",
        "extension",
        "rule-extension",
        "suspend",
        "resume",
        "request-completion",
        "review",
        "close",
        "hasten",
        "comment",
    ]
    assert {f"/api/matters/{{pk}}/{verb}" for verb in verbs} <= paths
    assert {
        "/api/matters/",
        "/api/matters/{pk}",
        "/api/matters/{pk}/events",
        "/api/matters/{pk}/reports",
        "/api/matters/{pk}/attachments/{attachment_id}",
        "/api/matters/{pk}/milestones/{milestone_id}/complete",
        "/api/units/",
        "/api/units/{pk}",
        "/api/notifications/",
        "/api/notifications/unread-count",
        "/api/notifications/read",
    } <= paths
    schemes = doc["components"]["securitySchemes"]
    assert {s["type"] for s in schemes.values()} == {"http", "apiKey"}


def test_docs_page_loads_nothing_from_the_internet(city):
    html = Api(city.supervisor).get("/api/docs").content.decode()
    assert "/static/ninja/swagger-ui-bundle.js" in html
    assert "/static/ninja/swagger-ui.css" in html
    assert "cdn" not in html.lower() and "https://" not in html
    assert '"validatorUrl": null' in html
    for asset in ["ninja/swagger-ui-bundle.js", "ninja/swagger-ui.css", "ninja/swagger-ui-init.js"]:
        assert finders.find(asset), asset  # served by the app (collectstatic picks them up)


@time_machine.travel(NOW, tick=False)
def test_validation_error_names_the_field(city):
    supervisor = Api(city.supervisor)
    body = refused(supervisor.post("matters/", {"source": "meeting"}), 422, "invalid_input")
    assert body["field"] == "title"
    assert body["message"] == "title: This field is required."
    assert body["errors"] == [{"field": "title", "message": "This field is required."}]
    body = refused(
        supervisor.post(
            "matters/",
            {"title": "x", "source": "meeting", "deadline": "30/06/2026", "co_units": [{}]},
        ),
        422,
        "invalid_input",
    )
    fields = {e["field"] for e in body["errors"]}
    assert fields == {"deadline", "co_units[0].unit"}
    refused(supervisor.post("matters/", {"title": "x", "source": "rumour"}), 422, "invalid_input")
    matter = assigned(city)
    refused(
        supervisor.post(f"matters/{matter.pk}/suspend", {"reason": "x"}),
        422,
        "invalid_input",
        "version",
    )


def test_domain_input_error_has_the_same_shape(city):
    with time_machine.travel(NOW, tick=False):
        matter = accepted(city, deadline=dt.date(2026, 4, 30))
        handler = Api(city.lead_handler)
        body = {"version": matter.version, "text": "done", "percent": 150}
        refused(handler.form(f"matters/{matter.pk}/report", body), 422, "invalid_input", "percent")
        past = {"title": "x", "source": "meeting", "deadline": "2026-01-05"}
        refused(Api(city.supervisor).post("matters/", past), 422, "invalid_input", "deadline")


def test_invalid_filter_and_page_are_422_naming_the_field(city):
    supervisor = Api(city.supervisor)
    refused(supervisor.get("matters/", state="lost"), 422, "invalid_input", "state")
    refused(supervisor.get("matters/", deadline_to="June"), 422, "invalid_input", "deadline_to")
    refused(supervisor.get("matters/", page=0), 422, "invalid_input", "page")
    refused(supervisor.get("matters/", page_size=1000), 422, "invalid_input", "page_size")


@time_machine.travel(NOW, tick=False)
def test_message_follows_accept_language_and_the_code_is_stable(city):
    matter = register(city)
    english = Api(city.supervisor, language="en")
    chinese = Api(city.supervisor, language="zh-hans")
    stale = {"version": matter.version + 5, "reason": "等待上级答复"}
    en = refused(english.post(f"matters/{matter.pk}/withdraw", stale), 409, "stale_version")
    assert en["message"].startswith(f"{matter.serial} was changed by someone else")
    zh = refused(chinese.post(f"matters/{matter.pk}/withdraw", stale), 409, "stale_version")
    assert zh["code"] == en["code"]
    missing = english.post(f"matters/{matter.pk}/withdraw", {"version": matter.version})
    assert refused(missing, 422, "invalid_input", "reason")["message"] == (
        "reason: This field is required."
    )


def test_a_body_that_is_not_json_is_400_in_the_same_shape(city):
    supervisor = Api(city.supervisor)
    response = supervisor.client.post("/api/matters/", "{not json", content_type="application/json")
    body = refused(response, 400, "bad_request")
    assert set(body) == {"code", "message", "field"}


@time_machine.travel(NOW, tick=False)
def test_chinese_message_by_accept_language(city, settings):
    catalogue = settings.LOCALE_PATHS[0] / "zh_Hans" / "LC_MESSAGES" / "django.mo"
    if not catalogue.exists():
        pytest.skip("the Chinese catalogue is not compiled (make compilemessages)")
    matter = register(city)
    stale = {"version": matter.version + 1, "reason": "等待上级答复"}
    chinese = Api(city.supervisor, language="zh-hans")
    body = refused(chinese.post(f"matters/{matter.pk}/withdraw", stale), 409, "stale_version")
    assert body["message"].startswith(f"{matter.serial}已被他人修改")
    missing = chinese.post(f"matters/{matter.pk}/withdraw", {"version": matter.version})
    assert refused(missing, 422, "invalid_input", "reason")["message"] == "reason：此项为必填项。"
