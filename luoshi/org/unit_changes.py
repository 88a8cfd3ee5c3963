"""Changing the unit list from an import: a new alias for a unit, a new unit.

The smallest services an import needs when a table names a unit the list does not
know (documents.services.map_unit). Only the office (supervisors, administrators)
may change the list; a name already taken by another unit is refused. These are
meant to be replaced by org's own services (with their event rows) when they exist.
"""

from __future__ import annotations

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from luoshi.lib.errors import InvalidInput, NotAllowed

from .access import access_for
from .models import Unit, UnitKind

NAME_MAX = 100


def _require_office(actor: User) -> None:
    if not access_for(actor).is_office:
        raise NotAllowed(_("Only the office may change the unit list."))


def _clean(name: str, field: str) -> str:
    name = " ".join((name or "").split())
    if not name:
        raise InvalidInput(_("Give the unit's name."), field=field)
    if len(name) > NAME_MAX:
        raise InvalidInput(_("A unit's name has at most 100 characters."), field=field)
    return name


def _taken_by(name: str, exclude: int | None = None) -> Unit | None:
    """The unit already going by this name (its name or one of its aliases)."""
    units = Unit.objects.exclude(pk=exclude) if exclude else Unit.objects.all()
    found = units.filter(name=name).first()
    if found:
        return found
    for unit in units.exclude(aliases=[]).only("id", "name", "aliases"):
        if name in unit.aliases:
            return unit
    return None


@transaction.atomic
def add_alias(unit: Unit, name: str, *, actor: User) -> Unit:
    """Remember `name` as another name of `unit` (市发展改革委 for 市发改委)."""
    _require_office(actor)
    name = _clean(name, "alias")
    unit = Unit.objects.select_for_update().get(pk=unit.pk)
    if name == unit.name or name in unit.aliases:
        return unit
    other = _taken_by(name, exclude=unit.pk)
    if other is not None:
        raise InvalidInput(
            _("“%(name)s” is already a name of %(unit)s.") % {"name": name, "unit": other.name},
            field="alias",
        )
    unit.aliases = [*unit.aliases, name]
    unit.save(update_fields=["aliases"])
    return unit


@transaction.atomic
def create_unit(
    name: str,
    *,
    parent: Unit | None,
    kind: str = UnitKind.DEPARTMENT,
    aliases: list[str] | tuple[str, ...] = (),
    actor: User,
) -> Unit:
    """A new unit under `parent`, placed after its siblings."""
    _require_office(actor)
    name = _clean(name, "name")
    if kind not in UnitKind.values:
        raise InvalidInput(_("Unknown kind of unit: %(kind)s") % {"kind": kind}, field="kind")
    if parent is not None and not parent.is_active:
        raise InvalidInput(_("%(unit)s is archived.") % {"unit": parent}, field="parent")
    names = [name, *(a for a in dict.fromkeys(_clean(a, "aliases") for a in aliases) if a != name)]
    for candidate in names:
        other = _taken_by(candidate)
        if other is not None:
            raise InvalidInput(
                _("“%(name)s” is already a name of %(unit)s.")
                % {"name": candidate, "unit": other.name},
                field="name",
            )
    last = Unit.objects.filter(parent=parent).aggregate(last=Max("order"))["last"] or 0
    return Unit.objects.create(
        name=name, aliases=names[1:], kind=kind, parent=parent, order=last + 1
    )
