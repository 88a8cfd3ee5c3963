"""The matter (督办事项), its units' parts and its milestones."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from luoshi.lib import numbers

from .choices import (
    DESK_STATES,
    OPEN_STATES,
    RUNNING_STATES,
    TERMINAL_STATES,
    WARNING_COLOURS,
    MatterKind,
    MatterWarning,
    PartRole,
    PartState,
    Priority,
    ReportCycle,
    Source,
    State,
)


class MatterQuerySet(models.QuerySet["Matter"]):
    def visible_to(self, user) -> models.QuerySet[Matter]:
        """The only door through which matters are read (see matters.queries)."""
        from luoshi.matters.queries import visible_matters

        return visible_matters(self, user)

    def open(self) -> models.QuerySet[Matter]:
        return self.filter(state__in=OPEN_STATES)


class Matter(models.Model):
    """One piece of work under supervision (督办事项), of any kind.

    Tasks from the work report, enterprise problems, hazard rectifications and
    citizen requests are all matters: one state machine, one event log, one
    warning engine. Every change goes through matters.services; `version` rises
    with each one so that a stale edit is refused.
    """

    kind = models.CharField(
        _("kind"), max_length=16, choices=MatterKind.choices, default=MatterKind.TASK
    )
    source = models.CharField(_("source"), max_length=16, choices=Source.choices)
    title = models.CharField(_("title"), max_length=300)
    content = models.TextField(_("content"), blank=True)
    serial_year = models.PositiveSmallIntegerField(_("serial year"))
    serial_no = models.PositiveIntegerField(_("serial number"))
    parent = models.ForeignKey(
        "self",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        db_index=False,  # matter_parent leads with it (one index less to write per row)
        verbose_name=_("parent matter"),
    )
    lead_unit = models.ForeignKey(
        "org.Unit",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="led_matters",
        verbose_name=_("lead unit"),
        db_index=False,  # matter_lead_state_dl leads with it (one index less to write per row)
    )
    responsible_leader = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="led_matters",
        verbose_name=_("responsible leader"),
        db_index=False,  # matter_leader_state leads with it (one index less to write per row)
    )
    priority = models.CharField(
        _("priority"), max_length=16, choices=Priority.choices, default=Priority.NORMAL
    )
    tags = models.JSONField(_("tags"), default=list, blank=True)
    report_cycle = models.CharField(
        _("report cycle"), max_length=16, choices=ReportCycle.choices, default=ReportCycle.MONTHLY
    )
    state = models.CharField(_("state"), max_length=24, choices=State.choices, default=State.DRAFT)
    version = models.PositiveIntegerField(_("version"), default=1)

    # Deadline: a date, or N working days counted from assignment (deadline is
    # then filled in by assign_matter). original_deadline keeps the first one.
    deadline = models.DateField(_("deadline"), null=True, blank=True)
    deadline_workdays = models.PositiveSmallIntegerField(
        _("deadline in working days"),
        null=True,
        blank=True,
        validators=numbers.workday_validators(1),
    )
    original_deadline = models.DateField(_("original deadline"), null=True, blank=True)
    # 持续推进 / 长期坚持 / 常态化: no deadline, reported on its cycle, never overdue.
    ongoing = models.BooleanField(_("ongoing"), default=False)
    # The deadline was counted on a year whose official holiday schedule is not yet
    # known (statutory holidays assumed, make-up working days unknown).
    deadline_provisional = models.BooleanField(_("provisional deadline"), default=False)
    # This matter's share in its parent's progress roll-up (children default to equal).
    weight = models.DecimalField(
        _("weight"),
        max_digits=7,
        decimal_places=2,
        default=1,
        validators=numbers.range_validators(Decimal("0.01"), 10000),
    )
    # How a counted deadline was counted: `deadline_basis_workdays` working days after
    # `deadline_basis_day` (before it when negative). Empty when the deadline was entered
    # as a date. matters.services.deadlines recounts from it once the office enters the
    # official holiday schedule of a provisional year (workcalendar).
    deadline_basis_day = models.DateField(_("deadline counted from"), null=True, blank=True)
    deadline_basis_workdays = models.SmallIntegerField(
        _("deadline counted in working days"), null=True, blank=True
    )

    # For a matter with sub-matters, `progress` is their weighted roll-up and
    # `reported_progress` the lead unit's own last report, shown beside it.
    progress = models.PositiveSmallIntegerField(
        _("progress %"), default=0, validators=numbers.range_validators(0, numbers.PERCENT_MAX)
    )
    last_report_at = models.DateTimeField(_("last report"), null=True, blank=True)
    warning = models.CharField(
        _("warning"), max_length=16, choices=MatterWarning.choices, default=MatterWarning.NORMAL
    )
    # The first day the warning can change by time alone is kept beside the matter
    # (NextWarningChange): the nightly scan moves it without rewriting this row.
    suspended_at = models.DateTimeField(_("suspended since"), null=True, blank=True)
    suspend_reason = models.CharField(_("suspension reason"), max_length=300, blank=True)

    # No index: no page filters by who registered a matter, users are never deleted (the
    # PROTECT check), and every index is written again whenever a warning moves.
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        related_name="+",
        db_index=False,
        verbose_name=_("registered by"),
    )
    created_at = models.DateTimeField(_("registered at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    assigned_at = models.DateTimeField(_("assigned at"), null=True, blank=True)
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    completion_requested_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    # The unit's clock is stopped since then: the matter waits for the office's review
    # or ruling (matters.fairness). Cleared when the office has ruled on everything.
    awaiting_office_since = models.DateTimeField(
        _("awaiting the office since"), null=True, blank=True
    )
    reported_progress = models.PositiveSmallIntegerField(
        _("progress reported by the lead unit %"),
        null=True,
        blank=True,
        validators=numbers.range_validators(0, numbers.PERCENT_MAX),
    )

    objects = MatterQuerySet.as_manager()

    class Meta:
        ordering = ["-serial_year", "-serial_no"]
        verbose_name = _("matter")
        verbose_name_plural = _("matters")
        constraints = [
            models.UniqueConstraint(fields=["serial_year", "serial_no"], name="uniq_matter_serial"),
            models.CheckConstraint(
                condition=models.Q(progress__lte=100), name="matter_progress_max_100"
            ),
            models.CheckConstraint(condition=models.Q(weight__gt=0), name="matter_weight_positive"),
        ]
        indexes = [
            models.Index(fields=["state", "warning"], name="matter_state_warning"),
            models.Index(fields=["lead_unit", "state", "deadline"], name="matter_lead_state_dl"),
            # One index per list ordering (matters.filters.ORDERINGS, exactly its
            # columns, the tie-breaking id included) so that a page of a list is read
            # in order from an index instead of sorting every matter (issue 15); the
            # serial ordering has its unique constraint. Filters the office uses most
            # lead the deadline order: warning (overdue, due soon) and state.
            models.Index(fields=["deadline", "id"], name="matter_deadline_id"),
            # With what a unit user's visibility tests (state, dispatch): a unit's overdue
            # list meets its parts by a hash of this index alone (busiest unit at 1M:
            # 330 → 63 ms; INCLUDE is PostgreSQL's). With every other ordering's columns:
            # such a list sorted by progress, update or serial is read whole from here
            # to be sorted (paging._sorted_here), not from 50k rows of the table (the
            # busiest unit's overdue list by progress at 1M: its rows read in 90 → 27 ms).
            models.Index(
                fields=["warning", "deadline", "id"],
                include=["state", "assigned_at", "progress", "updated_at"]
                + ["serial_year", "serial_no"],
                name="matter_warning_dl_id",
            ),
            models.Index(fields=["state", "deadline", "id"], name="matter_state_dl_id"),
            models.Index(fields=["updated_at", "id"], name="matter_updated_id"),
            models.Index(fields=["progress", "id"], name="matter_progress_id"),
            # A search for "12号" without its year (filters.SERIAL_RE).
            models.Index(fields=["serial_no"], name="matter_serial_no"),
            models.Index(fields=["kind", "state"], name="matter_kind_state"),
            models.Index(fields=["source", "state"], name="matter_source_state"),
            models.Index(fields=["responsible_leader", "state"], name="matter_leader_state"),
            models.Index(fields=["parent"], name="matter_parent"),
            # The desk's counts (queries.desk_counts) read only matters in the desk's states,
            # and only these columns for the office and leaders: an index-only scan of
            # what is open, however many closed matters the years pile up.
            models.Index(
                fields=["state", "warning", "responsible_leader", "id"],
                condition=models.Q(state__in=sorted(DESK_STATES)),
                name="matter_desk_open",
            ),
            # A unit's desk section "to report", longest silent first (queries.desk_lists):
            # read in this order and stopped after a few, where sorting every running
            # matter of a unit holding 43k of them took 0.4 s at 1M.
            models.Index(
                fields=["last_report_at", "deadline", "id"],
                condition=models.Q(state__in=sorted(RUNNING_STATES)),
                name="matter_report_order",
            ),
            # The completions waiting for the office's review, by the moment they began to
            # wait (backlog.sources): the nightly scan's count of those that crossed the
            # office's limit today reads a day's range, not every matter under review; the
            # backlog's oldest items are read in its order. It carries the two columns so
            # that counting the late ones among ~100k is an index-only scan on PostgreSQL
            # (0.21 s → 13 ms at 1M; SQLite ignores INCLUDE).
            models.Index(
                Coalesce("completion_requested_at", "updated_at"),
                include=["completion_requested_at", "updated_at"],
                condition=models.Q(state=State.COMPLETION_REQUESTED),
                name="matter_review_since",
            ),
            # The few matters counted on a provisional calendar, recounted once a year.
            models.Index(
                fields=["state"],
                condition=models.Q(deadline_provisional=True),
                name="matter_provisional",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.serial} {self.title}"

    def save(self, *args, **kwargs) -> None:
        """Any save may move what drives the warning (deadline, report, state, clock): the
        save stamps updated_at, by which the next nightly scan finds and recomputes the
        row (a service's refresh_warning, run after it, has done so at once)."""
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "updated_at" not in update_fields:
            kwargs["update_fields"] = [*update_fields, "updated_at"]
        super().save(*args, **kwargs)

    @property
    def serial(self) -> str:
        return f"督办〔{self.serial_year}〕{self.serial_no}号"

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES

    @property
    def is_terminal(self) -> bool:
        return self.state in TERMINAL_STATES

    @property
    def is_suspended(self) -> bool:
        return self.suspended_at is not None

    def plan_lag(self, today) -> int:
        """Points by which reported progress lags the share of time elapsed (0 if not behind)."""
        if not (self.assigned_at and self.deadline):
            return 0
        start = timezone.localdate(self.assigned_at)  # as the scan's TruncDate does
        total = max((self.deadline - start).days, 1)
        elapsed = min(max((today - start).days, 0), total)
        return max(round(100 * elapsed / total) - self.progress, 0)

    def warning_colour(self, red_points: int = 30, today=None) -> str:
        if self.warning == MatterWarning.BEHIND_PLAN and today is not None:
            return "red" if self.plan_lag(today) > red_points else "yellow"
        return WARNING_COLOURS[MatterWarning(self.warning)]


class MatterUnit(models.Model):
    """A unit's part in a matter: the lead unit's, or a co-unit's own part (配合单位).

    Each part is signed for and reported on by its unit and has its own state.
    A part reassigned after a dispute is kept, inactive, with state `replaced`.
    """

    matter = models.ForeignKey(
        Matter, models.PROTECT, related_name="parts", verbose_name=_("matter")
    )
    unit = models.ForeignKey(
        "org.Unit", models.PROTECT, related_name="matter_parts", verbose_name=_("unit")
    )
    role = models.CharField(_("role"), max_length=8, choices=PartRole.choices)
    description = models.TextField(_("part"), blank=True)
    state = models.CharField(
        _("state"), max_length=16, choices=PartState.choices, default=PartState.PLANNED
    )
    active = models.BooleanField(_("active"), default=True)
    assigned_at = models.DateTimeField(_("assigned at"), null=True, blank=True)
    accept_due = models.DateField(_("accept by"), null=True, blank=True)
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    # The supervisor ruled on this part's dispute: the ruling binds, no second dispute.
    dispute_ruled = models.BooleanField(default=False)
    # For a matter with sub-matters, `progress` is their weighted roll-up and
    # `reported_progress` the lead unit's own last report, shown beside it.
    progress = models.PositiveSmallIntegerField(_("progress %"), default=0)
    last_report_at = models.DateTimeField(_("last report"), null=True, blank=True)
    # The bucket this part is counted in (matters.partcounts): "part state|matter
    # state|report cycle", NULL when not counted (inactive, or a matter not dispatched).
    # Written only by partcounts, with the count it moves; never indexed, so that its
    # write can stay a heap-only update.
    counted = models.CharField(max_length=64, null=True, blank=True, editable=False)

    class Meta:
        ordering = ["matter", "-role", "id"]  # lead first
        verbose_name = _("unit part")
        verbose_name_plural = _("unit parts")
        constraints = [
            models.UniqueConstraint(
                fields=["matter", "unit"],
                condition=models.Q(active=True),
                name="uniq_active_part_per_unit",
            ),
            models.UniqueConstraint(
                fields=["matter"],
                condition=models.Q(active=True, role="lead"),
                name="one_active_lead_part",
            ),
        ]
        indexes = [
            # A unit's parts with their matters' ids: a unit user's desk reads them from
            # the index alone (queries.visible_parts; INCLUDE is PostgreSQL's, SQLite
            # keeps the three columns).
            models.Index(
                fields=["unit", "active", "state"],
                include=["matter"],
                name="part_unit_active_state",
            ),
            models.Index(fields=["unit", "matter"], name="part_unit_matter"),
        ]

    def __str__(self) -> str:
        return f"{self.unit} · {self.get_role_display()}"

    @property
    def is_lead(self) -> bool:
        return self.role == PartRole.LEAD


class Milestone(models.Model):
    """An intermediate deadline (节点) of a matter, with its own deliverable."""

    matter = models.ForeignKey(
        Matter, models.PROTECT, related_name="milestones", verbose_name=_("matter")
    )
    title = models.CharField(_("title"), max_length=200)
    deliverable = models.CharField(_("deliverable"), max_length=300, blank=True)
    deadline = models.DateField(_("deadline"))
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    done_at = models.DateTimeField(_("reached at"), null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+"
    )
    # As on Matter: a milestone counted in working days keeps its basis, and is
    # provisional when counted through a year without the official holiday schedule.
    deadline_provisional = models.BooleanField(_("provisional deadline"), default=False)
    deadline_basis_day = models.DateField(_("deadline counted from"), null=True, blank=True)
    deadline_basis_workdays = models.SmallIntegerField(
        _("deadline counted in working days"), null=True, blank=True
    )

    class Meta:
        ordering = ["matter", "order", "deadline"]
        verbose_name = _("milestone")
        verbose_name_plural = _("milestones")

    def __str__(self) -> str:
        return f"{self.title} ({self.deadline})"


class MilestoneTemplate(models.Model):
    """A ready set of milestones for a kind of matter, so decomposition is quick."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    kind = models.CharField(_("kind of matter"), max_length=16, choices=MatterKind.choices)

    class Meta:
        verbose_name = _("milestone template")
        verbose_name_plural = _("milestone templates")

    def __str__(self) -> str:
        return self.name


class MilestoneTemplateItem(models.Model):
    """One node of a template, due a number of working days after assignment."""

    template = models.ForeignKey(MilestoneTemplate, models.CASCADE, related_name="items")
    title = models.CharField(_("title"), max_length=200)
    deliverable = models.CharField(_("deliverable"), max_length=300, blank=True)
    offset_workdays = models.PositiveSmallIntegerField(
        _("working days after assignment"), validators=numbers.workday_validators()
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["template", "order", "offset_workdays"]
        verbose_name = _("template milestone")
        verbose_name_plural = _("template milestones")

    def __str__(self) -> str:
        return self.title
