"""Finding every app's demo builder and running them in order."""

from __future__ import annotations

from collections.abc import Callable
from importlib import import_module
from importlib.util import find_spec

from django.apps import apps

from luoshi.lib.demo import DemoContext

Builder = Callable[[DemoContext], object]


def builders() -> list[tuple[str, Builder]]:
    """`build(context)` of every luoshi app with a `demo` module, in INSTALLED_APPS order.

    org comes before matters and matters before the apps built on it, so each builder
    finds on the context what it needs (units and users, then matters).
    """
    found = []
    for config in apps.get_app_configs():
        name = config.name
        if not name.startswith("luoshi.") or name == __package__:
            continue
        if find_spec(f"{name}.demo") is None:
            continue
        module = import_module(f"{name}.demo")
        if hasattr(module, "build"):
            found.append((config.label, module.build))
    return found
