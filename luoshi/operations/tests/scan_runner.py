"""`luoshi scan` in a process of its own, at a pinned time, that can be made to hang.

    python -m luoshi.operations.tests.scan_runner 2026-03-10T09:00:00+00:00 [HANG FLAG]

HANG is `module:function[:nth]` (hang on the nth call of that function, before it
runs) or `listeners` (hang after every scan listener ran); the runner writes FLAG when it
hangs, so the test knows the scan is half-way and kills it (test_scan_killed.py).
"""

from __future__ import annotations

import datetime as dt
import functools
import importlib
import os
import sys
import time
from pathlib import Path


def hang(flag: Path) -> None:
    flag.write_text("half-way")
    time.sleep(600)


def hang_in(target: str, flag: Path) -> None:
    if target == "listeners":
        from luoshi.matters import listeners

        listeners.on_matters_scanned(lambda matters: hang(flag))
        return
    module_name, name, *nth = target.split(":")
    module = importlib.import_module(module_name)
    original = getattr(module, name)
    calls = []

    @functools.wraps(original)
    def wrapper(*args, **kwargs):
        calls.append(1)
        if len(calls) == int(nth[0] if nth else 1):
            hang(flag)
        return original(*args, **kwargs)

    setattr(module, name, wrapper)


def main(argv: list[str]) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "luoshi.settings")
    import django

    django.setup()
    import time_machine
    from django.core.management import call_command

    if len(argv) > 2:
        hang_in(argv[2], Path(argv[3]))
    with time_machine.travel(dt.datetime.fromisoformat(argv[1]), tick=False):
        call_command("scan")


if __name__ == "__main__":
    main(sys.argv)
