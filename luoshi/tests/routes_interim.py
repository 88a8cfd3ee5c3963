"""Route policies of the apps whose own routes.py is still to come (interim).

projects, enterprises, evaluation and targets were reshaped in parallel with the route
walker, so their routes are declared here, as they answer today, with the objects
their URLs need. Each moves to `luoshi/<app>/routes.py` (ROUTES and `sample`) with its
app; the walker refuses a route declared in both places.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from luoshi.lib.routes import (
    OFFICE_OBJECT,
    OVERSEER,
    PUBLIC,
    SIGNED_IN,
    Policy,
    Route,
)

# Evaluation's and targets' office operations: leaders read, but do not configure.
OFFICE_NOT_LEADER = Policy(
    "the office (not leaders)", allowed="supervisor", refused={"lead_handler": 403, "leader": 403}
)
# A unit's own scorecard or target: other units are refused (403), as are users without a unit.
UNITS_OWN = Policy(
    "the unit's own", allowed="lead_handler", refused={"other_handler": 403, "nobody": 403}
)
# A project its responsible unit reports on; a unit not on it does not see it (404).
PROJECTS_UNIT = Policy(
    "the project's unit", allowed="lead_handler", refused={"other_handler": 404, "leader": 403}
)
PROJECTS_UNIT_PAGE = Policy(
    "the project's unit (page)", allowed="lead_handler", refused={"other_handler": 404}
)
# The unit reports a target's actuals; the office does not report for it.
TARGETS_REPORTER = Policy(
    "the target's unit reports",
    allowed="lead_handler",
    refused={"other_handler": 403, "supervisor": 403},
)
OFFICE_NOT_UNIT = Policy(
    "the office, on a problem", allowed="supervisor", refused={"lead_handler": 404, "leader": 403}
)
PROJECT = {"pk": "project"}
TOKEN = {"token": lambda world: world.enterprise.token}

ROUTES: dict[str, Route] = {
    # projects
    "projects:list": Route(SIGNED_IN),
    "projects:figures": Route(SIGNED_IN),
    "projects:ledger": Route(SIGNED_IN),
    "projects:import": Route(OFFICE_NOT_LEADER),
    "projects:import_template": Route(SIGNED_IN),
    "projects:detail": Route(PROJECTS_UNIT_PAGE, **PROJECT),
    "projects:record_stage": Route(PROJECTS_UNIT_PAGE, method="POST", **PROJECT),
    "projects:report_month": Route(PROJECTS_UNIT_PAGE, method="POST", **PROJECT),
    "projects:raise_problem": Route(PROJECTS_UNIT_PAGE, method="POST", **PROJECT),
    "GET /api/projects/": Route(SIGNED_IN),
    "GET /api/projects/figures": Route(SIGNED_IN),
    "GET /api/projects/{pk}": Route(PROJECTS_UNIT_PAGE, **PROJECT),
    "POST /api/projects/{pk}/stage": Route(PROJECTS_UNIT, **PROJECT),
    "POST /api/projects/{pk}/month": Route(PROJECTS_UNIT, **PROJECT),
    # enterprises
    "enterprises:list": Route(SIGNED_IN),
    "enterprises:figures": Route(SIGNED_IN),
    "enterprises:problems": Route(SIGNED_IN),
    "enterprises:service_days": Route(SIGNED_IN),
    "enterprises:detail": Route(OFFICE_OBJECT, pk="enterprise"),
    "enterprises:action": Route(OFFICE_OBJECT, method="POST", pk="enterprise", verb="token"),
    "enterprises:problem": Route(OFFICE_OBJECT, pk="problem"),
    "enterprises:problem_action": Route(
        OFFICE_OBJECT, method="POST", pk="problem", verb="transfer"
    ),
    "enterprises:public": Route(PUBLIC, note="the enterprise's own tokened page", **TOKEN),
    "enterprises:public_rate": Route(PUBLIC, method="POST", pk="problem", **TOKEN),
    "GET /api/enterprises/": Route(SIGNED_IN),
    "GET /api/enterprises/figures": Route(SIGNED_IN),
    "GET /api/enterprises/problems": Route(SIGNED_IN),
    "POST /api/enterprises/problems/{pk}/transfer": Route(OFFICE_NOT_UNIT, pk="problem"),
    "POST /api/enterprises/problems/{pk}/reopen": Route(
        OFFICE_OBJECT, pk="problem", note="the state is checked before the role (409)"
    ),
    # evaluation
    "evaluation:index": Route(SIGNED_IN),
    "evaluation:ranking": Route(OVERSEER, pk="period"),
    "evaluation:scorecard": Route(UNITS_OWN, pk="scorecard"),
    "evaluation:figure_matters": Route(UNITS_OWN, pk="scorecard", indicator="overdue_matters"),
    "GET /api/evaluation/schemes": Route(OVERSEER),
    "POST /api/evaluation/schemes": Route(OFFICE_NOT_LEADER),
    "GET /api/evaluation/periods": Route(SIGNED_IN),
    "POST /api/evaluation/periods": Route(OFFICE_NOT_LEADER),
    "POST /api/evaluation/periods/{pk}/compute": Route(OFFICE_NOT_LEADER, pk="period"),
    "POST /api/evaluation/periods/{pk}/close": Route(OFFICE_NOT_LEADER, pk="period"),
    "POST /api/evaluation/periods/{pk}/adjustments": Route(OFFICE_NOT_LEADER, pk="period"),
    "GET /api/evaluation/periods/{pk}/ranking": Route(OVERSEER, pk="period"),
    "GET /api/evaluation/scorecards/{pk}": Route(UNITS_OWN, pk="scorecard"),
    "GET /api/evaluation/scorecards/{pk}/matters/{indicator}": Route(
        UNITS_OWN, pk="scorecard", indicator="overdue_matters"
    ),
    "GET /api/evaluation/units/{unit_id}/scorecards": Route(UNITS_OWN, unit_id="lead"),
    # targets
    "targets:index": Route(SIGNED_IN),
    "targets:detail": Route(UNITS_OWN, pk="target"),
    "GET /api/targets/": Route(SIGNED_IN),
    "POST /api/targets/": Route(OFFICE_NOT_LEADER),
    "GET /api/targets/{pk}": Route(UNITS_OWN, pk="target"),
    "POST /api/targets/{pk}/trajectory": Route(OFFICE_NOT_LEADER, pk="target"),
    "POST /api/targets/{pk}/actuals": Route(TARGETS_REPORTER, pk="target"),
    "POST /api/targets/{pk}/matter": Route(UNITS_OWN, pk="target", note="409: no deadline"),
}


def sample_projects(world: Any) -> None:
    from luoshi.projects.tests.helpers import project

    world.project = project(world)


def sample_enterprises(world: Any) -> None:
    from luoshi.enterprises.tests.helpers import enterprise, received

    world.enterprise = enterprise(world)
    world.problem = received(world, world.enterprise)


def sample_evaluation(world: Any) -> None:
    from luoshi.evaluation import services
    from luoshi.evaluation.models import PeriodKind

    services.publish_scheme(actor=world.supervisor, name="2026年度督查考核办法")
    world.period = services.open_period(
        actor=world.supervisor, kind=PeriodKind.MONTH, year=2026, number=3
    )
    cards = services.compute_scorecards(world.period, today=dt.date(2026, 4, 10))
    world.scorecard = next(c for c in cards if c.unit_id == world.lead.pk)


def sample_targets(world: Any) -> None:
    from luoshi.targets import services

    world.target = services.create_target(
        actor=world.supervisor,
        unit=world.lead,
        year=2026,
        name="固定资产投资增长",
        yearly_value=8,
        measure="%",
    )


def samplers() -> list:
    return [sample_projects, sample_enterprises, sample_evaluation, sample_targets]
