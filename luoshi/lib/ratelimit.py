"""A small per-address rate limit for the tokened public links, kept in Django's cache.

Enterprise pages (/enterprises/e/<token>/) and citizens' tracking links (/citizens/t/<token>/)
need no login, so a guessed or leaked token could be tried or scraped at speed. Each
address may make settings.PUBLIC_LINK_RATE_PER_MINUTE requests a minute to the routes named
in settings.PUBLIC_LINK_ROUTES; then it gets a 429 page saying when to come back.

A fixed one-minute window in the cache: cheap (one increment per request) and good
enough against guessing. With several app servers use a shared cache (CACHES); with the
default local-memory cache each worker counts on its own, which only loosens the limit.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string

from .clientip import client_ip

WINDOW = 60  # seconds


def hit(scope: str, address: str, limit: int, now: float | None = None) -> int:
    """Count one request of `address` in this window; returns the seconds to wait (0: go)."""
    now = time.time() if now is None else now
    window = int(now // WINDOW)
    key = f"ratelimit:{scope}:{address}:{window}"
    if cache.add(key, 1, timeout=WINDOW * 2):
        count = 1
    else:
        try:
            count = cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.set(key, 1, timeout=WINDOW * 2)
            count = 1
    if count <= limit:
        return 0
    return max(1, int((window + 1) * WINDOW - now))


def too_many(request: HttpRequest, wait: int) -> HttpResponse:
    body = render_to_string("429.html", {"wait": wait}, request=request)
    response = HttpResponse(body, status=429)
    response["Retry-After"] = str(wait)
    return response


class PublicLinkThrottleMiddleware:
    """429 for an address past its rate on the public-link routes."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view: Any, args: Any, kwargs: Any
    ) -> HttpResponse | None:
        match = request.resolver_match
        if match is None or match.view_name not in settings.PUBLIC_LINK_ROUTES:
            return None
        address = client_ip(request)
        wait = hit("public-link", address, settings.PUBLIC_LINK_RATE_PER_MINUTE)
        if not wait:
            return None
        # The reason in the log line (lib.security.OneLineRefusals).
        request.luoshi_refusal = "public link rate"  # type: ignore[attr-defined]
        return too_many(request, wait)
