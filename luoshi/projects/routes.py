"""Who may use the project pages and API operations (luoshi.lib.routes; the walker checks).

Lists answer every signed-in user with the projects they see; a project is read by its
responsible unit and the units of its district (another unit gets 404), and by leaders
and the office. The unit reports stages and months (leaders may not: 403); raising a
problem as a matter is the office's (projects.services.raise_problem).
"""

from __future__ import annotations

from typing import Any

from luoshi.lib.routes import SIGNED_IN, Policy, Route

OFFICE_NOT_LEADER = Policy(
    "the office (not leaders)", allowed="supervisor", refused={"lead_handler": 403, "leader": 403}
)
# A project its responsible unit reports on; a unit not on it does not see it (404).
PROJECTS_UNIT = Policy(
    "the project's unit", allowed="lead_handler", refused={"other_handler": 404, "leader": 403}
)
# The pages answer an invalid form (422) before the service asks who acts, so leaders'
# refusal is proved on the API (PROJECTS_UNIT) only.
PROJECTS_UNIT_PAGE = Policy(
    "the project's unit (page)", allowed="lead_handler", refused={"other_handler": 404}
)
# Raising a problem is the office's: the project's unit sees it but is refused (403).
OFFICE_ON_PROJECT = Policy(
    "the office, on a project",
    allowed="supervisor",
    refused={"lead_handler": 403, "leader": 403, "other_handler": 404},
)
PROJECT = {"pk": "project"}

ROUTES = {
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
    "POST /api/projects/{pk}/problem": Route(
        OFFICE_ON_PROJECT, **PROJECT, body={"lead_unit": "lead"}
    ),
}


def sample(world: Any) -> None:
    """A project of the lead unit in the district."""
    from luoshi.projects.tests.helpers import project

    world.project = project(world)
