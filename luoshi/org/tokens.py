"""API tokens: issuing a key, checking one, revoking. Only digests are stored.

The key carries 256 random bits, so a plain SHA-256 digest is enough to keep a
leaked database from yielding usable keys (no slow password hash is needed).
luoshi.api.BearerToken calls token_for_key on every request that sends
`Authorization: Bearer <key>`. Issuing and revoking are services: each writes its
AccountEvent in the same transaction (the user's page, the admin and `luoshi token`
all come here).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from luoshi.lib.errors import IllegalTransition, InvalidInput, NotAllowed

from .models import AccountEvent, AccountEventKind, ApiToken, TokenScope

KEY_PREFIX = "ls_"
# Writing last_used_at on every call would turn each read into a write; once a minute
# is enough to tell a living token from a forgotten one.
TOUCH_EVERY = dt.timedelta(minutes=1)
# The longest a token may live (days); the default is settings.LUOSHI["API_TOKEN_DAYS"].
MAX_DAYS = 366


def digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def new_key() -> str:
    return KEY_PREFIX + secrets.token_urlsafe(32)


def default_days() -> int:
    return int(str(settings.LUOSHI.get("API_TOKEN_DAYS", 90)))


def fill_new_token(token: ApiToken, *, days: int | None = None) -> str:
    """Give an unsaved token a fresh key and its expiry; returns the key, shown once."""
    key = new_key()
    token.digest = digest(key)
    token.prefix = key[: len(KEY_PREFIX) + 6]
    if token.expires_at is None:
        token.expires_at = timezone.now() + dt.timedelta(days=_check_days(days))
    return key


def _check_days(days: int | None) -> int:
    days = default_days() if days is None else days
    if not 1 <= days <= MAX_DAYS:
        raise InvalidInput(_("A token lives from 1 to %(n)s days.") % {"n": MAX_DAYS}, field="days")
    return days


def _check_scope(scope: str) -> str:
    if scope not in TokenScope.values:
        raise InvalidInput(_("Choose what the token may do."), field="scope")
    return scope


def record_issued(token: ApiToken, actor: User | None) -> None:
    data = {"token": token.pk, "prefix": token.prefix, "scope": token.scope,
            "expires_at": token.expires_at.isoformat() if token.expires_at else None}  # fmt: skip
    AccountEvent.objects.create(
        user=token.user, actor=actor, kind=AccountEventKind.TOKEN_ISSUED, comment=token.name,
        data=data,
    )  # fmt: skip


@transaction.atomic
def issue_token(
    user: User,
    name: str = "",
    *,
    actor: User | None = None,
    scope: str = TokenScope.ACT,
    days: int | None = None,
) -> tuple[ApiToken, str]:
    """Make a token for `user`; returns it and its key (shown once, never stored).

    `actor` None is the operator at the command line; a user may make tokens only for
    themselves (the admin makes them for others through ApiTokenAdmin).
    """
    if actor is not None and actor.pk != user.pk and not actor.is_superuser:
        raise NotAllowed(_("You may make tokens only for yourself."))
    name = " ".join((name or "").split())
    if len(name) > 100:
        raise InvalidInput(_("A token's name has at most 100 characters."), field="name")
    token = ApiToken(user=user, name=name, scope=_check_scope(scope))
    key = fill_new_token(token, days=days)
    token.save()
    record_issued(token, actor)
    return token, key


def token_for_key(key: str) -> ApiToken | None:
    """The live token a key belongs to (its user active, not revoked, not expired)."""
    if not key or not key.startswith(KEY_PREFIX):
        return None
    now = timezone.now()
    token = (
        ApiToken.objects.select_related("user")
        .filter(digest=digest(key), revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    if token is None or (token.expires_at is not None and token.expires_at <= now):
        return None
    if token.last_used_at is None or now - token.last_used_at >= TOUCH_EVERY:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token


def user_for_token(key: str) -> User | None:
    """The active user a key belongs to, or None if the key is unknown, revoked or expired."""
    token = token_for_key(key)
    return token.user if token is not None else None


@transaction.atomic
def revoke_token(token: ApiToken, *, actor: User | None = None) -> ApiToken:
    """Stop a token from working; the row stays, so the record of who had access stays."""
    if actor is not None and actor.pk != token.user_id and not actor.is_superuser:
        raise NotAllowed(_("You may revoke only your own tokens."))
    token = ApiToken.objects.select_for_update().get(pk=token.pk)
    if token.revoked_at is not None:
        raise IllegalTransition(_("This token was revoked already."))
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    AccountEvent.objects.create(
        user_id=token.user_id, actor=actor, kind=AccountEventKind.TOKEN_REVOKED,
        comment=token.name, data={"token": token.pk, "prefix": token.prefix},
    )  # fmt: skip
    return token
