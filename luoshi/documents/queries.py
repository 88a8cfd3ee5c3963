"""Reads for documents: a period's figures for a bulletin, bulletins and their mentions."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from luoshi.lib.errors import NotFound
from luoshi.matters import fairness
from luoshi.matters.backlog import BacklogItem, BacklogKind, backlog_counts, backlog_items
from luoshi.matters.models import (
    PRE_DISPATCH_STATES,
    RUNNING_STATES,
    Matter,
    MatterWarning,
    Policy,
    Source,
    State,
)
from luoshi.org.access import access_for
from luoshi.org.models import Unit, UnitKind

from . import permissions
from .models import (
    Bulletin,
    BulletinMention,
    BulletinState,
    ImportBatch,
    ImportedRow,
    ImportState,
    MultiLead,
)

DONE_STATES = (State.COMPLETED, State.CLOSED)


@dataclass
class PeriodFigures:
    """What a bulletin reports for a period, as of `today`.

    due: dispatched matters whose deadline falls in the period; on_time: those whose unit
    asked for completion by the deadline and was approved; late: asked after it; overdue:
    still open past it for the unit; awaiting: waiting for the office's review or ruling
    (the unit's clock is stopped: matters.fairness); running: the rest.
    praised: lead units all of whose due matters were on time (or, asked on time, await
    the office's review). named: lead units with matters overdue for them or stalled.
    backlog: the office's own backlog (督查室待办) on `today`, its late items listed.
    """

    start: dt.date
    end: dt.date
    today: dt.date
    due: int = 0
    on_time: int = 0
    late: int = 0
    overdue: int = 0
    awaiting: int = 0
    running: int = 0
    praised: list = field(default_factory=list)  # [Unit]
    named: dict = field(default_factory=dict)  # Unit → [Matter]
    backlog: dict = field(default_factory=dict)  # kind → {"pending", "late"}, and "total"
    backlog_late: list = field(default_factory=list)  # [BacklogItem], oldest first
    backlog_limit: int = 0

    @property
    def on_time_rate(self) -> float:
        return round(100 * self.on_time / self.due, 1) if self.due else 0.0

    def as_dict(self) -> dict:
        return {
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "today": self.today.isoformat(),
            "due": self.due,
            "on_time": self.on_time,
            "late": self.late,
            "overdue": self.overdue,
            "awaiting": self.awaiting,
            "running": self.running,
            "on_time_rate": self.on_time_rate,
            "praised": [u.pk for u in self.praised],
            "named": {str(u.pk): [m.pk for m in ms] for u, ms in self.named.items()},
            "office_backlog": {
                "limit_workdays": self.backlog_limit,
                "counts": self.backlog,
                "late": [
                    {"kind": i.kind, "matter": i.matter.pk, "age_workdays": i.age}
                    for i in self.backlog_late
                ],
            },
        }


BULLETIN_BACKLOG_ITEMS = 20  # late backlog items the bulletin names, oldest first


def period_figures(user: User, start: dt.date, end: dt.date) -> PeriodFigures:
    """The period's figures from the matters `user` sees, judged by the fair clock."""
    today = timezone.localdate()
    dispatched = (
        Matter.objects.visible_to(user)
        .exclude(state__in=[*PRE_DISPATCH_STATES, State.WITHDRAWN])
        .select_related("lead_unit")
        .order_by("lead_unit__order", "lead_unit_id", "deadline", "serial_year", "serial_no")
    )
    figures = PeriodFigures(start=start, end=end, today=today)
    by_unit: dict = defaultdict(list)
    for matter in dispatched.filter(deadline__range=(start, end)):
        outcome = _outcome(matter, today)
        setattr(figures, outcome, getattr(figures, outcome) + 1)
        figures.due += 1
        by_unit[matter.lead_unit].append(outcome)
    figures.praised = [
        unit
        for unit, outcomes in by_unit.items()
        if unit and "on_time" in outcomes and set(outcomes) <= {"on_time", "awaiting"}
    ]
    # Named: overdue for the unit (never for days the office held it), or stalled.
    overdue = fairness.overdue_for_unit(today) & Q(deadline__lte=end)
    stalled = Q(state__in=sorted(RUNNING_STATES), warning=MatterWarning.STALLED)
    for matter in dispatched.filter(overdue | stalled):
        if matter.lead_unit:
            figures.named.setdefault(matter.lead_unit, []).append(matter)
    _add_backlog(figures, today)
    return figures


def _add_backlog(figures: PeriodFigures, today: dt.date) -> None:
    """The office's own backlog on `today`: held to the same standard as the units."""
    figures.backlog = backlog_counts(today)
    figures.backlog_limit = Policy.current().office_backlog_workdays
    figures.backlog_late = backlog_items(today, late=True, limit=BULLETIN_BACKLOG_ITEMS)


def _outcome(matter: Matter, today: dt.date) -> str:
    """For a matter due in the period (its deadline is set: the period filters on it)."""
    assert matter.deadline is not None
    if matter.state in DONE_STATES and matter.completed_at:
        return "on_time" if fairness.is_on_time(matter) else "late"
    if matter.awaiting_office_since is not None:
        return "awaiting"
    if fairness.days_overdue(matter, today) > 0:
        return "overdue"
    return "running"


def lag_reason(matter: Matter, today: dt.date) -> str:
    """Why a matter is named: 逾期 (with the unit's days, matters.fairness) or 久拖未动."""
    days = fairness.days_overdue(matter, today)
    return f"逾期{days}天" if days else "久拖未动"


# The kinds of the office's backlog in the bulletin's own words (it is always Chinese).
BACKLOG_WORDS = {
    BacklogKind.REVIEW: "办结申请待审核",
    BacklogKind.DISPUTE: "退回申请待裁定",
    BacklogKind.EXTENSION: "延期申请待审批",
    BacklogKind.DISPATCH_APPROVAL: "交办事项待领导审核",
}


def backlog_line(item: BacklogItem) -> str:
    """One late item of the office's backlog, in the bulletin's words."""
    what = BACKLOG_WORDS[BacklogKind(item.kind)]
    return f"{item.matter.serial} {item.matter.title}（{what}，已等待{item.age}个工作日）"


# --- Bulletins --------------------------------------------------------------------------------


def visible_bulletins(user: User | AnonymousUser) -> QuerySet[Bulletin]:
    """Issued bulletins for staff (any role in a unit); drafts only for supervisors and admins.

    Bulletins are internal documents: a signed-in user without a role sees none.
    """
    access = access_for(user)
    if not permissions.may_read_bulletins(access):
        return Bulletin.objects.none()
    bulletins = Bulletin.objects.select_related("created_by", "issued_by")
    if permissions.may_read_drafts(access):
        return bulletins
    return bulletins.filter(state=BulletinState.ISSUED)


def get_bulletin_for_user(user: User | AnonymousUser, pk: int) -> Bulletin:
    bulletin = visible_bulletins(user).filter(pk=pk).first()
    if bulletin is None:
        raise NotFound(_("Bulletin %(pk)s does not exist or is not visible to you.") % {"pk": pk})
    return bulletin


def mentions_of_matter(matter: Matter | int) -> list[BulletinMention]:
    """The issued bulletins that name or praise this matter's unit for it, newest first."""
    return list(
        BulletinMention.objects.filter(matter=matter)
        .select_related("bulletin", "unit", "matter")
        .order_by("-bulletin__issued_at", "-id")
    )


def mentions_of_unit(unit_id: int) -> list[BulletinMention]:
    """One row per bulletin mentioning the unit (praised, or named with its matters)."""
    rows = (
        BulletinMention.objects.filter(unit_id=unit_id)
        .select_related("bulletin", "matter")
        .order_by("-bulletin__issued_at", "-bulletin_id", "kind", "id")
    )
    return list(rows)


def batches_for(user: User) -> QuerySet[ImportBatch]:
    """The imports a supervisor may look at: all of them (imports are the office's work)."""
    if not permissions.may_read_imports(access_for(user)):
        return ImportBatch.objects.none()
    return ImportBatch.objects.select_related("created_by")


def get_batch_for_user(user: User, pk: int) -> ImportBatch:
    batch = batches_for(user).filter(pk=pk).first()
    if batch is None:
        raise NotFound(_("Import %(pk)s does not exist or is not visible to you.") % {"pk": pk})
    return batch


# --- A matter's place in the table it came from (the ledger's 序号) ---------------------------


def with_table_numbers(matters: QuerySet[Matter]) -> QuerySet[Matter]:
    """Annotate each matter with its place in the table it was last imported from.

    `table_number`: its own 序号 as the office wrote it ("3", "1.1"; empty when the row
    had none); `table_path`: the 序号 chain from the table's top ("一/(二)/3", "#2" for
    an unnumbered row); `table_batch`, `table_row`: the import and the sheet row, so
    `.order_by("table_batch", "table_row")` is the table's own order. None for matters
    not imported. One indexed subquery per field (ImportedRow by matter, batch).
    """
    latest = ImportedRow.objects.filter(matter=OuterRef("pk")).order_by("-batch_id")
    return matters.annotate(
        table_number=Subquery(latest.values("number")[:1]),
        table_path=Subquery(latest.values("path")[:1]),
        table_batch=Subquery(latest.values("batch_id")[:1]),
        table_row=Subquery(latest.values("row_number")[:1]),
    )


# --- The import preview page ------------------------------------------------------------------

UNIT_LIST_MAX = 2000  # above this, a unit is typed by name instead of picked from a list
PRESELECT_SCORE = 0.85  # a suggestion this good is chosen in advance; the user confirms it
PLAN_SHOWN = 400
PARENTS_MAX = 500


def import_context(batch: ImportBatch) -> dict:
    """What the preview page shows besides the stored preview: the unit pickers, the rows
    of the plan worth showing, and, once imported, the matters the batch wrote."""
    preview = batch.preview or {}
    units = Unit.objects.filter(is_active=True).order_by("path", "order", "id")
    count = units.count()
    # A new unit goes under any unit of a city's list; a province's list is too long for
    # one select, so there the cities, districts and offices are offered.
    parents = (
        units
        if count <= PARENTS_MAX
        else units.filter(kind__in=[UnitKind.CITY, UnitKind.DISTRICT, UnitKind.OFFICE])
    )
    plan = preview.get("plan", [])
    shown = (
        plan
        if len(plan) <= PLAN_SHOWN
        else [n for n in plan if n["status"] not in ("new", "unchanged") or n["depth"] == 0][
            :PLAN_SHOWN
        ]
    )
    return {
        "batch": batch,
        "preview": preview,
        "previewed": batch.state == ImportState.PREVIEWED,
        "unknown": [
            (i, entry, _preselect(entry))
            for i, entry in enumerate(preview.get("unknown_units", []))
        ],
        "unit_list": list(units.only("id", "name")) if count <= UNIT_LIST_MAX else None,
        "parents": list(parents.only("id", "name")[:PARENTS_MAX]),
        "default_parent": units.filter(parent__isnull=True).values_list("pk", flat=True).first(),
        "plan": shown,
        "plan_hidden": len(plan) - len(shown),
        "changed": [n for n in plan if n["status"] == "changed"],
        "created": _imported_rows(batch)[:PLAN_SHOWN]
        if batch.state == ImportState.IMPORTED
        else [],
        "created_total": batch.created_count + batch.updated_count,
        "unit_kinds": UnitKind.choices,
        "sources": Source.choices,
        "multi_leads": MultiLead.choices,
    }


def _preselect(entry: dict) -> str:
    best = entry["suggestions"][0] if entry.get("suggestions") else None
    return str(best["id"]) if best and best["score"] >= PRESELECT_SCORE else ""


def _imported_rows(batch: ImportBatch):
    return (
        ImportedRow.objects.filter(batch=batch)
        .select_related("matter", "matter__lead_unit")
        .order_by("row_number", "id")
    )
