"""Who may use the hazard-register pages and API operations (luoshi.lib.routes).

A hazard is read by the office and leaders and by the units it names (the place, the
finder, the responsible unit, the verifying unit); another unit gets 404
(queries.visible_hazards). The office assigns, edits and withdraws; a unit registers
what it found itself; the finder or the verifying unit (or the office) checks on
site, never the unit that rectifies (hazards.permissions). In the walker's world the
co-unit found the hazard, the lead unit rectifies it, the street is its place.
"""

from __future__ import annotations

from typing import Any

from luoshi.lib.routes import SIGNED_IN, VISIBLE, Policy, Route

# The office's verbs: the rectifying unit sees the hazard but may not (403).
OFFICE_ON_HAZARD = Policy(
    "the office, on a hazard it sees",
    allowed="supervisor",
    refused={"lead_handler": 403, "other_handler": 404},
)
# The on-site check: the finder (the co-unit), never the rectifying unit.
INSPECTOR = Policy(
    "the unit that found the hazard",
    allowed="co_handler",
    refused={"lead_handler": 403, "other_handler": 404},
)
# The hazard page's forms answer an invalid form (422) before the service asks who
# acts, so the roles are proved on the API; the page proves only who sees the hazard.
ON_HAZARD_PAGE = Policy(
    "the office, on a hazard it sees (page)",
    allowed="supervisor",
    refused={"other_handler": 404},
)
# A unit registers what it found itself (the body names the lead unit as finder).
FINDER = Policy(
    "the unit that found it",
    allowed="lead_handler",
    refused={"other_handler": 403, "nobody": 403},
)
# Registering from the page: any unit (for itself) or the office; without a unit, 403.
A_UNIT = Policy("a unit or the office", allowed="lead_handler", refused={"nobody": 403})
# A campaign is its organiser's (the co-unit's): others do not see its page (404).
ORGANISER = Policy("the campaign's organiser", allowed="co_handler", refused={"lead_handler": 404})
# Importing into a campaign through the API: the organiser; another unit is refused.
ORGANISER_API = Policy(
    "the campaign's organiser (API)", allowed="co_handler", refused={"lead_handler": 403}
)
HAZARD = {"pk": "hazard"}
FOUND = {
    "category": lambda world: world.hazard.category_id,
    "level": "general",
    "unit": "street",
    "found_by_unit": "lead",
    "responsible_unit": "co",
    "found_on": "2026-04-09",
}

ROUTES = {
    "hazards:list": Route(SIGNED_IN, note="each user the hazards they see"),
    "hazards:ledger": Route(SIGNED_IN),
    "hazards:figures": Route(SIGNED_IN),
    "hazards:register": Route(A_UNIT),
    "hazards:campaigns": Route(SIGNED_IN, note="each unit its own campaigns"),
    "hazards:campaign": Route(ORGANISER, pk="campaign"),
    "hazards:detail": Route(VISIBLE, **HAZARD),
    "hazards:photo": Route(VISIBLE, pk="hazard_photo"),
    "hazards:edit": Route(OFFICE_ON_HAZARD, **HAZARD),
    "hazards:action": Route(ON_HAZARD_PAGE, method="POST", **HAZARD, verb="assign"),
    "GET /api/hazards/": Route(SIGNED_IN),
    "POST /api/hazards/": Route(FINDER, body=FOUND),
    "GET /api/hazards/{pk}": Route(VISIBLE, **HAZARD),
    "GET /api/hazards/figures": Route(SIGNED_IN),
    "GET /api/hazards/categories": Route(SIGNED_IN),
    "POST /api/hazards/{pk}/assign": Route(OFFICE_ON_HAZARD, **HAZARD),
    "POST /api/hazards/{pk}/withdraw": Route(OFFICE_ON_HAZARD, **HAZARD),
    "POST /api/hazards/{pk}/verify": Route(INSPECTOR, **HAZARD),
    "POST /api/hazards/{pk}/reinspect": Route(INSPECTOR, **HAZARD),
    "POST /api/hazards/campaigns": Route(FINDER, body={"organiser": "lead"}),
    "POST /api/hazards/campaigns/{pk}/import": Route(ORGANISER_API, pk="campaign"),
}


def sample(world: Any) -> None:
    """The co-unit's campaign, and a hazard it found (with a photo) for the lead unit."""
    import datetime as dt

    from django.core.files.uploadedfile import SimpleUploadedFile

    from luoshi.hazards import services
    from luoshi.hazards.tests.helpers import spec

    world.campaign = services.start_campaign(
        actor=world.co_handler, name="2026年春季安全生产大检查", organiser=world.co,
        started_on=dt.date(2026, 4, 1),
    )  # fmt: skip
    world.hazard = services.register_hazard(
        spec(world),
        actor=world.co_handler,
        photos=[SimpleUploadedFile("现场.jpg", b"\xff\xd8\xff\xe0 sample")],
    )
    world.hazard_photo = world.hazard.photos.get()
