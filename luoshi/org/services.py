"""Every change of the unit tree and of memberships: one function per verb.

Each checks the actor (org.permissions), locks the unit and compares its version,
changes it inside one transaction and appends its OrgEvent. The admin, `luoshi demo`
and imports call these; nothing else writes units or memberships.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.db.models import Max, TextChoices
from django.utils.translation import gettext as _

from luoshi.lib.errors import IllegalTransition, InvalidInput
from luoshi.lib.eventlog import bump_and_save, lock_for_change

from . import signals
from .models import Membership, OrgEvent, OrgEventKind, Role, Unit, UnitKind, clean_aliases
from .permissions import require_role_granter, require_unit_extender, require_unit_manager

Actor = User | None  # None: the system (`luoshi demo`, a command run by the operator)


@dataclass
class UnitSpec:
    """A unit to create: its name, kind, parent, other names and place among siblings."""

    name: str
    kind: str
    parent: Unit | str | None = None  # a Unit, or a unit's name (create_units)
    aliases: Sequence[str] | str = field(default_factory=list)
    order: int = 0


def _event(unit: Unit, kind: OrgEventKind, actor: Actor, **fields) -> OrgEvent:
    return OrgEvent.objects.create(unit=unit, kind=kind, actor=actor, **fields)


def _lock(unit: Unit, version: int | None) -> Unit:
    return lock_for_change(
        Unit.objects.select_related("parent"),
        unit.pk,
        version,
        current=unit.version,
        describe=lambda fresh: fresh.name,
    )


def _check_name(name: str, unit: Unit | None = None) -> str:
    name = " ".join((name or "").split())
    if not name:
        raise InvalidInput(_("A unit needs a name."), field="name")
    if len(name) > 100:
        raise InvalidInput(_("A unit's name has at most 100 characters."), field="name")
    taken = Unit.objects.filter(name=name)
    if unit is not None:
        taken = taken.exclude(pk=unit.pk)
    if taken.exists():
        raise InvalidInput(
            _("There is already a unit named %(name)s.") % {"name": name}, field="name"
        )
    return name


def unit_going_by(name: str, exclude: int | None = None) -> Unit | None:
    """The unit already going by this name: its name, or one of its aliases."""
    units = Unit.objects.exclude(pk=exclude) if exclude else Unit.objects.all()
    found = units.filter(name=name).first()
    if found is not None:
        return found
    for unit in units.exclude(aliases=[]).only("id", "name", "aliases"):
        if name in unit.aliases:
            return unit
    return None


def _check_free(name: str, field: str, exclude: int | None = None) -> None:
    other = unit_going_by(name, exclude)
    if other is not None:
        raise InvalidInput(
            _("“%(name)s” is already a name of %(unit)s.") % {"name": name, "unit": other.name},
            field=field,
        )


def _check_new_names(names: list[str]) -> None:
    """Every name given, none twice, none taken: one query for the whole list."""
    names = [(n or "").strip() for n in names]
    if not all(names):
        raise InvalidInput(_("A unit needs a name."), field="name")
    if len(set(names)) < len(names):
        raise InvalidInput(_("A name appears twice in the list."), field="name")
    taken = Unit.objects.filter(name__in=names).values_list("name", flat=True).first()
    if taken:
        raise InvalidInput(
            _("There is already a unit named %(name)s.") % {"name": taken}, field="name"
        )


def get_unit_named(name: str) -> Unit:
    unit = Unit.objects.filter(name=name).first()
    if unit is None:
        raise InvalidInput(_("Unit %(name)s does not exist.") % {"name": name}, field="parent")
    return unit


def _check_choice(value: str, choices: type[TextChoices], field: str, message: str) -> str:
    if value not in choices.values:
        raise InvalidInput(message, field=field)
    return value


def _check_kind(kind: str) -> str:
    return _check_choice(kind, UnitKind, "kind", _("Choose the kind of unit."))


@transaction.atomic
def create_unit(spec: UnitSpec, *, actor: Actor) -> Unit:
    """A new unit in the tree (its path follows its parent's), after its siblings unless
    `spec.order` says where; neither its name nor an alias may be another unit's name."""
    require_unit_extender(actor)
    name = _check_name(spec.name)
    for candidate in [name, *clean_aliases(spec.aliases)]:
        _check_free(candidate, "name")
    parent = spec.parent
    known = {parent: get_unit_named(parent)} if isinstance(parent, str) else {}
    if isinstance(parent, Unit) and not parent.is_active:
        raise InvalidInput(_("%(unit)s is archived.") % {"unit": parent}, field="parent")
    unit = _new_unit(spec, known)
    if not spec.order:
        siblings = Unit.objects.filter(parent=unit.parent_id)
        unit.order = (siblings.aggregate(last=Max("order"))["last"] or 0) + 1
    unit.save()
    data = {"parent": unit.parent_id, "aliases": unit.aliases}
    _event(unit, OrgEventKind.UNIT_CREATED, actor, comment=unit.name, data=data)
    return unit


@transaction.atomic
def create_units(specs: Sequence[UnitSpec], *, actor: Actor) -> list[Unit]:
    """Many units in one insert per tree level (a city's tree, an import).

    A spec's parent is a Unit, or the name of a stored unit or of a unit in `specs`.
    """
    require_unit_manager(actor)
    _check_new_names([s.name for s in specs])
    parent_names = {s.parent for s in specs if isinstance(s.parent, str)}
    known = {u.name: u for u in Unit.objects.filter(name__in=parent_names)}
    made: list[Unit] = []
    pending = list(specs)
    while pending:
        level = [s for s in pending if not isinstance(s.parent, str) or s.parent in known]
        if not level:
            raise InvalidInput(
                _("Unit %(name)s does not exist.") % {"name": pending[0].parent}, field="parent"
            )
        units = Unit.objects.bulk_create(_new_unit(s, known) for s in level)
        known.update((u.name, u) for u in units)
        made += units
        pending = [s for s in pending if s not in level]
    OrgEvent.objects.bulk_create(
        OrgEvent(unit=u, kind=OrgEventKind.UNIT_CREATED, actor=actor, comment=u.name,
                 data={"parent": u.parent_id, "aliases": u.aliases})
        for u in made
    )  # fmt: skip
    return made


def _new_unit(spec: UnitSpec, known: dict[str, Unit]) -> Unit:
    parent = known[spec.parent] if isinstance(spec.parent, str) else spec.parent
    return Unit(
        name=spec.name.strip(),
        kind=_check_kind(spec.kind),
        parent=parent,
        aliases=clean_aliases(spec.aliases),
        order=spec.order,
    )


@transaction.atomic
def rename_unit(unit: Unit, name: str, *, actor: Actor, version: int | None) -> Unit:
    """A new name; the old one becomes an alias, so tables that still use it match."""
    require_unit_manager(actor)
    unit = _lock(unit, version)
    old, unit.name = unit.name, _check_name(name, unit)
    if unit.name == old:
        return unit
    unit.aliases = clean_aliases([*unit.aliases, old])
    unit.aliases = [a for a in unit.aliases if a != unit.name]
    bump_and_save(unit)
    _event(unit, OrgEventKind.UNIT_RENAMED, actor, data={"from": old, "to": unit.name})
    return unit


@transaction.atomic
def set_aliases(
    unit: Unit, aliases: Sequence[str] | str, *, actor: Actor, version: int | None
) -> Unit:
    """The unit's other names (简称, former names), as imports match them."""
    require_unit_manager(actor)
    unit = _lock(unit, version)
    names = [a for a in clean_aliases(aliases) if a != unit.name]
    clash = Unit.objects.filter(name__in=names).exclude(pk=unit.pk).first()
    if clash is not None:
        raise InvalidInput(
            _("%(name)s is the name of another unit.") % {"name": clash.name}, field="aliases"
        )
    if names == list(unit.aliases):
        return unit
    old, unit.aliases = list(unit.aliases), names
    bump_and_save(unit)
    _event(unit, OrgEventKind.ALIASES_SET, actor, data={"from": old, "to": names})
    return unit


@transaction.atomic
def add_alias(unit: Unit, name: str, *, actor: Actor) -> Unit:
    """Remember `name` as another name of `unit` (市发展改革委 for 市发改委), as an imported
    table wrote it; once is enough, and a name another unit goes by is refused."""
    require_unit_extender(actor)
    name = _check_name_text(name, "alias")
    unit = Unit.objects.select_for_update().get(pk=unit.pk)
    if name == unit.name or name in unit.aliases:
        return unit
    _check_free(name, "alias", exclude=unit.pk)
    old, unit.aliases = list(unit.aliases), [*unit.aliases, name]
    bump_and_save(unit)
    _event(unit, OrgEventKind.ALIASES_SET, actor, data={"from": old, "to": unit.aliases})
    return unit


def _check_name_text(name: str, field: str) -> str:
    name = " ".join((name or "").split())
    if not name:
        raise InvalidInput(_("Give the unit's name."), field=field)
    if len(name) > 100:
        raise InvalidInput(_("A unit's name has at most 100 characters."), field=field)
    return name


@transaction.atomic
def move_unit(unit: Unit, parent: Unit | None, *, actor: Actor, version: int | None) -> Unit:
    """Hang the unit (and everything under it) under another parent."""
    require_unit_manager(actor)
    unit = _lock(unit, version)
    if parent is not None and parent.is_below(unit):
        raise InvalidInput(_("A unit cannot move under itself or its own units."), field="parent")
    if unit.parent_id == (parent.pk if parent else None):
        return unit
    old, old_path = unit.parent_id, unit.path
    unit.parent = parent
    bump_and_save(unit)  # Unit.save carries the subtree's paths along
    data = {"from": old, "to": parent.pk if parent else None}
    _event(unit, OrgEventKind.UNIT_MOVED, actor, data=data)
    signals.unit_moved.send(Unit, unit=unit, old_path=old_path, new_path=unit.path)
    return unit


@transaction.atomic
def change_unit(unit: Unit, *, actor: Actor, version: int | None, kind: str, order: int) -> Unit:
    """The unit's kind and its place among its siblings."""
    require_unit_manager(actor)
    unit = _lock(unit, version)
    if (unit.kind, unit.order) == (kind, order):
        return unit
    data = {"from": [unit.kind, unit.order], "to": [kind, order]}
    unit.kind, unit.order = _check_kind(kind), order
    bump_and_save(unit)
    _event(unit, OrgEventKind.UNIT_CHANGED, actor, data=data)
    return unit


@transaction.atomic
def archive_unit(unit: Unit, *, actor: Actor, version: int | None, comment: str = "") -> Unit:
    """Take a unit out of use (撤并): kept with its history, no longer offered anywhere."""
    require_unit_manager(actor)
    unit = _lock(unit, version)
    if not unit.is_active:
        raise IllegalTransition(_("%(name)s is archived already.") % {"name": unit.name})
    below = Unit.objects.filter(path__startswith=unit.path, is_active=True).exclude(pk=unit.pk)
    if below.exists():
        raise IllegalTransition(
            _("Archive or move the units under %(name)s first.") % {"name": unit.name}
        )
    unit.is_active = False
    bump_and_save(unit)
    _event(unit, OrgEventKind.UNIT_ARCHIVED, actor, comment=comment)
    return unit


@transaction.atomic
def restore_unit(unit: Unit, *, actor: Actor, version: int | None) -> Unit:
    require_unit_manager(actor)
    unit = _lock(unit, version)
    if unit.is_active:
        raise IllegalTransition(_("%(name)s is in use already.") % {"name": unit.name})
    unit.is_active = True
    bump_and_save(unit)
    _event(unit, OrgEventKind.UNIT_RESTORED, actor)
    return unit


@transaction.atomic
def edit_unit(
    unit: Unit,
    *,
    actor: Actor,
    version: int | None,
    name: str,
    kind: str,
    parent: Unit | None,
    aliases: Sequence[str] | str,
    order: int,
    is_active: bool,
) -> Unit:
    """A whole edit form (the admin's): each change through its own verb and event, the
    version the user saw checked once, first. The aliases typed are set before a rename,
    which then adds the old name to them."""
    require_unit_manager(actor)
    unit = _lock(unit, version)
    unit = set_aliases(unit, aliases, actor=actor, version=unit.version)
    unit = rename_unit(unit, name, actor=actor, version=unit.version)  # adds the old name
    unit = move_unit(unit, parent, actor=actor, version=unit.version)
    unit = change_unit(unit, actor=actor, version=unit.version, kind=kind, order=order)
    if unit.is_active and not is_active:
        unit = archive_unit(unit, actor=actor, version=unit.version)
    elif is_active and not unit.is_active:
        unit = restore_unit(unit, actor=actor, version=unit.version)
    return unit


def _check_role(role: str) -> str:
    return _check_choice(role, Role, "role", _("Choose a role."))


@transaction.atomic
def grant_role(user: User, unit: Unit, role: str, *, actor: Actor) -> Membership:
    """Give `user` a role in `unit` (a handler of 市发改委, a supervisor of 督查室)."""
    require_role_granter(actor)
    role = _check_role(role)
    try:
        with transaction.atomic():
            membership = Membership.objects.create(user=user, unit=unit, role=role)
    except IntegrityError:
        raise IllegalTransition(
            _("%(user)s holds this role in %(unit)s already.") % {"user": user, "unit": unit}
        ) from None
    _event(unit, OrgEventKind.ROLE_GRANTED, actor, member=user, data={"role": role})
    return membership


@transaction.atomic
def grant_roles(rows: Iterable[tuple[User, Unit, str]], *, actor: Actor) -> list[Membership]:
    """Many roles at once (a city's staff, an import of people): two inserts."""
    require_role_granter(actor)
    rows = [(user, unit, _check_role(role)) for user, unit, role in rows]
    memberships = Membership.objects.bulk_create(
        Membership(user=user, unit=unit, role=role) for user, unit, role in rows
    )
    OrgEvent.objects.bulk_create(
        OrgEvent(unit=unit, member=user, kind=OrgEventKind.ROLE_GRANTED, actor=actor,
                 data={"role": role})
        for user, unit, role in rows
    )  # fmt: skip
    return memberships


@transaction.atomic
def revoke_role(membership: Membership, *, actor: Actor, comment: str = "") -> None:
    """Take a role away. The membership row goes (it is what access reads on every
    request); the OrgEvent keeps who held the role, where, and who revoked it."""
    require_role_granter(actor)
    row = Membership.objects.select_for_update().filter(pk=membership.pk).first()
    if row is None:
        raise IllegalTransition(_("This role was revoked already."))
    data = {"role": row.role}
    _event(row.unit, OrgEventKind.ROLE_REVOKED, actor, member=row.user, comment=comment, data=data)
    row.delete()
