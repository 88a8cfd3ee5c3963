"""Benchmarks (`make bench`): not shipped with the package, run from a checkout.

- `python -m bench.scan`: the warning scan and a unit's inbox at scale (SQLite, PostgreSQL).
- `python -m bench.cockpit`: the cockpit endpoints and a period's evaluation (PostgreSQL).
- `bench/test_import_speed.py`: an import's preview and confirm (pytest -s).

Results are appended to docs/benchmarks.md with the machine, the data size and the command.
"""
