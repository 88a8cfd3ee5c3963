"""What every enterprise service shares: the event row, locking with a version check,
and the checks of typed text and choices."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User
from django.db import models
from django.utils.translation import gettext as _

from luoshi.lib.errors import InvalidInput
from luoshi.lib.eventlog import bump_and_save, lock_for_change, require_version
from luoshi.lib.text import visible_text

from ..models import EnterpriseEvent, EnterpriseEventKind


def record(
    kind: EnterpriseEventKind,
    actor: User | None,
    *,
    bump: models.Model | None = None,
    comment: str = "",
    data: dict[str, Any] | None = None,
    **subjects: Any,
) -> EnterpriseEvent:
    """Append the event row; first raise and save the version of `bump`, if given.

    `subjects` name what changed: enterprise=, problem=, whitelist_entry=, service_day=.
    """
    if bump is not None:
        bump_and_save(bump)
    return EnterpriseEvent.objects.create(
        kind=kind, actor=actor, comment=comment, data=data or {}, **subjects
    )


def lock[M: models.Model](obj: M, version: int | None, *, describe=str) -> M:
    """Re-read `obj` under a row lock; refuse a stale or a missing version.

    Every caller passes the version it read: a form or API call its own, a scan or
    the demo the version of the object it just loaded.
    """
    queryset = type(obj)._default_manager.all()
    return lock_for_change(queryset, obj.pk, require_version(version), describe=describe)


def require_text(value: str | None, name: str, label: str) -> str:
    text = visible_text(value)  # control characters out, invisible-only refused
    if not text:
        raise InvalidInput(_("%(field)s is required.") % {"field": label}, field=name)
    return text


def require_choice(value: str, choices: type[models.TextChoices], name: str) -> None:
    if value not in choices.values:
        raise InvalidInput(
            _("%(value)s is not a valid %(field)s.") % {"value": value, "field": name}, field=name
        )
