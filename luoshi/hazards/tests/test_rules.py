"""The register's rules in the domain layer: deadlines by level, listed supervision, no
self-certified closing by any path, re-inspections, relapse, withdrawal, stale forms."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from luoshi.hazards import services
from luoshi.hazards.models import (
    Hazard,
    HazardEventKind,
    HazardPolicy,
    HazardStatus,
    ReinspectionKind,
)
from luoshi.lib.errors import IllegalTransition, InvalidInput, NotAllowed, StaleVersion
from luoshi.lib.eventlog import ImmutableError
from luoshi.matters import services as matter_services
from luoshi.matters.models import MatterKind, Source, State
from luoshi.org.models import Membership, Role

from .helpers import MONDAY, assigned, found, fresh, rectified, spec

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(MONDAY, tick=False) as traveller:
        yield traveller


def assign(city, hazard: Hazard, **kwargs) -> Hazard:
    return services.assign_rectification(
        hazard, actor=city.supervisor, version=hazard.version, **kwargs
    )


@pytest.mark.parametrize(
    ("level", "latest"),
    [("general", dt.date(2026, 6, 15)), ("serious", dt.date(2026, 7, 14))],
)
def test_the_deadline_follows_the_level(city, level, latest):
    """一般 ≤ 10 and 较大 ≤ 30 working days (端午 on 19 June is not one)."""
    hazard = assign(city, found(city, level=level))
    assert hazard.matter.deadline == latest
    assert hazard.matter.kind == MatterKind.HAZARD and hazard.matter.source == Source.INSPECTION
    later = found(city, level=level)
    with pytest.raises(InvalidInput) as error:
        assign(city, later, deadline=latest + dt.timedelta(days=1))
    assert error.value.field == "deadline" and str(latest) in error.value.message
    assert fresh(later).matter is None  # nothing was written


def test_the_office_edits_the_limits(city):
    HazardPolicy.objects.update_or_create(pk=1, defaults={"general_workdays": 5})
    assert assign(city, found(city)).matter.deadline == dt.date(2026, 6, 8)


def test_a_major_hazard_is_listed_under_its_leader_with_a_plan(city):
    plan = [matter_services.MilestoneSpec("制定方案", offset_workdays=5)]
    hazard = found(city, level="major")
    with pytest.raises(InvalidInput, match="leader"):
        assign(city, hazard, milestones=plan)
    with pytest.raises(InvalidInput) as error:
        assign(city, hazard, leader=city.lead_handler, milestones=plan)  # not a leader
    assert error.value.field == "responsible_leader"
    hazard = assign(city, fresh(hazard), leader=city.leader, milestones=plan)
    assert hazard.listed_supervision and hazard.matter.responsible_leader == city.leader
    assert hazard.matter.deadline == dt.date(2026, 10, 12)  # 90 working days (国庆 off)
    assert hazard.reinspection_due == dt.date(2026, 6, 16)
    assert list(hazard.matter.milestones.values_list("title", flat=True)) == ["制定方案"]


def test_no_self_certified_closing(city):
    hazard = rectified(city, assigned(city))
    # The rectifying unit: neither on the hazard nor on the matter.
    with pytest.raises(NotAllowed):
        services.verify_hazard(
            hazard,
            actor=city.lead_handler,
            version=hazard.version,
            passed=True,
            record_text="自查合格",
        )
    with pytest.raises(NotAllowed):
        matter_services.verify_completion(
            hazard.matter, actor=city.lead_head, version=None, passed=True, comment="自查合格"
        )
    # A supervisor who is also a handler of the rectifying unit is refused too.
    Membership.objects.create(user=city.supervisor, unit=city.lead, role=Role.HANDLER)
    city.supervisor = type(city.supervisor).objects.get(pk=city.supervisor.pk)
    with pytest.raises(NotAllowed):
        services.verify_hazard(
            hazard, actor=city.supervisor, version=hazard.version, passed=True, record_text="合格"
        )
    # The ordinary review and close are closed to hazard rectifications.
    with pytest.raises(IllegalTransition):
        matter_services.review_completion(
            hazard.matter, actor=city.admin, version=None, outcome="approve"
        )
    assert fresh(hazard).status == HazardStatus.AWAITING_VERIFICATION
    # An unrelated unit is not a verifier either.
    with pytest.raises(NotAllowed):
        services.verify_hazard(
            hazard,
            actor=city.street_handler,
            version=hazard.version,
            passed=True,
            record_text="合格",
        )


def test_the_office_verifies_when_the_finder_rectifies(city):
    """Found and rectified by the same unit: no verifying unit, the office checks."""
    hazard = found(city, responsible_unit=city.co)
    hazard = assign(city, hazard)
    assert hazard.verifying_unit is None
    matter = matter_services.accept_matter(hazard.matter, actor=city.co_handler, version=None)
    matter_services.request_completion(matter, actor=city.co_handler, version=None, text="已整改")
    hazard = fresh(hazard)
    with pytest.raises(NotAllowed):
        services.verify_hazard(
            hazard, actor=city.co_handler, version=hazard.version, passed=True, record_text="合格"
        )
    check = services.verify_hazard(
        hazard,
        actor=city.supervisor,
        version=hazard.version,
        passed=True,
        record_text="督查室现场验收合格",
    )
    assert check.unit == city.office and fresh(hazard).status == HazardStatus.CLOSED


def test_verification_needs_a_record_and_a_requested_completion(city):
    hazard = assigned(city)
    with pytest.raises(IllegalTransition):
        services.verify_hazard(
            hazard,
            actor=city.other_handler,
            version=hazard.version,
            passed=True,
            record_text="合格",
        )
    hazard = rectified(city, hazard)
    with pytest.raises(InvalidInput) as error:
        services.verify_hazard(
            hazard, actor=city.other_handler, version=hazard.version, passed=False, record_text="  "
        )
    assert error.value.field == "record"
    HazardPolicy.objects.update_or_create(pk=1, defaults={"verification_requires_photo": True})
    with pytest.raises(InvalidInput) as error:
        services.verify_hazard(
            hazard,
            actor=city.other_handler,
            version=hazard.version,
            passed=True,
            record_text="合格",
        )
    assert error.value.field == "photos"
    assert not hazard.verifications.exists()


def test_a_stale_form_changes_nothing(city):
    hazard = rectified(city, assigned(city))
    seen = hazard.version
    services.update_hazard(hazard, actor=city.supervisor, version=seen, measures="更换锁具")
    with pytest.raises(StaleVersion):
        services.verify_hazard(
            hazard, actor=city.other_handler, version=seen, passed=True, record_text="合格"
        )
    assert not hazard.verifications.exists()


def test_after_assignment_level_and_units_no_longer_change(city):
    hazard = assigned(city)
    with pytest.raises(InvalidInput) as error:
        services.update_hazard(hazard, actor=city.supervisor, version=hazard.version, level="major")
    assert error.value.field == "level"
    hazard = services.update_hazard(
        hazard, actor=city.supervisor, version=hazard.version, measures="加装监控"
    )
    event = hazard.events.get(kind=HazardEventKind.UPDATED)
    assert event.data["changes"]["measures"][1] == "加装监控"


def test_periodic_reinspections_only_for_open_major_hazards(city):
    general = assigned(city)
    with pytest.raises(IllegalTransition):
        services.reinspect_hazard(
            general, actor=city.co_handler, version=general.version, record_text="复查"
        )
    major = assigned(city, level="major")
    with pytest.raises(NotAllowed):
        services.reinspect_hazard(
            major, actor=city.lead_handler, version=major.version, record_text="自己复查"
        )
    check = services.reinspect_hazard(
        major, actor=city.co_handler, version=major.version, record_text="按方案推进"
    )
    assert check.kind == ReinspectionKind.PERIODIC and check.unit == city.co
    assert fresh(major).reinspection_due == dt.date(2026, 6, 16)


def test_a_relapse_at_the_follow_up_registers_the_hazard_again(city, frozen):
    hazard = rectified(city, assigned(city))
    services.verify_hazard(
        hazard, actor=city.other_handler, version=hazard.version, passed=True, record_text="合格"
    )
    frozen.move_to(dt.datetime(2026, 7, 2, 2, tzinfo=dt.UTC))
    hazard = fresh(hazard)
    services.reinspect_hazard(
        hazard,
        actor=city.other_handler,
        version=hazard.version,
        record_text="杂物再次堆放",
        relapsed=True,
    )
    again = Hazard.objects.get(relapse_of=hazard)
    assert again.status == HazardStatus.REGISTERED and again.found_by_unit == city.other
    assert "杂物再次堆放" in again.description
    assert fresh(hazard).reinspection_due is None


def test_withdrawing_a_hazard_withdraws_its_rectification(city):
    hazard = assigned(city)
    with pytest.raises(NotAllowed):
        services.withdraw_hazard(
            hazard, actor=city.lead_handler, version=hazard.version, reason="不是隐患"
        )
    hazard = services.withdraw_hazard(
        hazard, actor=city.supervisor, version=hazard.version, reason="经核实不构成隐患"
    )
    assert hazard.status == HazardStatus.WITHDRAWN
    assert fresh(hazard).matter.state == State.WITHDRAWN


def test_a_unit_registers_only_its_own_findings(city):
    with pytest.raises(NotAllowed):
        services.register_hazard(spec(city), actor=city.other_handler)
    with pytest.raises(InvalidInput) as error:
        services.register_hazard(spec(city, verifying_unit=city.lead), actor=city.co_handler)
    assert error.value.field == "verifying_unit"
    assert found(city).serial == "隐患〔2026〕1号"


def test_event_rows_are_append_only(city):
    event = found(city).events.get()
    event.comment = "改写"
    with pytest.raises(ImmutableError):
        event.save()
    with pytest.raises(ImmutableError):
        event.delete()


def test_each_request_for_verification_is_announced_to_the_checkers_once(
    city, django_capture_on_commit_callbacks
):
    from luoshi.notifications.models import Notification

    def asked(user) -> int:
        return Notification.objects.filter(user=user, text__contains="on-site verification").count()

    with django_capture_on_commit_callbacks(execute=True):
        hazard = rectified(city, assigned(city))
        # A later change of the matter (a comment while it waits) announces nothing again.
        matter_services.comment_on_matter(fresh(hazard).matter, actor=city.leader, text="抓紧验收")
    assert (asked(city.other_handler), asked(city.co_handler), asked(city.lead_handler)) == (
        1,
        1,
        0,
    )
    with django_capture_on_commit_callbacks(execute=True):
        hazard = fresh(hazard)
        services.verify_hazard(
            hazard,
            actor=city.other_handler,
            version=hazard.version,
            passed=False,
            record_text="仍有杂物",
        )
        matter_services.request_completion(
            fresh(hazard).matter, actor=city.lead_handler, version=None, text="再次清理"
        )
    assert asked(city.other_handler) == 2
