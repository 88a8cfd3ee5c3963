"""The user's own page (tokens, second factor) and signing in (lockout, validators),
through the pages, the API and the admin."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib.auth.models import User
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.test import Client, override_settings
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from luoshi.org.models import AccountEvent, AccountEventKind, ApiToken, TokenScope
from luoshi.org.tokens import issue_token

NOW = dt.datetime(2026, 3, 2, 9, tzinfo=dt.UTC)


def signed_in(user) -> Client:
    client = Client(headers={"accept-language": "en"})
    client.force_login(user)
    return client


def bearer(key: str) -> Client:
    return Client(headers={"authorization": f"Bearer {key}"})


def code_now(device: TOTPDevice) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{totp.token():06d}"


# ---- API tokens ------------------------------------------------------------------------


@time_machine.travel(NOW, tick=False)
def test_a_user_makes_a_read_token_on_their_page_and_sees_the_key_once(city):
    page = signed_in(city.lead_handler)
    response = page.post("/account/tokens/new/", {"name": "报表", "scope": "read", "days": 30})
    assert response.status_code == 200 and response["Cache-Control"].startswith("max-age=0")
    key = re.search(r'id="new-token-key">(ls_[\w-]+)<', response.content.decode()).group(1)
    token = ApiToken.objects.get(user=city.lead_handler)
    assert token.scope == TokenScope.READ and token.expires_at == NOW + dt.timedelta(days=30)
    assert key not in page.get("/account/").content.decode()  # shown once
    event = AccountEvent.objects.get(kind=AccountEventKind.TOKEN_ISSUED)
    assert (event.user, event.actor, event.data["scope"]) == (city.lead_handler,) * 2 + ("read",)

    reader = bearer(key)
    assert reader.get("/api/matters/").status_code == 200
    refused = reader.post("/api/matters/", {}, content_type="application/json")
    assert refused.status_code == 403 and refused.json()["code"] == "token_read_only"
    assert set(refused.json()) >= {"code", "message", "field"}


def test_an_act_token_may_change_and_a_token_expires(city):
    with time_machine.travel(NOW, tick=False) as clock:
        token, key = issue_token(city.supervisor, scope="act", days=1)
        answer = bearer(key).post("/api/matters/", {}, content_type="application/json")
        assert answer.status_code == 422  # past the door: the body is what is refused
        clock.shift(dt.timedelta(days=1, seconds=1))
        assert bearer(key).get("/api/matters/").status_code == 401
    page = signed_in(city.supervisor).get("/account/").content.decode()
    assert f'id="token-{token.pk}"' in page and "expired" in page


def test_last_used_is_written_at_most_once_a_minute(city, django_assert_num_queries):
    with time_machine.travel(NOW, tick=False) as clock:
        token, key = issue_token(city.lead_handler, scope="read")
        bearer(key).get("/api/units/")
        token.refresh_from_db()
        assert token.last_used_at == NOW
        clock.shift(dt.timedelta(seconds=59))
        bearer(key).get("/api/units/")
        token.refresh_from_db()
        assert token.last_used_at == NOW
        clock.shift(dt.timedelta(seconds=2))
        bearer(key).get("/api/units/")
        token.refresh_from_db()
        assert token.last_used_at == NOW + dt.timedelta(seconds=61)


def test_a_user_revokes_their_own_token_and_not_someone_elses(city):
    token, key = issue_token(city.lead_handler)
    other, _ = issue_token(city.co_handler)
    page = signed_in(city.lead_handler)
    assert page.post(f"/account/tokens/{other.pk}/revoke/").status_code == 404
    assert page.post(f"/account/tokens/{token.pk}/revoke/").status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None and ApiToken.objects.filter(pk=token.pk).exists()
    assert bearer(key).get("/api/units/").status_code == 401
    assert AccountEvent.objects.filter(kind=AccountEventKind.TOKEN_REVOKED, user=city.lead_handler,
                                       actor=city.lead_handler).count() == 1  # fmt: skip
    again = page.post(f"/account/tokens/{token.pk}/revoke/", follow=True)
    assert "revoked already" in again.content.decode()


def test_bad_token_input_is_named_and_nothing_is_made(city):
    page = signed_in(city.lead_handler)
    response = page.post("/account/tokens/new/", {"scope": "all", "days": 400})
    assert response.status_code == 422
    assert not ApiToken.objects.exists() and not AccountEvent.objects.exists()


# ---- second factor ---------------------------------------------------------------------


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def test_a_supervisor_enrols_totp_and_then_signs_in_with_a_code(city, clock):
    user = city.supervisor
    user.set_password("luoshi-demo")
    user.save()
    page = signed_in(user)
    assert page.post("/account/second-factor/start/").status_code == 302
    enrol = page.get("/account/").content.decode()
    assert "<svg" in enrol and 'id="otp-secret"' in enrol  # the QR drawn here, no CDN
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    wrong = page.post("/account/second-factor/confirm/", {"code": "000000"})
    assert wrong.status_code == 422
    assert (
        page.post("/account/second-factor/confirm/", {"code": code_now(device)}).status_code == 302
    )
    assert AccountEvent.objects.filter(user=user, kind=AccountEventKind.OTP_ENROLLED).exists()

    browser = Client()
    login = browser.post("/login/", {"username": "supervisor", "password": "luoshi-demo"})
    assert login.status_code == 302
    gate = browser.get("/matters/")
    assert gate.status_code == 302 and gate["Location"] == "/account/verify/?next=%2Fmatters%2F"
    assert browser.get("/api/matters/").status_code == 401
    assert (
        browser.post("/account/verify/", {"code": "000000", "next": "/matters/"}).status_code == 422
    )
    device.refresh_from_db()
    device.throttling_failure_count, device.throttling_failure_timestamp = 0, None
    device.save()
    clock.shift(dt.timedelta(seconds=30))  # a fresh code: a used one is not taken twice
    passed = browser.post("/account/verify/", {"code": code_now(device), "next": "/matters/"})
    assert passed.status_code == 302 and passed["Location"] == "/matters/"
    assert browser.get("/matters/").status_code == 200


def test_demo_logins_without_a_device_need_no_code(city):
    city.lead_handler.set_password("luoshi-demo")
    city.lead_handler.save()
    browser = Client()
    assert browser.post("/login/", {"username": "lead_handler", "password": "luoshi-demo"})[
        "Location"] == "/"  # fmt: skip
    assert browser.get("/").status_code == 200


def test_a_handler_may_not_enrol(city):
    assert signed_in(city.lead_handler).post("/account/second-factor/start/").status_code == 403
    assert not TOTPDevice.objects.exists()


@override_settings(OTP_REQUIRED_FOR_OFFICE=True)
def test_when_required_the_office_must_enrol_before_anything_else(city):
    page = signed_in(city.admin)
    response = page.get("/matters/")
    assert response.status_code == 302 and response["Location"] == "/account/"
    assert page.get("/account/").status_code == 200
    assert signed_in(city.lead_handler).get("/matters/").status_code == 200  # not the units


# ---- signing in ------------------------------------------------------------------------


@pytest.fixture
def known(city):
    city.lead_handler.set_password("luoshi-demo")
    city.lead_handler.save()
    return city.lead_handler


def test_five_failures_lock_the_account_then_an_admin_unlocks_it(known):
    browser = Client(REMOTE_ADDR="10.1.1.1")
    statuses = [
        browser.post("/login/", {"username": "lead_handler", "password": "wrong"}).status_code
        for _ in range(5)
    ]
    assert statuses == [200] * 4 + [429]  # the fifth failure locks
    from_elsewhere = Client(REMOTE_ADDR="10.2.2.2")
    locked = from_elsewhere.post("/login/", {"username": "lead_handler", "password": "luoshi-demo"})
    assert locked.status_code == 429 and "Sign-in locked" in locked.content.decode()
    assert AccessFailureLog.objects.filter(username="lead_handler").count() >= 5
    call_command("axes_reset_username", "lead_handler", verbosity=0)
    ok = from_elsewhere.post("/login/", {"username": "lead_handler", "password": "luoshi-demo"})
    assert ok.status_code == 302
    assert AccessLog.objects.filter(username="lead_handler").exists()  # successful sign-in


def test_failures_from_one_address_lock_that_address(known, django_user_model):
    django_user_model.objects.create_user("someone", password="luoshi-demo-2")
    browser = Client(REMOTE_ADDR="10.3.3.3")
    for n in range(5):
        browser.post("/login/", {"username": f"guess{n}", "password": "wrong"})
    locked = browser.post("/login/", {"username": "someone", "password": "luoshi-demo-2"})
    assert locked.status_code == 429
    assert AccessAttempt.objects.filter(ip_address="10.3.3.3").exists()


def test_admin_sees_sign_ins_and_unlocks_in_the_admin(known):
    for _ in range(5):
        Client(REMOTE_ADDR="10.4.4.4").post(
            "/login/", {"username": "lead_handler", "password": "x"}
        )
    root = User.objects.create_superuser("root", password="pw-root-long")
    admin = Client()
    admin.force_login(root)
    assert "lead_handler" in admin.get("/admin/axes/accessfailurelog/").content.decode()
    attempt = AccessAttempt.objects.get(username="lead_handler")
    admin.post("/admin/axes/accessattempt/", {"action": "delete_selected",
               "_selected_action": [attempt.pk], "post": "yes"})  # fmt: skip
    assert not AccessAttempt.objects.exists()
    ok = Client(REMOTE_ADDR="10.5.5.5").post(
        "/login/", {"username": "lead_handler", "password": "luoshi-demo"}
    )
    assert ok.status_code == 302


@pytest.mark.parametrize(
    ("password", "problem"),
    [
        ("1234567890123", "entirely numeric"),
        ("Qx7-short", "at least 10"),
        ("password123", "common"),
    ],
)
def test_new_passwords_are_validated(password, problem, db):
    with pytest.raises(ValidationError, match=problem):
        validate_password(password)
    validate_password("落实督办-long-enough")
