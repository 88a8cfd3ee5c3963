"""Helpers for the page tests: post an action as the matter page's form would."""

from __future__ import annotations

from django.urls import reverse

from luoshi.matters.models import Matter

HTMX = {"HTTP_HX_REQUEST": "true"}


def act(client, matter: Matter, verb: str, *, version: int | None = None, htmx=False, **fields):
    """POST the `verb` form of the matter page (field names carry the verb as prefix)."""
    data = {f"{verb}-version": matter.version if version is None else version}
    data.update({f"{verb}-{name}": value for name, value in fields.items()})
    extra = HTMX if htmx else {}
    return client.post(reverse("matters:action", args=[matter.pk, verb]), data, **extra)


def fresh(matter: Matter) -> Matter:
    return Matter.objects.get(pk=matter.pk)


def many_matters(city, n: int) -> None:
    """`n` assigned matters held by the lead unit (for query budgets)."""
    from luoshi.testing import assigned

    for index in range(n):
        assigned(city, title=f"事项{index}")
