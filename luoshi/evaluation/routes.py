"""Who may use the evaluation pages and API operations (luoshi.lib.routes; the walker checks).

Every signed-in user reads the published schemes and the periods' list; rankings,
periods and their items are for leaders and the office (OVERSEER); a unit reads its
own scorecards (another unit, or a user without a unit, is refused: 403). The
office's verbs (publish, open, compute, review, close, add or withdraw items) are
refused to leaders as well (evaluation.permissions.OFFICE_VERBS).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from luoshi.lib.routes import OVERSEER, SIGNED_IN, Policy, Route

# The office's verbs: leaders read rankings, but do not configure or compute them.
OFFICE_NOT_LEADER = Policy(
    "the office (not leaders)", allowed="supervisor", refused={"lead_handler": 403, "leader": 403}
)
# A unit's own scorecard: other units are refused (403), as are users without a unit.
UNITS_OWN = Policy(
    "the unit's own", allowed="lead_handler", refused={"other_handler": 403, "nobody": 403}
)
CARD = {"pk": "scorecard"}

ROUTES = {
    "evaluation:index": Route(SIGNED_IN),
    "evaluation:schemes": Route(SIGNED_IN),
    "evaluation:scheme": Route(SIGNED_IN, pk="scheme"),
    "evaluation:scheme_new": Route(OFFICE_NOT_LEADER),
    "evaluation:open_period": Route(OFFICE_NOT_LEADER, method="POST"),
    "evaluation:period": Route(OVERSEER, pk="period"),
    "evaluation:period_action": Route(
        OFFICE_NOT_LEADER, method="POST", pk="period", verb="compute"
    ),
    "evaluation:withdraw_item": Route(OFFICE_NOT_LEADER, method="POST", pk="adjustment"),
    "evaluation:scorecard": Route(UNITS_OWN, **CARD),
    "evaluation:figure_matters": Route(UNITS_OWN, **CARD, indicator_code="overdue_matters"),
    "GET /api/evaluation/schemes": Route(SIGNED_IN, note="a unit is judged by published rules"),
    "POST /api/evaluation/schemes": Route(OFFICE_NOT_LEADER),
    "GET /api/evaluation/periods": Route(SIGNED_IN),
    "POST /api/evaluation/periods": Route(OFFICE_NOT_LEADER),
    "GET /api/evaluation/periods/{pk}": Route(OVERSEER, pk="period"),
    "POST /api/evaluation/periods/{pk}/compute": Route(OFFICE_NOT_LEADER, pk="period"),
    "POST /api/evaluation/periods/{pk}/review": Route(OFFICE_NOT_LEADER, pk="period"),
    "POST /api/evaluation/periods/{pk}/close": Route(OFFICE_NOT_LEADER, pk="period"),
    "GET /api/evaluation/periods/{pk}/ranking": Route(OVERSEER, pk="period"),
    "GET /api/evaluation/periods/{pk}/adjustments": Route(OVERSEER, pk="period"),
    "POST /api/evaluation/periods/{pk}/adjustments": Route(
        OFFICE_NOT_LEADER, pk="period", body={"unit_id": "lead", "kind": "bonus"}
    ),
    "POST /api/evaluation/adjustments/{pk}/withdraw": Route(OFFICE_NOT_LEADER, pk="adjustment"),
    "GET /api/evaluation/scorecards": Route(SIGNED_IN, note="each user the scorecards they read"),
    "GET /api/evaluation/scorecards/{pk}": Route(UNITS_OWN, **CARD),
    "GET /api/evaluation/scorecards/{pk}/matters/{indicator}": Route(
        UNITS_OWN, **CARD, indicator="overdue_matters"
    ),
    "GET /api/evaluation/units/{unit_id}/scorecards": Route(UNITS_OWN, unit_id="lead"),
}


def sample(world: Any) -> None:
    """A published scheme, March's period computed, the lead unit's card and a bonus item."""
    from luoshi.evaluation import services
    from luoshi.evaluation.models import AdjustmentKind, PeriodKind

    world.scheme = services.publish_scheme(actor=world.supervisor, name="2026年度督查考核办法")
    world.period = services.open_period(
        actor=world.supervisor, kind=PeriodKind.MONTH, year=2026, number=3
    )
    cards = services.compute_scorecards(world.period, today=dt.date(2026, 4, 10))
    world.scorecard = next(c for c in cards if c.unit_id == world.lead.pk)
    world.period.refresh_from_db()  # computing moved its version on
    world.adjustment = services.add_adjustment(
        world.period, actor=world.supervisor, version=world.period.version, unit=world.lead,
        kind=AdjustmentKind.BONUS, reason="牵头完成重点任务", points=1,
    )  # fmt: skip
    world.period.refresh_from_db()
