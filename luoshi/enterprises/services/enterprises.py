"""Enterprises, their links, their liaison cadres, and the units' service days."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from luoshi.lib.errors import IllegalTransition, InvalidInput
from luoshi.org.access import access_for
from luoshi.org.models import Unit

from .. import permissions
from ..credit_code import credit_code_problem, normalise
from ..models import Enterprise, EnterpriseEventKind, EnterpriseSize, Liaison, ServiceDay, new_token
from ._base import lock, record, require_choice, require_text


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
    permissions.require_manage(access_for(actor))
    name = require_text(name, "name", _("Name"))
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
        require_choice(size, EnterpriseSize, "size")
    enterprise = Enterprise.objects.create(
        name=name,
        credit_code=code,
        district=district,
        industry=industry.strip(),
        size=size,
        contact_name=contact_name.strip(),
        contact_phone=contact_phone.strip(),
    )
    record(EnterpriseEventKind.REGISTERED, actor, enterprise=enterprise, data={"code": code})
    return enterprise


def _lock(enterprise: Enterprise, version: int | None) -> Enterprise:
    return lock(enterprise, version, describe=lambda e: e.name)


@transaction.atomic
def reissue_token(enterprise: Enterprise, *, actor: User, version: int | None) -> Enterprise:
    """Give the enterprise a new link; the old one stops working at once."""
    permissions.require_manage(access_for(actor))
    enterprise = _lock(enterprise, version)
    enterprise.token = new_token()
    # The event says that the link changed, never the link itself.
    record(EnterpriseEventKind.TOKEN_REISSUED, actor, bump=enterprise, enterprise=enterprise)
    return enterprise


@transaction.atomic
def assign_liaison(
    enterprise: Enterprise, cadre: User, *, actor: User, version: int | None
) -> Liaison:
    """Assign a liaison cadre (包联干部) to serve the enterprise."""
    permissions.require_manage(access_for(actor))
    enterprise = _lock(enterprise, version)
    if enterprise.liaisons.filter(cadre=cadre, ended_at__isnull=True).exists():
        raise InvalidInput(
            _("%(user)s already serves this enterprise.") % {"user": cadre}, field="cadre"
        )
    liaison = Liaison.objects.create(enterprise=enterprise, cadre=cadre, assigned_by=actor)
    data = {"liaison": liaison.pk, "cadre": cadre.pk}
    record(
        EnterpriseEventKind.LIAISON_ASSIGNED,
        actor,
        bump=enterprise,
        enterprise=enterprise,
        data=data,
    )
    return liaison


@transaction.atomic
def end_liaison(liaison: Liaison, *, actor: User, version: int | None) -> Liaison:
    """End a liaison (the cadre no longer serves the enterprise); `version` is the
    enterprise's. The row stays, with the day it ended."""
    permissions.require_manage(access_for(actor))
    enterprise = _lock(liaison.enterprise, version)
    liaison = Liaison.objects.select_for_update().get(pk=liaison.pk)
    if liaison.ended_at is not None:
        raise IllegalTransition(_("This liaison has already ended."))
    liaison.ended_at = timezone.now()
    liaison.save(update_fields=["ended_at"])
    data = {"liaison": liaison.pk, "cadre": liaison.cadre_id}
    kind = EnterpriseEventKind.LIAISON_ENDED
    record(kind, actor, bump=enterprise, enterprise=enterprise, data=data)
    return liaison


@transaction.atomic
def schedule_service_day(
    unit: Unit, day: dt.date | None, *, actor: User, place: str = "", topic: str = ""
) -> ServiceDay:
    """Schedule a unit's service day (企业服务日): the office, or the unit's head."""
    permissions.require_schedule(access_for(actor), unit.pk)
    if day is None or day < timezone.localdate():
        raise InvalidInput(_("A service day cannot be in the past."), field="day")
    if ServiceDay.objects.filter(unit=unit, day=day).exists():
        raise InvalidInput(_("The unit already has a service day then."), field="day")
    service_day = ServiceDay.objects.create(
        unit=unit, day=day, place=place.strip(), topic=topic.strip(), scheduled_by=actor
    )
    data = {"unit": unit.pk, "day": day.isoformat()}
    record(EnterpriseEventKind.SERVICE_DAY_SCHEDULED, actor, service_day=service_day, data=data)
    return service_day
