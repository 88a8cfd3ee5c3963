"""The OpenAPI document names each body and answer once: two schema classes with the same
name in different apps would make the docs (and generated clients) show one for both."""

from ninja import Schema

from luoshi.api import api  # noqa: F401  (imports every app's API and its schemas)

# No clash is tolerated: each app prefixes the names it shares with another (HazardReviewIn).
KNOWN: set[str] = set()


def _subclasses(cls: type) -> set[type]:
    found = set(cls.__subclasses__())
    for sub in list(found):
        found |= _subclasses(sub)
    return found


def test_schema_names_are_unique_across_apps():
    by_name: dict[str, set[str]] = {}
    for schema in _subclasses(Schema):
        if schema.__module__.startswith("luoshi."):
            by_name.setdefault(schema.__name__, set()).add(schema.__module__)
    clashes = {name: sorted(mods) for name, mods in by_name.items() if len(mods) > 1}
    assert set(clashes) <= KNOWN, clashes
