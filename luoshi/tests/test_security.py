"""Issue 14 C through the doors users use: headers, session limits, the public-link rate,
one-line refusal logs, and `check --deploy` with the documented production settings."""

from __future__ import annotations

import datetime as dt
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest
import time_machine
from django.test import Client, override_settings

from luoshi.org.tokens import issue_token

NOW = dt.datetime(2026, 3, 2, 9, tzinfo=dt.UTC)
ROOT = Path(__file__).resolve().parents[2]


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


# ---- headers -------------------------------------------------------------------------


def test_pages_carry_csp_without_inline_scripts_and_permissions_policy(client, city):
    response = signed_in(city.supervisor).get("/")
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
    script_src = next(part for part in csp.split(";") if "script-src" in part)
    assert "unsafe-inline" not in script_src and "unsafe-eval" not in script_src
    assert "camera=()" in response["Permissions-Policy"]
    assert response.get("Cache-Control", "") != "no-store"  # a page, not a download


def test_no_template_has_an_inline_script_or_event_handler():
    import re

    found = []
    for path in (ROOT / "luoshi").rglob("templates/**/*.html"):
        text = path.read_text(encoding="utf-8")
        for tag in re.findall(r"<script\b[^>]*>", text):
            if "src=" not in tag and "application/json" not in tag:
                found.append(f"{path}: {tag}")
        found += [f"{path}: {m}" for m in re.findall(r"\s(on[a-z]+|hx-on[:\w-]*)=", text)]
    assert not found, found


def test_api_data_and_exports_are_not_cached(city):
    client = signed_in(city.supervisor)
    assert client.get("/api/matters/")["Cache-Control"] == "no-store"
    export = client.get("/matters/export.csv")
    assert export.status_code == 200 and export["Cache-Control"] == "no-store"
    assert client.get("/static/luoshi/luoshi.css").get("Cache-Control") != "no-store"


# ---- sessions ------------------------------------------------------------------------


@override_settings(SESSION_IDLE_MINUTES=30, SESSION_MAX_HOURS=12, SESSION_COOKIE_AGE=12 * 3600)
def test_a_session_ends_after_30_idle_minutes(city):
    with time_machine.travel(NOW, tick=False) as clock:
        client = signed_in(city.lead_handler)
        assert client.get("/").status_code == 200
        clock.shift(dt.timedelta(minutes=29))
        assert client.get("/").status_code == 200  # activity keeps it alive
        clock.shift(dt.timedelta(minutes=29))
        assert client.get("/").status_code == 200
        clock.shift(dt.timedelta(minutes=31))
        response = client.get("/")
        assert response.status_code == 302 and response["Location"].startswith("/login/")
        assert client.get("/api/matters/").status_code == 401


@override_settings(SESSION_IDLE_MINUTES=30, SESSION_MAX_HOURS=12, SESSION_COOKIE_AGE=12 * 3600)
def test_a_session_ends_12_hours_after_sign_in_however_busy(city):
    with time_machine.travel(NOW, tick=False) as clock:
        client = signed_in(city.lead_handler)
        for _ in range(11 * 3):  # a request every 20 minutes for 11 hours
            clock.shift(dt.timedelta(minutes=20))
            assert client.get("/api/matters/").status_code == 200
        clock.shift(dt.timedelta(minutes=61))
        assert client.get("/api/matters/").status_code == 401


# ---- the public links ------------------------------------------------------------------


@override_settings(PUBLIC_LINK_RATE_PER_MINUTE=5)
def test_tokened_public_links_are_rate_limited_per_address(db):
    from django.core.cache import cache

    cache.clear()
    with time_machine.travel(NOW, tick=False) as clock:
        guesser = Client(REMOTE_ADDR="10.0.0.9")
        statuses = [guesser.get(f"/citizens/t/guess{n}/").status_code for n in range(6)]
        assert statuses[:5] == [404] * 5 and statuses[5] == 429
        refused = guesser.get("/enterprises/e/guess/")
        assert refused.status_code == 429 and int(refused["Retry-After"]) <= 60
        assert "Too many requests" in refused.content.decode()
        assert Client(REMOTE_ADDR="10.0.0.10").get("/citizens/t/x/").status_code == 404
        clock.shift(dt.timedelta(seconds=61))
        assert guesser.get("/citizens/t/guess/").status_code == 404


@override_settings(PUBLIC_LINK_RATE_PER_MINUTE=2, LUOSHI_PROXY_COUNT=1)
def test_behind_the_proxy_the_address_is_the_one_nginx_saw(db):
    from django.core.cache import cache

    cache.clear()
    with time_machine.travel(NOW, tick=False):
        # A client cannot pick its address: nginx appends the real one on the right.
        forged = [
            Client(REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR=f"1.1.1.{n}, 10.0.0.9")
            .get("/citizens/t/x/").status_code
            for n in range(3)
        ]  # fmt: skip
        assert forged == [404, 404, 429]


# ---- refusals in the log ---------------------------------------------------------------


def test_a_denied_page_is_one_log_line_naming_who_and_where(city, caplog):
    client = signed_in(city.lead_handler)
    with caplog.at_level(logging.WARNING, logger="django.request"):
        assert client.post("/account/second-factor/start/").status_code == 403
    [record] = [r for r in caplog.records if r.name == "django.request"]
    line = record.getMessage()
    assert line.startswith("Refused 403 POST /account/second-factor/start/ by lead_handler")
    assert "second factor is for supervisors" in line
    assert record.exc_info is None and "\n" not in caplog.text.strip()


def test_api_refusals_are_one_line_with_the_error_code(city, caplog):
    _token, key = issue_token(city.lead_handler, scope="read")
    with caplog.at_level(logging.WARNING, logger="django.request"):
        Client().get("/api/matters/")
        Client(headers={"authorization": f"Bearer {key}"}).post("/api/matters/", {})
    lines = [r.getMessage() for r in caplog.records if r.name == "django.request"]
    assert lines == [
        "Refused 401 GET /api/matters/ by anonymous: not_authenticated",
        "Refused 403 POST /api/matters/ by anonymous: token_read_only",
    ]


def test_a_public_link_token_is_cut_short_in_the_log(db, caplog):
    with (
        override_settings(PUBLIC_LINK_RATE_PER_MINUTE=0),
        caplog.at_level(logging.WARNING, logger="django.request"),
    ):
        Client(REMOTE_ADDR="10.0.0.11").get("/citizens/t/abcdefghijklmnop/")
    [line] = [r.getMessage() for r in caplog.records if r.name == "django.request"]
    assert line == "Refused 429 GET /citizens/t/abcd…/ by anonymous: public link rate"


# ---- deployment ------------------------------------------------------------------------

# The production environment docs/operations.md documents (behind nginx, TLS there).
PRODUCTION = {
    "LUOSHI_SECRET_KEY": "x" * 20 + "production-secret-key-with-entropy-0123456789",
    "LUOSHI_ALLOWED_HOSTS": "luoshi.example.gov.cn",
    "LUOSHI_CSRF_TRUSTED_ORIGINS": "https://luoshi.example.gov.cn",
    "LUOSHI_PROXY_COUNT": "1",
    "LUOSHI_SSL_REDIRECT": "1",
    "LUOSHI_HSTS_SECONDS": "31536000",
    "LUOSHI_HSTS_INCLUDE_SUBDOMAINS": "1",
    "LUOSHI_HSTS_PRELOAD": "1",
}


def test_check_deploy_is_clean_with_the_documented_production_settings(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LUOSHI_", "DJANGO_"))}
    env.update(PRODUCTION, LUOSHI_VAR_DIR=str(tmp_path), DJANGO_SETTINGS_MODULE="luoshi.settings")
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout
    documented = (ROOT / "docs" / "operations.md").read_text(encoding="utf-8")
    for name in PRODUCTION:
        assert name in documented, f"{name} is not in docs/operations.md"


@pytest.mark.parametrize("path", ["/", "/login/"])
def test_without_https_settings_the_defaults_still_serve_plain_http(client, path, db):
    assert client.get(path).status_code in {200, 302}
