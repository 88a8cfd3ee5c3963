"""What every hazard service shares: lock with a version check, the event row, photos,
serial numbers, and the checks of what users type."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import PurePath
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from luoshi.lib.errors import InvalidInput
from luoshi.lib.eventlog import bump_and_save, lock_for_change
from luoshi.lib.text import visible_text
from luoshi.matters.models import SerialCounter
from luoshi.org.access import Access, access_for
from luoshi.org.models import Membership, Role, Unit

from .. import permissions
from ..models import Hazard, HazardEvent, HazardEventKind, Photo, Reinspection, Verification

PHOTO_EXTENSIONS = {"jpg", "jpeg", "png", "webp", "heic", "heif"}
MAX_PHOTOS = 20
SERIES = "hazard"


def today() -> dt.date:
    return timezone.localdate()


def lock(hazard: Hazard | int, version: int | None) -> Hazard:
    """Re-read the hazard (with its matter) under a row lock; refuse a stale caller."""
    pk = hazard if isinstance(hazard, int) else hazard.pk
    current = None if isinstance(hazard, int) else hazard.version
    return lock_for_change(
        Hazard.objects.select_related("matter"),
        pk,
        version,
        current=current,
        describe=lambda fresh: fresh.serial,
    )


def authorize(verb: str, actor: User, hazard: Hazard) -> Access:
    access = access_for(actor)
    permissions.check(verb, access, hazard)
    return access


def record(
    hazard: Hazard,
    kind: HazardEventKind,
    actor: User | None,
    *,
    unit: Unit | None = None,
    comment: str = "",
    data: dict[str, Any] | None = None,
    bump: bool = True,
) -> HazardEvent:
    """Save the hazard (version + 1 unless `bump` is False) and append its event row."""
    if bump:
        bump_and_save(hazard)
    return HazardEvent.objects.create(
        hazard=hazard, kind=kind, actor=actor, unit=unit, comment=comment, data=data or {}
    )


def reserve_serials(year: int, count: int) -> int:
    """Reserve `count` numbers of the year's hazard series; returns the first."""
    with transaction.atomic():
        counter, _created = SerialCounter.objects.select_for_update().get_or_create(
            series=SERIES, year=year
        )
        first = counter.last + 1
        counter.last += count
        counter.save(update_fields=["last"])
        return first


def acting_unit(actor: User, hazard: Hazard) -> Unit:
    """The unit a check is made for: an inspecting unit the actor acts for, else the office."""
    access = access_for(actor)
    for unit_id in (hazard.verifying_unit_id, hazard.found_by_unit_id):
        if unit_id and access.acts_for(unit_id):
            return Unit.objects.get(pk=unit_id)
    office = (
        Membership.objects.filter(user=actor, role__in=[Role.SUPERVISOR, Role.ADMIN])
        .select_related("unit")
        .first()
    )
    if office is None:  # a superuser without a membership: the hazard's own finder
        return Unit.objects.get(pk=hazard.found_by_unit_id)
    return office.unit


# -- what users type --------------------------------------------------------------------


def require_text(value: str | None, field: str, label: str, max_length: int = 0) -> str:
    text = visible_text(value)  # control characters out, invisible-only refused
    if not text:
        raise InvalidInput(_("%(field)s is required.") % {"field": label}, field=field)
    if max_length and len(text) > max_length:
        raise InvalidInput(
            _("%(field)s is longer than %(n)s characters.") % {"field": label, "n": max_length},
            field=field,
        )
    return text


def require_choice(value: str, choices, field: str) -> str:
    if value not in choices.values:
        raise InvalidInput(
            _("%(value)s is not a valid %(field)s.") % {"value": value, "field": field},
            field=field,
        )
    return value


def require_past_day(day: dt.date | None, field: str) -> dt.date:
    """A date that has happened: a hazard found or checked tomorrow is a typing mistake."""
    if day is None:
        raise InvalidInput(_("Enter a date."), field=field)
    if day > today():
        raise InvalidInput(_("%(day)s is in the future.") % {"day": day.isoformat()}, field=field)
    if day.year < 1900:
        raise InvalidInput(_("Enter a date between 1900 and 2200."), field=field)
    return day


def require_active(unit: Unit | None, field: str, label: str) -> Unit:
    if unit is None:
        raise InvalidInput(_("%(field)s is required.") % {"field": label}, field=field)
    if not unit.is_active:
        raise InvalidInput(_("%(unit)s is archived.") % {"unit": unit}, field=field)
    return unit


# -- photos -----------------------------------------------------------------------------


def validate_photos(files: Sequence[UploadedFile], field: str = "photos") -> None:
    if len(files) > MAX_PHOTOS:
        raise InvalidInput(_("At most %(n)s photos at a time.") % {"n": MAX_PHOTOS}, field=field)
    limit = settings.LUOSHI["ATTACHMENT_MAX_BYTES"]
    for upload in files:
        # Django gives every upload a name and a size; the stubs allow None.
        name, size = upload.name or "", upload.size or 0
        extension = PurePath(name).suffix.lower().lstrip(".")
        if extension not in PHOTO_EXTENSIONS:
            raise InvalidInput(
                _("%(name)s is not a photo (allowed: %(allowed)s).")
                % {"name": name, "allowed": ", ".join(sorted(PHOTO_EXTENSIONS))},
                field=field,
            )
        if size > limit:
            raise InvalidInput(
                _("%(name)s is %(size).1f MB; the limit is %(limit).0f MB.")
                % {"name": name, "size": size / 2**20, "limit": limit / 2**20},
                field=field,
            )


def save_photos(
    hazard: Hazard,
    files: Sequence[UploadedFile],
    actor: User,
    *,
    verification: Verification | None = None,
    reinspection: Reinspection | None = None,
) -> list[Photo]:
    """Store the photos (checked first by validate_photos) with what they document."""
    return [
        Photo.objects.create(
            hazard=hazard,
            verification=verification,
            reinspection=reinspection,
            file=upload,
            name=PurePath(upload.name or "").name[:255],
            size=upload.size or 0,
            uploaded_by=actor,
        )
        for upload in files
    ]
