"""Reads of enterprise service: who sees which enterprise, the tokened door, figures.

Problems that became matters are read through Matter.objects.visible_to(user),
except on the enterprise's own tokened page, where the token is the door: it shows
that one enterprise its own problems and nothing else.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from luoshi.lib.errors import NotFound
from luoshi.matters.models import Matter, ProgressReport, State
from luoshi.matters.services.reopening import SATISFIED_GRADES
from luoshi.org.access import access_for
from luoshi.org.models import Unit

from .filters import SHOW
from .models import (
    Enterprise,
    EnterpriseEvent,
    EnterprisePolicy,
    EnterpriseProblem,
    Liaison,
    ProblemCategory,
    ServiceDay,
    WhitelistEntry,
)

SOLVED = [State.COMPLETED, State.CLOSED]


def visible_enterprises(user: User | AnonymousUser) -> QuerySet[Enterprise]:
    """The office, leaders and admins see all; a cadre the enterprises they serve; a unit
    those in its territory (its own unit or one below a unit it heads)."""
    access = access_for(user)
    if access.user_id is None:
        return Enterprise.objects.none()
    if access.sees_everything:
        return Enterprise.objects.all()
    serves = Q(liaisons__cadre_id=access.user_id, liaisons__ended_at__isnull=True)
    return Enterprise.objects.filter(
        serves | Q(district_id__in=sorted(access.visible_units))
    ).distinct()


def get_enterprise_for_user(user: User | AnonymousUser, pk: int) -> Enterprise:
    enterprise = visible_enterprises(user).select_related("district").filter(pk=pk).first()
    if enterprise is None:
        raise NotFound(_("Enterprise %(pk)s does not exist or is not visible to you.") % {"pk": pk})
    return enterprise


def liaison_of(enterprise: Enterprise, pk: int) -> Liaison:
    liaison = enterprise.liaisons.select_related("enterprise").filter(pk=pk).first()
    if liaison is None:
        raise NotFound(_("This liaison does not exist."))
    return liaison


def get_whitelist_entry_for_user(user: User | AnonymousUser, pk: int) -> WhitelistEntry:
    """A whitelist entry of an enterprise or a project the user may read."""
    from luoshi.projects.queries import visible_projects

    entries = WhitelistEntry.objects.filter(
        Q(enterprise__in=visible_enterprises(user).values("pk"))
        | Q(project__in=visible_projects(user).values("pk"))
    )
    entry = entries.select_related("enterprise", "project").filter(pk=pk).first()
    if entry is None:
        raise NotFound(_("This whitelist entry does not exist or is not visible to you."))
    return entry


def enterprise_for_token(token: str) -> Enterprise:
    enterprise = Enterprise.objects.filter(token=token).first() if token else None
    if enterprise is None:
        raise NotFound(_("This link is not valid (it may have been replaced)."))
    return enterprise


def problems_of(enterprise: Enterprise) -> QuerySet[EnterpriseProblem]:
    """The enterprise's own problems with their matters (the tokened door)."""
    return enterprise.problems.select_related("matter", "matter__lead_unit").order_by(
        "-received_at"
    )


def get_problem_for_user(user: User | AnonymousUser, pk: int) -> EnterpriseProblem:
    problem = visible_problems(user).filter(pk=pk).first()
    if problem is None:
        raise NotFound(_("Problem %(pk)s does not exist or is not visible to you.") % {"pk": pk})
    return problem


def problem_counts(user: User | AnonymousUser) -> dict[str, int]:
    """What the counters show: problems to transfer, awaiting rating, unsatisfied (one query)."""
    counted = ("to_transfer", "to_rate", "unsatisfied")
    found = visible_problems(user).aggregate(
        **{name: Count("pk", filter=SHOW[name]) for name in counted}
    )
    return {name: found[name] or 0 for name in counted}


def history(enterprise: Enterprise, limit: int = 50) -> list[EnterpriseEvent]:
    """The enterprise's latest events (its liaisons, whitelist, problems), newest first."""
    rows = enterprise.events.select_related("actor", "problem").order_by("-at", "-id")
    return list(rows[:limit])


def visible_service_days(user: User | AnonymousUser) -> QuerySet[ServiceDay]:
    """The office, leaders and admins see every unit's service days; a unit its own."""
    access = access_for(user)
    days = ServiceDay.objects.select_related("unit").order_by("-day")
    if access.user_id is None:
        return days.none()
    if access.sees_everything:
        return days
    return days.filter(unit_id__in=sorted(access.visible_units))


def visible_problems(user: User | AnonymousUser) -> QuerySet[EnterpriseProblem]:
    """Problems the user may read: the office all; others those whose matter they see,
    plus problems not yet transferred of enterprises they serve or hold in territory."""
    access = access_for(user)
    base = EnterpriseProblem.objects.select_related("enterprise", "matter", "matter__lead_unit")
    if access.user_id is None:
        return base.none()
    if access.sees_everything:
        return base
    return base.filter(
        Q(matter__in=Matter.objects.visible_to(user))
        | Q(matter__isnull=True, enterprise__in=visible_enterprises(user).values("pk"))
    )


@dataclass
class WhitelistWarning:
    entry: WhitelistEntry
    days_left: int

    @property
    def expired(self) -> bool:
        return self.days_left < 0


def whitelist_warnings(today: dt.date | None = None) -> list[WhitelistWarning]:
    """Entries that expire within the policy's warning days, or expired in that window."""
    today = today or timezone.localdate()
    days = EnterprisePolicy.current().whitelist_warning_days
    window = dt.timedelta(days=days)
    entries = WhitelistEntry.objects.filter(
        valid_to__gte=today - window, valid_to__lte=today + window, revoked_at__isnull=True
    ).select_related("enterprise", "project", "approved_by")
    return [WhitelistWarning(e, (e.valid_to - today).days) for e in entries]


# -- figures (the evaluation helper calls problem_figures) ----------------------------


@dataclass
class ProblemFigures:
    """Figures of enterprise problems received in a period; docs/enterprises.md defines each."""

    key: object
    taken: int = 0
    transferred_on_time: int = 0
    solved: int = 0
    solved_on_time: int = 0
    first_answer_on_time: int = 0
    rated: int = 0
    satisfied: int = 0

    @staticmethod
    def _rate(part: int, whole: int) -> Decimal | None:
        return (Decimal(part) * 100 / whole).quantize(Decimal("0.1")) if whole else None

    @property
    def solved_rate(self) -> Decimal | None:
        return self._rate(self.solved, self.taken)

    @property
    def on_time_rate(self) -> Decimal | None:
        return self._rate(self.solved_on_time, self.solved)

    @property
    def satisfaction_rate(self) -> Decimal | None:
        return self._rate(self.satisfied, self.rated)


GROUPS = {"unit": "matter__lead_unit_id", "category": "category", "enterprise": "enterprise_id"}


def problem_figures(
    *,
    start: dt.date,
    end: dt.date,
    by: str = "unit",
    user: User | AnonymousUser | None = None,
) -> list[ProblemFigures]:
    """Problems received from `start` to `end` (inclusive), grouped by unit or category.

    One grouped query. `user` restricts to what that user may read; None is the
    system's own use (the evaluation run), which counts everything.
    """
    queryset = EnterpriseProblem.objects.filter(
        received_at__date__gte=start, received_at__date__lte=end
    )
    if user is not None:
        queryset = queryset.filter(pk__in=visible_problems(user).values("pk"))
    solved = Q(matter__state__in=SOLVED)
    answered = ProgressReport.objects.filter(
        matter=OuterRef("matter"), created_at__date__lte=OuterRef("first_answer_due")
    )
    rows = (
        queryset.annotate(answered=Exists(answered))
        .values(GROUPS[by])
        .annotate(
            taken=Count("pk"),
            transferred_on_time=Count("pk", filter=Q(transferred_at__date__lte=F("transfer_due"))),
            solved=Count("pk", filter=solved),
            solved_on_time=Count(
                "pk", filter=solved & Q(matter__completed_at__date__lte=F("matter__deadline"))
            ),
            first_answer_on_time=Count("pk", filter=Q(answered=True)),
            rated=Count("pk", filter=~Q(rating="")),
            satisfied=Count("pk", filter=Q(rating__in=sorted(SATISFIED_GRADES))),
        )
        .order_by(GROUPS[by])
    )
    fields = [f for f in ProblemFigures.__dataclass_fields__ if f != "key"]
    return [ProblemFigures(key=row[GROUPS[by]], **{f: row[f] for f in fields}) for row in rows]


def group_names(by: str, keys: list) -> dict:
    """The names of figure groups: units and enterprises by name, categories by label."""
    ids = [k for k in keys if k]
    if by == "unit":
        return dict(Unit.objects.filter(pk__in=ids).values_list("pk", "name"))
    if by == "category":
        return {k: ProblemCategory(k).label for k in ids}
    return dict(Enterprise.objects.filter(pk__in=ids).values_list("pk", "name"))


def total_of(rows: Iterable[ProblemFigures]) -> ProblemFigures:
    total = ProblemFigures(key=None)
    for row in rows:
        for name in ProblemFigures.__dataclass_fields__:
            if name != "key":
                setattr(total, name, getattr(total, name) + getattr(row, name))
    return total
