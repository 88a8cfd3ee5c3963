"""How each matter stood, day by day: the history the "as of" lists and figures read."""

from __future__ import annotations

import datetime as dt

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .choices import MatterWarning, State
from .matter import Matter


class StandingQuerySet(models.QuerySet):
    def on(self, day: dt.date) -> StandingQuerySet:
        """The standings in force at the end of `day`: one per matter that existed then."""
        return self.filter(valid_on(day))


def valid_on(day: dt.date, prefix: str = "") -> Q:
    """valid_from ≤ day < valid_to (open-ended while current), for a relation `prefix`."""
    return Q(**{f"{prefix}valid_from__lte": day}) & (
        Q(**{f"{prefix}valid_to__isnull": True}) | Q(**{f"{prefix}valid_to__gt": day})
    )


class MatterStanding(models.Model):
    """A matter's lead unit, state, warning and deadline from one day to its next change.

    Derived rows, never edited by hand: matters.history appends one whenever one of
    these changes (in services' record() and in the warning scan, inside their
    transaction) and closes the one before. The matter list "as of" a past day, the
    cockpit's counts of that day and its daily flows all come from these rows, so a
    past figure and the list behind it agree. A row closed on the day it opened
    (several changes in a day) is in force at no day's end.
    """

    matter = models.ForeignKey(Matter, models.PROTECT, related_name="standings", db_index=False)
    lead_unit = models.ForeignKey(
        "org.Unit", models.PROTECT, null=True, blank=True, related_name="+", db_index=False
    )
    state = models.CharField(_("state"), max_length=24, choices=State.choices)
    warning = models.CharField(_("warning"), max_length=16, choices=MatterWarning.choices)
    deadline = models.DateField(_("deadline"), null=True, blank=True)
    valid_from = models.DateField(_("from"))
    valid_to = models.DateField(_("until"), null=True, blank=True)  # exclusive
    # What the move into this standing counts as in the cockpit's daily flows.
    became_assigned = models.BooleanField(default=False)
    became_overdue = models.BooleanField(default=False)
    became_completed = models.BooleanField(default=False)

    objects = StandingQuerySet.as_manager()

    class Meta:
        verbose_name = _("matter standing")
        verbose_name_plural = _("matter standings")
        constraints = [
            models.UniqueConstraint(
                fields=["matter"], condition=Q(valid_to__isnull=True), name="one_current_standing"
            )
        ]
        indexes = [
            models.Index(fields=["matter", "valid_from"], name="standing_matter_from"),
            models.Index(fields=["valid_from"], name="standing_from"),
        ]

    def __str__(self) -> str:
        return (
            f"{self.matter_id} {self.valid_from}–{self.valid_to or ''}: {self.state}/{self.warning}"
        )
