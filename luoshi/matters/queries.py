"""Reads of matters. Every view, API call, export and dashboard starts from here."""

from __future__ import annotations

import operator
from functools import reduce

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils.translation import gettext as _

from luoshi.lib.errors import NotFound
from luoshi.org.access import Access, access_for

from . import areacounts, partcounts
from .models import (
    DESK_STATES,
    OPEN_STATES,
    PRE_DISPATCH_STATES,
    RUNNING_STATES,
    Dispute,
    Extension,
    Hastening,
    Matter,
    MatterEvent,
    MatterUnit,
    MatterWarning,
    PartState,
    ReportCycle,
    RequestState,
    State,
)


def visible_matters(queryset: QuerySet[Matter], user: User | AnonymousUser) -> QuerySet[Matter]:
    """Matters `user` may read.

    1. Supervisors and admins: everything.
    2. Leaders: everything but drafts (they read all and approve dispatch).
    3. Unit users: matters where one of their units — or a unit below one they head —
       holds an active part, once dispatched (never drafts, nor drafts withdrawn unsent).
    """
    access = access_for(user)
    if access.user_id is None:
        return queryset.none()
    if access.is_office:
        return queryset
    if access.is_leader:
        return queryset.exclude(state=State.DRAFT)
    if not access.visible_units:
        return queryset.none()
    # An IN (subquery) rather than EXISTS: SQLite then walks the part index of the
    # user's units instead of testing every matter (docs/benchmarks.md: 678 → 123 ms).
    held = _held_parts(access).values("matter_id")
    return queryset.filter(pk__in=held).exclude(undispatched())


def undispatched(prefix: str = "") -> Q:
    """Matters the units never received: before dispatch, or withdrawn before it was ever
    assigned. `prefix` reaches the matter from another model ("matter__")."""
    return Q(**{f"{prefix}state__in": PRE_DISPATCH_STATES}) | Q(
        **{f"{prefix}state": State.WITHDRAWN, f"{prefix}assigned_at__isnull": True}
    )


def _held_parts(access: Access) -> QuerySet[MatterUnit]:
    return MatterUnit.objects.filter(active=True, unit_id__in=sorted(access.visible_units))


def visible_parts(user: User | AnonymousUser) -> QuerySet[MatterUnit]:
    """Rule 3 of `visible_matters` from the parts' side: the active parts of a unit
    user's units on dispatched matters. A unit's counts over thousands of matters read
    these parts joined to their matters once, where `visible_to(user)` would test each
    matter for membership in the parts first (docs/benchmarks.md). Users who see
    everything have no such parts: they read `visible_to`."""
    access = access_for(user)
    if access.user_id is None or access.sees_everything or not access.visible_units:
        return MatterUnit.objects.none()
    return _held_parts(access).exclude(undispatched("matter__"))


def get_matter_for_user(user: User | AnonymousUser, pk: int, *, for_update: bool = False) -> Matter:
    """One visible matter with what its header needs; NotFound if absent or not visible."""
    queryset = Matter.objects.visible_to(user).select_related(
        "lead_unit", "responsible_leader", "parent", "created_by"
    )
    if for_update:
        queryset = queryset.select_for_update(of=("self",))
    matter = queryset.filter(pk=pk).first()
    if matter is None:
        raise NotFound(_("Matter %(pk)s does not exist or is not visible to you.") % {"pk": pk})
    return matter


def timeline(matter: Matter) -> QuerySet[MatterEvent]:
    return matter.events.select_related("actor", "unit").order_by("at", "id")


def active_parts(matter: Matter) -> QuerySet[MatterUnit]:
    return matter.parts.filter(active=True).select_related("unit")


# ---- The desk (我的工作台): what waits for one user, as conditions on visible matters ----

DESK_LIST_SIZE = 8


def pending_requests(model: type[Dispute] | type[Extension]) -> QuerySet:
    """Matters with a pending dispute or extension, read from the pending rows alone
    (partial indexes dispute_pending / extension_pending): the desk tests membership in
    this one set instead of probing the requests of every running matter."""
    return model.objects.filter(state=RequestState.PENDING).values("matter_id")


def desk_conditions(access: Access) -> dict[str, Q]:
    """Each section of the desk as a condition on `visible_to(user)`, by the user's roles.

    Sections a user's roles do not give are absent, so the desk shows only what
    this user acts on. Conditions on other tables are `pk IN (set)`, not a correlated
    EXISTS: the set is read once per query (PostgreSQL hashes it), not once per matter.
    """
    conditions: dict[str, Q] = {}
    running = Q(state__in=sorted(RUNNING_STATES))
    if access.is_office:
        conditions["to_assign"] = Q(state__in=[State.DRAFT, State.APPROVED])
    if access.is_leader:
        mine = Q(responsible_leader_id=access.user_id) | Q(responsible_leader__isnull=True)
        conditions["approvals"] = Q(state=State.PENDING_APPROVAL) & mine
    if access.own_units:
        part = MatterUnit.objects.filter(active=True, unit_id__in=sorted(access.own_units))
        assigned = part.filter(state=PartState.ASSIGNED).values("matter_id")
        conditions["to_accept"] = Q(pk__in=assigned) & running
        working = part.filter(state__in=[PartState.ACCEPTED, PartState.IN_PROGRESS])
        conditions["to_report"] = Q(pk__in=working.values("matter_id")) & running
    watched = running
    if access.is_leader and not (access.is_office):
        watched &= Q(responsible_leader_id=access.user_id)
    conditions["due_soon"] = watched & Q(warning=MatterWarning.DUE_SOON)
    conditions["overdue"] = watched & Q(warning=MatterWarning.OVERDUE)
    conditions["stalled"] = watched & Q(warning=MatterWarning.STALLED)
    if access.is_office:
        conditions["disputes"] = Q(pk__in=pending_requests(Dispute)) & running
        conditions["extensions"] = Q(pk__in=pending_requests(Extension)) & running
        conditions["review"] = Q(state=State.COMPLETION_REQUESTED)
    return conditions


# Desk sections of the office that are one set of (state, warning) buckets: read from
# the cockpit's rollups (matters.counts) instead of counting the open matters.
OFFICE_BUCKETS: dict[str, tuple[frozenset[str], str | None]] = {
    "to_assign": (frozenset({State.DRAFT, State.APPROVED}), None),
    "due_soon": (RUNNING_STATES, MatterWarning.DUE_SOON),
    "overdue": (RUNNING_STATES, MatterWarning.OVERDUE),
    "stalled": (RUNNING_STATES, MatterWarning.STALLED),
    "review": (frozenset({State.COMPLETION_REQUESTED}), None),
}


def desk_counts(user: User) -> dict[str, int]:
    """How many matters wait in each desk section, and per report cycle.

    The office sees every matter: its sections that are (state, warning) buckets come
    from the rollups, its pending disputes and extensions from the pending rows (a
    few, indexed). What is left — a unit's parts, a leader's own matters — is one
    query over the visible matters in the desk's states (DESK_STATES).
    """
    access = access_for(user)
    if len(access.visible_units) == 1 and not access.sees_everything:
        # One unit: its kept counts answer every section (partcounts), a few dozen rows
        # however many parts it holds. Several: a matter two of them hold counts once.
        (unit,) = access.visible_units
        return partcounts.desk_counts(unit, own=unit in access.own_units)
    if access.visible_units and not access.sees_everything:
        return _unit_desk_counts(user, access)
    conditions = desk_conditions(access)
    counts = _office_counts(user) if access.is_office else {}
    aggregates = {
        name: Count("pk", filter=cond) for name, cond in conditions.items() if name not in counts
    }
    if "to_report" in conditions:
        for cycle in ReportCycle.values:
            aggregates[f"to_report_{cycle}"] = Count(
                "pk", filter=conditions["to_report"] & Q(report_cycle=cycle)
            )
    if aggregates:
        # Only the desk's states: the partial index matter_desk_open serves them, so the
        # count costs what is open, not the province's closed years.
        desk = Matter.objects.visible_to(user).filter(state__in=sorted(DESK_STATES))
        # Only rows some section counts: a leader's own matters and the approvals are
        # read by index (matter_leader_state), not every open matter (0.26 s at 1M).
        wanted = [cond for name, cond in conditions.items() if name not in counts]
        desk = desk.filter(reduce(operator.or_, wanted))
        counts.update(desk.aggregate(**aggregates))
    return counts


WARNING_SECTIONS: dict[str, str] = {
    MatterWarning.DUE_SOON: "due_soon",
    MatterWarning.OVERDUE: "overdue",
    MatterWarning.STALLED: "stalled",
}


def _unit_desk_counts(user: User, access: Access) -> dict[str, int]:
    """The desk of a unit user who sees several units (a unit head with units below).

    The head of one unit (the usual head) reads kept rows only: the sections to act on
    are that unit's part counts (partcounts), the warning sections its area's matter
    counts (areacounts: each matter once, however many of the area's units hold it).
    Read from the matters' side, those sections took 52 ms for a county head at 1M
    (the 99k parts of 266 units hashed; docs/benchmarks.md). Otherwise, every section
    from the parts joined to their matters."""
    area = areacounts.area_of(access)
    if area is None:
        return _joined_desk_counts(user, access)
    counts = partcounts.desk_counts(area, own=True)
    counts |= dict.fromkeys(WARNING_SECTIONS.values(), 0)
    for state, warning, n in areacounts.of_area(area):
        if state in RUNNING_STATES and warning in WARNING_SECTIONS:
            counts[WARNING_SECTIONS[warning]] += n
    return counts


def _joined_desk_counts(user: User, access: Access) -> dict[str, int]:
    """A unit user's desk counts in one pass over the parts of their units (`visible_parts`),
    each joined to its matter once. Counting over `visible_to` instead tested each
    section's `pk IN (parts)` on every open matter: at 1M, the busiest unit (43k parts)
    took 1.1 s that way (docs/benchmarks.md). A matter held by two of the user's units
    has two parts, hence distinct counts then."""
    running = Q(matter__state__in=sorted(RUNNING_STATES))
    own = Q(unit_id__in=sorted(access.own_units))
    working = own & Q(state__in=[PartState.ACCEPTED, PartState.IN_PROGRESS])
    sections = {
        "to_accept": own & Q(state=PartState.ASSIGNED),
        "to_report": working,
        "due_soon": Q(matter__warning=MatterWarning.DUE_SOON),
        "overdue": Q(matter__warning=MatterWarning.OVERDUE),
        "stalled": Q(matter__warning=MatterWarning.STALLED),
    }
    # A unit user's own units are among those they see (access.visible_units): the
    # sections to act on are always theirs.
    for cycle in ReportCycle.values:
        sections[f"to_report_{cycle}"] = working & Q(matter__report_cycle=cycle)
    distinct = len(access.visible_units) > 1
    return (
        visible_parts(user)
        .filter(running)
        .aggregate(
            **{
                name: Count("matter_id", filter=q, distinct=distinct)
                for name, q in sections.items()
            }
        )
    )


def _office_counts(user: User) -> dict[str, int]:
    """The office's bucket sections from the rollups; its rulings from the pending rows."""
    from luoshi.cockpit.models import CITY_TOTAL, UnitCount  # the cockpit keeps them

    # The city total's stripes (cockpit.models.CITY_TOTAL) are summed by the loop below.
    buckets = UnitCount.objects.filter(unit_id__in=CITY_TOTAL).values_list("state", "warning", "n")
    counts = dict.fromkeys(OFFICE_BUCKETS, 0)
    for state, warning, n in buckets:
        for name, (states, wanted) in OFFICE_BUCKETS.items():
            if state in states and wanted in (None, warning):
                counts[name] += n
    running = Matter.objects.visible_to(user).filter(state__in=sorted(RUNNING_STATES))
    for name, model in (("disputes", Dispute), ("extensions", Extension)):
        counts[name] = running.filter(pk__in=pending_requests(model)).count()
    return counts


# The sections not read by deadline. To assign: approved matters (ready to dispatch)
# before drafts, each by deadline: one walk of matter_state_dl_id. By deadline alone the
# drafts (no deadline yet) came last, and PostgreSQL walked the whole deadline index to
# find them: 1.7 s at 1M. To report: the longest silent first (matter_report_order).
SECTION_ORDERINGS = {
    "to_assign": ("state", "deadline", "id"),
    "to_report": ("last_report_at", "deadline", "id"),
}


def desk_lists(user: User, counts: dict[str, int]) -> dict[str, list[Matter]]:
    """The first matters of each non-empty section: one query of ids per section shown,
    then one for all their rows. A section's ids are ordered from the indexes alone
    (matter_id_cover carries the deadline); reading whole rows to sort them read every
    candidate row of a busy unit's section from the table (2,505 to accept: 38 ms)."""
    conditions = desk_conditions(access_for(user))
    base = Matter.objects.visible_to(user)
    ids: dict[str, list[int]] = {}
    for name, condition in conditions.items():
        if not counts.get(name):
            continue
        ordering = SECTION_ORDERINGS.get(name, ("deadline", "id"))
        first = base.filter(condition).order_by(*ordering).values_list("pk", flat=True)
        ids[name] = list(first[:DESK_LIST_SIZE])
    wanted = sorted({pk for section in ids.values() for pk in section})
    rows = Matter.objects.select_related("lead_unit").in_bulk(wanted) if wanted else {}
    # A matter changed between the two reads (accepted meanwhile) is left out of its list.
    return {name: [rows[pk] for pk in section if pk in rows] for name, section in ids.items()}


def unit_summary(user: User, unit_id: int) -> dict[str, int]:
    """A unit's open matters, overdue among them, and hastenings received (visible ones)."""
    held = Exists(MatterUnit.objects.filter(matter=OuterRef("pk"), unit_id=unit_id, active=True))
    counts = (
        Matter.objects.visible_to(user)
        .filter(held, state__in=sorted(OPEN_STATES))
        .aggregate(
            open=Count("pk"),
            overdue=Count("pk", filter=Q(warning=MatterWarning.OVERDUE)),
        )
    )
    visible = Matter.objects.visible_to(user).filter(pk=OuterRef("matter_id"))
    counts["hastened"] = Hastening.objects.filter(unit_id=unit_id).filter(Exists(visible)).count()
    return counts
