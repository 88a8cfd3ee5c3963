"""Following the rectification matters: when one asks for verification, tell who checks it.

Subscribed in HazardsConfig.ready() through matters.listeners.on_matters_changed: called
inside the matter service's transaction after every change of any matter, so it reads
one indexed row and does nothing for matters that are not a hazard's rectification.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.utils.translation import gettext as _

from luoshi.matters.models import State
from luoshi.notifications.models import NotificationKind
from luoshi.notifications.services import notify, users_of_units, users_with_role
from luoshi.org.models import Role

from .models import Hazard
from .permissions import inspecting_units


def matter_changed(matter_id: int) -> None:
    """A rectification whose completion was just requested: ask its checkers, once."""
    matters_changed([matter_id])


def matters_changed(matter_ids: Sequence[int]) -> None:
    """The same for many matters at once (an imported table): one query for all of them."""
    waiting = Hazard.objects.filter(
        matter_id__in=matter_ids, matter__state=State.COMPLETION_REQUESTED
    ).select_related("matter")
    for hazard in waiting:
        _ask_checkers(hazard)


def _ask_checkers(hazard: Hazard) -> None:
    asked = hazard.matter.completion_requested_at
    if hazard.verification_asked_at == asked:
        return
    Hazard.objects.filter(pk=hazard.pk).update(verification_asked_at=asked)
    units = inspecting_units(hazard)
    checkers = users_of_units(units) if units else users_with_role(Role.SUPERVISOR)
    notify(
        checkers,
        kind=NotificationKind.REVIEW,
        matter_id=hazard.matter_id,
        text=_("%(serial)s is rectified and awaits your on-site verification: %(title)s")
        % {"serial": hazard.serial, "title": hazard.title},
    )
