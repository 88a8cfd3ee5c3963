"""Background tasks of matters, run by the django.tasks backend (`luoshi db_worker`)."""

from __future__ import annotations

from django.tasks import task

from .warnings import scan


@task
def scan_warnings() -> dict[str, int]:
    """The nightly warning scan (`luoshi scan --enqueue` queues it); rows changed per warning."""
    return {str(warning): count for warning, count in scan(only_due=True).items()}
