"""The ratings' test village and cycles, made through the services.

On the test city (luoshi.testing.build_city) a village, 东关村, lies under the street
东城区城关街道: the village assesses itself (village_handler), the street reviews it
(street_handler), the office opens and publishes cycles (supervisor), leaders read.
"""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.models import User

from luoshi.assessments import services
from luoshi.assessments.defaults import install
from luoshi.assessments.models import (
    AssessmentTemplate,
    BottomLine,
    Criterion,
    Goal,
)
from luoshi.org.models import Membership, Role, Unit, UnitKind

MONDAY = dt.datetime(2026, 6, 1, 2, tzinfo=dt.UTC)  # 10:00 in Beijing


def templates() -> dict[str, AssessmentTemplate]:
    install(AssessmentTemplate, Goal, Criterion, BottomLine)
    return {t.code: t for t in AssessmentTemplate.objects.all()}


def add_village(city, name: str = "东关村", code: str = "village") -> Unit:
    village = Unit.objects.create(name=name, kind=UnitKind.VILLAGE, parent=city.street)
    for role, suffix in ((Role.HANDLER, "handler"), (Role.UNIT_HEAD, "head")):
        user = User.objects.create_user(f"{code}_{suffix}", password="pw", first_name=name)
        Membership.objects.create(user=user, unit=village, role=role)
        setattr(city, f"{code}_{suffix}", user)
    setattr(city, code, village)
    return village


def open_cycle(
    city,
    code: str = "three_zeros",
    *,
    start=dt.date(2026, 1, 1),
    end=dt.date(2026, 12, 31),
    name: str = "2026年度三零创建",
) -> object:
    template = templates()[code]
    return services.open_cycle(
        actor=city.supervisor,
        template=template,
        name=name,
        period_start=start,
        period_end=end,
        units=[city.village],
    )


def criteria(template_code: str) -> dict[str, Criterion]:
    """The template's criteria by goal code (first criterion of each goal)."""
    found: dict[str, Criterion] = {}
    for criterion in Criterion.objects.filter(goal__template__code=template_code).order_by(
        "goal__order", "order"
    ):
        found.setdefault(criterion.goal.code, criterion)
    return found
