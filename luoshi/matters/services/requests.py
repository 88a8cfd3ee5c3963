"""Requests a unit makes and the supervisor rules on: disputes (退回) and extensions (延期).

The time a request waits for the ruling is the office's, not the unit's
(matters.fairness): the lead unit's dispute and an extension request stop the unit's
clock; the ruling resumes it, the deadline moved by the working days waited.
"""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from luoshi.lib.errors import IllegalTransition, InvalidInput, NotFound
from luoshi.notifications.messages import N_, event_notice
from luoshi.notifications.models import NotificationKind
from luoshi.notifications.services import (
    notify,
    resolve_notices,
    users_of_units,
    users_with_role,
)
from luoshi.org.models import Role, Unit
from luoshi.workcalendar.calendar import get_calendar

from ..models import (
    Dispute,
    DisputeRuling,
    EventKind,
    Extension,
    Matter,
    MatterUnit,
    PartRole,
    PartState,
    Policy,
    RequestState,
    ReturnReason,
)
from ..warnings import refresh_warning
from ._base import authorize, lock, record, require_text, today
from .clock import resume_unit_clock, stop_unit_clock
from .deadlines import enter_deadline


@transaction.atomic
def raise_dispute(
    matter: Matter,
    *,
    actor: User,
    version: int | None,
    reason_code: str,
    reason: str,
    suggested_unit: Unit | None = None,
    unit_id: int | None = None,
) -> Dispute:
    """A unit says the matter is not its job, within the time limit after assignment."""
    matter = lock(matter, version)
    access, ctx = authorize("dispute", actor, matter, unit_id=unit_id)
    if reason_code not in ReturnReason.values:
        raise InvalidInput(_("Choose a reason for the dispute."), field="reason_code")
    reason = require_text(reason, "reason", _("The explanation"))
    part = ctx.part_of(access, unit_id)
    part.state = PartState.DISPUTED
    part.save(update_fields=["state"])
    if part.role == PartRole.LEAD:  # a co-unit's dispute leaves the lead unit's clock running
        stop_unit_clock(matter)
    dispute = Dispute.objects.create(
        matter=matter,
        part=part,
        unit=part.unit,
        reason_code=reason_code,
        reason=reason,
        suggested_unit=suggested_unit,
        raised_by=actor,
    )
    record(
        matter,
        EventKind.DISPUTE_RAISED,
        actor,
        from_state=matter.state,
        unit=part.unit,
        comment=reason,
        data={
            "dispute": dispute.pk,
            "reason_code": reason_code,
            "suggested_unit": suggested_unit.pk if suggested_unit else None,
        },
    )
    notify(
        users_with_role(Role.SUPERVISOR),
        kind=NotificationKind.REQUEST,
        matter_id=matter.pk,
        text=N_("%(unit)s disputes %(serial)s: %(reason)s")
        % {"unit": part.unit, "serial": matter.serial, "reason": reason},
    )
    return dispute


def _pending(model, matter: Matter, pk: int):
    request = model.objects.select_for_update().filter(pk=pk, matter=matter).first()
    if request is None:
        raise NotFound(_("Request %(pk)s does not belong to this matter.") % {"pk": pk})
    if request.state != RequestState.PENDING:
        raise IllegalTransition(_("This request was already ruled on."))
    return request


def _reassign_part(matter: Matter, old: MatterUnit, new_unit: Unit) -> MatterUnit:
    """Move the disputed part to `new_unit`; the old part is kept, inactive."""
    old.active, old.state = False, PartState.REPLACED
    old.save(update_fields=["active", "state"])
    accept_due = get_calendar().add_workdays(today(), Policy.current().accept_limit_workdays)
    existing = matter.parts.filter(active=True, unit=new_unit).first()
    if existing is not None:
        if existing.role == old.role:
            raise InvalidInput(
                _("%(unit)s already holds this part.") % {"unit": new_unit}, field="new_unit"
            )
        # A co-unit named for the disputed lead part becomes the lead; the lead unit named
        # for a disputed co-part absorbs it and stays lead (never demote the lead: a
        # matter must keep exactly one lead part).
        if old.role == PartRole.LEAD:
            existing.role = PartRole.LEAD
            existing.save(update_fields=["role"])
        part = existing
    else:
        part = MatterUnit.objects.create(
            matter=matter,
            unit=new_unit,
            role=old.role,
            description=old.description,
            state=PartState.ASSIGNED,
            assigned_at=timezone.now(),
            accept_due=accept_due,
            dispute_ruled=True,
        )
    if old.role == PartRole.LEAD:
        matter.lead_unit = new_unit
    return part


@transaction.atomic
def rule_dispute(
    matter: Matter,
    dispute_id: int,
    *,
    actor: User,
    version: int | None,
    ruling: str,
    comment: str = "",
    new_unit: Unit | None = None,
) -> Dispute:
    """The supervisor reassigns the part or rejects the dispute; either way the ruling binds."""
    matter = lock(matter, version)
    authorize("rule_dispute", actor, matter)
    dispute = _pending(Dispute, matter, dispute_id)
    part = dispute.part
    if ruling == DisputeRuling.REASSIGN:
        if new_unit is None or new_unit.pk == dispute.unit_id:
            raise InvalidInput(_("Name the unit that takes the matter instead."), field="new_unit")
        new_part = _reassign_part(matter, part, new_unit)
        dispute.state, dispute.new_unit = RequestState.APPROVED, new_unit
        kind, notified = EventKind.DISPUTE_REASSIGNED, [dispute.unit_id, new_unit.pk]
        data = {"new_unit": new_unit.pk, "new_part": new_part.pk}
    elif ruling == DisputeRuling.REJECT:
        require_text(comment, "comment", _("The reason for rejecting the dispute"))
        part.state, part.dispute_ruled = PartState.ASSIGNED, True
        part.save(update_fields=["state", "dispute_ruled"])
        dispute.state = RequestState.REJECTED
        kind, notified, data = EventKind.DISPUTE_REJECTED, [dispute.unit_id], {}
    else:
        raise InvalidInput(_("The ruling must be reassign or reject."), field="ruling")
    dispute.ruling, dispute.ruling_comment = ruling, comment
    dispute.ruled_by, dispute.ruled_at = actor, timezone.now()
    dispute.save()
    if part.role == PartRole.LEAD:
        old = matter.deadline
        data["waited_workdays"] = resume_unit_clock(matter)
        data.update(_deadline_move(old, matter.deadline))
    record(
        matter,
        kind,
        actor,
        from_state=matter.state,
        unit=dispute.unit,
        comment=comment,
        data={"dispute": dispute.pk, **data},
    )
    resolve_notices(matter.pk, [NotificationKind.REQUEST])
    notify(
        users_of_units(notified),
        kind=NotificationKind.RULING,
        matter_id=matter.pk,
        text=event_notice(matter.serial, kind.label, comment),
    )
    refresh_warning(matter)
    return dispute


def _deadline_move(old: dt.date | None, new: dt.date | None) -> dict:
    return {
        "from": old.isoformat() if old else None,
        "to": new.isoformat() if new else None,
    }


@transaction.atomic
def request_extension(
    matter: Matter, *, actor: User, version: int | None, new_deadline: dt.date, reason: str
) -> Extension:
    """The lead unit asks for a later deadline, before the deadline is near."""
    matter = lock(matter, version)
    access, ctx = authorize("request_extension", actor, matter)
    if matter.extensions.filter(state=RequestState.PENDING).exists():
        raise IllegalTransition(_("An extension request for this matter is already pending."))
    reason = require_text(reason, "reason", _("The reason"))
    if new_deadline is None or new_deadline <= matter.deadline:
        raise InvalidInput(
            _("The new deadline must be later than %(day)s.") % {"day": matter.deadline},
            field="new_deadline",
        )
    if matter.parent and matter.parent.deadline and new_deadline > matter.parent.deadline:
        raise InvalidInput(
            _("A sub-matter cannot be due after its parent (%(day)s).")
            % {"day": matter.parent.deadline},
            field="new_deadline",
        )
    part = ctx.part_of(access)
    stop_unit_clock(matter)  # until the ruling, the time is the office's
    extension = Extension.objects.create(
        matter=matter,
        unit=part.unit,
        requested_by=actor,
        current_deadline=matter.deadline,
        requested_deadline=new_deadline,
        reason=reason,
    )
    record(
        matter,
        EventKind.EXTENSION_REQUESTED,
        actor,
        from_state=matter.state,
        unit=part.unit,
        comment=reason,
        data={
            "extension": extension.pk,
            "from": matter.deadline.isoformat(),
            "to": new_deadline.isoformat(),
        },
    )
    notify(
        users_with_role(Role.SUPERVISOR),
        kind=NotificationKind.REQUEST,
        matter_id=matter.pk,
        text=N_("%(unit)s asks to extend %(serial)s to %(day)s")
        % {"unit": part.unit, "serial": matter.serial, "day": new_deadline},
    )
    return extension


@transaction.atomic
def rule_extension(
    matter: Matter,
    extension_id: int,
    *,
    actor: User,
    version: int | None,
    approve: bool,
    comment: str = "",
) -> Extension:
    """Approve (the deadline moves; the old one stays in the history) or reject."""
    matter = lock(matter, version)
    authorize("rule_extension", actor, matter)
    extension = _pending(Extension, matter, extension_id)
    old = matter.deadline
    if approve:
        enter_deadline(matter, extension.requested_deadline)
        extension.state, kind = RequestState.APPROVED, EventKind.EXTENSION_APPROVED
    else:
        require_text(comment, "comment", _("The reason for rejecting the extension"))
        extension.state, kind = RequestState.REJECTED, EventKind.EXTENSION_REJECTED
    extension.ruled_by, extension.ruled_at = actor, timezone.now()
    extension.ruling_comment = comment
    extension.save()
    # The granted (or kept) deadline, moved by the working days the request waited.
    waited = resume_unit_clock(matter)
    record(
        matter,
        kind,
        actor,
        from_state=matter.state,
        unit=extension.unit,
        comment=comment,
        data={
            "extension": extension.pk,
            "requested": extension.requested_deadline.isoformat(),
            "waited_workdays": waited,
            **_deadline_move(old, matter.deadline),
        },
    )
    resolve_notices(matter.pk, [NotificationKind.REQUEST])
    notify(
        users_of_units([extension.unit_id]),
        kind=NotificationKind.RULING,
        matter_id=matter.pk,
        text=event_notice(matter.serial, kind.label, comment),
    )
    refresh_warning(matter)
    return extension
