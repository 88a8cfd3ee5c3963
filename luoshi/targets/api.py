"""The targets API at /api/targets/: targets on their trajectory, monthly actuals
reported by the responsible unit, and a matter opened for a target that is behind."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils import timezone
from ninja import Router, Schema

from luoshi.org.models import Unit

from . import services
from .models import Direction
from .queries import get_target_for_user, targets_data, trajectory, trajectory_data

router = Router(tags=["targets"])


@router.get("/", summary="Targets of a year visible to you, on their trajectories")
def list_targets(request: HttpRequest, year: int | None = None):
    return {"targets": targets_data(request.user, year or timezone.localdate().year)}


class TargetIn(Schema):
    unit_id: int
    year: int
    name: str
    yearly_value: Decimal
    measure: str
    direction: Direction = Direction.HIGHER
    accumulates: bool = True
    margin: Decimal = Decimal(5)
    trajectory: str | list[Decimal] = services.EVEN


@router.post("/", summary="Set a target and its trajectory (supervisors)")
def create_target(request: HttpRequest, payload: TargetIn):
    data = payload.dict()
    unit = get_object_or_404(Unit, pk=data.pop("unit_id"))
    spec = data.pop("trajectory")
    target = services.create_target(actor=request.user, unit=unit, trajectory_spec=spec, **data)
    return trajectory_data(trajectory(get_target_for_user(request.user, target.pk)))


@router.get("/{pk}", summary="A target on its trajectory")
def target_detail(request: HttpRequest, pk: int):
    return trajectory_data(trajectory(get_target_for_user(request.user, pk)))


class TrajectoryIn(Schema):
    trajectory: str | list[Decimal]


@router.post("/{pk}/trajectory", summary="Re-plan the months (even, last_year, or 12 values)")
def set_trajectory(request: HttpRequest, pk: int, payload: TrajectoryIn):
    target = get_target_for_user(request.user, pk)
    services.set_trajectory(target, actor=request.user, trajectory_spec=payload.trajectory)
    return trajectory_data(trajectory(get_target_for_user(request.user, pk)))


class ActualIn(Schema):
    month: int
    value: Decimal
    source: str
    note: str = ""


@router.post("/{pk}/actuals", summary="Report a month's actual (the responsible unit)")
def report_actual(request: HttpRequest, pk: int, payload: ActualIn):
    target = get_target_for_user(request.user, pk)
    services.report_actual(target, actor=request.user, **payload.dict())
    return trajectory_data(trajectory(get_target_for_user(request.user, pk)))


class SpawnIn(Schema):
    deadline: dt.date | None = None


@router.post("/{pk}/matter", summary="Open a matter for a target that is behind")
def spawn_matter(request: HttpRequest, pk: int, payload: SpawnIn):
    target = get_target_for_user(request.user, pk)
    matter = services.spawn_matter(target, actor=request.user, deadline=payload.deadline)
    return {"matter_id": matter.pk, "link": f"/matters/{matter.pk}/"}
