"""What other apps show on a unit's page: a small registry the org app owns.

`org` must not import the apps built on it (matters, hazards, citizen requests…). An
app that has something to say about a unit registers a panel from its
AppConfig.ready(), and the unit page renders every panel in the order registered:

    from luoshi.org import panels
    panels.on_unit_page(my_panel)   # my_panel(request, unit) -> Panel | None

A panel returns None when it has nothing to show this user.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.http import HttpRequest

if TYPE_CHECKING:
    from .models import Unit


@dataclass
class Panel:
    """A template (a partial) and its context, rendered inside the unit page."""

    template: str
    context: dict[str, Any] = field(default_factory=dict)


UnitPanel = Callable[[HttpRequest, "Unit"], Panel | None]
_panels: list[UnitPanel] = []


def on_unit_page(panel: UnitPanel) -> UnitPanel:
    """Register `panel(request, unit)` (usable as a decorator); registering twice is a no-op."""
    if panel not in _panels:
        _panels.append(panel)
    return panel


def panels_for(request: HttpRequest, unit: Unit) -> list[Panel]:
    return [shown for panel in _panels if (shown := panel(request, unit)) is not None]
