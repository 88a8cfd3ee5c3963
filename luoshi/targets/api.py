"""The targets API at /api/targets/: targets on their trajectory, plan versions and events,
monthly actuals reported by the responsible unit, month closing, and a matter opened for
a target that is behind. Every call that changes a target carries the `version` the
caller read; the rules live in targets.services and targets.permissions."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils import timezone
from ninja import Field, Router

from luoshi.lib.dates import parse_date
from luoshi.lib.errors import InvalidInput
from luoshi.lib.numbers import FIGURE_MAX, PERCENT_MAX, YEAR_MAX, YEAR_MIN
from luoshi.lib.schemas import Input
from luoshi.org.models import Unit

from . import services
from .filters import TargetFilter
from .models import Direction
from .queries import (
    get_target_for_user,
    plan_history,
    target_events,
    trajectory,
    trajectory_data,
    visible_targets,
)

router = Router(tags=["targets"])
VERSION = Field(description="The version of the target the caller read.")


@router.get("/", summary="Targets visible to you (filter: year, unit, warning, q)")
def list_targets(request: HttpRequest):
    filters = TargetFilter.from_params(request.GET, today=timezone.localdate())
    if filters.errors:
        field, message = next(iter(filters.errors.items()))
        raise InvalidInput(message, field=field)
    targets = filters.apply(visible_targets(request.user))
    return {"year": filters.year, "targets": [trajectory_data(trajectory(t)) for t in targets]}


# A figure the DECIMAL(16, 4) columns hold; the services round it to four places.
Figure = Annotated[Decimal, Field(ge=-FIGURE_MAX, le=FIGURE_MAX)]
Year = Annotated[int, Field(ge=YEAR_MIN, le=YEAR_MAX)]
Month = Annotated[int, Field(ge=1, le=12)]


class TargetIn(Input):
    unit_id: int
    year: Year
    name: str = Field(max_length=100)
    yearly_value: Figure
    measure: str = Field(max_length=20)
    direction: Direction = Direction.HIGHER
    accumulates: bool = True
    margin: Decimal = Field(Decimal(5), ge=0, le=PERCENT_MAX, description="0 to 100 (%).")
    trajectory: str | list[Figure] = services.EVEN


def _detail(request: HttpRequest, pk: int) -> dict:
    return trajectory_data(trajectory(get_target_for_user(request.user, pk)))


@router.post("/", summary="Set a target and its trajectory (supervisors)")
def create_target(request: HttpRequest, payload: TargetIn):
    data = payload.dict()
    unit = get_object_or_404(Unit, pk=data.pop("unit_id"))
    spec = data.pop("trajectory")
    target = services.create_target(actor=request.user, unit=unit, trajectory_spec=spec, **data)
    return _detail(request, target.pk)


@router.get("/{pk}", summary="A target on its trajectory")
def target_detail(request: HttpRequest, pk: int):
    return _detail(request, pk)


@router.get("/{pk}/history", summary="A target's plan versions and events")
def target_history(request: HttpRequest, pk: int):
    target = get_target_for_user(request.user, pk)
    return {
        "plans": [
            {
                "plan_version": p.number,
                "in_force": p.in_force,
                "values": [None if v is None else float(v) for v in p.values],
                "reason": p.event.comment if p.event else "",
                "at": p.event.at.isoformat() if p.event else None,
            }
            for p in plan_history(target)
        ],
        "events": [
            {
                "kind": line.event.kind,
                "at": line.event.at.isoformat(),
                "text": line.text,
                "comment": line.event.comment,
                "data": line.event.data,
            }
            for line in target_events(target)
        ],
    }


class ReplanIn(Input):
    version: int = VERSION
    trajectory: str | list[Figure]
    reason: str
    yearly_value: Figure | None = None


@router.post("/{pk}/trajectory", summary="Re-plan: a new plan version (even, last_year, 12 values)")
def replan(request: HttpRequest, pk: int, payload: ReplanIn):
    services.replan_target(
        get_target_for_user(request.user, pk),
        actor=request.user,
        version=payload.version,
        trajectory_spec=payload.trajectory,
        reason=payload.reason,
        yearly_value=payload.yearly_value,
    )
    return _detail(request, pk)


class ActualIn(Input):
    version: int = VERSION
    month: Month
    value: Figure
    source: str = Field(max_length=200)
    note: str = ""


@router.post("/{pk}/actuals", summary="Report a month's actual (the responsible unit)")
def report_actual(request: HttpRequest, pk: int, payload: ActualIn):
    target = get_target_for_user(request.user, pk)
    services.report_actual(target, actor=request.user, **payload.dict())
    return _detail(request, pk)


class CloseMonthIn(Input):
    year: Year
    month: Month


@router.post("/months/close", summary="Close a month: every target's rating of it is frozen")
def close_month(request: HttpRequest, payload: CloseMonthIn):
    count = services.close_month(actor=request.user, year=payload.year, month=payload.month)
    return {"year": payload.year, "month": payload.month, "closed": count}


class SpawnIn(Input):
    version: int = VERSION
    deadline: str | None = Field(None, description="2026-06-30; empty: the source's limit")


@router.post("/{pk}/matter", summary="Open a matter for a target that is behind")
def spawn_matter(request: HttpRequest, pk: int, payload: SpawnIn):
    target = get_target_for_user(request.user, pk)
    deadline = parse_date(payload.deadline, field="deadline")
    matter = services.spawn_matter(
        target, actor=request.user, version=payload.version, deadline=deadline
    )
    return {"matter_id": matter.pk, "link": f"/matters/{matter.pk}/"}
