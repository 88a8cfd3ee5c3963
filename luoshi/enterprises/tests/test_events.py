"""Every change in enterprise service leaves its event row: who, when, what.

Liaisons assigned and removed, whitelist entries added, renewed, revoked and expired,
service days, problems received, transferred, rated, reopened, escalated and closed.
"""

import datetime as dt

import pytest
from django.core.management import call_command

from luoshi.enterprises import services
from luoshi.enterprises.models import EnterpriseEvent
from luoshi.enterprises.queries import whitelist_warnings
from luoshi.lib.errors import IllegalTransition, InvalidInput, NotAllowed, StaleVersion
from luoshi.lib.eventlog import ImmutableError

from .helpers import MONDAY, answered, complete, enterprise, rate, received, transfer, whitelisted

D = dt.date


def _kinds(**subject) -> list[str]:
    return list(EnterpriseEvent.objects.filter(**subject).values_list("kind", flat=True))


def test_enterprise_liaison_and_link_events(city):
    ent = enterprise(city)
    liaison = services.assign_liaison(
        ent, city.co_handler, actor=city.supervisor, version=ent.version
    )
    ent.refresh_from_db()
    services.reissue_token(ent, actor=city.supervisor, version=ent.version)
    ent.refresh_from_db()
    services.end_liaison(liaison, actor=city.supervisor, version=ent.version)
    assert _kinds(enterprise=ent) == [
        "enterprise.registered",
        "liaison.assigned",
        "enterprise.token_reissued",
        "liaison.ended",
    ]
    ended = EnterpriseEvent.objects.get(kind="liaison.ended")
    assert ended.actor == city.supervisor and ended.data["cadre"] == city.co_handler.pk
    ent.refresh_from_db()
    assert ent.version == 4  # three changes, each raised it
    assert ent.token not in str(list(EnterpriseEvent.objects.values_list("data", flat=True)))
    with pytest.raises(IllegalTransition):
        services.end_liaison(liaison, actor=city.supervisor, version=ent.version)


def test_stale_or_missing_enterprise_version_changes_nothing(city):
    ent = enterprise(city)
    with pytest.raises(InvalidInput) as missing:
        services.assign_liaison(ent, city.co_handler, actor=city.supervisor, version=None)
    assert missing.value.field == "version"
    with pytest.raises(StaleVersion):
        services.assign_liaison(ent, city.co_handler, actor=city.supervisor, version=7)
    with pytest.raises(NotAllowed):
        services.assign_liaison(ent, city.co_handler, actor=city.leader, version=ent.version)
    assert _kinds(enterprise=ent) == ["enterprise.registered"]


def test_whitelist_added_renewed_revoked_and_expired(city, frozen):
    ent = enterprise(city)
    entry = whitelisted(city, ent, D(2026, 6, 10))
    entry = services.renew_whitelist_entry(
        entry, actor=city.leader, version=entry.version, valid_to=D(2026, 6, 20)
    )
    other = whitelisted(city, ent, D(2026, 12, 31), actor=city.supervisor, guarantee="funding")
    services.revoke_whitelist_entry(
        other, actor=city.supervisor, version=other.version, reason="企业已迁出本市"
    )
    assert {w.entry.pk for w in whitelist_warnings(D(2026, 6, 1))} == {entry.pk}  # not revoked
    with pytest.raises(IllegalTransition):
        services.renew_whitelist_entry(
            other, actor=city.supervisor, version=2, valid_to=D(2027, 1, 1)
        )
    frozen.move_to(dt.datetime(2026, 6, 21, 2, tzinfo=dt.UTC))
    call_command("enterprise_scan", verbosity=0)
    call_command("enterprise_scan", verbosity=0)  # once only
    assert _kinds(whitelist_entry=entry) == [
        "whitelist.added",
        "whitelist.renewed",
        "whitelist.expired",
    ]
    assert _kinds(whitelist_entry=other) == ["whitelist.added", "whitelist.revoked"]
    renewed = EnterpriseEvent.objects.get(kind="whitelist.renewed")
    assert renewed.data == {"from": "2026-06-10", "to": "2026-06-20"}
    assert renewed.actor == city.leader
    revoked = EnterpriseEvent.objects.get(kind="whitelist.revoked")
    assert revoked.comment == "企业已迁出本市" and revoked.enterprise == ent


def test_whitelist_renewal_must_still_be_valid(city):
    ent = enterprise(city)
    entry = whitelisted(city, ent, D(2026, 6, 10))
    with pytest.raises(InvalidInput, match="still be valid"):
        services.renew_whitelist_entry(
            entry, actor=city.leader, version=entry.version, valid_to=D(2026, 5, 1)
        )
    with pytest.raises(NotAllowed):
        services.revoke_whitelist_entry(
            entry, actor=city.lead_handler, version=entry.version, reason="x"
        )
    with pytest.raises(InvalidInput):
        services.revoke_whitelist_entry(entry, actor=city.leader, version=entry.version, reason="")


def test_problem_events_through_the_loop(city, frozen):
    ent = enterprise(city)
    problem = answered(city, ent)
    rate(problem, "unsatisfied", comment="路还是没通")
    problem.matter.refresh_from_db()
    matter = services.reopen_problem(
        problem, actor=city.supervisor, version=problem.matter.version, comment="回访"
    )
    complete(city, matter)
    rate(problem, "very_unsatisfied")  # reopen used up: escalated at once
    matter.refresh_from_db()
    services.settle_problem(
        problem, actor=city.supervisor, version=matter.version, comment="依政策无法支持"
    )
    assert _kinds(problem=problem) == [
        "problem.received",
        "problem.transferred",
        "problem.rated",
        "problem.reopened",
        "problem.rated",
        "problem.escalated",
        "problem.closed",
    ]
    closed = EnterpriseEvent.objects.get(problem=problem, kind="problem.closed")
    assert closed.data == {"settled": True, "rating": "very_unsatisfied"}
    assert closed.actor == city.supervisor and closed.enterprise == ent


def test_a_satisfied_rating_closes_and_the_scan_escalates(city, frozen):
    ent = enterprise(city)
    happy = answered(city, ent, title="甲")
    rate(happy, "satisfied")
    assert _kinds(problem=happy)[-2:] == ["problem.rated", "problem.closed"]
    unhappy = answered(city, ent, title="乙")
    rate(unhappy, "unsatisfied")
    frozen.move_to(MONDAY + dt.timedelta(hours=49))
    call_command("enterprise_scan", verbosity=0)
    assert _kinds(problem=unhappy)[-1] == "problem.escalated"


def test_transfer_and_service_day_events(city):
    ent = enterprise(city)
    day = services.schedule_service_day(city.lead, D(2026, 6, 3), actor=city.supervisor)
    taken = received(city, ent, channel="service_day", actor=city.lead_handler, service_day=day)
    transfer(city, taken, city.co, tier="major")
    assert _kinds(service_day=day) == ["service_day.scheduled"]
    event = EnterpriseEvent.objects.get(problem=taken, kind="problem.transferred")
    assert event.data["unit"] == city.co.pk and event.data["tier"] == "major"
    received_event = EnterpriseEvent.objects.get(problem=taken, kind="problem.received")
    assert received_event.actor == city.lead_handler and received_event.enterprise == ent


def test_event_rows_never_change(city):
    event = EnterpriseEvent.objects.get(enterprise=enterprise(city))
    event.comment = "改写"
    with pytest.raises(ImmutableError):
        event.save()
    with pytest.raises(ImmutableError):
        event.delete()
