"""Projects built through projects.services, as the office would enter them."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from itertools import count

from luoshi.projects import services
from luoshi.projects.models import Project

_codes = count(1)


def project(city, *, plans=None, **fields) -> Project:
    spec = services.ProjectSpec(
        code=fields.pop("code", f"XM-{next(_codes):03d}"),
        name=fields.pop("name", "新能源电池产业园"),
        kind=fields.pop("kind", "industrial"),
        level=fields.pop("level", "city"),
        responsible_unit=fields.pop("responsible_unit", city.lead),
        district=fields.pop("district", city.district),
        responsible_leader=fields.pop("responsible_leader", city.leader),
        stage_plans=plans or {},
        **fields,
    )
    return services.register_project(spec, actor=city.supervisor)


def reach(city, p: Project, *stages: tuple[str, dt.date]) -> Project:
    for stage, day in stages:
        p.refresh_from_db()
        services.record_stage(
            p, stage, actor=city.supervisor, version=p.version, actual_date=day, evidence="证明材料"
        )
    p.refresh_from_db()
    return p


def month(city, p: Project, m: int, completed=0, funds=0, effect=0, year=2026) -> None:
    p.refresh_from_db()
    services.report_month(
        p,
        year=year,
        month=m,
        completed=Decimal(completed),
        funds_in_place=Decimal(funds),
        effect=Decimal(effect),
        actor=city.supervisor,
        version=p.version,
    )
