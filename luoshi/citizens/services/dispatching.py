"""Dispatching a request (派单) and merging duplicates (重复诉求).

Dispatch registers and assigns the request's Matter of kind `citizen` through
matters.services, like any matter: its deadline is the request type's limit in
working days (CitizenPolicy), counted from assignment. A unit that finds the request
is not its job returns it (退单) with matters' dispute and a reason code; the
supervisor's ruling moves it, and that final unit is what dispatch learns from.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from luoshi.lib.errors import IllegalTransition, InvalidInput
from luoshi.matters import services as matter_services
from luoshi.matters.models import MatterKind, Priority, ReportCycle, Source
from luoshi.notifications.messages import N_
from luoshi.notifications.services import text_citizen
from luoshi.org.access import access_for
from luoshi.org.models import Unit

from ..models import (
    Category,
    CitizenEventKind,
    CitizenPolicy,
    CitizenRequest,
    MergeState,
    WithdrawalState,
)
from ..permissions import require_office
from ._base import lock, record


def _require_waiting(request: CitizenRequest) -> None:
    if request.matter_id is not None:
        raise IllegalTransition(
            _("%(number)s was already dispatched.") % {"number": request.work_order_number}
        )
    if request.merge_state == MergeState.MERGED:
        raise IllegalTransition(_("A merged request is handled with the one it joined."))
    if request.withdrawal_state == WithdrawalState.CONFIRMED:
        raise IllegalTransition(_("The citizen withdrew this request."))


def _content(request: CitizenRequest) -> str:
    place = " ".join(str(p) for p in (request.district, request.street, request.address) if p)
    lines = [request.text, "", _("Place: %(place)s") % {"place": place or "—"}]
    return "\n".join(lines)


@transaction.atomic
def dispatch_request(
    request: CitizenRequest,
    *,
    actor: User,
    version: int | None,
    category: Category | None,
    lead_unit: Unit | None,
    co_units: Sequence[Unit] = (),
    urgent: bool | None = None,
) -> CitizenRequest:
    """Send the request to its unit: register and assign its matter (the clock starts)."""
    require_office(access_for(actor), _("dispatch requests"))
    request = lock(request, version)
    _require_waiting(request)
    if category is None:
        raise InvalidInput(_("Choose the category."), field="category")
    if lead_unit is None:
        raise InvalidInput(_("Choose the unit that handles it."), field="lead_unit")
    if urgent is not None:
        request.urgent = urgent
    policy = CitizenPolicy.current()
    suggested = _suggested(request)
    matter = matter_services.register_matter(
        matter_services.MatterSpec(
            title=f"{request.work_order_number} {request.title}"[:300],
            content=_content(request),
            source=Source.CITIZEN,
            kind=MatterKind.CITIZEN,
            priority=Priority.URGENT if request.urgent else Priority.NORMAL,
            lead_unit=lead_unit,
            co_units=[matter_services.CoUnit(u) for u in co_units],
            deadline_workdays=policy.limit_workdays(request.request_type, request.urgent),
            report_cycle=ReportCycle.WEEKLY,
            tags=["群众诉求", category.name, request.get_request_type_display()],
        ),
        actor=actor,
    )
    now = timezone.now()
    request.matter, request.category, request.dispatched_at = matter, category, now
    request.dispatch_late = request.dispatch_late or now > request.dispatch_due_at
    request.save(update_fields=["matter", "category", "dispatched_at", "dispatch_late", "urgent"])
    # Linked before assigning, so the reply listener finds the request (services.replies).
    request.matter = matter_services.assign_matter(matter, actor=actor, version=matter.version)
    record(
        request,
        CitizenEventKind.DISPATCHED,
        actor,
        data={
            "category": category.name,
            "unit": lead_unit.name,
            "co_units": [u.name for u in co_units],
            "suggested_units": suggested,
            "followed": bool(suggested) and suggested[0] == lead_unit.pk,
            "late": request.dispatch_late,
        },
    )
    return request


def _suggested(request: CitizenRequest) -> list[int]:
    """The units the model suggested for this text, kept with the dispatch to measure it."""
    from ..dispatch.suggest import suggest

    return [s.key for s in suggest(request.text).units]


@transaction.atomic
def correct_category(
    request: CitizenRequest, *, actor: User, version: int | None, category: Category
) -> CitizenRequest:
    """The office corrects the category (e.g. after a 退单): dispatch learns the correction."""
    require_office(access_for(actor), _("correct the category"))
    request = lock(request, version)
    old = request.category.name if request.category else ""
    request.category = category
    record(
        request,
        CitizenEventKind.DISPATCHED,
        actor,
        comment=_("Category corrected"),
        data={"category": category.name, "from": old, "correction": True},
    )
    return request


def _root(request: CitizenRequest) -> CitizenRequest:
    """The request a merge joins: the first of its chain."""
    seen = {request.pk}
    while request.merge_state == MergeState.MERGED and request.duplicate_of_id not in seen:
        joined = request.duplicate_of
        if joined is None:
            break  # marked merged without the request it joined: it is its own root
        request = joined
        seen.add(request.pk)
    return request


def group_of(request: CitizenRequest) -> list[CitizenRequest]:
    """The request and every request merged into it: all its requesters."""
    return [request, *request.duplicates.filter(merge_state=MergeState.MERGED)]


@transaction.atomic
def merge_request(
    request: CitizenRequest,
    *,
    actor: User,
    version: int | None,
    into: CitizenRequest | None = None,
    comment: str = "",
) -> CitizenRequest:
    """Join a duplicate to the earlier request; every requester of the two is told."""
    require_office(access_for(actor), _("merge requests"))
    request = lock(request, version)
    _require_waiting(request)
    target = into or request.duplicate_of
    if target is None:
        raise InvalidInput(_("Name the request this one repeats."), field="into")
    target = _root(CitizenRequest.objects.select_related("matter").get(pk=target.pk))
    if target.pk == request.pk:
        raise InvalidInput(_("A request cannot be merged into itself."), field="into")
    request.duplicate_of, request.merge_state = target, MergeState.MERGED
    record(
        request,
        CitizenEventKind.MERGED,
        actor,
        comment=comment,
        data={"into": target.work_order_number},
    )
    record(
        target,
        CitizenEventKind.MERGED,
        actor,
        comment=comment,
        bump=False,
        data={"joined_by": request.work_order_number},
    )
    _tell_group(target, request)
    return request


def _tell_group(target: CitizenRequest, joined: CitizenRequest) -> None:
    """Every requester of the group learns of the merge (an SMS; the tracking page shows it)."""
    for member in group_of(target):
        if member.anonymous or not member.contact_phone:
            continue
        if member.pk == joined.pk:
            text = N_(
                "Your request %(number)s concerns the same problem as %(first)s and is now "
                "handled with it; follow it with your tracking link."
            ) % {"number": joined.work_order_number, "first": target.work_order_number}
        else:
            text = N_(
                "Another citizen raised the same problem as your request %(number)s; "
                "the two are handled together."
            ) % {"number": member.work_order_number}
        text_citizen(member.contact_phone, text, reference=f"citizen:{member.pk}:merge")


@transaction.atomic
def decline_merge(
    request: CitizenRequest, *, actor: User, version: int | None, comment: str = ""
) -> CitizenRequest:
    """Not the same problem after all: the request is dispatched on its own."""
    require_office(access_for(actor), _("rule on duplicates"))
    request = lock(request, version)
    if request.merge_state != MergeState.PROPOSED:
        raise IllegalTransition(_("This request is not proposed for merging."))
    request.merge_state = MergeState.DECLINED
    record(request, CitizenEventKind.MERGE_DECLINED, actor, comment=comment)
    return request
