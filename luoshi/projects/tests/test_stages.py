"""Stage transitions, their refusals, versions and the event log."""

import datetime as dt

import pytest

from luoshi.lib.errors import IllegalTransition, InvalidInput, NotAllowed, StaleVersion
from luoshi.lib.eventlog import ImmutableError
from luoshi.projects import services
from luoshi.projects.models import ProjectEvent, ProjectStatus, Stage

from .helpers import project, reach

D = dt.date


@pytest.fixture
def p(city):
    return project(city, plans={"signed": D(2026, 1, 10), "started": D(2026, 3, 1)})


def test_register_creates_six_planned_stages(p):
    assert [s.stage for s in p.stages.all()] == [s.value for s in Stage]
    assert p.stages.get(stage="started").planned_date == D(2026, 3, 1)
    assert p.stage == "" and p.stage_index == 0
    assert p.events.get().kind == "project.registered"


def test_stages_are_reached_in_order(city, p):
    p = reach(city, p, ("signed", D(2026, 1, 10)), ("started", D(2026, 3, 5)))
    assert p.stage == Stage.STARTED and p.stage_index == 2
    event = p.events.filter(kind="project.stage_reached").last()
    assert event.data == {"stage": "started", "actual": "2026-03-05", "late": True}
    with pytest.raises(IllegalTransition, match="next stage"):
        services.record_stage(
            p,
            "built",
            actor=city.supervisor,
            version=p.version,
            actual_date=D(2026, 6, 1),
            evidence="x",
        )


@pytest.mark.parametrize(
    ("day", "evidence", "message"),
    [
        (D(2026, 7, 1), "证明", "future"),
        (D(2026, 1, 1), "证明", "before the previous"),
        (D(2026, 3, 1), "  ", "evidence"),
    ],
)
def test_bad_stage_dates_and_evidence_change_nothing(city, p, day, evidence, message):
    p = reach(city, p, ("signed", D(2026, 1, 10)))
    with pytest.raises(InvalidInput, match=message):
        services.record_stage(
            p,
            "started",
            actor=city.supervisor,
            version=p.version,
            actual_date=day,
            evidence=evidence,
        )
    p.refresh_from_db()
    assert p.stage == "signed" and p.stages.get(stage="started").actual_date is None


def test_responsible_unit_reports_other_units_may_not(city, p):
    services.record_stage(
        p,
        "signed",
        actor=city.lead_handler,
        version=p.version,
        actual_date=D(2026, 1, 10),
        evidence="签约协议",
    )
    p.refresh_from_db()
    with pytest.raises(NotAllowed):
        services.record_stage(
            p,
            "started",
            actor=city.other_handler,
            version=p.version,
            actual_date=D(2026, 3, 1),
            evidence="开工证明",
        )


def test_stale_version_is_refused(city, p):
    old = p.version
    reach(city, p, ("signed", D(2026, 1, 10)))
    with pytest.raises(StaleVersion):
        services.record_stage(
            p,
            "started",
            actor=city.supervisor,
            version=old,
            actual_date=D(2026, 3, 1),
            evidence="x",
        )


def test_terminated_project_does_not_move(city, p):
    p = services.set_status(
        p, ProjectStatus.TERMINATED, actor=city.supervisor, version=p.version, reason="企业退出"
    )
    with pytest.raises(IllegalTransition, match="terminated"):
        services.record_stage(
            p,
            "signed",
            actor=city.supervisor,
            version=p.version,
            actual_date=D(2026, 1, 10),
            evidence="x",
        )


def test_starting_ends_approvals(city, p):
    p = services.set_status(
        p, ProjectStatus.IN_APPROVALS, actor=city.supervisor, version=p.version, reason="环评中"
    )
    p = reach(city, p, ("signed", D(2026, 1, 10)))
    assert p.status == ProjectStatus.IN_APPROVALS
    p = reach(city, p, ("started", D(2026, 2, 10)))
    assert p.status == ProjectStatus.ACTIVE


def test_plans_must_follow_stage_order(city, p):
    with pytest.raises(InvalidInput) as error:
        services.plan_stages(
            p, {"building": D(2026, 2, 1)}, actor=city.supervisor, version=p.version
        )
    assert error.value.field == "plan_building"
    p = services.plan_stages(
        p, {"building": D(2026, 4, 1)}, actor=city.supervisor, version=p.version
    )
    assert p.stages.get(stage="building").planned_date == D(2026, 4, 1)


def test_only_the_office_registers(city):
    with pytest.raises(NotAllowed):
        services.register_project(
            services.ProjectSpec(
                code="X",
                name="X",
                kind="industrial",
                level="city",
                responsible_unit=city.lead,
                district=city.district,
            ),
            actor=city.lead_handler,
        )


def test_duplicate_code_and_bad_amount_are_named(city, p):
    spec = services.ProjectSpec(
        code=p.code,
        name="X",
        kind="industrial",
        level="city",
        responsible_unit=city.lead,
        district=city.district,
    )
    with pytest.raises(InvalidInput) as error:
        services.register_project(spec, actor=city.supervisor)
    assert error.value.field == "code"
    spec.code, spec.contracted_investment = "NEW", "lots"
    with pytest.raises(InvalidInput) as error:
        services.register_project(spec, actor=city.supervisor)
    assert error.value.field == "contracted_investment"


def test_events_are_immutable(p):
    event = ProjectEvent.objects.filter(project=p).first()
    with pytest.raises(ImmutableError):
        event.save()
    with pytest.raises(ImmutableError):
        event.delete()


def test_month_report_corrects_and_keeps_the_old_figures(city, p):
    services.report_month(
        p,
        year=2026,
        month=5,
        completed=10,
        funds_in_place=5,
        actor=city.lead_handler,
        version=p.version,
    )
    p.refresh_from_db()
    row = services.report_month(
        p,
        year=2026,
        month=5,
        completed=12,
        funds_in_place=5,
        actor=city.lead_handler,
        version=p.version,
    )
    assert row.completed == 12
    assert p.events.last().data["old"]["completed"] == "10.00"
    p.refresh_from_db()
    with pytest.raises(InvalidInput, match="not yet begun"):
        services.report_month(
            p,
            year=2026,
            month=7,
            completed=1,
            funds_in_place=0,
            actor=city.supervisor,
            version=p.version,
        )
