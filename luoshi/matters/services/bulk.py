"""Registering many matters at once (an imported table): register_matter, set-based.

`register_matters` does for each item what `register_matter` (and, for an item under
a parent, `decompose_matter`) does — the same checks, drafts with their planned parts,
milestones, a REGISTERED event each and a DECOMPOSED event per parent — but with one
permission decision for the whole batch, the leaders checked in one query, the serials
taken as one block, and every table written by one prepared INSERT (lib.bulkinsert)
inside one transaction. The
followers of matter changes (the cockpit) hear of all of them at once
(listeners.matters_changed). A refusal names the item and writes nothing.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.contrib.auth.models import User
from django.db import transaction
from django.utils.translation import gettext as _

from luoshi.lib.bulkinsert import allocate_ids, insert_rows
from luoshi.lib.errors import InvalidInput
from luoshi.lib.planner import analyze_after_bulk
from luoshi.org.models import Membership, Role
from luoshi.workcalendar.calendar import get_calendar

from .. import history, listeners
from ..models import (
    EventKind,
    Matter,
    MatterEvent,
    MatterUnit,
    Milestone,
    PartRole,
    SerialCounter,
    SourcePolicy,
    State,
)
from ._base import authorize, lock, today
from .dispatch import MatterSpec, _require_supervisor, _validate_spec


@dataclass
class NewMatter:
    """One matter to register: its spec, and its parent — an existing matter, or an
    earlier item of the same call (parents come before their children)."""

    spec: MatterSpec
    parent: Matter | NewMatter | None = None
    pk: int | None = field(default=None, init=False)  # set once created
    serial: str = field(default="", init=False)
    past_deadline: bool = field(default=False, init=False)


@transaction.atomic
def register_matters(
    items: Sequence[NewMatter],
    *,
    actor: User,
    past_deadlines: str = "",
    event_data: dict | None = None,
) -> list[int]:
    """Register every item as a draft (立项) under its parent; all or nothing.

    `past_deadlines`: why deadlines already past are accepted (an import of a table
    written earlier in the year, e.g. "import 12"); recorded in each such matter's
    REGISTERED event. Empty refuses them, as register_matter does. `event_data` is
    added to every REGISTERED event (e.g. the import batch). Returns the new ids (each
    item's `pk` and `serial` are set too).
    """
    _require_supervisor(actor)
    existing = _existing_parents(items, actor)
    _check(items, past_deadlines)
    serials = _serials(len(items))
    ids = _create(items, actor, serials)
    _plan_parts(items)
    _add_milestones(items)
    _events(items, actor, existing, past_deadlines, event_data or {})
    changed = ids + [p.pk for p in existing]
    history.sync_many(changed)  # their standings, set-based, and the cockpit's counts
    listeners.matters_changed(changed)
    # A large batch changes the tables' statistics: refresh them, not wait for autovacuum.
    analyze_after_bulk([Matter, MatterUnit, Milestone, MatterEvent], len(ids))
    return ids


def _existing_parents(items: Sequence[NewMatter], actor: User) -> list[Matter]:
    """Existing parents locked and checked once each (decompose permission)."""
    parents: dict[int, Matter] = {}
    for item in items:
        if isinstance(item.parent, Matter) and item.parent.pk not in parents:
            parent = lock(item.parent, None)
            authorize("decompose", actor, parent)
            parents[parent.pk] = parent
    for item in items:
        if isinstance(item.parent, Matter):
            item.parent = parents[item.parent.pk]
    return list(parents.values())


def _deadline_of(parent: Matter | NewMatter | None) -> dt.date | None:
    if isinstance(parent, NewMatter):
        return parent.spec.deadline
    return parent.deadline if parent else None


def _check(items: Sequence[NewMatter], past_deadlines: str) -> None:
    """register_matter's checks in memory; leaders in one query."""
    for item in items:  # parents first: what a child inherits is settled before the checks
        if item.parent is not None:
            _inherit(item.spec, item.parent)
    leaders = _leaders({i.spec.responsible_leader.pk for i in items if i.spec.responsible_leader})
    policies: dict[tuple[str, str], int] = {}
    now = today()
    for number, item in enumerate(items, start=1):
        spec = item.spec
        try:
            item.past_deadline = bool(spec.deadline and spec.deadline < now)
            if item.past_deadline and not past_deadlines:
                raise InvalidInput(
                    _("The deadline %(day)s is in the past.") % {"day": spec.deadline},
                    field="deadline",
                )
            leader = spec.responsible_leader
            if leader and leader.pk not in leaders:
                raise InvalidInput(
                    _("%(user)s is not a leader.") % {"user": leader}, field="responsible_leader"
                )
            # The rest of register_matter's checks; leader and past deadline done above.
            checked = dataclasses.replace(spec, responsible_leader=None)
            if item.past_deadline and not spec.ongoing:
                checked.deadline = None  # accepted above; the rest is checked as usual
            _validate_spec(checked, None)
            _check_parent_deadline(spec, item.parent)
        except InvalidInput as error:
            raise InvalidInput(
                _("Item %(n)s (%(title)s): %(error)s")
                % {"n": number, "title": spec.title[:40], "error": error.message},
                field=error.field,
            ) from error
        _default_workdays(spec, policies)


def _inherit(spec: MatterSpec, parent: Matter | NewMatter) -> None:
    """What decompose_matter gives a sub-matter from its parent."""
    parent_spec = parent.spec if isinstance(parent, NewMatter) else parent
    spec.kind = spec.kind or parent_spec.kind
    spec.responsible_leader = spec.responsible_leader or parent_spec.responsible_leader
    undated = spec.deadline is None and spec.deadline_workdays is None
    if undated and parent_spec.deadline and not spec.ongoing:
        spec.deadline = parent_spec.deadline


def _check_parent_deadline(spec: MatterSpec, parent) -> None:
    deadline = _deadline_of(parent)
    if deadline and spec.deadline and spec.deadline > deadline:
        raise InvalidInput(
            _("A sub-matter cannot be due after its parent (%(day)s).") % {"day": deadline},
            field="deadline",
        )


def _leaders(ids: set[int]) -> set[int]:
    if not ids:
        return set()
    rows = Membership.objects.filter(user_id__in=ids, role=Role.LEADER, user__is_active=True)
    return set(rows.values_list("user_id", flat=True))


def _default_workdays(spec: MatterSpec, policies: dict) -> None:
    """An undated, not ongoing matter gets its source's default time limit (register_matter)."""
    if spec.deadline is None and spec.deadline_workdays is None and not spec.ongoing:
        key = (spec.source, spec.priority)
        if key not in policies:
            policies[key] = SourcePolicy.for_source(spec.source).default_workdays(spec.priority)
        spec.deadline_workdays = policies[key]


def _serials(count: int) -> range:
    """`count` consecutive numbers of this year's series, taken under one row lock."""
    year = today().year
    counter, _created = SerialCounter.objects.select_for_update().get_or_create(
        series="matter", year=year
    )
    first = counter.last + 1
    counter.last += count
    counter.save(update_fields=["last"])
    return range(first, first + count)


def _create(items: Sequence[NewMatter], actor: User, serials: range) -> list[int]:
    """The matters, ids taken first so that children and parents go in one INSERT."""
    year = today().year
    ids = allocate_ids(Matter, len(items))
    for item, pk, number in zip(items, ids, serials, strict=True):
        item.pk, item.serial = pk, Matter(serial_year=year, serial_no=number).serial
    parents = {id(i.parent) for i in items if isinstance(i.parent, NewMatter)}
    rows = []
    for item, number in zip(items, serials, strict=True):
        spec = item.spec
        rows.append(
            {
                "id": item.pk,
                "kind": spec.kind,
                "source": spec.source,
                "title": spec.title.strip(),
                "content": spec.content,
                "serial_year": year,
                "serial_no": number,
                "parent": _parent_id(item),
                "lead_unit": spec.lead_unit.pk if spec.lead_unit else None,
                "responsible_leader": _pk(spec.responsible_leader),
                "priority": spec.priority,
                "tags": list(spec.tags),
                "report_cycle": spec.report_cycle,
                "version": 2 if id(item) in parents else 1,  # registered, then decomposed
                "deadline": spec.deadline,
                "deadline_workdays": spec.deadline_workdays,
                "original_deadline": spec.deadline,
                "ongoing": spec.ongoing,
                "weight": spec.weight,
                "created_by": actor.pk,
            }
        )
    insert_rows(Matter, rows)
    return ids


def _pk(obj) -> int | None:
    return obj.pk if obj is not None else None


def _parent_id(item: NewMatter) -> int | None:
    return item.parent.pk if item.parent is not None else None


def _plan_parts(items: Sequence[NewMatter]) -> None:
    rows: list[dict[str, object]] = []
    for item in items:
        spec, pk = item.spec, item.pk
        if spec.lead_unit:
            rows.append({"matter": pk, "unit": spec.lead_unit.pk, "role": PartRole.LEAD})
        rows += [
            {"matter": pk, "unit": c.unit.pk, "role": PartRole.CO, "description": c.description}
            for c in spec.co_units
        ]
    insert_rows(MatterUnit, rows)


def _add_milestones(items: Sequence[NewMatter]) -> None:
    calendar, base, rows = get_calendar(), today(), []
    for item in items:
        deadline_of_matter = item.spec.deadline
        for order, spec in enumerate(item.spec.milestones):
            if not (spec.title or "").strip():
                raise InvalidInput(_("Milestone title is required."), field="milestones")
            deadline = spec.deadline or calendar.add_workdays(base, spec.offset_workdays or 0)
            if deadline_of_matter and deadline > deadline_of_matter:
                raise InvalidInput(
                    _("Milestone “%(title)s” (%(day)s) falls after the deadline %(deadline)s.")
                    % {"title": spec.title, "day": deadline, "deadline": deadline_of_matter},
                    field="milestones",
                )
            rows.append(
                {
                    "matter": item.pk,
                    "title": spec.title[:200],
                    "deadline": deadline,
                    "deliverable": spec.deliverable,
                    "order": order,
                }
            )
    insert_rows(Milestone, rows)


def _events(items, actor: User, existing: list[Matter], past: str, extra: dict) -> None:
    """A REGISTERED event per matter, a DECOMPOSED event per parent (its version rises)."""
    events: list[dict] = []
    children: dict[int, list[int]] = {}
    for item in items:
        parent = _parent_id(item)
        data = {"serial": item.serial, "parent": parent, **extra}
        if item.past_deadline:
            data["past_deadline"] = past
        events.append(_event(item.pk, EventKind.REGISTERED, actor, "", data))
        if parent is not None:
            children.setdefault(parent, []).append(item.pk)
    states = {p.pk: p.state for p in existing}
    for parent, ids in children.items():
        state = states.get(parent, State.DRAFT)
        events.append(_event(parent, EventKind.DECOMPOSED, actor, state, {"children": ids}, state))
    for parent_matter in existing:
        parent_matter.version += 1
        parent_matter.save(update_fields=["version", "updated_at"])
    insert_rows(MatterEvent, events)


def _event(
    matter: int, kind: EventKind, actor: User, from_state: str, data: dict, to=State.DRAFT
) -> dict:
    return {
        "matter": matter,
        "kind": kind,
        "actor": actor.pk,
        "from_state": from_state,
        "to_state": to,
        "data": data,
    }
