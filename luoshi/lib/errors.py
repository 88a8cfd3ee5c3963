"""Domain errors: what a refused operation tells the user, and the HTTP status it maps to.

Services raise these; the API (luoshi/api.py) and pages translate them. A refused
operation has changed nothing: services raise before writing, inside a transaction.
"""

from __future__ import annotations


class DomainError(Exception):
    status = 400
    code = "invalid"

    def __init__(self, message: str, *, field: str | None = None, code: str | None = None):
        super().__init__(message)
        self.message = str(message)
        self.field = field
        if code:
            self.code = code


class NotAllowed(DomainError):
    """The user's role or unit does not permit the operation."""

    status = 403
    code = "not_allowed"


class NotFound(DomainError):
    status = 404
    code = "not_found"


class IllegalTransition(DomainError):
    """The matter is not in a state where the operation applies."""

    status = 409
    code = "illegal_transition"


class StaleVersion(DomainError):
    """Someone changed the matter since the user loaded it."""

    status = 409
    code = "stale_version"


class InvalidInput(DomainError):
    """A field's value is unacceptable; `field` names it."""

    status = 422
    code = "invalid_input"


class StorageFull(InvalidInput):
    """The disk (or quota) holding uploaded files is full; nothing was saved.

    An InvalidInput so that pages show it beside the form, keeping what the user
    typed; the API answers 507 Insufficient Storage.
    """

    status = 507
    code = "storage_full"
