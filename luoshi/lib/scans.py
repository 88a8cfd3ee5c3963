"""Telling the nightly warning scan from the one-row refresh a service runs."""

from __future__ import annotations

from django.db.models import QuerySet


def is_full_scan(matters: QuerySet) -> bool:
    """True when `matters` (what matters.warnings.scan passes its listeners) is every
    running matter, i.e. the nightly scan, not refresh_warning's one row.

    Listeners that do daily work (time limits of other apps, digests, retries) run
    only then. The scan's own base query is rebuilt and compared as SQL, so a
    change there keeps this true rather than silently false.
    """
    from luoshi.matters.models import RUNNING_STATES, Matter

    every = Matter.objects.all().filter(state__in=RUNNING_STATES, suspended_at__isnull=True)
    return str(matters.query) == str(every.query)
