"""Test personas and helpers, built with the services themselves (STYLE.md: Tests)."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

from django.contrib.auth.models import User

from luoshi.matters import services
from luoshi.matters.models import Matter, Source
from luoshi.org import services as org_services
from luoshi.org.models import Role, Unit, UnitKind

# The test city's units: (attribute, name, kind, parent attribute, aliases).
UNITS = [
    ("city", "示例市", UnitKind.CITY, None, []),
    ("office", "市委督查室", UnitKind.OFFICE, "city", []),
    ("lead", "市发改委", UnitKind.DEPARTMENT, "city", ["市发展和改革委员会"]),
    ("co", "市工信局", UnitKind.DEPARTMENT, "city", []),
    ("other", "市商务局", UnitKind.DEPARTMENT, "city", []),
    ("district", "东城区", UnitKind.DISTRICT, "city", []),
    ("street", "东城区城关街道", UnitKind.STREET, "district", []),
]
# The personas: (username, unit attribute, role).
PERSONAS = [
    ("supervisor", "office", Role.SUPERVISOR),
    ("lead_handler", "lead", Role.HANDLER),
    ("lead_head", "lead", Role.UNIT_HEAD),
    ("co_handler", "co", Role.HANDLER),
    ("other_handler", "other", Role.HANDLER),
    ("district_head", "district", Role.UNIT_HEAD),
    ("street_handler", "street", Role.HANDLER),
    ("leader", "city", Role.LEADER),
    ("other_leader", "city", Role.LEADER),
    ("admin", "office", Role.ADMIN),
]


def build_city() -> SimpleNamespace:
    """The supervising office, a lead unit, a co-unit, an unrelated unit, a district.

    Built through org.services (units and roles with their OrgEvents). `city` in
    conftest.py builds it once per test session; this builds a fresh one.
    """
    names = {attr: name for attr, name, _kind, _parent, _aliases in UNITS}
    specs = [
        org_services.UnitSpec(name, kind, names.get(parent), aliases)
        for _attr, name, kind, parent, aliases in UNITS
    ]
    made = {u.name: u for u in org_services.create_units(specs, actor=None)}
    units = {attr: made[name] for attr, name in names.items()}
    users = {
        username: User.objects.create_user(username, password="pw", first_name=username)
        for username, _unit, _role in PERSONAS
    }
    org_services.grant_roles(
        ((users[username], units[unit], role) for username, unit, role in PERSONAS), actor=None
    )
    return SimpleNamespace(**units, **users)


# The session's test city, by attribute: its units' and users' ids (see the_city).
_session_city: dict[str, dict[str, int]] = {"units": {}, "users": {}}


def the_city() -> SimpleNamespace:
    """The test city built once per test session, as fresh objects for this test (2 queries).

    Tests run in a transaction rolled back at their end, so the city they read is the
    same every time. When it is gone (a transactional test flushed the database), it is
    built again and remembered.
    """
    city = _stored_city()
    if city is None:
        city = build_city()
        _session_city["units"] = {attr: getattr(city, attr).pk for attr, *_rest in UNITS}
        _session_city["users"] = {name: getattr(city, name).pk for name, *_rest in PERSONAS}
    return city


def _stored_city() -> SimpleNamespace | None:
    """The remembered city if its rows are all still there (and still the same units)."""
    unit_ids, user_ids = _session_city["units"], _session_city["users"]
    units = Unit.objects.in_bulk(list(unit_ids.values())) if unit_ids else {}
    users = User.objects.in_bulk(list(user_ids.values())) if user_ids else {}
    names = {attr: name for attr, name, *_rest in UNITS}
    found = {attr: units.get(pk) for attr, pk in unit_ids.items()}
    people = {name: users.get(pk) for name, pk in user_ids.items()}
    if not found or any(u is None or u.name != names[a] for a, u in found.items()):
        return None
    if any(u is None or u.username != name for name, u in people.items()):
        return None
    return SimpleNamespace(**found, **people)


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


def admin_change(client, obj, **changes):
    """POST the admin's change form of `obj` with its stored values and `changes`: the
    door through which the office edits a policy row."""
    from django.db import models

    data: dict[str, object] = {}
    for field in obj._meta.concrete_fields:
        if field.primary_key or not field.editable:
            continue
        value = changes.get(field.name, getattr(obj, field.attname))
        if isinstance(field, models.BooleanField):
            if value:
                data[field.name] = "on"
            continue
        if isinstance(value, dt.time):
            value = value.strftime("%H:%M")
        data[field.name] = "" if value is None else value
    meta = obj._meta
    return client.post(f"/admin/{meta.app_label}/{meta.model_name}/{obj.pk}/change/", data)


def replica_settings(replicas: list[str], **extra):
    """The settings LUOSHI_DATABASE_REPLICA_URLS makes (luoshi/settings.py), pointed at
    test replicas: the router, and the read-your-writes middleware right after sessions."""
    from django.conf import settings
    from django.test import override_settings

    middleware = list(settings.MIDDLEWARE)
    middleware.insert(
        middleware.index("django.contrib.sessions.middleware.SessionMiddleware") + 1,
        "luoshi.lib.dbrouter.ReadYourWritesMiddleware",
    )
    return override_settings(
        DATABASE_REPLICAS=replicas,
        DATABASE_ROUTERS=["luoshi.lib.dbrouter.ReplicaRouter"],
        MIDDLEWARE=middleware,
        **extra,
    )
