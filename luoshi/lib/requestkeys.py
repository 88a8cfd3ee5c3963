"""Idempotent repeats: a request key makes a double-submitted action happen once.

Actions without a version (hasten, comment, register a matter) would repeat when a
form is sent twice or a client retries. Each form carries a fresh key in a hidden
field (`{% request_key %}`, a template builtin) and API clients send an
`Idempotency-Key` header. The service records the key on the event it appends; the
event table holds a unique constraint on (actor, key), so of 20 identical requests
racing, one appends and the others find its event and answer with the same result.

- `from_request(request)`: the key a request carries ("" when none; refused when malformed).
- `key_field()`, `key_constraint(name)`: what an event model declares.
- `once(model, actor=…, key=…, action=…, replay=…)`: run the action, or replay the
  result of the event an earlier request with the same key appended.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from typing import Any

from django import template
from django.db import IntegrityError, models, transaction
from django.http import HttpRequest
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .errors import InvalidInput

FIELD = "request_key"
HEADER = "Idempotency-Key"
VALID = re.compile(r"[A-Za-z0-9_.:-]{8,64}")

register = template.Library()


@register.simple_tag
def request_key() -> str:
    """A hidden field with a fresh key: the form's repeats carry the same one."""
    return format_html('<input type="hidden" name="{}" value="{}">', FIELD, uuid.uuid4().hex)


def from_request(request: HttpRequest) -> str:
    """The key of a form post (hidden field) or an API call (header); "" when it has none."""
    key = (request.POST.get(FIELD) or request.headers.get(HEADER) or "").strip()
    if key and not VALID.fullmatch(key):
        raise InvalidInput(
            _("The request key must be 8 to 64 letters, digits or - _ . : characters."),
            field=FIELD,
        )
    return key


def key_field() -> models.CharField:
    return models.CharField(gettext_lazy("request key"), max_length=64, blank=True, default="")


def key_constraint(name: str) -> models.UniqueConstraint:
    """One event per (actor, key): the database settles a race of identical requests."""
    return models.UniqueConstraint(
        fields=["actor", FIELD], condition=~models.Q(**{FIELD: ""}), name=name
    )


def anonymous_key_constraint(name: str) -> models.UniqueConstraint:
    """One event per key among those without an actor (public forms): SQL's unique
    constraints treat every NULL actor as distinct, so `key_constraint` cannot."""
    return models.UniqueConstraint(
        fields=[FIELD], condition=models.Q(actor__isnull=True) & ~models.Q(**{FIELD: ""}), name=name
    )


def once[T](
    model: type[models.Model],
    *,
    actor: Any,
    key: str,
    action: Callable[[], T],
    replay: Callable[[Any], T],
) -> T:
    """`action()` unless `actor` already made an event of `model` with `key`: then
    `replay(that event)`. The action must record `key` on (exactly) one event it appends.
    """
    if not key:
        return action()

    def earlier() -> Any:
        return model._base_manager.filter(actor=actor, **{FIELD: key}).first()

    found = earlier()
    if found is not None:
        return replay(found)
    try:
        with transaction.atomic():
            return action()
    except IntegrityError:
        found = earlier()  # the request that won the race has committed its event
        if found is None:
            raise
        return replay(found)
