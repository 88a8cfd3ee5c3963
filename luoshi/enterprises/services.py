"""Every change in enterprise service: one function per verb.

An enterprise's problem is received (service day, liaison cadre, or the enterprise's
own tokened form), transferred by a supervisor — which registers and assigns its
matter through matters.services, like any other matter — handled in the standard
loop, and closed by the enterprise's rating (matters.services.reopening).
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
from luoshi.matters.models import Matter, MatterKind, Source, State
from luoshi.matters.services.reopening import SATISFIED_GRADES, Rating
from luoshi.notifications.models import NotificationKind
from luoshi.notifications.services import notify, users_with_role
from luoshi.org.access import access_for
from luoshi.org.models import Role, Unit
from luoshi.workcalendar.calendar import get_calendar

from .credit_code import credit_code_problem, normalise
from .models import (
    Channel,
    Enterprise,
    EnterprisePolicy,
    EnterpriseProblem,
    EnterpriseSize,
    Guarantee,
    Liaison,
    ProblemCategory,
    ServiceDay,
    Tier,
    WhitelistEntry,
    new_token,
)


def _require_office(actor: User, *, leaders: bool = False) -> None:
    access = access_for(actor)
    if access.is_office or (leaders and access.is_leader):
        return
    raise NotAllowed(_("Only the office's supervisors may do this."))


def _text(value: str | None, name: str, label: str) -> str:
    text = (value or "").strip()
    if not text:
        raise InvalidInput(_("%(field)s is required.") % {"field": label}, field=name)
    return text


def _choice(value: str, choices, name: str) -> None:
    if value not in choices.values:
        raise InvalidInput(
            _("%(value)s is not a valid %(field)s.") % {"value": value, "field": name}, field=name
        )


# -- enterprises, liaisons, whitelist, service days ----------------------------------


@transaction.atomic
def register_enterprise(
    *,
    actor: User,
    name: str,
    credit_code: str,
    district: Unit,
    industry: str = "",
    size: str = "",
    contact_name: str = "",
    contact_phone: str = "",
) -> Enterprise:
    """Enter an enterprise, checked by its unified social credit code (GB 32100-2015)."""
    _require_office(actor)
    name = _text(name, "name", _("Name"))
    problem = credit_code_problem(credit_code)
    if problem:
        raise InvalidInput(problem, field="credit_code")
    code = normalise(credit_code)
    if Enterprise.objects.filter(credit_code=code).exists():
        raise InvalidInput(
            _("An enterprise with credit code %(code)s is already entered.") % {"code": code},
            field="credit_code",
        )
    if size:
        _choice(size, EnterpriseSize, "size")
    return Enterprise.objects.create(
        name=name,
        credit_code=code,
        district=district,
        industry=industry.strip(),
        size=size,
        contact_name=contact_name.strip(),
        contact_phone=contact_phone.strip(),
    )


@transaction.atomic
def reissue_token(enterprise: Enterprise, *, actor: User) -> Enterprise:
    """Give the enterprise a new link; the old one stops working at once."""
    _require_office(actor)
    enterprise.token = new_token()
    enterprise.save(update_fields=["token"])
    return enterprise


@transaction.atomic
def assign_liaison(enterprise: Enterprise, cadre: User, *, actor: User) -> Liaison:
    """Assign a liaison cadre (包联干部) to serve the enterprise."""
    _require_office(actor)
    if enterprise.liaisons.filter(cadre=cadre, ended_at__isnull=True).exists():
        raise InvalidInput(
            _("%(user)s already serves this enterprise.") % {"user": cadre}, field="cadre"
        )
    return Liaison.objects.create(enterprise=enterprise, cadre=cadre, assigned_by=actor)


@transaction.atomic
def end_liaison(liaison: Liaison, *, actor: User) -> Liaison:
    _require_office(actor)
    if liaison.ended_at is None:
        liaison.ended_at = timezone.now()
        liaison.save(update_fields=["ended_at"])
    return liaison


@transaction.atomic
def add_to_whitelist(
    *,
    actor: User,
    guarantee: str,
    valid_from: dt.date,
    valid_to: dt.date,
    enterprise: Enterprise | None = None,
    project=None,
) -> WhitelistEntry:
    """Put an enterprise or a project on the 四保 whitelist; the actor approves it."""
    _require_office(actor, leaders=True)
    _choice(guarantee, Guarantee, "guarantee")
    if (enterprise is None) == (project is None):
        raise InvalidInput(_("Name either an enterprise or a project."), field="enterprise")
    if valid_from is None or valid_to is None or valid_to < valid_from:
        raise InvalidInput(_("The validity must end on or after it begins."), field="valid_to")
    return WhitelistEntry.objects.create(
        enterprise=enterprise,
        project=project,
        guarantee=guarantee,
        valid_from=valid_from,
        valid_to=valid_to,
        approved_by=actor,
    )


@transaction.atomic
def schedule_service_day(
    unit: Unit, day: dt.date, *, actor: User, place: str = "", topic: str = ""
) -> ServiceDay:
    """Schedule a unit's service day (企业服务日): the office, or the unit's head."""
    access = access_for(actor)
    if not (access.is_office or access.heads(unit.pk)):
        raise NotAllowed(_("Only the office or the unit's head may schedule its service days."))
    if day is None or day < timezone.localdate():
        raise InvalidInput(_("A service day cannot be in the past."), field="day")
    if ServiceDay.objects.filter(unit=unit, day=day).exists():
        raise InvalidInput(_("The unit already has a service day then."), field="day")
    return ServiceDay.objects.create(
        unit=unit, day=day, place=place.strip(), topic=topic.strip(), scheduled_by=actor
    )


# -- problems -------------------------------------------------------------------------


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
    _choice(channel, Channel, "channel")
    if channel == Channel.ENTERPRISE:
        return  # the caller verified the enterprise's token
    if actor is None:
        raise NotAllowed(_("Log in to send in a problem."))
    access = access_for(actor)
    office = access.is_office
    if channel == Channel.LIAISON:
        serves = enterprise.liaisons.filter(cadre=actor, ended_at__isnull=True).exists()
        if not (serves or office):
            raise NotAllowed(_("Only the enterprise's liaison cadre may send in its problems."))
        return
    if service_day is None:
        raise InvalidInput(_("Name the service day."), field="service_day")
    if not (office or access.acts_for(service_day.unit_id)):
        raise NotAllowed(_("Only the office or the receiving unit takes service day problems."))


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
    title = _text(title, "title", _("Title"))[:300]
    _choice(category, ProblemCategory, "category")
    _choice(tier, Tier, "tier")
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
    notify(
        users_with_role(Role.SUPERVISOR),
        kind=NotificationKind.REQUEST,
        text=_("%(enterprise)s sent in a problem to transfer by %(day)s: %(title)s")
        % {"enterprise": enterprise, "day": problem.transfer_due, "title": title},
    )
    return problem


@transaction.atomic
def transfer_problem(
    problem: EnterpriseProblem,
    *,
    actor: User,
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
    problem = EnterpriseProblem.objects.select_for_update().get(pk=problem.pk)
    if problem.matter_id:
        raise IllegalTransition(_("This problem was already transferred."))
    if category:
        _choice(category, ProblemCategory, "category")
        problem.category = category
    if tier and tier != problem.tier:
        _choice(tier, Tier, "tier")
        problem.tier = tier
        received = timezone.localdate(problem.received_at)
        problem.solve_due = due_dates(received, tier, EnterprisePolicy.current())["solve_due"]
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
    problem.save()
    return matter_services.assign_matter(matter, actor=actor, version=matter.version)


def _fresh(problem: EnterpriseProblem) -> EnterpriseProblem:
    """The problem as stored now, with its matter; refused if not transferred yet."""
    problem = EnterpriseProblem.objects.select_related("matter").get(pk=problem.pk)
    if problem.matter is None:
        raise IllegalTransition(_("This problem has not been transferred and answered yet."))
    return problem


def _problem_of(matter: Matter) -> EnterpriseProblem:
    problem = EnterpriseProblem.objects.select_for_update().filter(matter=matter).first()
    if problem is None:
        raise InvalidInput(_("This matter is not an enterprise problem."), field="matter")
    return problem


@transaction.atomic
def rate_problem(
    problem: EnterpriseProblem,
    grade: str,
    *,
    actor: User | None = None,
    comment: str = "",
    automatic: bool = False,
) -> EnterpriseProblem:
    """The enterprise rates the answer; a satisfied grade closes the matter.

    The caller established that the rater is the enterprise (its token), or is the
    scan giving the default grade (`automatic`).
    """
    problem = _fresh(problem)
    matter_services.rate_matter(
        problem.matter, grade=grade, actor=actor, comment=comment, automatic=automatic
    )
    problem = _problem_of(problem.matter)
    problem.rating, problem.rated_at, problem.rating_automatic = grade, timezone.now(), automatic
    policy = EnterprisePolicy.current()
    if grade not in SATISFIED_GRADES and _reopens(problem.matter) >= policy.max_reopens:
        problem.escalated_at = problem.rated_at  # reopens used up: straight to the supervisor
    problem.save()
    return problem


def _reopens(matter: Matter) -> int:
    from luoshi.matters.services.reopening import reopen_count

    return reopen_count(matter)


@transaction.atomic
def reopen_problem(
    problem: EnterpriseProblem, *, actor: User, version: int | None, comment: str
) -> Matter:
    """After revisiting the enterprise (回访), reopen its unsatisfied problem, once."""
    policy = EnterprisePolicy.current()
    matter = matter_services.reopen_matter(
        _fresh(problem).matter,
        actor=actor,
        version=version,
        comment=comment,
        limit_workdays=policy.reopen_workdays,
        max_reopens=policy.max_reopens,
    )
    problem = _problem_of(matter)
    problem.rating, problem.rated_at, problem.rating_automatic = "", None, False
    problem.escalated_at = None
    problem.save()
    return matter


@transaction.atomic
def settle_problem(
    problem: EnterpriseProblem, *, actor: User, version: int | None, comment: str
) -> Matter:
    """The supervisor closes a problem still unsatisfied after its reopen, with a ruling."""
    return matter_services.settle_unsatisfied(
        _fresh(problem).matter,
        actor=actor,
        version=version,
        comment=comment,
        max_reopens=EnterprisePolicy.current().max_reopens,
    )


# -- the scan -------------------------------------------------------------------------


def apply_default_ratings(now: dt.datetime | None = None) -> int:
    """Give the default grade (基本满意) to answers not rated within the rating days.

    Each is a separate small transaction through rate_problem, so the event log
    shows the automatic rating like any other. Returns how many were rated.
    """
    now = now or timezone.now()
    policy = EnterprisePolicy.current()
    cutoff = now - dt.timedelta(days=policy.rating_days)
    due = EnterpriseProblem.objects.filter(
        matter__state=State.COMPLETED, matter__completed_at__lte=cutoff, rating=""
    ).select_related("matter")
    count = 0
    for problem in due:
        rate_problem(problem, policy.default_rating, automatic=True)
        count += 1
    return count


def escalate_unrevisited(now: dt.datetime | None = None) -> int:
    """Send to the supervisors the unsatisfied ratings not revisited within the limit."""
    now = now or timezone.now()
    policy = EnterprisePolicy.current()
    cutoff = now - dt.timedelta(hours=policy.revisit_hours)
    unsatisfied = [g for g in Rating.values if g not in SATISFIED_GRADES]
    late = EnterpriseProblem.objects.filter(
        matter__state=State.COMPLETED,
        rating__in=unsatisfied,
        rated_at__lte=cutoff,
        escalated_at__isnull=True,
    )
    ids = list(late.values_list("pk", flat=True))
    if ids:
        EnterpriseProblem.objects.filter(pk__in=ids).update(escalated_at=now)
        notify(
            users_with_role(Role.SUPERVISOR),
            kind=NotificationKind.DEADLINE,
            text=_("%(n)s unsatisfied enterprise rating(s) were not revisited in time.")
            % {"n": len(ids)},
        )
    return len(ids)
