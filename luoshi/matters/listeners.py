"""Who else follows a matter's changes: a small registry the core owns.

`matters` must not import the apps built on it (the cockpit, hazards, citizen
requests…). They subscribe here from their AppConfig.ready(), and the core calls them:

- `matter_changed(matter_id)` from services._base.record, after every change of a
  matter, inside the service's transaction (a listener's writes commit or roll back
  with the change; an exception in a listener refuses the change);
- `matters_scanned(queryset)` from warnings.scan, with the running matters it looked at,
  inside the scan's transaction;
- `standings_moved(moves, day)` from matters.history, with each matter whose lead unit,
  state, warning or deadline changed: `(matter_id, before, after)`, where a bucket is
  `(lead_unit_id or 0, state, warning)` and `before` is None for a new matter. The
  cockpit's counts follow these moves, so they agree with the "as of" lists. A listener
  that also gave a set-based form (`table=`) is called instead, after a scan, with the
  name of the temporary table holding every move (matters.history.MOVES) and the day.
- `matters_changed(ids)` from services.bulk (an imported table): a listener that also
  gave a bulk form (`on_matters_changed`) is called once with all the ids.

A listener that follows only some kinds of matter says which (`kinds=`): a registration
of a task then costs no query of the citizens' or the hazards' tables.

Listeners run in the order they subscribed; subscribing the same function twice is a
no-op, so a reloaded AppConfig does not double-count.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from contextvars import ContextVar
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import datetime as dt

    from django.db.models import QuerySet

    from .models import Matter

ChangeListener = Callable[[int], None]
ScanListener = Callable[["QuerySet[Matter]"], None]
Bucket = tuple[int, str, str]  # (lead unit id or 0, state, warning)
Move = tuple[int, Bucket | None, Bucket]  # (matter id, before, after)
MoveListener = Callable[[list[Move], "dt.date"], None]
TableListener = Callable[[str, "dt.date"], None]

_full_scan: ContextVar[bool] = ContextVar("full_scan", default=False)
_on_change: list[ChangeListener] = []
_on_scan: list[ScanListener] = []
_on_move: list[MoveListener] = []
_kinds_of: dict[ChangeListener, frozenset[str]] = {}
_table_of: dict[MoveListener, TableListener] = {}


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


def on_standings_moved(
    listener: MoveListener, *, table: TableListener | None = None
) -> MoveListener:
    """Subscribe `listener(moves, day)` to every change of a matter's standing; with
    `table`, `table(name, day)` does the same for all the moves of a scan, in SQL."""
    if listener not in _on_move:
        _on_move.append(listener)
    if table is not None:
        _table_of[listener] = table
    return listener


def matter_changed(matter_id: int, kind: str | None = None) -> None:
    """Tell the change listeners; `kind` (the matter's) skips those that follow other kinds."""
    for listener in _on_change:
        kinds = _kinds_of.get(listener)
        if kind is None or kinds is None or kind in kinds:
            listener(matter_id)


def matters_scanned(matters: QuerySet[Matter], *, full: bool = False) -> None:
    """Tell the scan listeners; `full` for the nightly scan of every running matter (not a
    service's one-row refresh), which listeners read through `in_full_scan()`."""
    token = _full_scan.set(full)
    try:
        for listener in _on_scan:
            listener(matters)
    finally:
        _full_scan.reset(token)


def in_full_scan() -> bool:
    """True inside a scan listener called by the nightly scan of every running matter.

    Listeners that do daily work (time limits of other apps, digests, retries) run only
    then, not on the one-row refresh a service runs after each change.
    """
    return _full_scan.get()


def standings_moved(moves: list[Move], day: dt.date) -> None:
    for listener in _on_move:
        listener(moves, day)


def standings_moved_in_table(table: str, day: dt.date) -> None:
    """Many standings moved at once (a scan): the rows of the temporary `table`. A
    listener without a set-based form gets them as moves, read once for all of them."""
    moves: list[Move] | None = None
    for listener in _on_move:
        if listener in _table_of:
            _table_of[listener](table, day)
            continue
        if moves is None:
            moves = _read_moves(table)
        listener(moves, day)


def _read_moves(table: str) -> list[Move]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT matter_id, before_id, before_unit_id, before_state, before_warning, "
            f"new_unit_id, new_state, new_warning FROM {table} ORDER BY matter_id"
        )
        rows = cursor.fetchall()
    moves: list[Move] = []
    for pk, before_id, b_unit, b_state, b_warning, unit, state, warning in rows:
        before = (b_unit or 0, b_state, b_warning) if before_id is not None else None
        after = (unit or 0, state, warning)
        if before != after:  # a new deadline alone moves no count
            moves.append((pk, before, after))
    return moves


# --- Many matters at once (imports): one call per listener, not one per matter ----------------

BulkListener = Callable[[Sequence[int]], object]
_bulk_of: dict[ChangeListener, BulkListener] = {}


def on_matters_changed(
    listener: ChangeListener, bulk: BulkListener, *, kinds: Iterable[str] | None = None
) -> None:
    """Say that `bulk(ids)` does for many matters what `listener(id)` does for one.

    `matters_changed` then calls `bulk` once instead of `listener` per matter. With
    `kinds`, `matter_changed` calls `listener` only for matters of those kinds.
    """
    on_matter_changed(listener)
    _bulk_of[listener] = bulk
    if kinds is not None:
        _kinds_of[listener] = frozenset(kinds)


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
