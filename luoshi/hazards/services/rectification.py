"""Rectifying a hazard (整改) and checking it: assign, verify (验收销号), re-inspect (复查).

The rectification is a matter of kind `hazard` registered and assigned through
matters.services like any other; the unit accepts and reports on it on the matter
page. When it requests completion, the verifying unit or the office checks the site:
verify_hazard closes it (matters.services.verify_completion) or returns it with the
reason. Nobody closes it by any other path (matters.permissions.VERIFIED_KINDS).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.contrib.auth.models import User
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from luoshi.lib.errors import InvalidInput
from luoshi.matters import services as matter_services
from luoshi.matters.models import MatterKind, Priority, ReportCycle, Source
from luoshi.notifications.models import NotificationKind
from luoshi.notifications.services import notify, users_of_units, users_with_role
from luoshi.org.models import Role, Unit
from luoshi.workcalendar.calendar import get_calendar

from ..models import (
    LEVEL_WORDS,
    Discovery,
    Hazard,
    HazardEventKind,
    HazardLevel,
    HazardPolicy,
    HazardWarning,
    Reinspection,
    ReinspectionKind,
    Verification,
)
from ._base import (
    acting_unit,
    authorize,
    lock,
    record,
    require_active,
    require_past_day,
    require_text,
    save_photos,
    today,
    validate_photos,
)
from .register import HazardSpec, register_hazard


def _deadline(hazard: Hazard, deadline: dt.date | None, policy: HazardPolicy) -> dt.date:
    """The rectification deadline: at most the level's limit, or the plan of a major one.

    一般 ≤ general_workdays and 较大 ≤ serious_workdays working days from today; a major
    hazard follows its plan (any later date), by default major_workdays.
    """
    limit = policy.limit_workdays(hazard.level)
    latest = get_calendar().add_workdays(today(), limit)
    if deadline is None:
        return latest
    if deadline < today():
        raise InvalidInput(
            _("The deadline %(day)s is in the past.") % {"day": deadline}, field="deadline"
        )
    if not hazard.is_major and deadline > latest:
        raise InvalidInput(
            _(
                "A %(level)s hazard is rectified within %(n)s working days: "
                "the deadline can be %(day)s at the latest."
            )
            % {"level": hazard.get_level_display(), "n": limit, "day": latest},
            field="deadline",
        )
    return deadline


def _matter_spec(
    hazard: Hazard,
    deadline: dt.date,
    leader: User | None,
    milestones: Sequence[matter_services.MilestoneSpec],
) -> matter_services.MatterSpec:
    # The matter's words are the office's record, written in Chinese whatever the UI
    # language of the supervisor who assigns it (as documents are).
    level = HazardLevel(hazard.level)
    place = f"{hazard.unit.name} {hazard.address}".strip()
    lines = [
        f"{hazard.serial}（{LEVEL_WORDS[level]}隐患，{hazard.category.name}）",
        f"隐患地点：{place}",
        hazard.description,
        f"整改措施：{hazard.measures}" if hazard.measures else "",
    ]
    return matter_services.MatterSpec(
        title=f"隐患整改：{hazard.title}"[:300],
        source=Source.INSPECTION,
        kind=MatterKind.HAZARD,
        content="\n".join(line for line in lines if line),
        priority=Priority.URGENT if hazard.is_major else Priority.NORMAL,
        lead_unit=hazard.responsible_unit,
        responsible_leader=leader,
        deadline=deadline,
        report_cycle=ReportCycle.WEEKLY,
        tags=["隐患整改", LEVEL_WORDS[level], hazard.category.name],
        milestones=list(milestones),
    )


def _check_major(
    hazard: Hazard, leader: User | None, milestones: Sequence[matter_services.MilestoneSpec]
) -> None:
    """A major hazard is listed for supervision under a named leader, with a plan."""
    if not hazard.is_major:
        return
    if leader is None:
        raise InvalidInput(
            _("A major hazard is listed for supervision: name the leader in charge."),
            field="leader",
        )
    if not milestones:
        raise InvalidInput(
            _("A major hazard is rectified by a plan: give at least one milestone."),
            field="milestones",
        )


@transaction.atomic
def assign_rectification(
    hazard: Hazard,
    *,
    actor: User,
    version: int | None,
    deadline: dt.date | None = None,
    leader: User | None = None,
    milestones: Sequence[matter_services.MilestoneSpec] = (),
    verifying_unit: Unit | None = None,
) -> Hazard:
    """Assign the rectification (交办整改): register and assign its matter.

    1. The deadline follows the level (see _deadline); a major hazard needs its leader
       and its plan's milestones and is listed for supervision (挂牌督办).
    2. The verifying unit is the one given, else the unit that found it (unless that
       is the responsible unit: then the office verifies).
    3. A major hazard's first re-inspection is due HazardPolicy.reinspection_days on.
    """
    hazard = lock(hazard, version)
    authorize("assign", actor, hazard)
    policy = HazardPolicy.current()
    due = _deadline(hazard, deadline, policy)
    _check_major(hazard, leader, milestones)
    if verifying_unit is not None:
        require_active(verifying_unit, "verifying_unit", _("The verifying unit"))
        if verifying_unit.pk == hazard.responsible_unit_id:
            raise InvalidInput(
                _("The responsible unit cannot verify its own rectification."),
                field="verifying_unit",
            )
        hazard.verifying_unit = verifying_unit
    elif hazard.verifying_unit_id is None and hazard.found_by_unit_id != hazard.responsible_unit_id:
        hazard.verifying_unit_id = hazard.found_by_unit_id
    matter = matter_services.register_matter(
        _matter_spec(hazard, due, leader, milestones), actor=actor
    )
    hazard.matter = matter_services.assign_matter(matter, actor=actor, version=matter.version)
    hazard.responsible_leader = leader
    hazard.listed_supervision = hazard.is_major
    if hazard.is_major:
        hazard.reinspection_due = today() + dt.timedelta(days=policy.reinspection_days)
    data = {"matter": matter.pk, "deadline": due.isoformat(), "listed": hazard.is_major}
    record(hazard, HazardEventKind.ASSIGNED, actor, unit=hazard.responsible_unit, data=data)
    if hazard.is_major:
        assert leader is not None  # _check_major refused a major hazard without its leader
        record(hazard, HazardEventKind.LISTED, actor, bump=False, data={"leader": leader.pk})
        notify(
            [leader.pk],
            kind=NotificationKind.REQUEST,
            matter_id=matter.pk,
            text=_("%(serial)s is listed for your supervision (挂牌督办), due %(day)s: %(title)s")
            % {"serial": hazard.serial, "day": due, "title": hazard.title},
        )
    return hazard


@transaction.atomic
def verify_hazard(
    hazard: Hazard,
    *,
    actor: User,
    version: int | None,
    passed: bool,
    record_text: str,
    checked_on: dt.date | None = None,
    photos: Sequence[UploadedFile] = (),
) -> Verification:
    """Check the rectified site (验收): passed closes the hazard (销号), failed returns it.

    A passed check also schedules the follow-up check (复查) after follow_up_days.
    """
    hazard = lock(hazard, version)
    authorize("verify", actor, hazard)
    # Only a hazard awaiting verification passes: its matter asked for completion.
    assert hazard.matter is not None
    text = require_text(record_text, "record", _("The check record"))
    checked_on = require_past_day(checked_on or today(), "checked_on")
    policy = HazardPolicy.current()
    validate_photos(photos)
    if passed and policy.verification_requires_photo and not photos:
        raise InvalidInput(_("Attach at least one photo of the site."), field="photos")
    verification = Verification.objects.create(
        hazard=hazard,
        unit=acting_unit(actor, hazard),
        checked_by=actor,
        checked_on=checked_on,
        passed=passed,
        record=text,
    )
    save_photos(hazard, photos, actor, verification=verification)
    matter_services.verify_completion(
        hazard.matter,
        actor=actor,
        version=None,
        passed=passed,
        comment=text,
        data={"verification": verification.pk, "hazard": hazard.pk},
    )
    data = {"verification": verification.pk, "checked_on": checked_on.isoformat()}
    if passed:
        hazard.closed_at = timezone.now()
        hazard.reinspection_due = checked_on + dt.timedelta(days=policy.follow_up_days)
        hazard.warning, hazard.overdue_alerted_on = HazardWarning.NORMAL, None
        record(hazard, HazardEventKind.VERIFIED, actor, unit=verification.unit, data=data)
    else:
        hazard.verification_asked_at = None  # its next request is announced again
        record(
            hazard,
            HazardEventKind.VERIFICATION_FAILED,
            actor,
            unit=verification.unit,
            comment=text,
            data=data,
        )
    if hazard.listed_supervision and hazard.responsible_leader_id:
        notify(
            [hazard.responsible_leader_id],
            kind=NotificationKind.REVIEW,
            matter_id=hazard.matter_id,
            text=(
                _("%(serial)s passed verification and is closed.")
                if passed
                else _("%(serial)s failed verification: %(record)s")
            )
            % {"serial": hazard.serial, "record": text},
        )
    return verification


@transaction.atomic
def reinspect_hazard(
    hazard: Hazard,
    *,
    actor: User,
    version: int | None,
    record_text: str,
    checked_on: dt.date | None = None,
    relapsed: bool = False,
    photos: Sequence[UploadedFile] = (),
) -> Reinspection:
    """Record a re-inspection (复查).

    Of an open major hazard: the next one falls due reinspection_days later. The
    follow-up of a closed hazard is the last; if it finds the hazard back (`relapsed`),
    the hazard is registered anew, linked to this one, for the office to assign.
    """
    hazard = lock(hazard, version)
    authorize("reinspect", actor, hazard)
    text = require_text(record_text, "record", _("The check record"))
    checked_on = require_past_day(checked_on or today(), "checked_on")
    validate_photos(photos)
    follow_up = hazard.closed_at is not None
    if relapsed and not follow_up:
        raise InvalidInput(
            _("An open hazard has not gone away: record what the re-inspection found."),
            field="relapsed",
        )
    check = Reinspection.objects.create(
        hazard=hazard,
        kind=ReinspectionKind.FOLLOW_UP if follow_up else ReinspectionKind.PERIODIC,
        unit=acting_unit(actor, hazard),
        checked_by=actor,
        checked_on=checked_on,
        due_on=hazard.reinspection_due,
        record=text,
        relapsed=relapsed,
    )
    save_photos(hazard, photos, actor, reinspection=check)
    policy = HazardPolicy.current()
    hazard.reinspection_due = (
        None if follow_up else checked_on + dt.timedelta(days=policy.reinspection_days)
    )
    hazard.warning = HazardWarning.NORMAL  # the next scan warns again when due
    kind = HazardEventKind.FOLLOWED_UP if follow_up else HazardEventKind.REINSPECTED
    data = {"reinspection": check.pk, "late": check.late, "relapsed": relapsed}
    record(hazard, kind, actor, unit=check.unit, comment=text, data=data)
    if relapsed:
        _register_relapse(hazard, check, actor)
    return check


def _register_relapse(hazard: Hazard, check: Reinspection, actor: User) -> Hazard:
    spec = HazardSpec(
        title=hazard.title,
        category=hazard.category,
        level=hazard.level,
        discovery=Discovery.CHECK,
        unit=hazard.unit,
        found_by_unit=check.unit,
        responsible_unit=hazard.responsible_unit,
        found_on=check.checked_on,
        address=hazard.address,
        description=f"{hazard.serial}销号后复查发现隐患反弹：{check.record}",
        measures=hazard.measures,
        verifying_unit=hazard.verifying_unit,
    )
    again = register_hazard(spec, actor=actor, relapse_of=hazard)
    record(hazard, HazardEventKind.RELAPSED, actor, bump=False, data={"hazard": again.pk})
    notify(
        users_of_units([hazard.responsible_unit_id]) | users_with_role(Role.SUPERVISOR),
        kind=NotificationKind.REQUEST,
        text=_("%(serial)s was found again at its follow-up check: registered as %(again)s.")
        % {"serial": hazard.serial, "again": again.serial},
    )
    return again
