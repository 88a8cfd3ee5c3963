"""Every rate of docs/projects.md on a hand-computed example, and the warnings.

As of 2026-06-30, investment January–June 2026 (amounts in 万元):

| project | contract | signed | start planned | started    | status       | contracted | funds |
|---------|----------|--------|---------------|------------|--------------|------------|-------|
| P1      | yes      | 01-10  | 03-01         | 02-20 ✓    | active       | 1000       | 300   |
| P2      | yes      | 01-15  | 04-01         | 05-10 late | active       | 2000       | 500   |
| P3      | yes      | 02-01  | 05-01         | —          | in approvals | 1000       | 0     |
| P4      | yes      | 03-01  | 09-01 not due | —          | active       | 500        | 100   |
| P5      | no       | —      | 02-01         | 02-01 ✓    | active       | 0          | —     |
| P6      | yes      | 01-05  | 03-01         | —          | terminated   | 800        | —     |

- stages (live): started P1 P2 P5 = 3, signed P3 P4 = 2; terminated 1
- started on time: due P1 P2 P3 P5 = 4, on time P1 P5 = 2 → 50.0 %
- contract performance: due P1 P2 P3 P6 = 4, performed P1 = 1 → 25.0 %;
  without projects in approvals: P1 P2 P6 = 3 → 33.3 %
- funds in place: (300 + 500 + 0 + 100) / (1000 + 2000 + 1000 + 500) = 900 / 4500 → 20.0 %
- investment: P1 plans 10 a month → 60 to June; completed 10 (Jan) + 20 (Mar) = 30 → 50.0 %
- effect: P5 revenue target 1200, actual 100 + 200 = 300 → 25.0 %
"""

import datetime as dt
from decimal import Decimal

import pytest

from luoshi.lib.errors import InvalidInput
from luoshi.projects import services
from luoshi.projects.models import Project, ProjectStatus, ProjectWarning
from luoshi.projects.queries import figures, warnings_of, with_warnings

from .helpers import month, project, reach

D = dt.date
AS_OF = D(2026, 6, 30)


def _contract(city, code, start, amount, **kw):
    return project(
        city,
        code=code,
        is_contract=True,
        contracted_investment=Decimal(amount),
        plans={"signed": D(2026, 1, 1), "started": start},
        **kw,
    )


def _status(city, p, status):
    p.refresh_from_db()
    services.set_status(p, status, actor=city.supervisor, version=p.version, reason="调度")


@pytest.fixture
def example(city):
    p1 = _contract(city, "P1", D(2026, 3, 1), 1000)
    reach(city, p1, ("signed", D(2026, 1, 10)), ("started", D(2026, 2, 20)))
    services.set_investment_plan(p1, 2026, [10] * 12, actor=city.supervisor, version=p1.version)
    month(city, p1, 1, completed=10, funds=100)
    month(city, p1, 3, completed=20, funds=200)
    p2 = _contract(city, "P2", D(2026, 4, 1), 2000, responsible_unit=city.co)
    reach(city, p2, ("signed", D(2026, 1, 15)), ("started", D(2026, 5, 10)))
    month(city, p2, 2, funds=500)
    p3 = _contract(city, "P3", D(2026, 5, 1), 1000)
    reach(city, p3, ("signed", D(2026, 2, 1)))
    _status(city, p3, ProjectStatus.IN_APPROVALS)
    p4 = _contract(city, "P4", D(2026, 9, 1), 500)
    reach(city, p4, ("signed", D(2026, 3, 1)))
    month(city, p4, 4, funds=100)
    p5 = project(
        city,
        code="P5",
        plans={"started": D(2026, 2, 1)},
        effect_metric="revenue",
        effect_target=Decimal(1200),
        kind="infrastructure",
    )
    reach(city, p5, ("signed", D(2026, 1, 2)), ("started", D(2026, 2, 1)))
    month(city, p5, 1, effect=100)
    month(city, p5, 2, effect=200)
    p6 = _contract(city, "P6", D(2026, 3, 1), 800)
    reach(city, p6, ("signed", D(2026, 1, 5)))
    _status(city, p6, ProjectStatus.TERMINATED)
    return Project.objects.all()


def test_every_rate_on_the_hand_computed_example(example, django_assert_max_num_queries):
    with django_assert_max_num_queries(2):
        fig = figures(example, as_of=AS_OF, count_in_approvals=True)
    assert fig.projects == 6 and fig.terminated == 1
    assert fig.by_stage["started"] == 3 and fig.by_stage["signed"] == 2
    assert (fig.due_to_start, fig.started_on_time) == (4, 2)
    assert fig.started_on_time_rate == Decimal("50.0")
    assert (fig.contracts_due, fig.contracts_performed) == (4, 1)
    assert fig.contract_performance_rate == Decimal("25.0")
    assert (fig.funds_in_place, fig.contracted_investment) == (900, 4500)
    assert fig.funds_in_place_rate == Decimal("20.0")
    assert (fig.investment_completed, fig.investment_planned) == (30, 60)
    assert fig.investment_rate == Decimal("50.0")
    assert fig.effect_rates() == {"revenue": Decimal("25.0")}


def test_the_approvals_setting(example):
    fig = figures(example, as_of=AS_OF, count_in_approvals=False)
    assert (fig.contracts_due, fig.contracts_performed) == (3, 1)
    assert fig.contract_performance_rate == Decimal("33.3")


def test_figures_by_unit_kind_and_period(city, example):
    by_unit = figures(example, as_of=AS_OF, by="unit", count_in_approvals=True)
    assert by_unit[city.co.pk].contracts_due == 1 and by_unit[city.co.pk].funds_in_place == 500
    assert by_unit[city.lead.pk].projects == 5
    by_kind = figures(example, as_of=AS_OF, by="kind")
    assert by_kind["infrastructure"].started_on_time_rate == Decimal("100.0")
    # Up to February only: P1's plan 20, completed 10; P5's effect 300 still.
    early = figures(example, as_of=AS_OF, through_month=2)
    assert early.investment_rate == Decimal("50.0") and early.investment_planned == 20
    # As of 2026-03-15: P1 (due 03-01) on time; P3, P2 not yet due; P6 terminated.
    march = figures(example, as_of=D(2026, 3, 15), count_in_approvals=True)
    assert (march.contracts_due, march.contracts_performed) == (2, 1)


def test_nothing_due_gives_no_rate(city):
    fig = figures(Project.objects.none(), as_of=AS_OF)
    assert fig.contract_performance_rate is None and fig.funds_in_place_rate is None


def test_warnings(example, django_assert_max_num_queries):
    with django_assert_max_num_queries(1):
        rows = {p.code: p for p in with_warnings(Project.objects.all(), AS_OF)}
    # P1: signed 01-10, planned 01-01 → reached late; plan to May 50, completed 30 → behind.
    # P3: start planned 05-01 not reached → late.
    late, behind = ProjectWarning.STAGE_REACHED_LATE, ProjectWarning.INVESTMENT_BEHIND
    assert warnings_of(rows["P1"], 0) == [late, behind]
    assert warnings_of(rows["P1"], 50) == [late]  # 30 ≥ 50 × 50 %
    assert ProjectWarning.STAGE_LATE in warnings_of(rows["P3"], 0)
    assert warnings_of(rows["P5"], 0) == []  # started on the day planned, signing unplanned
    assert warnings_of(rows["P4"], 0) == [late]  # signed 03-01 (planned 01-01); start not due
    assert warnings_of(rows["P6"], 0) == []  # terminated


def test_project_problem_goes_through_matter_services(city, example):
    from luoshi.matters import services as matter_services
    from luoshi.matters.models import EventKind, MatterKind, State

    p1 = example.get(code="P1")
    matter = services.raise_problem(
        p1,
        actor=city.supervisor,
        title="施工用电未接入",
        lead_unit=city.co,
        deadline=D(2026, 7, 31),
    )
    assert matter.kind == MatterKind.TASK and matter.state == State.DRAFT
    assert matter.events.get().kind == EventKind.REGISTERED
    matter = matter_services.assign_matter(matter, actor=city.supervisor, version=matter.version)
    matter_services.accept_matter(matter, actor=city.co_handler, version=matter.version)
    assert p1.problems.get().matter_id == matter.pk
    assert p1.events.filter(kind="project.problem_raised").exists()


def test_the_stage_line_counts_the_stages_reached_by_as_of(example):
    """As of 2026-02-10 only P5 had started (02-01); P1 (started 02-20), P2 (05-10) and
    P3 (signed 02-01) had signed; P4 (signed 03-01) not yet; P6 is terminated. Today's
    line reads each project's stage."""
    before = figures(example, as_of=D(2026, 2, 10))
    assert before.by_stage["started"] == 1
    assert before.by_stage["signed"] == 3
    assert before.by_stage[""] == 1  # not signed yet
    now = figures(example, as_of=AS_OF)
    assert (now.by_stage["started"], now.by_stage["signed"], now.by_stage[""]) == (3, 2, 0)


def test_figures_of_a_day_still_to_come_are_refused(client, city, example):
    with pytest.raises(InvalidInput) as refused:
        figures(example, as_of=AS_OF + dt.timedelta(days=1))
    assert refused.value.field == "as_of"
    client.force_login(city.leader)
    page = client.get("/projects/figures/?as_of=2026-07-01")
    assert page.status_code == 200 and page.context["today"] == AS_OF  # today's, told why
    assert page.context["as_of_form"].errors["as_of"]
    api = client.get("/api/projects/figures?as_of=2026-07-01")
    assert api.status_code == 422 and api.json()["field"] == "as_of"
