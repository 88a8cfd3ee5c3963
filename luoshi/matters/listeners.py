"""Who else follows a matter's changes: a small registry the core owns.

`matters` must not import the apps built on it (the cockpit, hazards, citizen
requests…). They subscribe here from their AppConfig.ready(), and the core calls them:

- `matter_changed(matter_id)` from services._base.record, after every change of a
  matter, inside the service's transaction (a listener's writes commit or roll back
  with the change; an exception in a listener refuses the change);
- `matters_scanned(queryset)` from warnings.scan, with the running matters it looked at,
  inside the scan's transaction;
- `matters_changed(ids)` from services.bulk (an imported table): a listener that also
  gave a bulk form (`on_matters_changed`) is called once with all the ids.

Listeners run in the order they subscribed; subscribing the same function twice is a
no-op, so a reloaded AppConfig does not double-count.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from django.db.models import QuerySet

    from .models import Matter

ChangeListener = Callable[[int], None]
ScanListener = Callable[["QuerySet[Matter]"], None]

_on_change: list[ChangeListener] = []
_on_scan: list[ScanListener] = []


def on_matter_changed(listener: ChangeListener) -> ChangeListener:
    """Subscribe `listener(matter_id)` to every change of a matter (usable as a decorator)."""
    if listener not in _on_change:
        _on_change.append(listener)
    return listener


def on_matters_scanned(listener: ScanListener) -> ScanListener:
    """Subscribe `listener(queryset)` to every warning scan (usable as a decorator)."""
    if listener not in _on_scan:
        _on_scan.append(listener)
    return listener


def matter_changed(matter_id: int) -> None:
    for listener in _on_change:
        listener(matter_id)


def matters_scanned(matters: QuerySet[Matter]) -> None:
    for listener in _on_scan:
        listener(matters)


# --- Many matters at once (imports): one call per listener, not one per matter ----------------

BulkListener = Callable[[Sequence[int]], object]
_bulk_of: dict[ChangeListener, BulkListener] = {}


def on_matters_changed(listener: ChangeListener, bulk: BulkListener) -> None:
    """Say that `bulk(ids)` does for many matters what `listener(id)` does for one.

    `matters_changed` then calls `bulk` once instead of `listener` per matter.
    """
    on_matter_changed(listener)
    _bulk_of[listener] = bulk


def matters_changed(matter_ids: Sequence[int]) -> None:
    """Many matters changed at once (a bulk registration), inside its transaction."""
    ids = list(matter_ids)
    for listener in _on_change:
        bulk = _bulk_of.get(listener)
        if bulk is not None:
            bulk(ids)
        else:
            for matter_id in ids:
                listener(matter_id)
