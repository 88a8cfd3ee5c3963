"""Publishing an evaluation scheme (考核办法): every change is a new version; periods keep
the version they were opened with."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.utils.translation import gettext as _

from luoshi.lib.errors import InvalidInput
from luoshi.lib.eventlog import lock_for_change
from luoshi.org.access import access_for
from luoshi.org.models import UnitKind

from .. import permissions
from ..indicators import known_indicators
from ..models import EvaluationEventKind, Scheme
from ._base import record

DEFAULT_RULES = [
    {"indicator": "overdue_matters", "points": -1},
    {"indicator": "rework", "points": -2},
    {"indicator": "disputes_upheld_against", "points": -1},
    {"indicator": "commendations", "points": 1},
]
DEFAULT_KINDS = [UnitKind.DEPARTMENT, UnitKind.DISTRICT]
MAX_POINTS = 1000  # no rule of an office's scheme weighs more; larger is a typing error


def validate_rules(rules: Any) -> list[dict]:
    """Each rule names a known indicator once and either `points` (per unit) or `weight`."""
    if not isinstance(rules, list):
        raise InvalidInput(_("Give the rules as a list."), field="rules")
    known, seen, clean = set(known_indicators()), set(), []
    for number, rule in enumerate(rules, start=1):
        name = rule.get("indicator") if isinstance(rule, dict) else None
        if name not in known:
            raise InvalidInput(
                _("Rule %(n)s: unknown indicator %(name)s.") % {"n": number, "name": name},
                field="rules",
            )
        if name in seen:
            raise InvalidInput(
                _("Rule %(n)s: %(name)s is priced twice.") % {"n": number, "name": name},
                field="rules",
            )
        seen.add(name)
        keys = {"points", "weight"} & set(rule)
        if len(keys) != 1 or set(rule) - {"indicator", "points", "weight"}:
            raise InvalidInput(
                _("Rule %(n)s: give either points or weight.") % {"n": number}, field="rules"
            )
        key = keys.pop()
        clean.append({"indicator": name, key: _rule_number(rule[key], number, key)})
    return clean


def _rule_number(value: Any, number: int, key: str) -> float:
    try:
        amount = float(value)
    except (TypeError, ValueError):
        amount = float("nan")
    if not -MAX_POINTS <= amount <= MAX_POINTS:  # also refuses NaN and infinity
        raise InvalidInput(
            _("Rule %(n)s: %(key)s must be a number from −1000 to 1000.")
            % {"n": number, "key": key},
            field="rules",
        )
    return amount


def _base(value: Any) -> Decimal:
    try:
        base = Decimal(str(value))
    except InvalidOperation:
        base = Decimal("NaN")
    if not base.is_finite() or not 0 <= base <= MAX_POINTS:
        raise InvalidInput(_("The starting score is a number from 0 to 1000."), field="base")
    return base


def _kinds(unit_kinds: list[str] | None) -> list[str]:
    kinds = list(unit_kinds or DEFAULT_KINDS)
    if bad := [k for k in kinds if k not in UnitKind.values]:
        raise InvalidInput(_("Unknown kind of unit: %(k)s") % {"k": bad[0]}, field="unit_kinds")
    return kinds


def _lock_latest(last: Scheme, version: int) -> Scheme:
    """Lock the newest version; a newer one published while we waited makes ours stale."""
    locked = lock_for_change(Scheme.objects.all(), last.pk, version, describe=str)
    newest = Scheme.objects.filter(name=last.name).order_by("-version").first()
    if newest is not None and newest.pk != locked.pk:
        lock_for_change(Scheme.objects.all(), newest.pk, version, describe=str)  # refuses
    return locked


@transaction.atomic
def publish_scheme(
    *,
    actor: User,
    name: str,
    version: int | None = None,
    rules: list[dict] | None = None,
    base: Decimal | int | str = 100,
    unit_kinds: list[str] | None = None,
    honour_count: int = 3,
) -> Scheme:
    """Publish a new version of the scheme `name`; earlier versions stay as they were.

    A scheme that exists already is edited from the version the caller read: `version`
    is required then, and a caller who read an older one is refused.
    """
    permissions.check("publish_scheme", access_for(actor))
    name = (name or "").strip()
    if not name:
        raise InvalidInput(_("The scheme needs a name."), field="name")
    if not 1 <= int(honour_count) <= 50:
        raise InvalidInput(_("Places on each list: 1 to 50."), field="honour_count")
    last = Scheme.objects.filter(name=name).order_by("-version").first()
    if last is not None:
        if version is None:
            raise InvalidInput(
                _("%(name)s is published already (version %(n)s): edit it from that version.")
                % {"name": name, "n": last.version},
                field="version",
            )
        last = _lock_latest(last, version)
    scheme = Scheme.objects.create(
        name=name,
        version=(last.version + 1) if last else 1,
        base=_base(base),
        rules=validate_rules(DEFAULT_RULES if rules is None else rules),
        unit_kinds=_kinds(unit_kinds),
        honour_count=honour_count,
        published_by=actor,
    )
    data = {"version": scheme.version, "rules": scheme.rules, "base": str(scheme.base)}
    record(EvaluationEventKind.SCHEME_PUBLISHED, actor, scheme=scheme, data=data)
    return scheme
