"""Hazards made through the services, for the tests: who finds, rectifies, verifies.

Roles on the test city (luoshi.testing.build_city): 市工信局 (`co`) finds the hazard,
市发改委 (`lead`) rectifies it, 市商务局 (`other`) is named to verify it, the office
assigns, the leader supervises the major ones.
"""

from __future__ import annotations

import datetime as dt

import time_machine
from django.utils import timezone

from luoshi.hazards import services
from luoshi.hazards.defaults import install_categories
from luoshi.hazards.models import Hazard, HazardCategory
from luoshi.matters import services as matter_services

MONDAY = dt.datetime(2026, 6, 1, 2, tzinfo=dt.UTC)  # 10:00 in Beijing


def at(day: dt.date, hour: int = 10):
    moment = dt.datetime.combine(day, dt.time(hour))
    return time_machine.travel(timezone.make_aware(moment), tick=False)


def category(code: str = "fire") -> HazardCategory:
    install_categories(HazardCategory)
    return HazardCategory.objects.get(code=code)


def spec(city, **changes) -> services.HazardSpec:
    values = {
        "title": "消防通道被杂物堵塞",
        "category": category(changes.pop("category_code", "fire")),
        "level": "general",
        "discovery": "inspection",
        "unit": city.street,
        "found_by_unit": city.co,
        "responsible_unit": city.lead,
        "found_on": timezone.localdate() - dt.timedelta(days=1),
        "address": "城关街道幸福路12号",
        "measures": "清理杂物，设置禁止堆放标识",
    }
    values.update(changes)
    return services.HazardSpec(**values)


def found(city, **changes) -> Hazard:
    return services.register_hazard(spec(city, **changes), actor=city.co_handler)


def assigned(city, *, verifier=True, **changes) -> Hazard:
    hazard = found(city, **changes)
    extra = {}
    if hazard.level == "major":
        extra = {
            "leader": city.leader,
            "milestones": [matter_services.MilestoneSpec("制定整改方案", offset_workdays=5)],
        }
    return services.assign_rectification(
        hazard,
        actor=city.supervisor,
        version=hazard.version,
        verifying_unit=city.other if verifier else None,
        **extra,
    )


def rectified(city, hazard: Hazard) -> Hazard:
    """The responsible unit accepts, reports and asks for the check (申请验收)."""
    matter = hazard.matter
    matter = matter_services.accept_matter(matter, actor=city.lead_handler, version=matter.version)
    matter_services.request_completion(
        matter, actor=city.lead_handler, version=matter.version, text="杂物已清理，标识已设置"
    )
    return fresh(hazard)


def fresh(hazard: Hazard) -> Hazard:
    return Hazard.objects.select_related("matter").get(pk=hazard.pk)
