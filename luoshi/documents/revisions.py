"""A revised table: which earlier import it revises, and what changed row by row.

1. The table's rows are looked up by title among the rows earlier imports recorded
   (ImportedRow.title_key, one indexed query); the import holding most of them — the
   newest on a tie — or, when it was revised since, its latest revision, is the one
   this table revises.
2. Each planned node is paired with a row of that import: same 序号 path and a similar
   title; else the same title (anywhere, so no import ever duplicates a matter); else
   a very similar title under the same parent.
3. A paired node is *unchanged* when the matter already says what the row says, else
   *changed*, with the fields and their old and new values; an unpaired node is *new*;
   a row of the revised import that nothing paired is *no longer in the table* (listed,
   never withdrawn by an import).
4. `apply` makes each change through matters.services.update_matter, with its event.
   After dispatch a deadline moves only by an extension and the units only by a
   dispute ruling: such changes are shown, marked as not applied.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.auth.models import User
from django.db.models import Prefetch

from luoshi.lib.bulkinsert import insert_rows
from luoshi.matters import services as matter_services
from luoshi.matters.models import PRE_DISPATCH_STATES, Matter, MatterUnit, PartRole, State
from luoshi.matters.services import CoUnit

from .models import ImportBatch, ImportedRow, ImportState
from .parsing import describe_deadline, similarity
from .plan import Node, flatten, spec_of

PATH_MATCH = 0.6  # same 序号 path: the titles need only be this alike
NEAR_MATCH = 0.8  # different path, same parent: a reworded title
AFTER_DISPATCH = {"deadline", "lead_unit", "co_units"}


@dataclass
class Revision:
    options: object = None
    baseline: ImportBatch | None = None
    gone: list[dict] = field(default_factory=list)
    changed: list[Node] = field(default_factory=list)


def pair(roots: list[Node], *, kind: str, batch: ImportBatch | None, options) -> Revision:
    nodes = [n for n in flatten(roots) if n.status in ("new", "error")]
    earlier = _earlier_rows(nodes, kind, batch)
    revision = Revision(options=options, baseline=_baseline(earlier, len(nodes)))
    base = _rows_of(revision.baseline, earlier)
    matters = _matters({r.matter_id for r in base})
    base = [r for r in base if r.matter_id in matters]
    used: set[int] = set()
    for node in nodes:
        row = _by_path(node, base, used, matters) or _by_title(node, base, used, matters)
        if row:
            _paired(node, matters[row.matter_id], used, options, revision)
    for node in nodes:
        if node.match is None:
            row = _near(node, base, used, matters)
            if row:
                _paired(node, matters[row.matter_id], used, options, revision)
    revision.gone = _gone(revision.baseline, base, used, matters)
    return revision


def _earlier_rows(nodes: list[Node], kind: str, batch: ImportBatch | None) -> list[ImportedRow]:
    keys = {n.title_key for n in nodes}
    rows = ImportedRow.objects.filter(
        title_key__in=keys, batch__kind=kind, batch__state=ImportState.IMPORTED
    ).select_related("batch")
    if batch is not None and batch.pk:
        rows = rows.exclude(batch=batch)
    return list(rows.order_by("-batch__imported_at", "-batch_id", "row_number"))


def _baseline(rows: list[ImportedRow], size: int) -> ImportBatch | None:
    """The import holding most of the table's titles (the newest on a tie)."""
    if not rows:
        return None
    hits = Counter(r.batch_id for r in rows)
    newest = {r.batch_id: r.batch for r in rows}
    best = max(hits, key=lambda pk: (hits[pk], newest[pk].imported_at, pk))
    if hits[best] < min(3, max(1, size // 5)):
        return None
    return _latest_version(newest[best])


def _latest_version(batch: ImportBatch) -> ImportBatch:
    """The newest import of the same table: what it looks like now (a short chain)."""
    for _step in range(100):
        later = (
            ImportBatch.objects.filter(revises=batch, state=ImportState.IMPORTED)
            .order_by("-imported_at", "-id")
            .first()
        )
        if later is None:
            break
        batch = later
    return batch


def _rows_of(baseline: ImportBatch | None, earlier: list[ImportedRow]) -> list[ImportedRow]:
    """The revised import's rows first, then same-titled rows of any other import."""
    rows = (
        list(ImportedRow.objects.filter(batch=baseline).order_by("row_number", "id"))
        if (baseline)
        else []
    )
    seen = {r.matter_id for r in rows}
    for row in earlier:
        if row.matter_id not in seen:
            rows.append(row)
            seen.add(row.matter_id)
    return rows


def _matters(ids: set[int]) -> dict[int, Matter]:
    parts = MatterUnit.objects.filter(active=True).select_related("unit").order_by("-role", "id")
    matters = (
        Matter.objects.filter(pk__in=ids)
        .exclude(state=State.WITHDRAWN)
        .select_related("lead_unit", "responsible_leader")
        .prefetch_related(Prefetch("parts", queryset=parts, to_attr="active_parts"))
    )
    return {m.pk: m for m in matters}


def _by_path(node: Node, base: list[ImportedRow], used: set[int], matters) -> ImportedRow | None:
    for row in base:
        if row.matter_id in used or row.path != node.path[:255]:
            continue
        title = matters[row.matter_id].title
        if row.title_key == node.title_key or similarity(title, node.title) >= PATH_MATCH:
            return row
    return None


def _by_title(node: Node, base: list[ImportedRow], used: set[int], matters) -> ImportedRow | None:
    """The same title; among several (a row split by lead unit), the one with its lead."""
    same = [r for r in base if r.title_key == node.title_key and r.matter_id not in used]
    lead = node.lead.pk if node.lead else None
    own = (r for r in same if matters[r.matter_id].lead_unit_id == lead)
    return next(own, same[0] if same else None)


def _near(node: Node, base: list[ImportedRow], used: set[int], matters) -> ImportedRow | None:
    parent = node.path.rpartition("/")[0]
    best, score = None, NEAR_MATCH
    for row in base:
        if row.matter_id in used or row.path.rpartition("/")[0] != parent:
            continue
        alike = similarity(matters[row.matter_id].title, node.title)
        if alike >= score:
            best, score = row, alike
    return best


def _paired(node: Node, matter: Matter, used: set[int], options, revision: Revision) -> None:
    used.add(matter.pk)
    node.match = matter
    node.changes = _changes(node, matter, options)
    if node.status == "new":
        node.status = "changed" if node.changes else "unchanged"
        if node.changes:
            revision.changed.append(node)


def _gone(baseline, base: list[ImportedRow], used: set[int], matters) -> list[dict]:
    if baseline is None:
        return []
    return [
        {
            "id": r.matter_id,
            "serial": matters[r.matter_id].serial,
            "title": matters[r.matter_id].title,
            "path": r.path,
            "number": r.number,
        }
        for r in base
        if r.batch_id == baseline.pk and r.matter_id not in used
    ]


# --- What changed -----------------------------------------------------------------------------


def _changes(node: Node, matter: Matter, options) -> dict:
    """{field: {"old", "new", "applied"}} for what the row says differently from the matter."""
    spec = spec_of(node, options)
    now, then = _fields_of_spec(spec), _fields_of_matter(matter)
    if now["deadline"] == _label(matter.original_deadline, matter):
        now["deadline"] = then["deadline"]  # an approved extension is not a change
    if not (spec.deadline or spec.deadline_workdays or spec.ongoing):
        now["deadline"] = then["deadline"]  # no limit written: the default one stands
    if node.kind != "row":  # a parent's lead and leader are what its rows share, if any:
        for name in ("lead_unit", "responsible_leader"):  # a new mixed row clears nothing
            if not now[name]:
                now[name] = then[name]
    dispatched = matter.state not in PRE_DISPATCH_STATES
    return {
        name: {
            "old": then[name],
            "new": value,
            "applied": not (dispatched and name in AFTER_DISPATCH),
        }
        for name, value in now.items()
        if value != then[name]
    }


def _fields_of_spec(spec) -> dict[str, str]:
    return {
        "title": spec.title,
        "content": spec.content,
        "lead_unit": spec.lead_unit.name if spec.lead_unit else "",
        "co_units": "、".join(sorted(c.unit.name for c in spec.co_units)),
        "responsible_leader": _name(spec.responsible_leader),
        "deadline": describe_deadline(
            spec.deadline, False, spec.deadline_workdays, ongoing=spec.ongoing
        ),
        "report_cycle": spec.report_cycle,
        "weight": str(Decimal(spec.weight).quantize(Decimal("0.01"))),
    }


def _fields_of_matter(matter: Matter) -> dict[str, str]:
    co = [p.unit.name for p in matter.active_parts if p.role == PartRole.CO]
    return {
        "title": matter.title,
        "content": matter.content,
        "lead_unit": matter.lead_unit.name if matter.lead_unit else "",
        "co_units": "、".join(sorted(co)),
        "responsible_leader": _name(matter.responsible_leader),
        "deadline": _label(matter.deadline, matter),
        "report_cycle": matter.report_cycle,
        "weight": str(Decimal(matter.weight).quantize(Decimal("0.01"))),
    }


def _label(day, matter: Matter) -> str:
    workdays = matter.deadline_workdays if day is None and not matter.assigned_at else None
    return describe_deadline(day, False, workdays, ongoing=matter.ongoing)


def _name(user: User | None) -> str:
    return (f"{user.last_name}{user.first_name}".strip() or user.username) if user else ""


# --- Applying ---------------------------------------------------------------------------------


def apply(revision: Revision, *, actor: User) -> int:
    """Each changed matter through update_matter (its event says what changed)."""
    count = 0
    for node in revision.changed:
        changes = _update_arguments(node, revision.options)
        if changes:
            node.match = matter_services.update_matter(
                node.match, actor=actor, version=None, **changes
            )
            count += 1
    return count


def _update_arguments(node: Node, options) -> dict:
    spec = spec_of(node, options)
    applied = {name for name, change in node.changes.items() if change["applied"]}
    out: dict = {}
    for name in applied & {"title", "content", "report_cycle", "weight"}:
        out[name] = getattr(spec, name)
    if "responsible_leader" in applied:
        out["responsible_leader"] = spec.responsible_leader
    if "deadline" in applied:
        tags = [t for t in node.match.tags if t != "recurring"] + list(spec.tags)
        out.update(
            deadline=spec.deadline,
            deadline_workdays=spec.deadline_workdays,
            ongoing=spec.ongoing,
            tags=tags,
        )
    if applied & {"lead_unit", "co_units"}:
        out.update(
            lead_unit=spec.lead_unit,
            co_units=[CoUnit(c.unit, c.description) for c in spec.co_units],
        )
    return out


def record_rows(roots: list[Node], batch: ImportBatch) -> None:
    """One ImportedRow per matter the batch created, updated or found unchanged."""
    outcome = {"new": "created", "changed": "updated", "unchanged": "unchanged"}
    rows = [
        {
            "batch": batch.pk,
            "row_number": node.row,
            "key": hashlib.sha256(f"{node.path}|{node.title}".encode()).hexdigest(),
            "matter": node.matter_id,
            "number": node.number[:32],
            "path": node.path[:255],
            "title_key": node.title_key,
            "outcome": outcome[node.status],
        }
        for node in flatten(roots)
        if node.status in outcome and node.matter_id is not None
    ]
    insert_rows(ImportedRow, rows)


def as_dict(revision: Revision) -> dict:
    baseline = revision.baseline
    return {
        "revises": {
            "id": baseline.pk,
            "filename": baseline.filename,
            "imported_at": baseline.imported_at.isoformat() if baseline.imported_at else None,
        }
        if baseline
        else None,
        "gone": revision.gone,
    }
