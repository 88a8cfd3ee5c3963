"""API tokens: issuing a key, checking one, revoking. Only digests are stored.

The key carries 256 random bits, so a plain SHA-256 digest is enough to keep a
leaked database from yielding usable keys (no slow password hash is needed).
luoshi.api.BearerToken calls user_for_token on every request that sends
`Authorization: Bearer <key>`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from django.contrib.auth.models import User
from django.utils import timezone

from .models import ApiToken

KEY_PREFIX = "ls_"
# Writing last_used_at on every call would turn each read into a write; once in a
# while is enough to tell a living token from a forgotten one.
TOUCH_EVERY = dt.timedelta(minutes=5)


def digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def new_key() -> str:
    return KEY_PREFIX + secrets.token_urlsafe(32)


def fill_new_token(token: ApiToken) -> str:
    """Give an unsaved token a fresh key; returns the key, to be shown once."""
    key = new_key()
    token.digest = digest(key)
    token.prefix = key[: len(KEY_PREFIX) + 6]
    return key


def issue_token(user: User, name: str = "") -> tuple[ApiToken, str]:
    """Make a token for `user`; returns it and its key (shown once, never stored)."""
    token = ApiToken(user=user, name=name)
    key = fill_new_token(token)
    token.save()
    return token, key


def user_for_token(key: str) -> User | None:
    """The active user a key belongs to, or None if the key is unknown or revoked."""
    if not key or not key.startswith(KEY_PREFIX):
        return None
    token = (
        ApiToken.objects.select_related("user")
        .filter(digest=digest(key), revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    if token is None:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > TOUCH_EVERY:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user


def revoke_token(token: ApiToken) -> None:
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
