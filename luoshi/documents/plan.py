"""The matters a task table becomes: its tree of sections, groups and rows, and saving it.

`build` turns the rows documents.importer read into a tree of `Node`s:

1. each section row ("一、…", "（一）…") is a node; sections nest by level;
2. under its section, a row joins the group of each outer level column (措施条目,
   重点任务 beside 具体措施) it belongs to — a merged cell, a repeated value or a
   value left blank — and becomes a leaf under the innermost group;
3. a row numbered "2.1" goes under its sibling numbered "2";
4. a group of one row is that row: the group's text is the title, the row's the content;
5. a row with several lead units becomes one node per lead when the office splits
   them; otherwise the first leads and the others share the lead (共同牵头);
6. a parent takes the lead unit and leader all its rows share, and the latest of its
   children's deadlines (never earlier than a dated child's); with none dated and all
   ongoing, it is ongoing too.

`save` registers the new nodes in one bulk call (matters.services.register_matters).
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING

from django.contrib.auth.models import User

from luoshi.matters.models import Matter, MatterKind, ReportCycle
from luoshi.matters.services import CoUnit, MatterSpec, MilestoneSpec, NewMatter, register_matters
from luoshi.org.models import Unit

from .models import MultiLead
from .parsing import TimeLimit, normalise

if TYPE_CHECKING:
    from .engine import Preview
    from .importer import Reading, TaskOptions
    from .tables import Table

TITLE_MAX = 300
CO_LEAD_NOTE = "共同牵头"  # the part description of a unit that shares the lead
RECURRING_TAG = "recurring"


@dataclass(eq=False)
class Node:
    """A matter the table describes: a section, a group of rows, or a row."""

    kind: str  # "section", "group" or "row"
    row: int
    number: str = ""
    title: str = ""
    content: str = ""
    reading: Reading | None = None
    children: list[Node] = field(default_factory=list)
    parent: Node | None = None
    path: str = ""
    lead: Unit | None = None
    co: list[tuple[Unit, str]] = field(default_factory=list)
    leader: User | None = None
    limit: TimeLimit = field(default_factory=lambda: TimeLimit(None))
    weight: Decimal | None = None
    status: str = "new"  # new, changed, unchanged, skip, error
    skip: str = ""
    match: Matter | None = None  # the matter an earlier import made of this node
    changes: dict = field(default_factory=dict)
    created: NewMatter | None = None

    @property
    def matter_id(self) -> int | None:
        if self.match is not None:
            return self.match.pk
        return self.created.pk if self.created else None

    @property
    def title_key(self) -> str:
        return title_key(self.title)


def title_key(text: str) -> str:
    return hashlib.sha256(normalise(text).encode()).hexdigest()[:32]


# --- Building the tree ------------------------------------------------------------------------


def build(
    table: Table, readings: dict, sections: dict, options: TaskOptions, levels: list[str]
) -> list[Node]:
    roots: list[Node] = []
    section_nodes: dict[int, Node] = {}
    for row, section in sorted(table.sections.items()):
        node = Node("section", row, section.number, section.title, reading=sections.get(row))
        _attach(node, section_nodes.get(section.parent), roots)
        section_nodes[row] = node
    groups: dict[tuple, Node] = {}
    for row in table.rows:
        reading = readings[row.number]
        parent = section_nodes.get(row.section)
        for depth, level in enumerate(levels[:-1]):
            key = (row.section, depth, row.groups.get(level, row.number))
            if key not in groups:
                groups[key] = Node("group", row.number, title=reading.texts.get(level, ""))
                _attach(groups[key], parent, roots)
            parent = groups[key]
        title = reading.texts.get(levels[-1], "") if levels else ""  # none: columns missing
        leaf = Node("row", row.number, reading.number, title, reading=reading)
        _attach(leaf, parent, roots)
    for node in list(flatten(roots)):
        _number_groups(node)
    _nest_by_number(roots)
    roots = _tidy(roots, options)
    _paths(roots, "")
    return roots


def _attach(node: Node, parent: Node | None, roots: list[Node]) -> None:
    node.parent = parent
    (parent.children if parent else roots).append(node)


def _number_groups(node: Node) -> None:
    """A group whose rows all carry one 序号 (a merged cell) owns it; its rows have none."""
    if node.kind != "group" or not node.children:
        return
    written = [c.number for c in node.children]
    merged = len(set(written)) == 1
    first_only = bool(written[0]) and not any(written[1:])  # typed once, left blank below
    if merged or first_only:
        node.number = written[0]
        for child in node.children:
            child.number = ""


NESTED = re.compile(r"^(\d+(?:\.\d+)*)\.\d+$")


def _nest_by_number(siblings: list[Node]) -> None:
    """Rows numbered "2.1", "2.2" go under their sibling numbered "2"."""
    by_number = {normalise(n.number): n for n in siblings if n.number}
    for node in list(siblings):
        match = NESTED.match(normalise(node.number))
        owner = by_number.get(match.group(1)) if match else None
        if owner is not None and owner is not node:
            siblings.remove(node)
            node.parent = owner
            owner.children.append(node)
    for node in siblings:
        _nest_by_number(node.children)


def _tidy(nodes: list[Node], options: TaskOptions) -> list[Node]:
    """Collapse groups of one row, drop empty sections, split rows, set parents' fields."""
    out: list[Node] = []
    for node in nodes:
        only = node.children[0] if len(node.children) == 1 else None
        if node.kind == "group" and only and only.kind == "row" and not only.children:
            node = _collapse(node)
        node.children = _tidy(node.children, options)
        for child in node.children:
            child.parent = node
        if not node.children and node.reading is None:
            continue  # a heading with nothing under it
        out += _split(node, options) if not node.children else [_as_parent(node)]
    return out


def _collapse(group: Node) -> Node:
    row = group.children[0]
    if row.title and row.title != group.title:
        row.content = "\n".join(t for t in (row.title, row.content) if t)
    row.title = group.title or row.title
    row.number = group.number or row.number
    row.parent = group.parent
    return row


def _split(node: Node, options: TaskOptions) -> list[Node]:
    """A row's lead, co-units, leader, time limit and weight; one node per lead if split."""
    reading = node.reading
    node.title, extra = _title(node.title or _fallback_title(reading))
    target = f"工作目标：{reading.target}" if reading and reading.target else ""
    node.content = "\n".join(t for t in (extra, node.content, target) if t)
    if reading is None:
        return [node]
    node.leader, node.limit, node.weight = reading.leader, reading.limit, reading.weight
    node.status = "error" if reading.has_errors else ("skip" if reading.skip else "new")
    node.skip = reading.skip
    leads, co = reading.leads, list(reading.co)
    if options.multi_lead == MultiLead.SPLIT and len(leads) > 1:
        return [_one_lead(node, lead, [(u, d) for u, d in co if u != lead]) for lead in leads]
    note = "" if reading.first_leads else CO_LEAD_NOTE
    node.lead = leads[0] if leads else None
    node.co = [(u, note) for u in leads[1:]] + co
    return [node]


def _one_lead(node: Node, lead: Unit, co: list) -> Node:
    copy = dataclasses.replace(node, children=[], lead=lead, co=co)
    copy.number = node.number
    copy.path = f"@{lead.name}"  # completed by _paths
    return copy


def _fallback_title(reading: Reading | None) -> str:
    if reading is None:
        return ""
    return next(iter(reversed(reading.texts.values())), "")


def _title(text: str) -> tuple[str, str]:
    """The title (at most 300 characters) and, when cut, the full text for the content."""
    text = " ".join(text.split())
    if len(text) <= TITLE_MAX:
        return text, ""
    return text[: TITLE_MAX - 1] + "…", text


def _as_parent(node: Node) -> Node:
    """A parent's own fields, or what all its children share; its deadline their latest."""
    node.title, extra = _title(node.title or _fallback_title(node.reading))
    node.content = "\n".join(t for t in (extra, node.content) if t)
    own = node.reading
    leaves = [n for n in flatten(node.children) if not n.children]
    leads = {n.lead for n in leaves}
    leaders = {n.leader for n in leaves}
    node.lead = (own.leads[0] if own and own.leads else None) or (
        leads.pop() if len(leads) == 1 else None
    )
    if own and own.leads:
        node.co = [(u, CO_LEAD_NOTE) for u in own.leads[1:]] + list(own.co)
    node.leader = (own.leader if own else None) or (leaders.pop() if len(leaders) == 1 else None)
    node.limit = _parent_limit(own.limit if own else TimeLimit(None), node.children)
    node.weight = own.weight if own else None
    if own and own.has_errors:
        node.status = "error"
    elif all(c.status == "skip" for c in node.children):
        node.status, node.skip = "skip", node.children[0].skip
    return node


def _parent_limit(own: TimeLimit, children: list[Node]) -> TimeLimit:
    dated = [c.limit.day for c in children if c.limit.day] + ([own.day] if own.day else [])
    if dated:
        return TimeLimit(max(dated), cycle=own.cycle)
    if own.ongoing or (children and all(c.limit.ongoing for c in children)):
        return TimeLimit(None, ongoing=True, cycle=own.cycle)
    return TimeLimit(None, cycle=own.cycle, workdays=own.workdays)


def _paths(nodes: list[Node], prefix: str) -> None:
    """Each node's 序号 path: its ancestors' numbers and its own (or its place, "#3")."""
    for index, node in enumerate(nodes, start=1):
        own = normalise(node.number) or f"#{index}"
        lead = node.path if node.path.startswith("@") else ""
        node.path = f"{prefix}/{own}{lead}" if prefix else f"{own}{lead}"
        _paths(node.children, node.path)


def flatten(nodes: list[Node]):
    """Every node, parents before their children, in the table's order."""
    for node in nodes:
        yield node
        yield from flatten(node.children)


def depth(node: Node) -> int:
    return node.path.count("/")


# --- Saving -----------------------------------------------------------------------------------


def spec_of(node: Node, options: TaskOptions) -> MatterSpec:
    limit = node.limit
    return MatterSpec(
        title=node.title,
        content=node.content,
        source=options.source,
        kind=MatterKind.TASK,
        lead_unit=node.lead,
        co_units=[CoUnit(u, d) for u, d in node.co],
        responsible_leader=node.leader,
        deadline=limit.day,
        deadline_workdays=limit.workdays,
        ongoing=limit.ongoing,
        report_cycle=limit.cycle or ReportCycle.MONTHLY,
        tags=[RECURRING_TAG] if limit.ongoing else [],
        milestones=_milestones(node),
        weight=node.weight or Decimal(1),
    )


def _milestones(node: Node) -> list[MilestoneSpec]:
    """The other dates of the cell ("6月底前完成主体，年底前竣工"), each with its clause."""
    limit, reading = node.limit, node.reading
    if not limit.milestones or reading is None:
        return []
    text = reading.written_limit
    clauses = [c.strip() for c in re.split(r"[，,；;。]", text) if c.strip()]
    specs = []
    for day in limit.milestones:
        if limit.day and day > limit.day:
            continue
        clause = next((c for c in clauses if _names(c, day)), text)
        specs.append(MilestoneSpec(title=clause[:200] or str(day), deadline=day))
    return specs


def _names(clause: str, day) -> bool:
    text = normalise(clause)
    return (
        f"{day.month}月" in text
        or f"{day.month}." in text
        or (day.month % 3 == 0 and f"{day.month // 3}季" in text)
        or (day.month in (6, 12) and ("半年" in text or "年底" in text or "年中" in text))
    )


def save(roots: list[Node], preview: Preview, *, actor: User, batch) -> int:
    """Register every new node in one bulk call; parents first."""
    options = preview.options
    items = []
    for node in flatten(roots):
        if node.status != "new":
            continue
        parent = node.parent
        holder = (parent.created or parent.match) if parent is not None else None
        node.created = NewMatter(spec_of(node, options), parent=holder)
        items.append(node.created)
    if not items:
        return 0
    register_matters(
        items,
        actor=actor,
        past_deadlines=f"import {batch.pk}",
        event_data={"import": batch.pk},
    )
    return len(items)


def node_dict(node: Node) -> dict:
    limit = node.limit
    matter = node.match
    return {
        "row": node.row,
        "path": node.path,
        "depth": depth(node),
        "number": node.number,
        "kind": node.kind,
        "title": node.title,
        "content": node.content[:300],
        "lead": node.lead.name if node.lead else "",
        "co": [u.name for u, _d in node.co],
        "leader": _person(node.leader),
        "deadline": limit.day.isoformat() if limit.day else None,
        "ongoing": limit.ongoing,
        "workdays": limit.workdays,
        "milestones": [d.isoformat() for d in limit.milestones],
        "weight": str(node.weight) if node.weight else None,
        "children": len(node.children),
        "status": node.status,
        "skip": node.skip,
        "changes": node.changes,
        "matter": {"id": matter.pk, "serial": matter.serial} if matter else None,
    }


def _person(user: User | None) -> str:
    if user is None:
        return ""
    return f"{user.last_name}{user.first_name}".strip() or user.username
