"""Settings tables that hold exactly one row, edited in the admin (the office's policies)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Self

from django.db import IntegrityError, transaction


class SingleRow:
    """Mixin for a model of one row (pk 1): `Model.current()` reads it, creating defaults.

    Two first requests may race to create the row; the loser reads the winner's.
    """

    if TYPE_CHECKING:
        objects: Any

    @classmethod
    def current(cls) -> Self:
        row = cls.objects.filter(pk=1).first()
        if row is not None:
            return row
        try:
            with transaction.atomic():
                return cls.objects.create(pk=1)
        except IntegrityError:
            return cls.objects.get(pk=1)
