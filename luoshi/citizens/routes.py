"""Who may use the citizen-request pages, the API and Open311 (luoshi.lib.routes).

The citizen needs no account: the request form, the tracking page (its token is the
key) and Open311 (GeoReport v2, public by the standard; the text only with an
api_key) are PUBLIC. A request is read by the office and leaders, and by the units
that see its matter (another unit gets 404: queries.visible_requests); the office
receives, dispatches, merges, calls back and replies (citizens.permissions).
"""

from __future__ import annotations

from typing import Any

from luoshi.lib.routes import OFFICE, OVERSEER, PUBLIC, SIGNED_IN, VISIBLE, Policy, Route

# The office's verbs on a request: the unit handling it sees it but may not (403); a
# unit not on it does not see it (404).
OFFICE_ON_REQUEST = Policy(
    "the office, on a request it sees",
    allowed="supervisor",
    refused={"lead_handler": 403, "other_handler": 404},
)
REQUEST = {"pk": "citizen_request"}
TOKEN = {"token": lambda world: world.citizen_request.tracking_token}
JSON = {"fmt": "json"}
OPEN311 = "Open311 GeoReport v2 is public; the text only with an api_key, the contact never"

ROUTES = {
    "citizens:new": Route(PUBLIC, note="the citizen's request form"),
    "citizens:track": Route(PUBLIC, note="the citizen's tokened tracking page", **TOKEN),
    "citizens:track_action": Route(PUBLIC, method="POST", **TOKEN, verb="rate"),
    "citizens:list": Route(SIGNED_IN, note="each user the requests they see"),
    "citizens:hotspots": Route(SIGNED_IN),
    "citizens:hotspots_panel": Route(SIGNED_IN),
    "citizens:intake": Route(OFFICE),
    "citizens:suggest": Route(OFFICE),
    "citizens:templates": Route(OVERSEER, note="leaders read them, the office edits"),
    "citizens:dispatch": Route(OVERSEER, note="leaders read the model, the office edits"),
    "citizens:detail": Route(VISIBLE, **REQUEST),
    "citizens:photo": Route(VISIBLE, **REQUEST, photo_pk="citizen_photo"),
    "citizens:action": Route(OFFICE_ON_REQUEST, method="POST", **REQUEST, verb="reply"),
    "GET /api/citizens/requests": Route(SIGNED_IN),
    "POST /api/citizens/requests": Route(OFFICE),
    "GET /api/citizens/requests/{pk}": Route(VISIBLE, **REQUEST),
    "POST /api/citizens/requests/{pk}/dispatch": Route(OFFICE_ON_REQUEST, **REQUEST),
    "POST /api/citizens/requests/{pk}/merge": Route(OFFICE_ON_REQUEST, **REQUEST),
    "POST /api/citizens/requests/{pk}/return-calls": Route(OFFICE_ON_REQUEST, **REQUEST),
    "GET /api/citizens/suggestions": Route(OFFICE, query={"text": "小区电梯经常坏"}),
    "GET /api/citizens/track/{token}": Route(PUBLIC, **TOKEN),
    "POST /api/citizens/track/{token}/rating": Route(PUBLIC, **TOKEN),
    "POST /api/citizens/track/{token}/withdrawal": Route(PUBLIC, **TOKEN),
    "open311:root": Route(PUBLIC, note=OPEN311),
    "open311:services": Route(PUBLIC, **JSON),
    "open311:definition": Route(PUBLIC, **JSON, code=lambda world: world.category.code),
    "open311:requests": Route(PUBLIC, **JSON, note=OPEN311),
    "open311:request": Route(
        PUBLIC, **JSON, request_id=lambda world: world.citizen_request.work_order_number
    ),
    "open311:token": Route(PUBLIC, **JSON, **TOKEN),
}


def sample(world: Any) -> None:
    """A category of the lead unit and a web request with a photo, dispatched to it."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from luoshi.citizens import services
    from luoshi.citizens.models import Category, Channel, RequestType

    world.category = Category.objects.create(
        code="transport", name="交通运输", default_unit=world.lead, keywords="公交,红绿灯"
    )  # the office keeps categories in the admin: there is no service for them
    received = services.receive_request(
        services.Intake(
            request_type=RequestType.COMPLAINT,
            text="幸福路口红绿灯坏了三天，早晚高峰很堵",
            channel=Channel.WEB,
            address="幸福路与人民路路口",
            district=world.district,
            street=world.street,
            contact_name="王女士",
            contact_phone="13800001234",
            photos=[SimpleUploadedFile("路口.jpg", b"\xff\xd8\xff\xe0 sample")],
        )
    )
    world.citizen_request = services.dispatch_request(
        received, actor=world.supervisor, version=received.version,
        category=world.category, lead_unit=world.lead,
    )  # fmt: skip
    world.citizen_photo = world.citizen_request.photos.get()
