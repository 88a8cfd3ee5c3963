"""Taking a request in (受理), from any channel: the public form, a hotline call, the API,
Open311. The request gets its work-order number and tracking token; a recent request
on the same place with similar text is proposed for merging."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import PurePath

from django.conf import settings
from django.contrib.auth.models import User
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from luoshi.lib.errors import InvalidInput, NotAllowed
from luoshi.lib.requestkeys import once
from luoshi.matters.services._base import next_serial
from luoshi.org.access import access_for
from luoshi.org.models import Unit, UnitKind

from ..duplicates import find_duplicate
from ..models import (
    Category,
    Channel,
    CitizenEvent,
    CitizenEventKind,
    CitizenRequest,
    MergeState,
    RequestPhoto,
    RequestType,
)
from ..timelimits import dispatch_due
from ._base import choice, record, require_text

PHOTO_EXTENSIONS = {"jpg", "jpeg", "png", "gif", "webp", "heic", "bmp"}
MAX_PHOTOS = 6
PHONE = re.compile(r"^\+?\d{7,15}$")


@dataclass
class Intake:
    """What a citizen (or the operator taking the call) fills in."""

    request_type: str
    text: str
    channel: str
    address: str = ""
    latitude: Decimal | str | float | None = None
    longitude: Decimal | str | float | None = None
    district: Unit | None = None
    street: Unit | None = None
    anonymous: bool = False
    contact_name: str = ""
    contact_phone: str = ""
    urgent: bool = False
    category: Category | None = None
    photos: Sequence[UploadedFile] = field(default_factory=list)


def normalise_phone(value: str) -> str:
    """Full-width digits and the separators people type (spaces, dashes) removed."""
    text = unicodedata.normalize("NFKC", value or "")
    return re.sub(r"[\s\-()（）]", "", text)


def _check_channel(channel: str, actor: User | None) -> None:
    choice(channel, Channel, "channel", _("channel"))
    if channel == Channel.WEB:
        return
    if actor is None:
        raise NotAllowed(_("Log in, or send an API key, to enter a request."))
    if channel in (Channel.HOTLINE, Channel.API) and not access_for(actor).is_office:
        raise NotAllowed(_("Only the office (the hotline) may enter requests here."))


def _coordinate(value, field_name: str, bound: int) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        number = Decimal(str(value).strip()).quantize(Decimal("0.000001"))
    except (InvalidOperation, ValueError):
        raise InvalidInput(
            _("“%(value)s” is not a coordinate in degrees.") % {"value": str(value)[:30]},
            field=field_name,
        ) from None
    if not -bound <= number <= bound:
        raise InvalidInput(
            _("A coordinate must lie between -%(n)s and %(n)s degrees.") % {"n": bound},
            field=field_name,
        )
    return number


def _place(intake: Intake) -> dict:
    latitude = _coordinate(intake.latitude, "latitude", 90)
    longitude = _coordinate(intake.longitude, "longitude", 180)
    if (latitude is None) != (longitude is None):
        raise InvalidInput(_("Give both latitude and longitude, or neither."), field="latitude")
    district, street = intake.district, intake.street
    if district is not None and district.kind != UnitKind.DISTRICT:
        raise InvalidInput(_("Choose a district from the list."), field="district")
    if street is not None:
        if street.kind != UnitKind.STREET:
            raise InvalidInput(_("Choose a street or town from the list."), field="street")
        if district is not None and street.parent_id != district.pk:
            raise InvalidInput(
                _("%(street)s is not in %(district)s.") % {"street": street, "district": district},
                field="street",
            )
        district = district or street.parent
    address = (intake.address or "").strip()
    if len(address) > 300:
        raise InvalidInput(_("The address is longer than 300 characters."), field="address")
    return {
        "address": address,
        "latitude": latitude,
        "longitude": longitude,
        "district": district,
        "street": street,
    }


def _contact(intake: Intake) -> dict:
    if intake.anonymous:
        return {"anonymous": True, "contact_name": "", "contact_phone": ""}
    phone = normalise_phone(intake.contact_phone)
    if not phone:
        raise InvalidInput(
            _("Give a phone number so that we can answer you, or tick “anonymous”."),
            field="contact_phone",
        )
    if not PHONE.match(phone):
        raise InvalidInput(
            _("“%(value)s” is not a phone number.") % {"value": intake.contact_phone[:30]},
            field="contact_phone",
        )
    name = (intake.contact_name or "").strip()
    if len(name) > 50:
        raise InvalidInput(_("The name is longer than 50 characters."), field="contact_name")
    return {"anonymous": False, "contact_name": name, "contact_phone": phone}


def validate_photos(files: Sequence[UploadedFile]) -> None:
    if len(files) > MAX_PHOTOS:
        raise InvalidInput(_("Send at most %(n)s photos.") % {"n": MAX_PHOTOS}, field="photos")
    limit = settings.LUOSHI["ATTACHMENT_MAX_BYTES"]
    for upload in files:
        # Django gives every upload a name and a size; the stubs allow None.
        name, size = upload.name or "", upload.size or 0
        extension = PurePath(name).suffix.lower().lstrip(".")
        if extension not in PHOTO_EXTENSIONS:
            raise InvalidInput(
                _("%(name)s is not a photo (send jpg, png or heic).") % {"name": name},
                field="photos",
            )
        if size > limit:
            raise InvalidInput(
                _("%(name)s is %(size).1f MB; the limit is %(limit).0f MB.")
                % {"name": name, "size": size / 2**20, "limit": limit / 2**20},
                field="photos",
            )


def work_order_number(day) -> str:
    """工单号: the day and its running number, 202605120007."""
    return f"{day:%Y%m%d}{next_serial(f'wo{day:%Y%m%d}', day.year):04d}"


def receive_request(
    intake: Intake, *, actor: User | None = None, request_key: str = ""
) -> CitizenRequest:
    """Take a request in; the dispatch clock starts now. Refused input changes nothing.

    A resent form (the same `request_key`, the same text) returns the request the first
    took in. The same key with another text is refused: a key alone never shows someone
    else's request.
    """
    return once(
        CitizenEvent,
        actor=actor,
        key=request_key,
        action=lambda: _receive(intake, actor, request_key),
        replay=lambda event: _same_request(event, intake),
    )


def _same_request(event: CitizenEvent, intake: Intake) -> CitizenRequest:
    if event.request.text != (intake.text or "").strip():
        raise InvalidInput(
            _("This form was already sent with another text: reload the page and send it again."),
            field="request_key",
        )
    return event.request


@transaction.atomic
def _receive(intake: Intake, actor: User | None, request_key: str) -> CitizenRequest:
    _check_channel(intake.channel, actor)
    choice(intake.request_type, RequestType, "request_type", _("request type"))
    text = require_text(intake.text, "text", _("The request"))
    place, contact = _place(intake), _contact(intake)
    validate_photos(intake.photos)
    now = timezone.now()
    request = CitizenRequest.objects.create(
        work_order_number=work_order_number(timezone.localdate(now)),
        request_type=intake.request_type,
        text=text,
        channel=intake.channel,
        category=intake.category,
        urgent=intake.urgent,
        received_at=now,
        received_by=actor,
        dispatch_due_at=dispatch_due(now),
        **place,
        **contact,
    )
    _save_photos(request, intake.photos)
    record(
        request,
        CitizenEventKind.RECEIVED,
        actor,
        bump=False,
        data={"channel": request.channel},
        request_key=request_key,
    )
    _propose_merge(request)
    return request


def _save_photos(request: CitizenRequest, files: Sequence[UploadedFile]) -> None:
    for upload in files:
        RequestPhoto.objects.create(
            request=request,
            file=upload,
            name=PurePath(upload.name or "").name[:255],
            size=upload.size or 0,
            content_type=upload.content_type or "",
        )


def _propose_merge(request: CitizenRequest) -> None:
    duplicate = find_duplicate(request)
    if duplicate is None:
        return
    request.duplicate_of, request.merge_state = duplicate.request, MergeState.PROPOSED
    request.save(update_fields=["duplicate_of", "merge_state"])
    record(
        request,
        CitizenEventKind.MERGE_PROPOSED,
        None,
        bump=False,
        data={
            "duplicate_of": duplicate.request.work_order_number,
            "text_similarity": round(duplicate.text_similarity, 2),
            "place_similarity": round(duplicate.place_similarity, 2),
        },
    )
