"""Who may use the enterprise-service pages and API operations (luoshi.lib.routes).

Lists answer every signed-in user with what they see; an enterprise and its problems
are the office's (and its liaison cadres', and the units whose territory holds it:
the district in the test city), a unit elsewhere gets 404 (queries.visible_enterprises,
visible_problems). Registering, liaisons and transfers are the office's; the whitelist
is approved by the office or a city leader (enterprises.permissions). The enterprise
itself uses its tokened page, without signing in.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from luoshi.lib.routes import OFFICE_OBJECT, PUBLIC, SIGNED_IN, Policy, Route

# The office's verbs on an enterprise: the district that sees it is refused (403), a
# unit that does not see it gets 404.
OFFICE_ON_ENTERPRISE = Policy(
    "the office, on an enterprise",
    allowed="supervisor",
    refused={"district_head": 403, "lead_handler": 404},
)
# The whitelist: a city leader (or the office) approves; the district that sees the
# enterprise may not (403); a unit that does not see it gets 404.
WHITELIST_APPROVER = Policy(
    "a city leader or the office, on the whitelist",
    allowed="leader",
    refused={"district_head": 403, "lead_handler": 404},
)
# The page answers an invalid form (422) before the service asks who approves, so the
# district's refusal is proved on the API (WHITELIST_APPROVER) only.
WHITELIST_PAGE = Policy(
    "a city leader or the office, on the whitelist (page)",
    allowed="leader",
    refused={"lead_handler": 404},
)
# Transfer is the office's: leaders see the problem but are refused; others get 404.
OFFICE_NOT_UNIT = Policy(
    "the office, on a problem", allowed="supervisor", refused={"lead_handler": 404, "leader": 403}
)
ENTERPRISE = {"pk": "enterprise"}
TOKEN = {"token": lambda world: world.enterprise.token}
STATE_FIRST = "the problem's state is checked before the role (409)"

ROUTES = {
    "enterprises:list": Route(SIGNED_IN),
    "enterprises:figures": Route(SIGNED_IN),
    "enterprises:problems": Route(SIGNED_IN),
    "enterprises:service_days": Route(SIGNED_IN),
    "enterprises:detail": Route(OFFICE_OBJECT, **ENTERPRISE),
    "enterprises:action": Route(OFFICE_OBJECT, method="POST", **ENTERPRISE, verb="token"),
    "enterprises:whitelist": Route(
        WHITELIST_PAGE, method="POST", pk="whitelist_entry", verb="revoke"
    ),
    "enterprises:problem": Route(OFFICE_OBJECT, pk="problem"),
    "enterprises:problem_action": Route(
        OFFICE_OBJECT, method="POST", pk="problem", verb="transfer"
    ),
    "enterprises:public": Route(PUBLIC, note="the enterprise's own tokened page", **TOKEN),
    "enterprises:public_rate": Route(PUBLIC, method="POST", pk="problem", **TOKEN),
    "GET /api/enterprises/": Route(SIGNED_IN),
    "GET /api/enterprises/figures": Route(SIGNED_IN),
    "GET /api/enterprises/problems": Route(SIGNED_IN),
    "GET /api/enterprises/{pk}": Route(OFFICE_OBJECT, **ENTERPRISE),
    "POST /api/enterprises/{pk}/liaisons": Route(
        OFFICE_ON_ENTERPRISE, **ENTERPRISE, body={"cadre": "lead_handler"}
    ),
    "POST /api/enterprises/{pk}/liaisons/{liaison}/end": Route(
        OFFICE_ON_ENTERPRISE, **ENTERPRISE, liaison="liaison"
    ),
    "POST /api/enterprises/{pk}/whitelist": Route(WHITELIST_APPROVER, **ENTERPRISE),
    "POST /api/enterprises/whitelist/{pk}/renew": Route(WHITELIST_APPROVER, pk="whitelist_entry"),
    "POST /api/enterprises/whitelist/{pk}/revoke": Route(WHITELIST_APPROVER, pk="whitelist_entry"),
    "POST /api/enterprises/problems/{pk}/transfer": Route(OFFICE_NOT_UNIT, pk="problem"),
    "POST /api/enterprises/problems/{pk}/reopen": Route(
        OFFICE_OBJECT, pk="problem", note=STATE_FIRST
    ),
    "POST /api/enterprises/problems/{pk}/settle": Route(
        OFFICE_OBJECT, pk="problem", note=STATE_FIRST
    ),
}


def sample(world: Any) -> None:
    """An enterprise of the district with a liaison cadre, a whitelist entry and a problem."""
    from luoshi.enterprises import services
    from luoshi.enterprises.tests.helpers import enterprise, received, whitelisted

    world.enterprise = enterprise(world)
    world.problem = received(world, world.enterprise)
    world.whitelist_entry = whitelisted(world, world.enterprise, valid_to=dt.date(2026, 12, 31))
    world.enterprise.refresh_from_db()
    world.liaison = services.assign_liaison(
        world.enterprise,
        world.other_handler,
        actor=world.supervisor,
        version=world.enterprise.version,
    )
    world.enterprise.refresh_from_db()
