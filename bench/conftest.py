"""Fixtures for the benchmarks run under pytest (`bench/test_*.py`, run by name)."""

from luoshi.conftest import city  # noqa: F401
from luoshi.documents.tests.conftest import docs_city, january  # noqa: F401
