"""The event-log pattern, written once: a versioned record locked for change, and its
append-only events.

Every app that keeps an event log (matters, projects, enterprises, targets, evaluation,
documents, and the apps built on them) uses these pieces:

- `AppendOnlyModel`: the abstract base of an event row. Rows are inserted, never
  updated or deleted (`save` of a stored row and `delete` raise ImmutableError; the
  database refuses too: luoshi.lib.eventtriggers). Each row carries `chain_hash`, chained
  to the previous row of its subject (`chain_by`) or of its day (luoshi.lib.eventchain).
- `EventRecord`: an AppendOnlyModel with the columns every event log has (actor, at,
  comment, data); a log adds its `kind` (TextChoices, "noun.verb") and its subject.
- `lock_for_change(queryset, pk, version)`: re-read the record under a row lock and
  refuse with StaleVersion when someone changed it since the caller read it.
- `bump_and_save(obj)`: raise the record's version and save it, in the caller's
  transaction, just before its event row is appended.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, ClassVar

from django.conf import settings
from django.db import models, router, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import eventchain
from .errors import InvalidInput, NotFound, StaleVersion


class ImmutableError(Exception):
    """An event row was asked to change or disappear: the log is append-only."""


class ChainHashField(models.CharField):
    """The row's link in its hash chain, computed as the row is inserted.

    Its `pre_save` runs after every other field's (the field sorts last), so it hashes
    the timestamps `auto_now_add` has just set — on `save()`, `create()` and
    `bulk_create()` alike.
    """

    LAST = 2**62  # creation order: after every field declared anywhere

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 64)
        kwargs.setdefault("blank", True)
        kwargs.setdefault("default", "")
        kwargs.setdefault("editable", False)
        super().__init__(*args, **kwargs)
        self.creation_counter = self.LAST

    def pre_save(self, model_instance: models.Model, add: bool) -> Any:
        if add:
            setattr(model_instance, self.attname, eventchain.link_instance(model_instance))
        return getattr(model_instance, self.attname)


class AppendOnlyQuerySet(models.QuerySet):
    """`bulk_create` chains the batch: one lock and a few reads for all its rows."""

    def bulk_create(self, objs: Iterable[Any], *args: Any, **kwargs: Any) -> list[Any]:
        objs = list(objs)
        if not objs:
            return objs
        with transaction.atomic(using=self.db, savepoint=False):
            appender = eventchain.Appender(self.model, self.db, bulk=True)
            appender.seed([eventchain.instance_values(o) for o in objs])
            for obj in objs:
                obj._chain_appender = appender
            try:
                return super().bulk_create(objs, *args, **kwargs)
            finally:
                for obj in objs:
                    eventchain.forget(obj)


class AppendOnlyModel(models.Model):
    """An event row: appended by a service in the same transaction as the change.

    A concrete subclass declares what its rows chain by: `chain_by = "matter"` (the
    subject's foreign key), or None for one chain per day of `chain_day`; and its app
    adds `AppendOnlyTriggers("<model>")` in a migration (system check luoshi.E001).
    """

    chain_by: ClassVar[str | None] = None
    chain_day: ClassVar[str | None] = "at"

    chain_hash = ChainHashField(gettext_lazy("chain hash"))

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None and not self._state.adding:
            raise ImmutableError(f"{self._meta.verbose_name} rows are never changed")
        using = kwargs.get("using") or router.db_for_write(type(self), instance=self)
        # The chain's lock is transaction-scoped: hold it until the row is committed.
        with transaction.atomic(using=using, savepoint=False):
            appender = eventchain.Appender(type(self), using)
            if self.__dict__.pop("_chain_starts", False):
                appender.start(
                    eventchain.chain_key(appender.spec, eventchain.instance_values(self))
                )
            self._chain_appender = appender
            try:
                super().save(*args, **kwargs)
            finally:
                eventchain.forget(self)

    def starts_chain(self) -> None:
        """Say that this row is the first of its subject's chain, to be saved next.

        Only for a subject created in the same transaction (a matter just registered):
        no row can precede it, and no other transaction can append to a subject it
        cannot see, so the chain's head is neither locked nor read (one lock and one
        query fewer per registration).
        """
        self.__dict__["_chain_starts"] = True

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise ImmutableError(f"{self._meta.verbose_name} rows are never deleted")


class EventRecord(AppendOnlyModel):
    """One change of a record: who did what, when, why, with the facts the change carried.

    Subclasses add `kind = models.CharField(max_length=32, choices=TheirEventKind.choices)`,
    the foreign key to what changed, and an index on (subject, at).
    """

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=gettext_lazy("actor"),
    )
    at = models.DateTimeField(gettext_lazy("at"), auto_now_add=True)
    comment = models.TextField(gettext_lazy("comment"), blank=True)
    data = models.JSONField(gettext_lazy("data"), default=dict, blank=True)

    class Meta:
        abstract = True
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.get_kind_display()}"  # type: ignore[attr-defined]


def lock_for_change[M: models.Model](
    queryset: models.QuerySet[M],
    pk: int,
    version: int | None,
    *,
    current: int | None = None,
    describe: Callable[[M], str] = str,
) -> M:
    """Re-read one versioned row under a row lock; refuse a stale caller.

    `version` is what the user's form or API call saw. None means "the version of
    the object the caller holds" (`current`), for commands and imports that just
    loaded it; with neither, any version is accepted.
    """
    fresh = queryset.select_for_update(of=("self",)).filter(pk=pk).first()
    if fresh is None:
        raise NotFound(_("This record no longer exists."))
    expected = version if version is not None else current
    now = getattr(fresh, "version")  # noqa: B009  (every locked record is versioned)
    if expected is not None and now != expected:
        raise stale(describe(fresh), now, expected)
    return fresh


def stale(what: str, now: int, had: int) -> StaleVersion:
    """The refusal of a change made on a version of `what` that is no longer current."""
    return StaleVersion(
        _(
            "%(what)s was changed by someone else (now version %(now)s, you had "
            "%(had)s). Reload it and try again."
        )
        % {"what": what, "now": now, "had": had}
    )


def bump_and_save(obj: models.Model, *, update_fields: list[str] | None = None) -> None:
    """Raise the version (the next stale edit is refused) and save the record."""
    obj.version += 1  # type: ignore[attr-defined]
    if update_fields is not None:
        obj.save(update_fields=[*update_fields, "version"])
    else:
        obj.save()


def require_version(version: int | None) -> int:
    """The version a form or API call carried; refused when missing (never assumed current).

    For services whose every caller must say which version it read (pages, the API,
    and imports and scans passing the version of the object they just loaded).
    """
    if version is None:
        raise InvalidInput(
            _("The form lacks the version of the record: reload the page and try again."),
            field="version",
        )
    return version
