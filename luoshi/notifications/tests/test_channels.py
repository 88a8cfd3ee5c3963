"""Notices that reach people: e-mail, SMS gateway, WeCom and DingTalk robots; retries and
the delivery log, checked against a local HTTP receiver."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac

import pytest
import time_machine
from django.core import mail
from django.test import override_settings
from django.utils import timezone

from luoshi.notifications.channels import sign_dingtalk
from luoshi.notifications.digests import send_daily_digests
from luoshi.notifications.messages import N_
from luoshi.notifications.models import (
    Cadence,
    Delivery,
    DeliveryAttempt,
    DeliveryState,
    NotificationPreference,
    UnitChannel,
)
from luoshi.notifications.services import notify, save_preference, users_of_units
from luoshi.notifications.tasks import retry_due

from .receiver import Receiver

pytestmark = pytest.mark.django_db
NOON = timezone.make_aware(dt.datetime(2026, 3, 2, 12, 0))


@pytest.fixture
def receiver():
    with Receiver() as running:
        yield running


def settings_for(receiver: Receiver, **extra):
    from django.conf import settings

    return override_settings(
        LUOSHI={
            **settings.LUOSHI,
            "SMS_GATEWAY_URL": receiver.url + "/sms/send",
            "SMS_GATEWAY_TOKEN": "gw-secret",
            "SMS_SIGN": "示例市",
            **extra,
        }
    )


def assigned_notice(city, capture):
    with capture(execute=True):
        notify(
            users_of_units([city.lead.pk]),
            kind="assigned",
            text=N_("%(serial)s assigned to your unit, due %(day)s: %(title)s")
            % {"serial": "督办〔2026〕7号", "day": dt.date(2026, 3, 20), "title": "老旧小区改造"},
        )


def test_wecom_robot_gets_its_text_payload_once_per_unit(
    city, receiver, django_capture_on_commit_callbacks
):
    UnitChannel.objects.create(
        unit=city.lead, channel="wecom", webhook_url=receiver.url + "/cgi-bin/webhook/send?key=abc"
    )
    with time_machine.travel(NOON, tick=False):
        assigned_notice(city, django_capture_on_commit_callbacks)
    assert len(receiver.received) == 1  # handler and head of the unit: one group message
    sent = receiver.received[0]
    assert sent["path"] == "/cgi-bin/webhook/send" and sent["query"] == {"key": "abc"}
    assert sent["json"]["msgtype"] == "text"
    assert "督办〔2026〕7号" in sent["json"]["text"]["content"]
    delivery = Delivery.objects.get()
    assert (delivery.state, delivery.attempts, delivery.unit) == (DeliveryState.SENT, 1, city.lead)
    assert DeliveryAttempt.objects.get().ok


def test_dingtalk_robot_signs_its_address(city, receiver, django_capture_on_commit_callbacks):
    UnitChannel.objects.create(
        unit=city.lead,
        channel="dingtalk",
        webhook_url=receiver.url + "/robot/send?access_token=tok",
        secret="SEC123",
    )
    assigned_notice(city, django_capture_on_commit_callbacks)
    sent = receiver.received[0]
    timestamp, sign = sent["query"]["timestamp"], sent["query"]["sign"]
    expected = hmac.new(b"SEC123", f"{timestamp}\nSEC123".encode(), hashlib.sha256).digest()
    assert base64.b64decode(sign) == expected  # parse_qs undid the URL quoting
    assert sent["query"]["access_token"] == "tok"
    assert sent["json"] == {"msgtype": "text", "text": {"content": sent["json"]["text"]["content"]}}
    assert sign_dingtalk("http://x/robot", "") == "http://x/robot"  # no secret, no signature


def test_sms_gateway_retries_then_logs_the_success(
    city, receiver, django_capture_on_commit_callbacks
):
    save_preference(city.lead_handler, sms=True, phone="139 0000 1111")
    receiver.answers = [(503, {"ok": False}), (200, {"ok": True, "id": "m1"})]
    with settings_for(receiver), time_machine.travel(NOON, tick=False):
        assigned_notice(city, django_capture_on_commit_callbacks)
        delivery = Delivery.objects.get(channel="sms")
        assert delivery.state == DeliveryState.RETRYING and delivery.last_error == "HTTP 503"
        assert delivery.next_attempt_at == NOON + dt.timedelta(minutes=1)
        assert retry_due() == 0  # not yet due
    with settings_for(receiver), time_machine.travel(NOON + dt.timedelta(minutes=2), tick=False):
        assert retry_due() == 1
    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts) == (DeliveryState.SENT, 2)
    assert [a.ok for a in delivery.tries.all()] == [False, True]
    first = receiver.received[0]
    assert first["path"] == "/sms/send" and first["headers"]["Authorization"] == "Bearer gw-secret"
    assert first["json"]["phone"] == "13900001111" and first["json"]["sign"] == "示例市"
    assert "督办〔2026〕7号" in first["json"]["text"]


def test_a_refused_address_is_not_retried_and_retries_end(
    city, receiver, django_capture_on_commit_callbacks
):
    UnitChannel.objects.create(
        unit=city.lead, channel="wecom", webhook_url=receiver.url + "/w?key=bad"
    )
    receiver.answers = [(200, {"errcode": 93000, "errmsg": "invalid webhook url"})]
    assigned_notice(city, django_capture_on_commit_callbacks)
    delivery = Delivery.objects.get()
    assert delivery.state == DeliveryState.FAILED and "93000" in delivery.last_error
    save_preference(city.co_handler, sms=True, phone="13900002222")
    receiver.answers = [(500, {})] * 10
    with (
        settings_for(receiver, DELIVERY_MAX_ATTEMPTS=3),
        django_capture_on_commit_callbacks(execute=True),
    ):
        notify([city.co_handler.pk], kind="review", text="x")
    sms = Delivery.objects.get(channel="sms")
    with settings_for(receiver, DELIVERY_MAX_ATTEMPTS=3):
        retry_due(now=timezone.now() + dt.timedelta(hours=1))
        retry_due(now=timezone.now() + dt.timedelta(hours=3))
    sms.refresh_from_db()
    assert (sms.state, sms.attempts, sms.tries.count()) == (DeliveryState.FAILED, 3, 3)


def test_email_in_each_recipients_language(city, django_capture_on_commit_callbacks):
    city.lead_handler.email = "handler@example.org"
    city.lead_handler.save()
    save_preference(city.lead_handler, email=True, language="zh-hans")
    save_preference(city.lead_head, email=True, email_address="head@example.org", language="en")
    assigned_notice(city, django_capture_on_commit_callbacks)
    by_address = {m.to[0]: m for m in mail.outbox}
    assert "已交办你单位" in by_address["handler@example.org"].body
    assert "assigned to your unit" in by_address["head@example.org"].body


def test_daily_digest_instead_of_each_notice(city, django_capture_on_commit_callbacks):
    save_preference(
        city.lead_handler, email=True, email_address="h@example.org", cadence=Cadence.DAILY
    )
    assigned_notice(city, django_capture_on_commit_callbacks)
    assigned_notice(city, django_capture_on_commit_callbacks)
    assert not Delivery.objects.filter(user=city.lead_handler).exists()
    with django_capture_on_commit_callbacks(execute=True):
        assert send_daily_digests() == 1
        assert send_daily_digests() == 0  # once a day
    digest = mail.outbox[-1]
    assert "2" in digest.subject and digest.body.count("督办〔2026〕7号") == 2


def test_preferences_page_saves_and_checks(client, city):
    client.force_login(city.lead_handler)
    page = client.post("/notifications/preferences/", {"sms": "on", "cadence": "immediate"})
    assert page.status_code == 200 and "phone" in page.content.decode()
    client.post(
        "/notifications/preferences/",
        {"sms": "on", "phone": "13900003333", "cadence": "daily", "language": "en"},
    )
    preference = NotificationPreference.objects.get(user=city.lead_handler)
    assert (preference.sms, preference.phone, preference.cadence) == (True, "13900003333", "daily")
