"""The dispatch model's background task (`luoshi dispatch train --enqueue`, or a timer)."""

from __future__ import annotations

from django.tasks import task

from luoshi.lib.errors import DomainError


@task
def train_dispatch_model() -> dict:
    """Retrain on the history as it is now; returns what was trained (or why not)."""
    from .training import train

    try:
        row = train()
    except DomainError as error:
        return {"trained": False, "reason": error.message}
    return {"trained": True, "model": row.pk, "examples": row.examples, "seconds": row.seconds}
