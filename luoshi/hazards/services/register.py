"""Putting hazards on the register: register one, import a campaign's findings, edit,
withdraw; start an inspection campaign."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from django.contrib.auth.models import User
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from luoshi.lib.errors import InvalidInput
from luoshi.matters import services as matter_services
from luoshi.matters.models import TERMINAL_STATES
from luoshi.notifications.models import NotificationKind
from luoshi.notifications.services import notify, users_with_role
from luoshi.org.access import access_for
from luoshi.org.models import Role, Unit

from .. import permissions
from ..models import (
    Discovery,
    Hazard,
    HazardCategory,
    HazardEvent,
    HazardEventKind,
    HazardLevel,
    HazardWarning,
    InspectionCampaign,
)
from ._base import (
    authorize,
    lock,
    record,
    require_active,
    require_choice,
    require_past_day,
    require_text,
    reserve_serials,
    save_photos,
    today,
    validate_photos,
)


@dataclass
class HazardSpec:
    """What the finder fills in (or an import row gives) to put a hazard on the register."""

    title: str
    category: HazardCategory | None
    level: str
    discovery: str
    unit: Unit | None  # the place in the unit tree (属地)
    found_by_unit: Unit | None
    responsible_unit: Unit | None
    found_on: dt.date | None
    address: str = ""
    description: str = ""
    measures: str = ""
    finder: str = ""
    verifying_unit: Unit | None = None


def validate(spec: HazardSpec) -> HazardSpec:
    """Check every field of a spec; InvalidInput names the first one at fault."""
    spec.title = require_text(spec.title, "title", _("The hazard"), 300)
    if spec.category is None or not spec.category.is_active:
        raise InvalidInput(_("Choose a category."), field="category")
    require_choice(spec.level, HazardLevel, "level")
    require_choice(spec.discovery, Discovery, "discovery")
    require_active(spec.unit, "unit", _("The place"))
    require_active(spec.found_by_unit, "found_by_unit", _("The unit that found it"))
    require_active(spec.responsible_unit, "responsible_unit", _("The responsible unit"))
    spec.found_on = require_past_day(spec.found_on, "found_on")
    if spec.verifying_unit is not None:
        require_active(spec.verifying_unit, "verifying_unit", _("The verifying unit"))
        if spec.verifying_unit == spec.responsible_unit:
            raise InvalidInput(
                _("The responsible unit cannot verify its own rectification."),
                field="verifying_unit",
            )
    for name, limit in (("address", 300), ("finder", 100)):
        value = (getattr(spec, name) or "").strip()
        if len(value) > limit:
            raise InvalidInput(
                _("%(field)s is longer than %(n)s characters.") % {"field": name, "n": limit},
                field=name,
            )
        setattr(spec, name, value)
    spec.description, spec.measures = spec.description.strip(), spec.measures.strip()
    return spec


def _hazard(spec: HazardSpec, actor: User, serial_no: int, **extra) -> Hazard:
    assert spec.found_on is not None  # validate() set it (today when left out)
    return Hazard(
        serial_year=today().year,
        serial_no=serial_no,
        title=spec.title,
        description=spec.description,
        category=spec.category,
        level=spec.level,
        discovery=spec.discovery,
        address=spec.address,
        unit=spec.unit,
        found_by_unit=spec.found_by_unit,
        registered_by=actor,
        finder=spec.finder or actor.get_full_name() or actor.get_username(),
        found_on=spec.found_on,
        responsible_unit=spec.responsible_unit,
        verifying_unit=spec.verifying_unit,
        measures=spec.measures,
        **extra,
    )


def _tell_office(text: str) -> None:
    notify(users_with_role(Role.SUPERVISOR), kind=NotificationKind.REQUEST, text=text)


@transaction.atomic
def register_hazard(
    spec: HazardSpec,
    *,
    actor: User,
    photos: Sequence[UploadedFile] = (),
    relapse_of: Hazard | None = None,
) -> Hazard:
    """Register a hazard found (登记); the office then assigns its rectification."""
    validate(spec)
    assert spec.found_by_unit is not None  # validate() required it
    permissions.check_register(access_for(actor), spec.found_by_unit.pk)
    validate_photos(photos)
    hazard = _hazard(spec, actor, reserve_serials(today().year, 1), relapse_of=relapse_of)
    hazard.save()
    save_photos(hazard, photos, actor)
    record(
        hazard,
        HazardEventKind.REGISTERED,
        actor,
        unit=spec.found_by_unit,
        bump=False,
        data={"serial": hazard.serial, "relapse_of": relapse_of.pk if relapse_of else None},
    )
    _tell_office(
        _("%(serial)s registered by %(unit)s, to assign: %(title)s")
        % {"serial": hazard.serial, "unit": spec.found_by_unit, "title": hazard.title}
    )
    return hazard


@dataclass
class FindingRow:
    """One finding of a campaign's table: its row number, its key, what it says."""

    number: int
    key: str
    spec: HazardSpec


@transaction.atomic
def import_findings(
    campaign: InspectionCampaign, rows: Sequence[FindingRow], *, actor: User
) -> list[Hazard]:
    """Register a campaign's findings at once (bulk), each row keyed so it comes in once.

    `rows` were read by hazards.intake; rows whose key the campaign already holds are
    left out. All or nothing: the first bad row refuses the whole import, named.
    """
    access = access_for(actor)
    permissions.check_register(access, campaign.organiser_id)
    known = set(campaign.hazards.exclude(import_key="").values_list("import_key", flat=True))
    fresh = [row for row in rows if row.key not in known]
    for row in fresh:
        try:
            validate(row.spec)
            assert row.spec.found_by_unit is not None  # validate() required it
            permissions.check_register(access, row.spec.found_by_unit.pk)
        except InvalidInput as error:
            raise InvalidInput(
                _("Row %(n)s: %(error)s") % {"n": row.number, "error": error.message},
                field=f"rows[{row.number}].{error.field}",
            ) from error
    if not fresh:
        return []
    first = reserve_serials(today().year, len(fresh))
    hazards = Hazard.objects.bulk_create(
        _hazard(row.spec, actor, first + i, campaign=campaign, import_key=row.key)
        for i, row in enumerate(fresh)
    )
    HazardEvent.objects.bulk_create(
        HazardEvent(
            hazard=h,
            kind=HazardEventKind.IMPORTED,
            actor=actor,
            unit=h.found_by_unit,
            data={"serial": h.serial, "campaign": campaign.pk, "row": row.number},
        )
        for h, row in zip(hazards, fresh, strict=True)
    )
    _tell_office(
        _("%(n)s hazard(s) of %(campaign)s imported, to assign.")
        % {"n": len(hazards), "campaign": campaign}
    )
    return hazards


# Before assignment every field may change; after it, what does not move the matter.
EDITABLE_ALWAYS = {"description", "measures", "address", "verifying_unit", "category", "finder"}
EDITABLE_BEFORE_ASSIGNMENT = EDITABLE_ALWAYS | {
    "title",
    "level",
    "discovery",
    "unit",
    "found_by_unit",
    "responsible_unit",
    "found_on",
}


@transaction.atomic
def update_hazard(hazard: Hazard, *, actor: User, version: int | None, **changes) -> Hazard:
    """Edit a hazard; its level, place and units only before the rectification is assigned."""
    hazard = lock(hazard, version)
    authorize("update", actor, hazard)
    allowed = EDITABLE_BEFORE_ASSIGNMENT if hazard.matter_id is None else EDITABLE_ALWAYS
    for name in changes:
        if name not in allowed:
            raise InvalidInput(_("%(field)s cannot be changed now.") % {"field": name}, field=name)
    spec = HazardSpec(**{f: getattr(hazard, f) for f in HazardSpec.__dataclass_fields__})
    for name, value in changes.items():
        setattr(spec, name, value)
    validate(spec)
    diff = {}
    for name in changes:
        old, new = getattr(hazard, name), getattr(spec, name)
        if old != new:
            diff[name] = [_plain(old), _plain(new)]
            setattr(hazard, name, new)
    if diff:
        record(hazard, HazardEventKind.UPDATED, actor, data={"changes": diff})
    return hazard


def _plain(value):
    if isinstance(value, dt.date):
        return value.isoformat()
    if hasattr(value, "pk"):
        return str(value)
    return value


@transaction.atomic
def withdraw_hazard(hazard: Hazard, *, actor: User, version: int | None, reason: str) -> Hazard:
    """Withdraw a hazard registered in error or found not to exist (撤销), with its matter."""
    hazard = lock(hazard, version)
    authorize("withdraw", actor, hazard)
    reason = require_text(reason, "reason", _("The reason"))
    if hazard.matter is not None and hazard.matter.state not in TERMINAL_STATES:
        matter_services.withdraw_matter(hazard.matter, actor=actor, version=None, reason=reason)
    hazard.withdrawn_at = timezone.now()
    hazard.reinspection_due, hazard.warning = None, HazardWarning.NORMAL
    record(hazard, HazardEventKind.WITHDRAWN, actor, comment=reason)
    return hazard


@transaction.atomic
def start_campaign(
    *,
    actor: User,
    name: str,
    organiser: Unit | None,
    started_on: dt.date | None,
    ended_on: dt.date | None = None,
) -> InspectionCampaign:
    """Start an inspection campaign (排查行动) whose findings are imported into it."""
    organiser = require_active(organiser, "organiser", _("The organising unit"))
    permissions.check_register(access_for(actor), organiser.pk)
    name = require_text(name, "name", _("Name"), 200)
    if started_on is None:
        raise InvalidInput(_("Enter a date."), field="started_on")
    if ended_on is not None and ended_on < started_on:
        raise InvalidInput(_("A campaign cannot end before it starts."), field="ended_on")
    return InspectionCampaign.objects.create(
        name=name, organiser=organiser, started_on=started_on, ended_on=ended_on, created_by=actor
    )
