"""The channels that reach people beyond the inbox, each sending one Delivery.

- E-mail: Django's mail backend (EMAIL_BACKEND and friends in the settings).
- SMS: a configurable HTTP gateway (LUOSHI["SMS_GATEWAY_URL"]) that takes
  `{"phone", "text", "sign"}` as JSON with an optional bearer token; an office puts
  its operator's adapter behind that address.
- WeCom (企业微信) group robot: POST `{"msgtype": "text", "text": {"content": …}}` to
  the robot's webhook; the answer `{"errcode": 0}` means sent.
- DingTalk (钉钉) group robot: the same shape; with a signing secret (加签) the
  address gets `timestamp` and `sign` = base64(HMAC-SHA256(secret, "timestamp\\nsecret")).

A send raises DeliveryError; `retry` says whether trying again may help (a network
failure, a 5xx, a rate limit) or not (a refused address, a wrong key).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import urllib.error
import urllib.parse
import urllib.request

from django.conf import settings
from django.core.mail import send_mail

from luoshi.lib.numbers import id_or_none

from .models import Channel, Delivery

TIMEOUT_SECONDS = 10
# WeCom / DingTalk answer errcodes that mean "too many messages, try later".
RATE_LIMITED = {45009, 130101, 660026}


class DeliveryError(Exception):
    def __init__(self, message: str, *, retry: bool, status: str = ""):
        super().__init__(message)
        self.retry = retry
        self.status = status


def send(delivery: Delivery) -> str:
    """Send one delivery through its channel; returns the other side's status."""
    senders = {
        Channel.EMAIL: send_email,
        Channel.SMS: send_sms,
        Channel.WECOM: send_wecom,
        Channel.DINGTALK: send_dingtalk,
    }
    return senders[Channel(delivery.channel)](delivery)


def send_email(delivery: Delivery) -> str:
    try:
        send_mail(
            delivery.subject or delivery.body[:60],
            delivery.body,
            settings.DEFAULT_FROM_EMAIL,
            [delivery.address],
        )
    except OSError as error:  # smtplib's errors are OSErrors too
        raise DeliveryError(str(error), retry=True) from error
    return "accepted"


def send_sms(delivery: Delivery) -> str:
    config = settings.LUOSHI
    url = config.get("SMS_GATEWAY_URL", "")
    if not url:
        raise DeliveryError("LUOSHI_SMS_GATEWAY_URL is not set", retry=False)
    headers = {}
    if config.get("SMS_GATEWAY_TOKEN"):
        headers["Authorization"] = f"Bearer {config['SMS_GATEWAY_TOKEN']}"
    body = {"phone": delivery.address, "text": delivery.body, "sign": config.get("SMS_SIGN", "")}
    status, answer = post_json(url, body, headers)
    if isinstance(answer, dict) and answer.get("ok") is False:
        raise DeliveryError(str(answer.get("error", answer))[:500], retry=False, status=status)
    return status


def send_wecom(delivery: Delivery) -> str:
    payload = {"msgtype": "text", "text": {"content": delivery.body}}
    return _robot(delivery.address, payload)


def send_dingtalk(delivery: Delivery) -> str:
    payload = {"msgtype": "text", "text": {"content": delivery.body}}
    return _robot(sign_dingtalk(delivery.address, _dingtalk_secret(delivery)), payload)


def _dingtalk_secret(delivery: Delivery) -> str:
    from .models import UnitChannel

    if not delivery.reference.startswith("unitchannel:"):
        return ""
    pk = delivery.reference.split(":", 1)[1]
    channel = UnitChannel.objects.filter(pk=id_or_none(pk) or 0).first()
    return channel.secret if channel else ""


def sign_dingtalk(url: str, secret: str, now_ms: int | None = None) -> str:
    """The robot address with DingTalk's timestamp and signature (加签), when a secret is set."""
    if not secret:
        return url
    timestamp = str(now_ms if now_ms is not None else int(time.time() * 1000))
    digest = hmac.new(secret.encode(), f"{timestamp}\n{secret}".encode(), hashlib.sha256).digest()
    sign = urllib.parse.quote_plus(base64.b64encode(digest))
    joiner = "&" if "?" in url else "?"
    return f"{url}{joiner}timestamp={timestamp}&sign={sign}"


def _robot(url: str, payload: dict) -> str:
    status, answer = post_json(url, payload, {})
    if not isinstance(answer, dict):
        return status
    code = answer.get("errcode", 0)
    if code:
        message = f"errcode {code}: {answer.get('errmsg', '')}"
        raise DeliveryError(message, retry=code in RATE_LIMITED, status=status)
    return status


def post_json(url: str, body: dict, headers: dict[str, str]) -> tuple[str, object]:
    """POST JSON; returns (status, parsed answer). Failures raise DeliveryError."""
    data = json.dumps(body, ensure_ascii=False).encode()
    request = urllib.request.Request(
        url,
        data=data,
        method="POST",
        headers={"Content-Type": "application/json; charset=utf-8", **headers},
    )
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310
            raw = response.read()
            status = str(response.status)
    except urllib.error.HTTPError as error:
        retry = error.code >= 500 or error.code in (408, 429)
        raise DeliveryError(f"HTTP {error.code}", retry=retry, status=str(error.code)) from error
    except (urllib.error.URLError, OSError) as error:
        raise DeliveryError(str(getattr(error, "reason", error))[:500], retry=True) from error
    try:
        return status, json.loads(raw.decode() or "{}")
    except ValueError:
        return status, {}
