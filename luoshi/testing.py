"""Test personas and helpers, built with the services themselves (STYLE.md: Tests)."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

from django.contrib.auth.models import User

from luoshi.matters import services
from luoshi.matters.models import Matter, Source
from luoshi.org.models import Membership, Role, Unit, UnitKind


def _user(username: str, unit: Unit | None, *roles: str, name: str = "") -> User:
    user = User.objects.create_user(username, password="pw", first_name=name or username)
    for role in roles:
        Membership.objects.create(user=user, unit=unit, role=role)
    return user


def build_city() -> SimpleNamespace:
    """The supervising office, a lead unit, a co-unit, an unrelated unit, a district."""
    city = Unit.objects.create(name="示例市", kind=UnitKind.CITY)
    office = Unit.objects.create(name="市委督查室", kind=UnitKind.OFFICE, parent=city)
    lead = Unit.objects.create(
        name="市发改委", kind=UnitKind.DEPARTMENT, parent=city, aliases=["市发展和改革委员会"]
    )
    co = Unit.objects.create(name="市工信局", kind=UnitKind.DEPARTMENT, parent=city)
    other = Unit.objects.create(name="市商务局", kind=UnitKind.DEPARTMENT, parent=city)
    district = Unit.objects.create(name="东城区", kind=UnitKind.DISTRICT, parent=city)
    street = Unit.objects.create(name="东城区城关街道", kind=UnitKind.STREET, parent=district)
    return SimpleNamespace(
        city=city,
        office=office,
        lead=lead,
        co=co,
        other=other,
        district=district,
        street=street,
        supervisor=_user("supervisor", office, Role.SUPERVISOR),
        lead_handler=_user("lead_handler", lead, Role.HANDLER),
        lead_head=_user("lead_head", lead, Role.UNIT_HEAD),
        co_handler=_user("co_handler", co, Role.HANDLER),
        other_handler=_user("other_handler", other, Role.HANDLER),
        district_head=_user("district_head", district, Role.UNIT_HEAD),
        street_handler=_user("street_handler", street, Role.HANDLER),
        leader=_user("leader", city, Role.LEADER),
        other_leader=_user("other_leader", city, Role.LEADER),
        admin=_user("admin", office, Role.ADMIN),
    )


def register(
    city: SimpleNamespace,
    *,
    title: str = "推进重点项目签约落地",
    source: str = Source.MEETING,
    deadline: dt.date | None = None,
    co: bool = True,
    lead: Unit | None = None,
    **extra,
) -> Matter:
    spec = services.MatterSpec(
        title=title,
        source=source,
        lead_unit=lead or city.lead,
        co_units=[services.CoUnit(city.co, "负责企业对接")] if co else [],
        responsible_leader=extra.pop("responsible_leader", city.leader),
        deadline=deadline,
        **extra,
    )
    return services.register_matter(spec, actor=city.supervisor)


def assigned(city: SimpleNamespace, **kwargs) -> Matter:
    matter = register(city, **kwargs)
    return services.assign_matter(matter, actor=city.supervisor, version=matter.version)


def accepted(city: SimpleNamespace, **kwargs) -> Matter:
    matter = assigned(city, **kwargs)
    return services.accept_matter(matter, actor=city.lead_handler, version=matter.version)
