"""Reads of units and people that pages, forms and the API share."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from luoshi.lib.errors import NotFound

from .models import Membership, Role, Unit


def active_units() -> list[Unit]:
    """Units in use, in tree order (for pickers)."""
    return list(Unit.objects.filter(is_active=True).order_by("path"))


def leaders() -> list[User]:
    """Users holding the leader role anywhere (for the responsible-leader picker)."""
    ids = Membership.objects.filter(role=Role.LEADER).values("user_id")
    return list(User.objects.filter(pk__in=ids).order_by("username"))


def units_in_order(*, active: bool = True) -> QuerySet[Unit]:
    units = Unit.objects.order_by("order", "id")
    return units.filter(is_active=True) if active else units


def get_unit(pk: int) -> Unit:
    """One unit with its parent; NotFound if there is none (every user may read units)."""
    unit = Unit.objects.select_related("parent").filter(pk=pk).first()
    if unit is None:
        raise NotFound(_("Unit %(pk)s does not exist.") % {"pk": pk})
    return unit
