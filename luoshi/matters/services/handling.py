"""The units' side of the loop and its review: accept, report, complete, review, close.

Asking for completion stops the unit's clock; the review resumes it or judges it
(matters.fairness): approved → on time if the unit asked by its deadline; sent back
→ the working days that were left when it asked, at least Policy.rework_min_workdays.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import PurePath

from django.conf import settings
from django.contrib.auth.models import User
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import DecimalField, ExpressionWrapper, F, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from luoshi.lib.errors import IllegalTransition, InvalidInput, NotFound
from luoshi.lib.storage import atomic_with_files, store
from luoshi.notifications.messages import N_, event_notice
from luoshi.notifications.models import NotificationKind
from luoshi.notifications.services import (
    notify,
    resolve_notices,
    users_of_units,
    users_with_role,
)
from luoshi.org.models import Role
from luoshi.workcalendar.calendar import get_calendar

from .. import events
from ..fairness import asked_on, is_on_time
from ..models import (
    Attachment,
    EventKind,
    Matter,
    MatterUnit,
    MatterWarning,
    Milestone,
    PartRole,
    PartState,
    Policy,
    ProgressReport,
    ReviewOutcome,
    State,
)
from ..warnings import refresh_warning
from ._base import authorize, lock, record, require_percent, require_text, today
from .clock import resume_unit_clock, stop_unit_clock, stopped_workdays


@transaction.atomic
def accept_matter(
    matter: Matter, *, actor: User, version: int | None, unit_id: int | None = None
) -> Matter:
    """A unit signs for its part (签收). The lead unit's signature accepts the matter."""
    matter = lock(matter, version)
    access, ctx = authorize("accept", actor, matter, unit_id=unit_id)
    part = ctx.part_of(access, unit_id)
    now = timezone.now()
    part.state, part.accepted_at = PartState.ACCEPTED, now
    part.save(update_fields=["state", "accepted_at"])
    resolve_notices(matter.pk, [NotificationKind.ASSIGNED], user_ids=users_of_units([part.unit_id]))
    from_state = matter.state
    if part.role == PartRole.LEAD and matter.state == State.ASSIGNED:
        matter.state, matter.accepted_at = State.ACCEPTED, now
    late = part.accept_due is not None and timezone.localdate(now) > part.accept_due
    record(
        matter,
        EventKind.ACCEPTED,
        actor,
        from_state=from_state,
        unit=part.unit,
        data={"role": part.role, "late": late},
    )
    return matter


def validate_attachments(files: Sequence[UploadedFile]) -> None:
    limit = settings.LUOSHI["ATTACHMENT_MAX_BYTES"]
    allowed = set(settings.LUOSHI["ATTACHMENT_EXTENSIONS"])
    for upload in files:
        extension = PurePath(upload.name).suffix.lower().lstrip(".")
        if extension not in allowed:
            raise InvalidInput(
                _("%(name)s: files of type .%(ext)s are not accepted (allowed: %(allowed)s).")
                % {"name": upload.name, "ext": extension, "allowed": ", ".join(sorted(allowed))},
                field="attachments",
            )
        if upload.size > limit:
            raise InvalidInput(
                _("%(name)s is %(size).1f MB; the limit is %(limit).0f MB.")
                % {"name": upload.name, "size": upload.size / 2**20, "limit": limit / 2**20},
                field="attachments",
            )


def _stored_attachment(upload: UploadedFile) -> Attachment:
    """An unsaved attachment whose file is already stored (lib.storage: no orphan row)."""
    attachment = Attachment(
        name=PurePath(upload.name).name,
        size=upload.size,
        content_type=upload.content_type or "",
    )
    store(attachment, "file", upload, field="attachments")
    return attachment


def _write_report(
    matter: Matter,
    part: MatterUnit,
    actor: User,
    text: str,
    percent: int,
    problems: str,
    attachments: Sequence[UploadedFile],
) -> ProgressReport:
    text = require_text(text, "text", _("What was done"))
    percent = require_percent(percent)
    validate_attachments(attachments)
    files = [_stored_attachment(upload) for upload in attachments]  # files before rows
    report = ProgressReport.objects.create(
        matter=matter,
        part=part,
        unit=part.unit,
        author=actor,
        text=text,
        percent=percent,
        problems=problems or "",
    )
    for attachment in files:
        attachment.report = report
    Attachment.objects.bulk_create(files)
    now = report.created_at
    part.progress, part.last_report_at = percent, now
    if part.state == PartState.ACCEPTED:
        part.state = PartState.IN_PROGRESS
    part.save(update_fields=["progress", "last_report_at", "state"])
    if part.role == PartRole.LEAD:
        # The lead unit's reports are the matter's reports; a parent's progress is its
        # children's roll-up (roll_up), its own report is kept beside it.
        matter.reported_progress, matter.last_report_at = percent, now
        if not _has_live_children(matter):
            matter.progress = percent
        if matter.state == State.ACCEPTED:
            matter.state = State.IN_PROGRESS
    return report


@atomic_with_files
def report_progress(
    matter: Matter,
    *,
    actor: User,
    version: int | None,
    text: str,
    percent: int,
    problems: str = "",
    attachments: Sequence[UploadedFile] = (),
    unit_id: int | None = None,
) -> ProgressReport:
    """A unit reports progress on its part (进展反馈); the lead's report is the matter's."""
    matter = lock(matter, version)
    access, ctx = authorize("report", actor, matter, unit_id=unit_id)
    part = ctx.part_of(access, unit_id)
    from_state = matter.state
    report = _write_report(matter, part, actor, text, percent, problems, attachments)
    record(
        matter,
        EventKind.REPORTED,
        actor,
        from_state=from_state,
        unit=part.unit,
        comment=report.text,
        data={"report": report.pk, "percent": report.percent, "role": part.role},
    )
    resolve_notices(matter.pk, [NotificationKind.HASTENED], user_ids=users_of_units([part.unit_id]))
    if part.role == PartRole.LEAD:
        roll_up(matter.parent_id)
    refresh_warning(matter)
    return report


@transaction.atomic
def complete_part(
    matter: Matter, *, actor: User, version: int | None, text: str, unit_id: int | None = None
) -> Matter:
    """A co-unit declares its own part done, with a closing report to the lead unit."""
    matter = lock(matter, version)
    access, ctx = authorize("complete_part", actor, matter, unit_id=unit_id)
    part = ctx.part_of(access, unit_id)
    _write_report(matter, part, actor, text, 100, "", ())
    part.state = PartState.DONE
    part.save(update_fields=["state"])
    record(
        matter, EventKind.PART_DONE, actor, from_state=matter.state, unit=part.unit, comment=text
    )
    notify(
        users_of_units([matter.lead_unit_id]),
        kind=NotificationKind.REVIEW,
        matter_id=matter.pk,
        text=N_("%(unit)s finished its part of %(serial)s")
        % {"unit": part.unit, "serial": matter.serial},
    )
    return matter


@transaction.atomic
def complete_milestone(
    matter: Matter, milestone_id: int, *, actor: User, version: int | None, comment: str = ""
) -> Milestone:
    matter = lock(matter, version)
    authorize("milestone", actor, matter)
    milestone = matter.milestones.filter(pk=milestone_id).first()
    if milestone is None:
        raise NotFound(_("Milestone %(pk)s is not part of this matter.") % {"pk": milestone_id})
    if milestone.done_at:
        raise IllegalTransition(
            _("Milestone “%(title)s” was already reached.") % {"title": milestone.title}
        )
    milestone.done_at, milestone.done_by = timezone.now(), actor
    milestone.save(update_fields=["done_at", "done_by"])
    record(
        matter,
        EventKind.MILESTONE_DONE,
        actor,
        from_state=matter.state,
        unit=matter.lead_unit,
        comment=comment,
        data={
            "milestone": milestone.pk,
            "title": milestone.title,
            "late": timezone.localdate(milestone.done_at) > milestone.deadline,
        },
    )
    return milestone


@atomic_with_files
def request_completion(
    matter: Matter,
    *,
    actor: User,
    version: int | None,
    text: str,
    attachments: Sequence[UploadedFile] = (),
) -> Matter:
    """The lead unit says the matter is done (申请办结), with its evidence."""
    matter = lock(matter, version)
    access, ctx = authorize("request_completion", actor, matter)
    part = ctx.part_of(access)
    from_state = matter.state
    report = _write_report(matter, part, actor, text, 100, "", attachments)
    matter.state, matter.completion_requested_at = State.COMPLETION_REQUESTED, timezone.now()
    stop_unit_clock(matter)  # the review is the office's time, not the unit's
    open_parts = [
        str(p.unit) for p in ctx.parts if p.role == PartRole.CO and p.state != PartState.DONE
    ]
    record(
        matter,
        EventKind.COMPLETION_REQUESTED,
        actor,
        from_state=from_state,
        unit=part.unit,
        comment=report.text,
        data={"report": report.pk, "co_units_not_done": open_parts},
    )
    resolve_notices(matter.pk, [NotificationKind.HASTENED], user_ids=users_of_units([part.unit_id]))
    roll_up(matter.parent_id)
    notify(
        users_with_role(Role.SUPERVISOR),
        kind=NotificationKind.REQUEST,
        matter_id=matter.pk,
        text=N_("%(unit)s requests completion of %(serial)s")
        % {"unit": part.unit, "serial": matter.serial},
    )
    return matter


@transaction.atomic
def review_completion(
    matter: Matter, *, actor: User, version: int | None, outcome: str, comment: str = ""
) -> Matter:
    """The supervisor accepts the completion (→ completed) or sends it back (退回重办).

    Approved: on time when the unit asked by its deadline, however long the review
    took. Sent back: the unit's clock resumes (see _resume_after_rework).
    """
    matter = lock(matter, version)
    authorize("review", actor, matter)
    asked = asked_on(matter)
    data = {"asked_on": asked.isoformat() if asked else None}
    if outcome == ReviewOutcome.APPROVE:
        waited = stopped_workdays(matter.awaiting_office_since, matter.suspended_at)
        data.update(events.review_approved(asked, is_on_time(matter), waited))
        matter.state, matter.completed_at = State.COMPLETED, timezone.now()
        matter.warning, matter.awaiting_office_since = MatterWarning.NORMAL, None
        kind = EventKind.REVIEW_APPROVED
    elif outcome == ReviewOutcome.REWORK:
        require_text(comment, "comment", _("What must be redone"))
        matter.state = State.IN_PROGRESS
        kind = EventKind.REVIEW_REWORK
        data.update(_resume_after_rework(matter, asked))
    else:
        raise InvalidInput(_("The review outcome must be approve or rework."), field="outcome")
    record(
        matter,
        kind,
        actor,
        from_state=State.COMPLETION_REQUESTED,
        unit=matter.lead_unit,
        comment=comment,
        data=data,
    )
    resolve_notices(matter.pk, [NotificationKind.REQUEST])
    units = matter.parts.filter(active=True).values_list("unit_id", flat=True)
    notify(
        users_of_units(units),
        kind=NotificationKind.REVIEW,
        matter_id=matter.pk,
        text=event_notice(matter.serial, kind.label, comment),
    )
    if outcome == ReviewOutcome.REWORK:
        refresh_warning(matter)
    return matter


def _resume_after_rework(matter: Matter, asked: dt.date | None) -> dict:
    """A completion sent back: the unit's clock resumes with the days that were left.

    1. The deadline and open milestones move by the working days the review took
       (resume_unit_clock): the unit has again the working days it had left when it
       asked — or, if it asked after its deadline, it is exactly as late as it was.
    2. A unit that asked in time gets at least Policy.rework_min_workdays from today.
    """
    old = matter.deadline
    matter.completion_requested_at = None  # no longer asked: the clock is the unit's again
    waited = resume_unit_clock(matter)
    data = {"waited_workdays": waited, "from": old.isoformat() if old else None}
    if old is None:  # ongoing: no deadline to move
        return data
    if asked is not None and asked <= old:
        floor = get_calendar().add_workdays(today(), Policy.current().rework_min_workdays)
        assert matter.deadline is not None  # resume_unit_clock shifts a deadline, never clears it
        matter.deadline = max(matter.deadline, floor)
    left = get_calendar().workdays_between(today(), matter.deadline)
    return {**data, "to": matter.deadline.isoformat(), "left_workdays": left}


@transaction.atomic
def close_matter(matter: Matter, *, actor: User, version: int | None, comment: str = "") -> Matter:
    """Strike a completed matter off the ledger (销号)."""
    matter = lock(matter, version)
    authorize("close", actor, matter)
    matter.state, matter.closed_at = State.CLOSED, timezone.now()
    record(matter, EventKind.CLOSED, actor, from_state=State.COMPLETED, comment=comment)
    resolve_notices(matter.pk, NotificationKind.values)
    return matter


def _has_live_children(matter: Matter) -> bool:
    return matter.children.exclude(state=State.WITHDRAWN).exists()


def roll_up(parent_id: int | None) -> None:
    """Set each ancestor's progress to the weighted average of its live children.

    progress = Σ(child progress × child weight) / Σ(child weight); a withdrawn child
    no longer counts. A derived figure, not an edit: it does not raise the parent's
    version, and the parent's own report (reported_progress) is left as it was.
    """
    weighted = ExpressionWrapper(
        F("progress") * F("weight"), output_field=DecimalField(max_digits=12, decimal_places=2)
    )
    while parent_id is not None:
        parent = Matter.objects.filter(pk=parent_id).values("parent_id").first()
        totals = (
            Matter.objects.filter(parent_id=parent_id)
            .exclude(state=State.WITHDRAWN)
            .aggregate(points=Sum(weighted), weight=Sum("weight"))
        )
        if totals["weight"]:
            progress = round(totals["points"] / totals["weight"])
            # behind the model's save(): updated_at has the next scan recompute its warning
            Matter.objects.filter(pk=parent_id).update(progress=progress, updated_at=timezone.now())
        parent_id = parent["parent_id"] if parent else None
