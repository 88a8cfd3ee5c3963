"""Keeping trained models safely: a joblib file under the var dir, its SHA-256 in the database.

A joblib (pickle) file runs code when loaded, so it is loaded only when its digest
matches the one recorded in DispatchModel when it was written: a file changed or
swapped on disk is refused and suggestions fall back to the category → unit table.
The loaded model is kept per process and reloaded when a newer one is recorded.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from pathlib import Path
from typing import TypedDict

import joblib
from django.conf import settings
from django.contrib.auth.models import User
from django.utils import timezone

from ..models import DispatchModel
from .model import FORMAT, Bundle

log = logging.getLogger(__name__)
CHECK_EVERY_SECONDS = 30  # how often a process asks whether a newer model was trained
_lock = threading.Lock()


class _Cache(TypedDict):
    id: int | None
    bundle: Bundle | None
    checked: float


_cache: _Cache = {"id": None, "bundle": None, "checked": 0.0}


def directory() -> Path:
    return Path(settings.LUOSHI["DISPATCH_MODEL_DIR"])


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def save(
    bundle: Bundle, *, seconds: float, actor: User | None = None, metrics: dict | None = None
) -> DispatchModel:
    """Write the bundle, record its digest; the newest record is the model in use."""
    folder = directory()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"dispatch-{timezone.now():%Y%m%d-%H%M%S-%f}.joblib"
    joblib.dump(bundle, path, compress=3)
    heads = bundle.heads
    row = DispatchModel.objects.create(
        file=path.name,
        sha256=sha256_of(path),
        examples=bundle.examples,
        categories=len(heads["category"].labels) if "category" in heads else 0,
        units=len(heads["unit"].labels) if "unit" in heads else 0,
        seconds=round(seconds, 2),
        trained_by=actor,
        metrics=metrics or {},
    )
    forget()
    return row


def load(row: DispatchModel) -> Bundle | None:
    """The bundle of a record, if its file is there and unchanged; else None (logged)."""
    path = directory() / Path(row.file).name  # never a path outside the folder
    if not path.is_file():
        log.warning("dispatch model file %s is missing", path)
        return None
    if sha256_of(path) != row.sha256:
        log.error("dispatch model file %s does not match its recorded digest: refused", path)
        return None
    bundle = joblib.load(path)
    if not isinstance(bundle, Bundle) or bundle.format != FORMAT:
        log.warning("dispatch model file %s has an old format: retrain", path)
        return None
    return bundle


def current() -> Bundle | None:
    """The newest model, loaded once per process (and when a newer one is recorded)."""
    now = time.monotonic()
    if _cache["bundle"] is not None and now - _cache["checked"] < CHECK_EVERY_SECONDS:
        return _cache["bundle"]
    row = DispatchModel.objects.order_by("-trained_at", "-id").first()
    with _lock:
        _cache["checked"] = now
        if row is None:
            _cache.update({"id": None, "bundle": None})
        elif row.pk != _cache["id"]:
            _cache.update({"id": row.pk, "bundle": load(row)})
    return _cache["bundle"]


def forget() -> None:
    """Drop the process's loaded model (after training, and in tests)."""
    with _lock:
        _cache.update({"id": None, "bundle": None, "checked": 0.0})
