"""The route walker: every page and every API operation answers each persona as its
declared policy says (luoshi.lib.routes; NetBox's view-permission tests, generalised).

Pages come from the URL resolver, API operations from the OpenAPI schema, so a new
route is walked the day it is added — and fails here until it declares its policy in
its app's routes.py. Each request runs in a savepoint rolled back at once, so an
operation that succeeds changes nothing for the next one.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any
from urllib.parse import urlencode

import time_machine
from django.contrib.auth.models import User
from django.core.cache import caches
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client, TestCase, override_settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from luoshi.lib.routes import ANONYMOUS, Route, declared_routes, samplers
from luoshi.testing import the_city

NOW = dt.datetime(2026, 4, 10, 10, tzinfo=dt.UTC)
SAFE = {"GET", "HEAD"}
# What an allowed user may get from a change made with an empty or sample body: it
# passed the door (the input or the state may still be refused).
PASSED = {200, 201, 204, 302, 409, 422}
SKIPPED_NAMESPACES = {"admin"}  # Django's admin keeps its own permissions
# URLs under /api/ that are pages, not operations of the schema.
API_PAGES = {"api:openapi-json", "api:openapi-view", "api:api-root"}


def all_routes() -> dict[str, Route]:
    return declared_routes()


def page_names() -> dict[str, str]:
    """URL name → pattern of every page (API operations are walked from the schema)."""
    found: dict[str, str] = {}

    def walk(patterns, prefix: str, namespace: str | None) -> None:
        for entry in patterns:
            if isinstance(entry, URLResolver):
                inner = entry.namespace or namespace
                if inner not in SKIPPED_NAMESPACES:
                    walk(entry.url_patterns, prefix + str(entry.pattern), inner)
            elif isinstance(entry, URLPattern) and entry.name:
                name = f"{namespace}:{entry.name}" if namespace else entry.name
                found[name] = prefix + str(entry.pattern)

    walk(get_resolver().url_patterns, "/", None)
    api_names = {name for name in found if name.startswith("api:")}
    for name in api_names - API_PAGES:
        found.pop(name)  # an operation's URL: walked per method from the schema
    return found


def _schema() -> dict:
    from luoshi.api import api

    return api.get_openapi_schema()


def _operations() -> dict[str, dict]:
    """ "METHOD /api/path" → the operation's OpenAPI object."""
    out = {}
    for path, methods in _schema()["paths"].items():
        for method, operation in methods.items():
            out[f"{method.upper()} {path}"] = operation
    return out


def how_to_declare(key: str) -> str:
    app = key.split(":")[0] if ":" in key and " " not in key else key.split("/")[2]
    return (
        f"{key} declares no policy. Add it to luoshi/{app}/routes.py, e.g.\n"
        f'    ROUTES["{key}"] = Route(SIGNED_IN)   # or OFFICE, VISIBLE, a Policy(...) of its own\n'
        "(luoshi/lib/routes.py explains the policies; CONTRIBUTING.md: adding an app)."
    )


class RouteWalker(TestCase):
    """Builds one world (the test city and a sample of every app's objects) per class."""

    @classmethod
    def setUpTestData(cls):
        # Counters earlier tests left in the process's cache (public-link rate windows,
        # sign-in attempts) are not the policy under test.
        for cache in caches.all():
            cache.clear()
        with time_machine.travel(NOW, tick=False):
            world = the_city()
            world.nobody = User.objects.create_user("nobody", password="pw")
            for sample in samplers():
                sample(world)
        cls.world = world

    def test_every_route_declares_a_policy(self):
        routes = all_routes()
        walked = set(page_names()) | set(_operations())
        missing = sorted(walked - set(routes))
        stale = sorted(set(routes) - walked)
        problems = [how_to_declare(key) for key in missing]
        problems += [f"{key} is declared but no such route exists: drop it." for key in stale]
        assert not problems, "\n\n".join(problems)

    def test_an_undeclared_route_is_named_with_how_to_declare_it(self):
        with override_settings(ROOT_URLCONF="luoshi.tests.urls_extra"):
            missing = set(page_names()) - set(all_routes())
        assert missing == {"extra:page"}
        message = how_to_declare("extra:page")
        assert "luoshi/extra/routes.py" in message and 'ROUTES["extra:page"]' in message

    def test_pages_answer_as_declared(self):
        routes = all_routes()
        wrong = []
        with time_machine.travel(NOW, tick=False):
            for name in sorted(page_names()):
                if name in routes:
                    wrong += self.check(name, routes[name], self.page_request)
        assert not wrong, "\n".join(wrong)

    def test_api_operations_answer_as_declared(self):
        routes, operations = all_routes(), _operations()
        wrong = []
        with time_machine.travel(NOW, tick=False):
            for key in sorted(operations):
                if key in routes:
                    wrong += self.check(key, routes[key], self.api_request(operations[key]))
        assert not wrong, "\n".join(wrong)

    # ---- one route, every persona ----------------------------------------------------

    def check(self, key: str, route: Route, request) -> list[str]:
        policy = route.policy
        method = key.split(" ")[0] if " " in key else route.method
        wrong = []
        for persona, expected in expectations(route, is_api=" " in key, method=method).items():
            status = self.status(persona, lambda client: request(client, key, route, method))
            if status not in expected:
                wrong.append(
                    f"{key} as {persona}: {status}, but policy '{policy.name}' says "
                    f"{sorted(expected)}" + (f" ({route.note})" if route.note else "")
                )
        return wrong

    def status(self, persona: str, call) -> int:
        client = Client(raise_request_exception=False, headers={"accept-language": "en"})
        if persona != ANONYMOUS:
            client.force_login(getattr(self.world, persona))
        with transaction.atomic():  # whatever the request changed goes again
            status = call(client).status_code
            transaction.set_rollback(True)
        return status

    def page_request(self, client: Client, name: str, route: Route, method: str):
        url = reverse(name, kwargs=route.arguments(self.world) or None)
        if route.query:
            url += "?" + urlencode(route.query)
        return client.generic(method, url) if method in SAFE else client.post(url, {})

    def api_request(self, operation: dict):
        def call(client: Client, key: str, route: Route, method: str):
            path = key.split(" ", 1)[1].format(**route.arguments(self.world))
            if route.query:
                path += "?" + urlencode(route.query)
            if method in SAFE:
                return client.generic(method, path)
            body = operation.get("requestBody")
            if body is None:
                return client.generic(method, path)
            content_type, media = next(iter(body["content"].items()))
            data = sample_body(media["schema"], route.subject(self.world))
            data.update(route.body_fields(self.world))
            if content_type == "application/json":
                return client.generic(method, path, json.dumps(data), "application/json")
            return client.generic(method, path, *_multipart(client, data))

        return call


def expectations(route: Route, *, is_api: bool, method: str) -> dict[str, set[int]]:
    """Each persona the policy names, with the statuses it allows for them."""
    policy = route.policy
    out: dict[str, set[int]] = {}
    if not policy.public:
        out[ANONYMOUS] = {401} if is_api else {302}
    out[policy.allowed] = {policy.status} if method in SAFE else PASSED
    for persona, status in policy.refused.items():
        out[persona] = {status}
    return out


# ---- sample bodies from the OpenAPI schema ------------------------------------------------


def _resolve(schema: dict) -> dict:
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[1]
        return _resolve(_schema()["components"]["schemas"][name])
    if "anyOf" in schema:
        return _resolve(next(s for s in schema["anyOf"] if s.get("type") != "null"))
    if "allOf" in schema:
        return _resolve(schema["allOf"][0])
    return schema


def sample_body(schema: dict, subject: Any) -> dict:
    """The required fields with plausible values; `version` is the subject's own."""
    schema = _resolve(schema)
    properties = schema.get("properties", {})
    return {
        name: _sample(name, _resolve(properties[name]), subject)
        for name in schema.get("required", [])
    }


def _sample(name: str, schema: dict, subject: Any) -> Any:
    kind = schema.get("type")
    if name == "version" and hasattr(subject, "version"):
        return type(subject).objects.get(pk=subject.pk).version
    if "enum" in schema:
        return schema["enum"][0]
    if kind == "string" and schema.get("format") == "binary":
        return SimpleUploadedFile("样例.xlsx", b"PK")
    if kind == "string":
        return {"date": "2026-06-30", "date-time": "2026-06-30T10:00:00+08:00"}.get(
            schema.get("format", ""), "示例"
        )
    if kind in ("integer", "number"):  # plausible and inside the schema's bounds
        lowest = schema.get("minimum", 1)
        return 2026 if name == "year" else max(1, lowest)
    samples = {"boolean": False, "array": [], "object": {}}
    if kind in samples:
        return samples[kind]
    return sample_body(schema, subject) if "properties" in schema else None


def _multipart(client: Client, data: dict) -> tuple[bytes, str]:
    from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart

    return encode_multipart(BOUNDARY, data), MULTIPART_CONTENT
