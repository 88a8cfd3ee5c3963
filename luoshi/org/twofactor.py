"""The optional TOTP second factor (双因素认证) of supervisors and admins: enrol, confirm,
remove. Each change writes its AccountEvent; the device is django-otp's TOTPDevice.

Enrolment is two steps: `start_enrolment` keeps one unconfirmed device (its secret shown
once as a QR code and as text on the user's own page), `confirm_enrolment` checks a code
from the app and confirms it. From then on the user signs in with password and code
(org.auth.SecondFactorMiddleware).
"""

from __future__ import annotations

import base64

import qrcode
import qrcode.image.svg
from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction
from django.utils.translation import gettext as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from luoshi.lib.errors import IllegalTransition, InvalidInput, NotAllowed

from .access import access_for
from .models import AccountEvent, AccountEventKind

DEVICE_NAME = "totp"


def may_enrol(user: User) -> bool:
    """Supervisors and admins hold the keys to every unit's matters: they may enrol."""
    return access_for(user).is_office or user.is_staff


def must_enrol(user: User) -> bool:
    return bool(settings.OTP_REQUIRED_FOR_OFFICE) and may_enrol(user)


def confirmed_device(user: User) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def pending_device(user: User) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=False).first()


@transaction.atomic
def start_enrolment(user: User, *, actor: User) -> TOTPDevice:
    """An unconfirmed device with a fresh secret (the one still pending is reused)."""
    if actor.pk != user.pk:
        raise NotAllowed(_("You may set up a second factor only for yourself."))
    if not may_enrol(user):
        raise NotAllowed(_("A second factor is for supervisors and administrators."))
    if confirmed_device(user) is not None:
        raise IllegalTransition(_("Your second factor is set up already."))
    device = pending_device(user)
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)
    return device


@transaction.atomic
def confirm_enrolment(user: User, code: str, *, actor: User) -> TOTPDevice:
    """The first code from the app proves it holds the secret: the device is confirmed."""
    device = pending_device(user)
    if actor.pk != user.pk or device is None:
        raise IllegalTransition(_("Start setting up the second factor first."))
    if not device.verify_token(_clean_code(code)):
        raise InvalidInput(_("That code is not right: enter the six digits the app shows now."),
                           field="code")  # fmt: skip
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    AccountEvent.objects.create(user=user, actor=actor, kind=AccountEventKind.OTP_ENROLLED,
                                data={"device": device.pk})  # fmt: skip
    return device


@transaction.atomic
def remove_second_factor(user: User, code: str, *, actor: User) -> None:
    """Take the second factor away (a lost phone: an administrator does it in the admin).

    The device row goes (django-otp reads every row as a usable device); the
    AccountEvent keeps that it existed and who removed it.
    """
    device = confirmed_device(user)
    if device is None:
        raise IllegalTransition(_("You have no second factor set up."))
    if actor.pk != user.pk:
        raise NotAllowed(_("You may remove only your own second factor."))
    if must_enrol(user):
        raise NotAllowed(_("Supervisors and administrators must keep a second factor."))
    if not device.verify_token(_clean_code(code)):
        raise InvalidInput(_("That code is not right: enter the six digits the app shows now."),
                           field="code")  # fmt: skip
    AccountEvent.objects.create(user=user, actor=actor, kind=AccountEventKind.OTP_REMOVED,
                                data={"device": device.pk})  # fmt: skip
    TOTPDevice.objects.filter(user=user).delete()


def _clean_code(code: str) -> str:
    return "".join((code or "").split())[:12]


def secret_text(device: TOTPDevice) -> str:
    """The secret as an authenticator app asks for it when typed in (base32, in fours)."""
    text = base64.b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(text[i : i + 4] for i in range(0, len(text), 4))


def qr_svg(device: TOTPDevice) -> str:
    """The otpauth:// link as an SVG QR code, drawn here: nothing is fetched from outside."""
    image = qrcode.make(device.config_url, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    return image.to_string(encoding="unicode")
