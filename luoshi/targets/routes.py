"""Who may use the targets pages and API operations (luoshi.lib.routes; the walker checks).

Every signed-in user lists the targets they see; a unit reads its own targets (another
unit, or a user without a unit: 403, targets.queries.get_target_for_user). The office
sets targets, re-plans them, closes months and opens catch-up matters (leaders read
but do not plan); the responsible unit reports its actuals (targets.permissions).
"""

from __future__ import annotations

from typing import Any

from luoshi.lib.routes import SIGNED_IN, Policy, Route

OFFICE_NOT_LEADER = Policy(
    "the office (not leaders)", allowed="supervisor", refused={"lead_handler": 403, "leader": 403}
)
# A unit's own target: other units are refused (403), as are users without a unit.
UNITS_OWN = Policy(
    "the unit's own", allowed="lead_handler", refused={"other_handler": 403, "nobody": 403}
)
# The office plans a target it reads; a unit that does not own it is refused first.
OFFICE_ON_TARGET = Policy(
    "the office, on a target",
    allowed="supervisor",
    refused={"lead_handler": 403, "other_handler": 403, "leader": 403},
)
# The unit reports a target's actuals; the office does not report for it.
TARGETS_REPORTER = Policy(
    "the target's unit reports",
    allowed="lead_handler",
    refused={"other_handler": 403, "supervisor": 403},
)
TARGET = {"pk": "target"}

ROUTES = {
    "targets:index": Route(SIGNED_IN),
    "targets:create": Route(OFFICE_NOT_LEADER),
    "targets:close_month": Route(OFFICE_NOT_LEADER, method="POST"),
    "targets:detail": Route(UNITS_OWN, **TARGET),
    "targets:action": Route(TARGETS_REPORTER, method="POST", **TARGET, name="report"),
    "GET /api/targets/": Route(SIGNED_IN),
    "POST /api/targets/": Route(OFFICE_NOT_LEADER, body={"unit_id": "lead"}),
    "GET /api/targets/{pk}": Route(UNITS_OWN, **TARGET),
    "GET /api/targets/{pk}/history": Route(UNITS_OWN, **TARGET),
    "POST /api/targets/{pk}/trajectory": Route(OFFICE_ON_TARGET, **TARGET),
    "POST /api/targets/{pk}/actuals": Route(TARGETS_REPORTER, **TARGET),
    "POST /api/targets/months/close": Route(OFFICE_NOT_LEADER),
    "POST /api/targets/{pk}/matter": Route(OFFICE_ON_TARGET, **TARGET, note="409: not behind"),
}


def sample(world: Any) -> None:
    """The lead unit's target for 2026."""
    from luoshi.targets import services

    world.target = services.create_target(
        actor=world.supervisor,
        unit=world.lead,
        year=2026,
        name="固定资产投资增长",
        yearly_value=8,
        measure="%",
    )
