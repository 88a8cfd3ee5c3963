"""The address a request comes from, as far as this server can trust it.

Without a proxy it is REMOTE_ADDR. Behind nginx (settings.LUOSHI_PROXY_COUNT = 1) it is
the address nginx appended to X-Forwarded-For: the Nth from the right, so that a client
cannot choose its own address by sending the header itself. Login lockout (axes, through
AXES_CLIENT_IP_CALLABLE) and the public-link limiter (lib.ratelimit) both count by it.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str:
    proxies = int(getattr(settings, "LUOSHI_PROXY_COUNT", 0))
    remote = str(request.META.get("REMOTE_ADDR") or "")
    if proxies <= 0:
        return remote
    chain = [a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    chain = [a for a in chain if a]
    return chain[-proxies] if len(chain) >= proxies else remote
