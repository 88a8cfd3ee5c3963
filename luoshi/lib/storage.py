"""Files that belong to a row: stored before the row, removed again if the change fails.

A service that saves uploads (a progress report's attachments) stores each file with
`store(instance, field, upload)` before it inserts the row, and runs under
`@atomic_with_files` instead of `@transaction.atomic`. Then:

- a full disk (ENOSPC, EDQUOT) refuses the change with StorageFull, the partial file
  removed, no row written;
- a change that does not commit (refused, database gone, any exception) leaves no
  file behind: the files it stored are deleted;
- a change that committed keeps its files even if an after-commit step (a
  notification) fails afterwards: a row never points at a deleted file.

Called inside a caller's own transaction, the files are kept once the service's
block succeeds; if that outer transaction later rolls back they stay on disk
(orphan files, never orphan rows).
"""

from __future__ import annotations

import errno
import functools
import logging
from collections.abc import Callable
from contextvars import ContextVar

from django.core.files import File
from django.core.files.storage import Storage
from django.db import models, transaction
from django.db.models.fields.files import FieldFile
from django.http import Http404
from django.utils.translation import gettext as _

from .errors import StorageFull

FULL = {errno.ENOSPC, errno.EDQUOT}

_stored: ContextVar[list[tuple[Storage, str]] | None] = ContextVar("stored_files", default=None)


def is_disk_full(error: BaseException) -> bool:
    return isinstance(error, OSError) and error.errno in FULL


def store(instance: models.Model, field_name: str, upload: File, *, field: str = "") -> str:
    """Write `upload` to the storage of `instance.<field_name>` now; set the field to it.

    Returns the stored name. The row is saved afterwards by the caller and refers
    to a file that is already complete. `field` names the form field in a refusal.
    """
    file_field = instance._meta.get_field(field_name)
    if not isinstance(file_field, models.FileField):
        raise TypeError(f"{type(instance).__name__}.{field_name} is not a file field")
    storage = file_field.storage
    name = storage.get_available_name(
        file_field.generate_filename(instance, upload.name or ""), max_length=file_field.max_length
    )
    try:
        stored = storage.save(name, upload, max_length=file_field.max_length)
    except OSError as error:
        _remove(storage, name)  # a disk that filled up mid-write leaves a partial file
        if is_disk_full(error):
            raise StorageFull(
                _(
                    "%(name)s could not be saved: the server's storage is full. Nothing was "
                    "saved; please tell the administrator and try again later."
                )
                % {"name": upload.name},
                field=field or field_name,
            ) from error
        raise
    written = _stored.get()
    if written is not None:
        written.append((storage, stored))
    setattr(instance, field_name, stored)
    return stored


def atomic_with_files[**P, R](service: Callable[P, R]) -> Callable[P, R]:
    """`transaction.atomic` for a service that stores files: they go if it does not commit.

    The commit is known by an on_commit hook registered first in the block, so it
    runs before any other (a notification) that might fail after the commit.
    """

    @functools.wraps(service)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        written: list[tuple[Storage, str]] = []
        committed: list[bool] = []
        token = _stored.set(written)
        try:
            with transaction.atomic():
                transaction.on_commit(lambda: committed.append(True))
                result = service(*args, **kwargs)
            committed.append(True)  # inside a caller's transaction: this block succeeded
            return result
        except BaseException:
            if not committed:
                for storage, name in written:
                    _remove(storage, name)
            raise
        finally:
            _stored.reset(token)

    return wrapper


def _remove(storage: Storage, name: str) -> None:
    try:
        if storage.exists(name):
            storage.delete(name)
    except OSError:
        pass  # the disk may be gone too; an orphan file is harmless, an orphan row is not


missing_files = logging.getLogger("luoshi.storage")


def open_stored(stored: FieldFile) -> File:
    """The stored file of a row, opened for reading; a clean 404 when it is not there.

    A row whose file went missing (a restore without media, a disk swapped by hand) is
    answered with 404 to the user, and a warning naming the row and the path is logged
    for the administrators (the server log, LUOSHI_LOG_LEVEL at WARNING or below).
    """
    try:
        return stored.open("rb")
    except (FileNotFoundError, IsADirectoryError, ValueError) as error:
        instance = stored.instance
        missing_files.warning(
            "Stored file missing: %s %s (%s) at %s",
            instance._meta.label,
            instance.pk,
            stored.field.name,
            stored.name,
        )
        raise Http404(_("The file is missing from storage.")) from error
