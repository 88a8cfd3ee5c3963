"""Who may use each page and API operation: every route declares its policy here.

Each app lists its routes in `luoshi/<app>/routes.py`:

    from luoshi.lib.routes import OFFICE, VISIBLE, Route

    ROUTES = {
        # pages by URL name; API operations by "METHOD /api/path" as in /api/openapi.json
        "matters:detail": Route(VISIBLE, pk="matter"),
        "POST /api/matters/{pk}/assign": Route(OFFICE, pk="matter"),
    }

    def sample(world) -> None:  # optional: objects the routes' URLs need
        world.batch = ...

The route walker (luoshi/tests/test_routes.py) requests every page URL (from the URL
resolver) and every API operation (from the OpenAPI schema) as each persona of the
test city and checks the status the policy promises: anonymous 302 (pages) or 401
(API), a user without the role 403, a user with the role but not the object 404, the
user allowed 200 — or, for an operation that changes something, anything but a
refusal (the empty or sample body may still be refused as input: 409, 422). A route
that declares no policy fails the walker with the line to add.

URL arguments: `Route(policy, pk="matter")` takes `world.matter.pk`; a callable takes
`fn(world)`; anything else is used as it is (`verb="accept"`). `query={...}` and
`body={...}` (`body={"dispute_id": "dispute"}`) fill the query string and the body the
same way; the walker fills the body's other required fields from the schema. A page that only takes
POST says `method="POST"`. An app's own policies (who acts on a matter, say) are
Policy(...) values in its routes.py.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from importlib import import_module
from importlib.util import find_spec
from types import MappingProxyType
from typing import Any

ANONYMOUS = "anonymous"


@dataclass(frozen=True)
class Policy:
    """Who may use a route, as statuses per persona of the test city.

    `allowed` is the persona who may (200 on a read); `refused` maps other personas
    to the status they get: 403 for a missing role, 404 for an object not theirs.
    """

    name: str
    allowed: str
    refused: Mapping[str, int] = field(default_factory=lambda: MappingProxyType({}))
    public: bool = False  # anonymous users may use it too
    status: int = 200  # what the allowed persona gets on a read


def _refused(**statuses: int) -> Mapping[str, int]:
    return MappingProxyType(statuses)


# Anyone, also without logging in (the sign-in page, the API's documentation).
PUBLIC = Policy("public", allowed=ANONYMOUS, public=True)
# A URL the framework keeps that serves nothing (ninja's API root): 404 for everyone.
NOT_SERVED = Policy("not served", allowed=ANONYMOUS, public=True, status=404)
# Any signed-in user, whatever their role (their desk, their inbox, the unit tree).
SIGNED_IN = Policy("signed in", allowed="nobody")
# The supervising office (supervisors and admins): 督查室.
OFFICE = Policy("office", allowed="supervisor", refused=_refused(lead_handler=403))
# An object only the office sees: others get 404, as if it did not exist (an import).
OFFICE_OBJECT = Policy("office's object", allowed="supervisor", refused=_refused(lead_handler=404))
# Leaders, supervisors and admins: the whole city (the cockpit).
OVERSEER = Policy("overseer", allowed="leader", refused=_refused(lead_handler=403))
# Staff holding any role in a unit (issued bulletins are internal documents).
STAFF = Policy("staff", allowed="lead_handler", refused=_refused(nobody=403))
# What only staff with a role read (an issued bulletin): a user without a role gets 404.
STAFF_OBJECT = Policy("staff's object", allowed="lead_handler", refused=_refused(nobody=404))
# A matter (or what hangs on it) its units see: a unit not on it gets 404.
VISIBLE = Policy("visible matter", allowed="lead_handler", refused=_refused(other_handler=404))
# Administrators: the unit tree and who holds which role.
ADMIN = Policy("administrator", allowed="admin", refused=_refused(supervisor=403))


@dataclass(frozen=True)
class Route:
    """A route's policy and how to fill its URL's arguments from the walker's world."""

    policy: Policy
    kwargs: Mapping[str, Any]
    method: str = "GET"  # pages only: how the walker calls it (API keys name their method)
    query: Mapping[str, Any] = field(default_factory=dict)  # a query string it needs
    body: Mapping[str, Any] = field(default_factory=dict)  # fields the sample body must hold
    note: str = ""  # why the route answers as it does, when that is not obvious

    def __init__(
        self,
        policy: Policy,
        *,
        method: str = "GET",
        query: Mapping[str, Any] | None = None,
        body: Mapping[str, Any] | None = None,
        note: str = "",
        **kwargs: Any,
    ):
        object.__setattr__(self, "policy", policy)
        object.__setattr__(self, "method", method)
        object.__setattr__(self, "query", MappingProxyType(dict(query or {})))
        object.__setattr__(self, "body", MappingProxyType(dict(body or {})))
        object.__setattr__(self, "note", note)
        object.__setattr__(self, "kwargs", MappingProxyType(kwargs))

    def arguments(self, world: Any) -> dict[str, Any]:
        return {name: _value(world, spec) for name, spec in self.kwargs.items()}

    def body_fields(self, world: Any) -> dict[str, Any]:
        return {name: _value(world, spec) for name, spec in self.body.items()}

    def subject(self, world: Any) -> Any:
        """The first argument that names an object of the world (its version goes in bodies)."""
        for spec in self.kwargs.values():
            if isinstance(spec, str) and hasattr(world, spec):
                return getattr(world, spec)
        return None


def _value(world: Any, spec: Any) -> Any:
    if callable(spec):
        return spec(world)
    if isinstance(spec, str) and hasattr(world, spec):
        return getattr(world, spec).pk
    return spec


def app_modules(suffix: str) -> list[Any]:
    """`luoshi.<app>.<suffix>` of every installed luoshi app that has one, in app order."""
    from django.apps import apps

    found = []
    for config in apps.get_app_configs():
        name = f"{config.name}.{suffix}"
        if config.name.startswith("luoshi.") and find_spec(name) is not None:
            found.append(import_module(name))
    return found


def declared_routes() -> dict[str, Route]:
    """Every app's ROUTES, merged (a route declared twice is an error)."""
    routes: dict[str, Route] = {}
    for module in app_modules("routes"):
        for key, route in getattr(module, "ROUTES", {}).items():
            if key in routes:
                raise ValueError(f"{key} is declared twice (again in {module.__name__})")
            routes[key] = route
    return routes


def samplers() -> list[Callable[[Any], None]]:
    """Every app's `sample(world)`, in app order (org and matters first)."""
    return [m.sample for m in app_modules("routes") if hasattr(m, "sample")]
