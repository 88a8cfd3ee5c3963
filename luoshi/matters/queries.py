"""Reads of matters. Every view, API call, export and dashboard starts from here."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import Exists, OuterRef, QuerySet
from django.utils.translation import gettext as _

from luoshi.lib.errors import NotFound
from luoshi.org.access import access_for

from .models import PRE_DISPATCH_STATES, Matter, MatterEvent, MatterUnit, State


def visible_matters(queryset: QuerySet[Matter], user: User | AnonymousUser) -> QuerySet[Matter]:
    """Matters `user` may read.

    1. Supervisors and admins: everything.
    2. Leaders: everything but drafts (they read all and approve dispatch).
    3. Unit users: matters where one of their units — or a unit below one they head —
       holds an active part, once dispatched.
    """
    access = access_for(user)
    if access.user_id is None:
        return queryset.none()
    if access.is_supervisor or access.is_admin:
        return queryset
    if access.is_leader:
        return queryset.exclude(state=State.DRAFT)
    if not access.visible_units:
        return queryset.none()
    has_part = MatterUnit.objects.filter(
        matter=OuterRef("pk"), active=True, unit_id__in=sorted(access.visible_units)
    )
    return queryset.filter(Exists(has_part)).exclude(state__in=PRE_DISPATCH_STATES)


def get_matter_for_user(user: User | AnonymousUser, pk: int, *, for_update: bool = False) -> Matter:
    """One visible matter with what its header needs; NotFound if absent or not visible."""
    queryset = Matter.objects.visible_to(user).select_related(
        "lead_unit", "responsible_leader", "parent", "created_by"
    )
    if for_update:
        queryset = queryset.select_for_update(of=("self",))
    matter = queryset.filter(pk=pk).first()
    if matter is None:
        raise NotFound(_("Matter %(pk)s does not exist or is not visible to you.") % {"pk": pk})
    return matter


def timeline(matter: Matter) -> QuerySet[MatterEvent]:
    return matter.events.select_related("actor", "unit").order_by("at", "id")


def active_parts(matter: Matter) -> QuerySet[MatterUnit]:
    return matter.parts.filter(active=True).select_related("unit")
