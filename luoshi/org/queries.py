"""Reads of units and people that pages, forms and the API share."""

from __future__ import annotations

import json
from collections.abc import Sequence

from django.contrib.auth.models import User
from django.db import connections
from django.db.models import Q, QuerySet, TextField
from django.db.models.functions import Cast
from django.utils.translation import gettext as _

from luoshi.lib.errors import NotFound

from .models import Membership, Role, Unit


def active_units() -> list[Unit]:
    """Units in use, in tree order (for pickers)."""
    return list(Unit.objects.filter(is_active=True).order_by("path"))


UNIT_SEARCH_LIMIT = 20


def find_units(text: str, *, limit: int = UNIT_SEARCH_LIMIT) -> list[Unit]:
    """Active units whose name or one of whose aliases contains `text`, in tree order, at
    most `limit` (the search-as-you-type picker: a province has ~30k units, too many to
    list in a page). Every signed-in user may read units (get_unit), so no role narrows it.

    Names and aliases are matched in SQL, then confirmed here (aliases are a JSON list,
    whose text each database writes its own way), so a fragment found nowhere costs one
    indexed read, not a walk of every unit that has an alias.
    """
    text = text.strip()
    if not text:
        return []
    in_aliases = Cast("aliases", TextField())
    candidates = (
        Unit.objects.filter(is_active=True)
        .annotate(alias_text=in_aliases)
        .filter(Q(name__icontains=text) | Q(alias_text__icontains=_as_json_text(text)))
        .only("id", "name", "aliases", "path", "kind")
        .order_by("path")
    )
    needle = text.casefold()
    found: list[Unit] = []
    # A JSON escape can match by accident (a fragment of "\u53d1"): read a few more rows
    # than shown, and keep only true matches.
    for unit in candidates[: limit * 5]:
        if any(needle in name.casefold() for name in unit.names()):
            found.append(unit)
            if len(found) == limit:
                break
    return found


def units_named(text: str, *, limit: int = 5) -> list[Unit]:
    """The active units a typed name stands for (a form's unit picker without JavaScript):
    the unit with this name or alias (any case) if there is one — a name is unique, so
    "市发改委" means that unit even when "市发改委机关党委" exists — else up to `limit`
    units whose names or aliases contain it (one found: that unit; several: the caller
    asks for more of the name)."""
    text = text.strip()
    if not text:
        return []
    by_name = Unit.objects.filter(is_active=True, name=text).first()
    if by_name is not None:
        return [by_name]
    needle = text.casefold()
    # An alias is a whole element of the JSON list: look for it quoted, then confirm.
    quoted = f'"{_as_json_text(text)}"'
    exact: list[Unit] = [
        unit
        for unit in Unit.objects.filter(is_active=True)
        .annotate(alias_text=Cast("aliases", TextField()))
        .filter(Q(name__iexact=text) | Q(alias_text__icontains=quoted))
        .order_by("path")[: limit * 5]
        if needle in (name.casefold() for name in unit.names())
    ]
    return exact[:limit] if exact else find_units(text, limit=limit)


def units_by_id(ids: Sequence[int]) -> dict[int, Unit]:
    """Units by id, active or not (a picker shows what it holds; the form then refuses an
    inactive one by name)."""
    return {u.pk: u for u in Unit.objects.filter(pk__in=ids)} if ids else {}


def _as_json_text(text: str) -> str:
    """`text` as it appears inside the stored JSON list: SQLite keeps Django's json.dumps
    (non-ASCII as \\u escapes), PostgreSQL's jsonb prints the characters themselves."""
    if connections[Unit.objects.db].vendor == "sqlite":
        return json.dumps(text)[1:-1]
    return json.dumps(text, ensure_ascii=False)[1:-1]


def picked_unit(
    pk: int | None, errors: dict[str, str] | None = None, *, field: str = "unit", label: str = ""
) -> Unit | None:
    """The unit a picker holds (its name shown again when the page reloads), if any.

    A list filtered by an id no unit has (an old bookmark, a hand-typed address) shows
    nothing: with `errors` (the filter's), it also says why, under `field`."""
    if pk is None:
        return None
    unit = Unit.objects.filter(pk=pk).only("id", "name").first()
    if unit is None and errors is not None:
        errors[field] = _("%(label)s: no unit has the id %(pk)s, so nothing matches it.") % {
            "label": label or field,
            "pk": pk,
        }
    return unit


def leaders() -> list[User]:
    """Users holding the leader role anywhere (for the responsible-leader picker)."""
    ids = Membership.objects.filter(role=Role.LEADER).values("user_id")
    return list(User.objects.filter(pk__in=ids).order_by("username"))


def units_in_order(*, active: bool = True) -> QuerySet[Unit]:
    units = Unit.objects.order_by("order", "id")
    return units.filter(is_active=True) if active else units


def get_unit(pk: int) -> Unit:
    """One unit with its parent; NotFound if there is none (every user may read units)."""
    unit = Unit.objects.select_related("parent").filter(pk=pk).first()
    if unit is None:
        raise NotFound(_("Unit %(pk)s does not exist.") % {"pk": pk})
    return unit
