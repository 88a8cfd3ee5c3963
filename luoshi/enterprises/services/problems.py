"""An enterprise's problem: received, transferred to its unit as a matter, rated, reopened.

Received (service day, liaison cadre, or the enterprise's own tokened form), it is
transferred by a supervisor — which registers and assigns its matter through
matters.services, like any other matter — handled in the standard loop, and
closed by the enterprise's rating (matters.services.reopening).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from luoshi.lib.errors import IllegalTransition, InvalidInput, NotAllowed
from luoshi.matters import services as matter_services
from luoshi.matters.models import Matter, MatterKind, Source
from luoshi.matters.services.reopening import SATISFIED_GRADES, reopen_count
from luoshi.notifications.models import NotificationKind
from luoshi.notifications.services import notify, users_with_role
from luoshi.org.access import access_for
from luoshi.org.models import Role, Unit
from luoshi.workcalendar.calendar import get_calendar

from .. import permissions
from ..models import (
    Channel,
    Enterprise,
    EnterpriseEventKind,
    EnterprisePolicy,
    EnterpriseProblem,
    ProblemCategory,
    ServiceDay,
    Tier,
)
from ._base import lock, record, require_choice, require_text


def due_dates(received: dt.date, tier: str, policy: EnterprisePolicy) -> dict[str, dt.date]:
    """The tiered limits, all counted in working days from the day of receipt."""
    calendar = get_calendar()
    solve = policy.major_workdays if tier == Tier.MAJOR else policy.ordinary_workdays
    return {
        "transfer_due": calendar.add_workdays(received, policy.transfer_workdays),
        "first_answer_due": calendar.add_workdays(received, policy.first_answer_workdays),
        "solve_due": calendar.add_workdays(received, solve),
    }


def _check_channel(
    enterprise: Enterprise, channel: str, actor: User | None, service_day: ServiceDay | None
) -> None:
    """Who may send a problem in by which channel."""
    require_choice(channel, Channel, "channel")
    if channel == Channel.ENTERPRISE:
        return  # the caller verified the enterprise's token
    if actor is None:
        raise NotAllowed(_("Log in to send in a problem."))
    access = access_for(actor)
    if channel == Channel.LIAISON:
        permissions.require_send_in(access, enterprise)
        return
    if service_day is None:
        raise InvalidInput(_("Name the service day."), field="service_day")
    permissions.require_take(access, service_day)


@transaction.atomic
def receive_problem(
    enterprise: Enterprise,
    *,
    title: str,
    category: str,
    channel: str,
    actor: User | None = None,
    content: str = "",
    tier: str = Tier.ORDINARY,
    service_day: ServiceDay | None = None,
) -> EnterpriseProblem:
    """Take in an enterprise's problem; the clock of the tiered limits starts now."""
    _check_channel(enterprise, channel, actor, service_day)
    title = require_text(title, "title", _("Title"))[:300]
    require_choice(category, ProblemCategory, "category")
    require_choice(tier, Tier, "tier")
    now = timezone.now()
    problem = EnterpriseProblem.objects.create(
        enterprise=enterprise,
        title=title,
        content=(content or "").strip(),
        category=category,
        tier=tier,
        channel=channel,
        service_day=service_day,
        received_by=actor,
        received_at=now,
        **due_dates(timezone.localdate(now), tier, EnterprisePolicy.current()),
    )
    data = {"channel": channel, "category": category, "tier": tier}
    record(EnterpriseEventKind.PROBLEM_RECEIVED, actor, data=data, **_subjects(problem))
    notify(
        users_with_role(Role.SUPERVISOR),
        kind=NotificationKind.REQUEST,
        text=_("%(enterprise)s sent in a problem to transfer by %(day)s: %(title)s")
        % {"enterprise": enterprise, "day": problem.transfer_due, "title": title},
    )
    return problem


def _subjects(problem: EnterpriseProblem) -> dict:
    return {"problem": problem, "enterprise_id": problem.enterprise_id}


def _lock(problem: EnterpriseProblem, version: int | None) -> EnterpriseProblem:
    return lock(problem, version, describe=lambda p: p.title)


def _reclassify(problem: EnterpriseProblem, category: str | None, tier: str | None) -> None:
    """The office may correct the category and the tier when it transfers."""
    if category:
        require_choice(category, ProblemCategory, "category")
        problem.category = category
    if tier and tier != problem.tier:
        require_choice(tier, Tier, "tier")
        problem.tier = tier
        received = timezone.localdate(problem.received_at)
        problem.solve_due = due_dates(received, tier, EnterprisePolicy.current())["solve_due"]


@transaction.atomic
def transfer_problem(
    problem: EnterpriseProblem,
    *,
    actor: User,
    version: int | None,
    lead_unit: Unit,
    co_units: Sequence[matter_services.CoUnit] = (),
    category: str | None = None,
    tier: str | None = None,
) -> Matter:
    """Transfer (转办) a problem to its responsible unit: register and assign its matter.

    The matter goes through matters.services.register_matter and assign_matter, so
    its handling, warnings and evaluation are those of every matter. Its deadline
    is the tier's limit counted from receipt (never before today).
    """
    permissions.require_manage(access_for(actor))
    problem = _lock(problem, version)
    if problem.matter_id:
        raise IllegalTransition(_("This problem was already transferred."))
    _reclassify(problem, category, tier)
    matter = matter_services.register_matter(
        matter_services.MatterSpec(
            title=f"{problem.enterprise.name}：{problem.title}"[:300],
            content=problem.content,
            source=Source.ENTERPRISE,
            kind=MatterKind.ENTERPRISE,
            lead_unit=lead_unit,
            co_units=co_units,
            deadline=max(problem.solve_due, timezone.localdate()),
            report_cycle="weekly",
            tags=["企业诉求", problem.category],
        ),
        actor=actor,
    )
    problem.matter, problem.transferred_at = matter, timezone.now()
    data = {"matter": matter.pk, "unit": lead_unit.pk, "tier": problem.tier}
    record(
        EnterpriseEventKind.PROBLEM_TRANSFERRED,
        actor,
        bump=problem,
        data=data,
        **_subjects(problem),
    )
    return matter_services.assign_matter(matter, actor=actor, version=matter.version)


def _with_matter(problem: EnterpriseProblem) -> EnterpriseProblem:
    if problem.matter_id is None:
        raise IllegalTransition(_("This problem has not been transferred and answered yet."))
    return problem


def _locked_with_matter(problem: EnterpriseProblem) -> EnterpriseProblem:
    """The problem under a row lock, taken before its matter's (the order rate_problem
    takes them too). The matter's own version check decides staleness here."""
    fresh = EnterpriseProblem.objects.select_for_update(of=("self",)).select_related("matter")
    return _with_matter(fresh.get(pk=problem.pk))


@transaction.atomic
def rate_problem(
    problem: EnterpriseProblem,
    grade: str,
    *,
    version: int | None,
    actor: User | None = None,
    comment: str = "",
    automatic: bool = False,
) -> EnterpriseProblem:
    """The enterprise rates the answer; a satisfied grade closes the matter.

    The caller established that the rater is the enterprise (its token), or is the
    scan giving the default grade (`automatic`).
    """
    problem = _with_matter(_lock(problem, version))
    matter = matter_services.rate_matter(
        problem.matter, grade=grade, actor=actor, comment=comment, automatic=automatic
    )
    problem.rating, problem.rated_at, problem.rating_automatic = grade, timezone.now(), automatic
    data = {"grade": grade, "automatic": automatic}
    record(
        EnterpriseEventKind.PROBLEM_RATED,
        actor,
        bump=problem,
        comment=comment,
        data=data,
        **_subjects(problem),
    )
    if grade in SATISFIED_GRADES:
        record(EnterpriseEventKind.PROBLEM_CLOSED, actor, data=data, **_subjects(problem))
    elif reopen_count(matter) >= EnterprisePolicy.current().max_reopens:
        _escalate(problem, problem.rated_at)  # reopens used up: straight to the supervisor
    return problem


def _escalate(problem: EnterpriseProblem, when: dt.datetime) -> None:
    problem.escalated_at = when
    problem.save(update_fields=["escalated_at"])
    record(EnterpriseEventKind.PROBLEM_ESCALATED, None, **_subjects(problem))


@transaction.atomic
def reopen_problem(
    problem: EnterpriseProblem, *, actor: User, version: int | None, comment: str
) -> Matter:
    """After revisiting the enterprise (回访), reopen its unsatisfied problem, once.

    `version` is the matter's: reopening changes the matter's state.
    """
    policy = EnterprisePolicy.current()
    problem = _locked_with_matter(problem)
    matter = matter_services.reopen_matter(
        problem.matter,
        actor=actor,
        version=version,
        comment=comment,
        limit_workdays=policy.reopen_workdays,
        max_reopens=policy.max_reopens,
    )
    problem.rating, problem.rated_at, problem.rating_automatic = "", None, False
    problem.escalated_at = None
    data = {"deadline": matter.deadline.isoformat()}
    record(
        EnterpriseEventKind.PROBLEM_REOPENED,
        actor,
        bump=problem,
        comment=comment,
        data=data,
        **_subjects(problem),
    )
    return matter


@transaction.atomic
def settle_problem(
    problem: EnterpriseProblem, *, actor: User, version: int | None, comment: str
) -> Matter:
    """The supervisor closes a problem still unsatisfied after its reopen, with a ruling.

    `version` is the matter's: settling closes the matter.
    """
    problem = _locked_with_matter(problem)
    matter = matter_services.settle_unsatisfied(
        problem.matter,
        actor=actor,
        version=version,
        comment=comment,
        max_reopens=EnterprisePolicy.current().max_reopens,
    )
    data = {"settled": True, "rating": problem.rating}
    record(
        EnterpriseEventKind.PROBLEM_CLOSED,
        actor,
        bump=problem,
        comment=comment,
        data=data,
        **_subjects(problem),
    )
    return matter
