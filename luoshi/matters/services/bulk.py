"""Registering many matters at once (an imported table): register_matter, set-based.

`register_matters` does for each item what `register_matter` (and, for an item under
a parent, `decompose_matter`) does — the same checks, drafts with their planned parts,
milestones, a REGISTERED event each and a DECOMPOSED event per parent — but with one
permission decision for the whole batch, the leaders checked in one query, the serials
taken as one block, and every row written by bulk inserts inside one transaction. The
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

from luoshi.lib.errors import InvalidInput
from luoshi.org.models import Membership, Role
from luoshi.workcalendar.calendar import get_calendar

from .. import listeners
from ..models import (
    EventKind,
    Matter,
    MatterEvent,
    MatterUnit,
    Milestone,
    PartRole,
    SerialCounter,
    SourcePolicy,
)
from ._base import authorize, lock, today
from .dispatch import MatterSpec, _require_supervisor, _validate_spec


@dataclass
class NewMatter:
    """One matter to register: its spec, and its parent — an existing matter, or an
    earlier item of the same call (parents come before their children)."""

    spec: MatterSpec
    parent: Matter | NewMatter | None = None
    matter: Matter | None = field(default=None, init=False)  # set once created
    past_deadline: bool = field(default=False, init=False)


@transaction.atomic
def register_matters(
    items: Sequence[NewMatter],
    *,
    actor: User,
    past_deadlines: str = "",
    event_data: dict | None = None,
) -> list[Matter]:
    """Register every item as a draft (立项) under its parent; all or nothing.

    `past_deadlines`: why deadlines already past are accepted (an import of a table
    written earlier in the year, e.g. "import 12"); recorded in each such matter's
    REGISTERED event. Empty refuses them, as register_matter does. `event_data` is
    added to every REGISTERED event (e.g. the import batch).
    """
    _require_supervisor(actor)
    existing = _existing_parents(items, actor)
    _check(items, past_deadlines)
    serials = _serials(len(items))
    matters = _create(items, actor, serials)
    _plan_parts(items)
    _add_milestones(items)
    _events(items, actor, existing, past_deadlines, event_data or {})
    ids = [m.pk for m in matters] + [p.pk for p in existing]
    listeners.matters_changed(ids)
    return matters


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
    leaders = _leaders({i.spec.responsible_leader.pk for i in items if i.spec.responsible_leader})
    policies: dict[tuple[str, str], int] = {}
    now = today()
    for number, item in enumerate(items, start=1):
        spec = item.spec
        try:
            if isinstance(item.parent, Matter | NewMatter):
                _inherit(spec, item.parent)
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


def _create(items: Sequence[NewMatter], actor: User, serials: range) -> list[Matter]:
    """The matters, one bulk insert per depth (a child needs its parent's id)."""
    year = today().year
    for item, number in zip(items, serials, strict=True):
        spec = item.spec
        item.matter = Matter(
            kind=spec.kind,
            source=spec.source,
            title=spec.title.strip(),
            content=spec.content,
            priority=spec.priority,
            responsible_leader=spec.responsible_leader,
            deadline=spec.deadline,
            deadline_workdays=spec.deadline_workdays,
            original_deadline=spec.deadline,
            report_cycle=spec.report_cycle,
            ongoing=spec.ongoing,
            weight=spec.weight,
            tags=list(spec.tags),
            created_by=actor,
            lead_unit=spec.lead_unit,
            serial_year=year,
            serial_no=number,
        )
    pending = list(items)
    while pending:
        ready = [i for i in pending if not isinstance(i.parent, NewMatter) or i.parent.matter.pk]
        if not ready:
            raise InvalidInput(_("A sub-matter comes before its parent."), field="parent")
        for item in ready:
            item.matter.parent = _parent_matter(item)
        Matter.objects.bulk_create([i.matter for i in ready])
        pending = [i for i in pending if i.matter.pk is None]
    return [i.matter for i in items]


def _parent_matter(item: NewMatter) -> Matter | None:
    if isinstance(item.parent, NewMatter):
        return item.parent.matter
    return item.parent


def _plan_parts(items: Sequence[NewMatter]) -> None:
    parts = []
    for item in items:
        spec, matter = item.spec, item.matter
        if spec.lead_unit:
            parts.append(MatterUnit(matter=matter, unit=spec.lead_unit, role=PartRole.LEAD))
        parts += [
            MatterUnit(matter=matter, unit=c.unit, role=PartRole.CO, description=c.description)
            for c in spec.co_units
        ]
    MatterUnit.objects.bulk_create(parts, batch_size=2000)


def _add_milestones(items: Sequence[NewMatter]) -> None:
    calendar, base, rows = get_calendar(), today(), []
    for item in items:
        matter = item.matter
        for order, spec in enumerate(item.spec.milestones):
            if not (spec.title or "").strip():
                raise InvalidInput(_("Milestone title is required."), field="milestones")
            deadline = spec.deadline or calendar.add_workdays(base, spec.offset_workdays or 0)
            if matter.deadline and deadline > matter.deadline:
                raise InvalidInput(
                    _("Milestone “%(title)s” (%(day)s) falls after the deadline %(deadline)s.")
                    % {"title": spec.title, "day": deadline, "deadline": matter.deadline},
                    field="milestones",
                )
            rows.append(
                Milestone(
                    matter=matter,
                    title=spec.title[:200],
                    deadline=deadline,
                    deliverable=spec.deliverable,
                    order=order,
                )
            )
    Milestone.objects.bulk_create(rows, batch_size=2000)


def _events(items, actor: User, existing: list[Matter], past: str, extra: dict) -> None:
    """A REGISTERED event per matter, a DECOMPOSED event per parent (its version rises)."""
    events, children = [], {}
    for item in items:
        matter, parent = item.matter, _parent_matter(item)
        data = {"serial": matter.serial, "parent": parent.pk if parent else None, **extra}
        if item.past_deadline:
            data["past_deadline"] = past
        events.append(_event(matter, EventKind.REGISTERED, actor, "", data))
        if parent is not None:
            children.setdefault(parent.pk, (parent, []))[1].append(matter.pk)
    for parent, ids in children.values():
        events.append(_event(parent, EventKind.DECOMPOSED, actor, parent.state, {"children": ids}))
    new_parents = [p for p, _ids in children.values() if p not in existing]
    Matter.objects.filter(pk__in=[p.pk for p in new_parents]).update(version=2)
    for parent in new_parents:
        parent.version = 2
    for parent in existing:
        parent.version += 1
        parent.save(update_fields=["version", "updated_at"])
    MatterEvent.objects.bulk_create(events, batch_size=2000)


def _event(matter: Matter, kind: EventKind, actor: User, from_state: str, data: dict):
    return MatterEvent(
        matter=matter,
        kind=kind,
        actor=actor,
        from_state=from_state,
        to_state=matter.state,
        data=data,
    )
