"""What every ratings service shares: locks with a version check, the event row, and the
checks of what users type (scores, dates, files)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal, InvalidOperation
from pathlib import PurePath
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.core.files.uploadedfile import UploadedFile
from django.utils import timezone
from django.utils.translation import gettext as _

from luoshi.lib.errors import InvalidInput
from luoshi.lib.eventlog import bump_and_save, lock_for_change
from luoshi.lib.text import visible_text
from luoshi.org.access import Access, access_for

from .. import permissions
from ..models import Assessment, AssessmentCycle, AssessmentEvent, AssessmentEventKind

PHOTO_EXTENSIONS = {"jpg", "jpeg", "png", "webp", "heic", "heif"}


def today() -> dt.date:
    return timezone.localdate()


def lock(assessment: Assessment | int, version: int | None) -> Assessment:
    """Re-read the assessment (with its cycle and template) under a row lock."""
    pk = assessment if isinstance(assessment, int) else assessment.pk
    current = None if isinstance(assessment, int) else assessment.version
    return lock_for_change(
        Assessment.objects.select_related("cycle", "cycle__template", "unit", "reviewing_unit"),
        pk,
        version,
        current=current,
        describe=str,
    )


def lock_cycle(cycle: AssessmentCycle, version: int | None) -> AssessmentCycle:
    return lock_for_change(
        AssessmentCycle.objects.select_related("template"),
        cycle.pk,
        version,
        current=cycle.version,
        describe=str,
    )


def authorize(verb: str, actor: User, assessment: Assessment) -> Access:
    access = access_for(actor)
    permissions.check(verb, access, assessment)
    return access


def record(
    assessment: Assessment,
    kind: AssessmentEventKind,
    actor: User | None,
    *,
    comment: str = "",
    data: dict[str, Any] | None = None,
    bump: bool = True,
) -> AssessmentEvent:
    """Save the assessment (version + 1 unless `bump` is False) and append its event row."""
    if bump:
        bump_and_save(assessment)
    return AssessmentEvent.objects.create(
        assessment=assessment, kind=kind, actor=actor, comment=comment, data=data or {}
    )


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


def points(value: object, maximum: Decimal, field: str) -> Decimal:
    """A score from 0 to the criterion's points, in tenths; a mistyped one names its field."""
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise InvalidInput(
            _("“%(value)s” is not a score: enter a number from 0 to %(max)s.")
            % {"value": str(value)[:20], "max": maximum},
            field=field,
        ) from None
    if not number.is_finite() or not Decimal(0) <= number <= maximum:
        raise InvalidInput(_("A score must be from 0 to %(max)s.") % {"max": maximum}, field=field)
    return number.quantize(Decimal("0.1"))


def validate_files(files: Sequence[UploadedFile], field: str, *, photos: bool = False) -> None:
    allowed = PHOTO_EXTENSIONS if photos else set(settings.LUOSHI["ATTACHMENT_EXTENSIONS"])
    limit = settings.LUOSHI["ATTACHMENT_MAX_BYTES"]
    for upload in files:
        # Django gives every upload a name and a size; the stubs allow None.
        name, size = upload.name or "", upload.size or 0
        extension = PurePath(name).suffix.lower().lstrip(".")
        if extension not in allowed:
            raise InvalidInput(
                _("%(name)s: files of type .%(ext)s are not accepted (allowed: %(allowed)s).")
                % {"name": name, "ext": extension, "allowed": ", ".join(sorted(allowed))},
                field=field,
            )
        if size > limit:
            raise InvalidInput(
                _("%(name)s is %(size).1f MB; the limit is %(limit).0f MB.")
                % {"name": name, "size": size / 2**20, "limit": limit / 2**20},
                field=field,
            )
