"""API tokens: made by the command or the admin, stored hashed, accepted as Bearer, revocable."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
import time_machine
from django.contrib.auth.models import User
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

from luoshi.org.models import ApiToken
from luoshi.org.tokens import digest, issue_token, revoke_token
from luoshi.testing import assigned

NOW = dt.datetime(2026, 3, 2, 9, tzinfo=dt.UTC)


def bearer(key: str) -> Client:
    """A client with no session, enforcing CSRF as browsers are held to it."""
    return Client(enforce_csrf_checks=True, headers={"authorization": f"Bearer {key}"})


def _command_key(username: str) -> str:
    out = io.StringIO()
    call_command("token", username, name="报表系统", stdout=out, stderr=io.StringIO())
    return out.getvalue().strip()


@time_machine.travel(NOW, tick=False)
def test_command_issues_a_token_that_reads_and_acts_as_its_user(city):
    matter = assigned(city, deadline=dt.date(2026, 4, 30))
    key = _command_key("lead_handler")
    token = ApiToken.objects.get()
    assert token.user == city.lead_handler and token.name == "报表系统"
    assert token.digest == digest(key) and key not in (token.digest, token.prefix)
    api = bearer(key)
    listing = api.get("/api/matters/")
    assert listing.status_code == 200 and listing.json()["count"] == 1
    response = api.post(
        f"/api/matters/{matter.pk}/accept",
        {"version": matter.version},
        content_type="application/json",
    )  # no CSRF token needed: a header-borne key cannot be forged by another site
    assert response.status_code == 200, response.content
    assert response.json()["matter"]["state"] == "accepted"
    token.refresh_from_db()
    assert token.last_used_at == NOW


def test_command_refuses_an_unknown_user(db):
    with pytest.raises(CommandError, match="No active user"):
        call_command("token", "nobody", stdout=io.StringIO())


def test_unknown_revoked_or_inactive_tokens_are_401(city):
    token, key = issue_token(city.supervisor)
    assert bearer(key).get("/api/matters/").status_code == 200
    assert bearer(key[:-1] + "x").get("/api/matters/").status_code == 401
    assert bearer("not-a-token").get("/api/matters/").status_code == 401
    revoke_token(token)
    response = bearer(key).get("/api/matters/")
    assert response.status_code == 401 and response.json()["code"] == "not_authenticated"
    _token, other_key = issue_token(city.co_handler)
    User.objects.filter(pk=city.co_handler.pk).update(is_active=False)
    assert bearer(other_key).get("/api/matters/").status_code == 401


def test_admin_makes_a_token_and_shows_its_key_once(city):
    root = User.objects.create_superuser("root", password="pw")
    admin = Client(headers={"accept-language": "en"})
    admin.force_login(root)
    response = admin.post(
        "/admin/org/apitoken/add/",
        {"user": city.supervisor.pk, "name": "大屏", "scope": "act"},
        follow=True,
    )
    assert response.status_code == 200
    token = ApiToken.objects.get()
    shown = [str(m) for m in response.context["messages"]]
    key = next(match for m in shown for match in re.findall(r"ls_[A-Za-z0-9_-]+", m))
    assert token.digest == digest(key) and token.user == city.supervisor
    assert bearer(key).get("/api/units/").status_code == 200
    change = admin.get(f"/admin/org/apitoken/{token.pk}/change/").content.decode()
    assert key not in change
    admin.post(
        "/admin/org/apitoken/",
        {"action": "revoke", "_selected_action": [token.pk]},
    )
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert bearer(key).get("/api/units/").status_code == 401
