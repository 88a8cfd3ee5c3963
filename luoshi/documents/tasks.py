"""Background tasks of documents, run by the django.tasks backend (`luoshi db_worker`)."""

from __future__ import annotations

from django.tasks import task


@task
def build_ledger_export(export_id: int) -> int:
    """Build a long ledger asked for on the page or the API; the number of matters written."""
    from .exports import build_export

    return build_export(export_id).row_count
