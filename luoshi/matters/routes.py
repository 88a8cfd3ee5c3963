"""Who may use the matter pages and API operations (luoshi.lib.routes; the walker checks).

Reads of one matter are VISIBLE: its units see it, others get 404. Each operation is
allowed to whom its permission says (matters.permissions): the office's verbs, the
units' verbs, the responsible leader's; a user of the wrong role gets 403, a unit
that does not hold the matter 404.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile

from luoshi.lib.routes import (
    NOT_SERVED,
    OFFICE,
    OVERSEER,
    PUBLIC,
    SIGNED_IN,
    VISIBLE,
    Policy,
    Route,
)

OFFICE_ON_MATTER = Policy(
    "the office, on a matter it sees",
    allowed="supervisor",
    refused={"lead_handler": 403, "other_handler": 404},
)
UNIT_ON_MATTER = Policy(
    "a unit holding the matter",
    allowed="lead_handler",
    refused={"supervisor": 403, "other_handler": 404},
)
# complete-part is a co-unit's verb: the lead unit requests completion of the whole instead.
CO_UNIT_ON_MATTER = Policy(
    "a co-unit holding the matter",
    allowed="co_handler",
    refused={"lead_handler": 403, "other_handler": 404},
)
LEADER_ON_MATTER = Policy("the responsible leader", allowed="leader", refused={"lead_handler": 403})

ROUTES = {
    "matters:desk": Route(SIGNED_IN),
    "matters:list": Route(SIGNED_IN),
    "matters:export": Route(SIGNED_IN),
    "matters:bulk_hasten": Route(OFFICE, method="POST"),
    "matters:register": Route(OFFICE),
    "matters:backlog": Route(OVERSEER, note="the office acts on its backlog, leaders read it"),
    "matters:detail": Route(VISIBLE, pk="matter"),
    "matters:decompose": Route(OFFICE_ON_MATTER, pk="matter"),
    "matters:action": Route(OFFICE_ON_MATTER, method="POST", pk="matter", verb="hasten"),
    "matters:attachment": Route(VISIBLE, pk="attachment"),
    "matters:login": Route(PUBLIC),
    "matters:logout": Route(PUBLIC, method="POST"),
    "matters:password_change": Route(SIGNED_IN),
    "matters:password_change_done": Route(SIGNED_IN),
    "matters:set_language": Route(PUBLIC, method="POST"),
    "api:api-root": Route(NOT_SERVED, note="ninja's root of /api/: nothing there"),
    "api:openapi-json": Route(PUBLIC, note="the API's description is public"),
    "api:openapi-view": Route(PUBLIC, note="the API's documentation is public"),
    "GET /api/matters/": Route(SIGNED_IN),
    "POST /api/matters/": Route(OFFICE),
    "GET /api/matters/backlog": Route(OVERSEER),
    "GET /api/matters/{pk}": Route(VISIBLE, pk="matter"),
    "PATCH /api/matters/{pk}": Route(OFFICE_ON_MATTER, pk="matter"),
    "GET /api/matters/{pk}/events": Route(VISIBLE, pk="matter"),
    "GET /api/matters/{pk}/reports": Route(VISIBLE, pk="matter"),
    "GET /api/matters/{pk}/attachments/{attachment_id}": Route(
        VISIBLE, pk="matter", attachment_id="attachment"
    ),
    **{
        f"POST /api/matters/{{pk}}/{verb}": Route(OFFICE_ON_MATTER, pk="matter")
        for verb in [
            "submit",
            "assign",
            "decompose",
            "milestones",
            "withdraw",
            "rule-dispute",
            "rule-extension",
            "suspend",
            "resume",
            "review",
            "close",
            "hasten",
        ]
    },  # fmt: skip
    **{
        f"POST /api/matters/{{pk}}/{verb}": Route(UNIT_ON_MATTER, pk="matter")
        for verb in [
            "accept",
            "dispute",
            "report",
            "complete-part",
            "extension",
            "request-completion",
        ]
    },  # fmt: skip
    "POST /api/matters/{pk}/rule-dispute": Route(
        OFFICE_ON_MATTER, pk="matter", body={"dispute_id": "dispute"}
    ),
    "POST /api/matters/{pk}/rule-extension": Route(
        OFFICE_ON_MATTER, pk="matter", body={"extension_id": "extension"}
    ),
    "POST /api/matters/{pk}/complete-part": Route(CO_UNIT_ON_MATTER, pk="matter"),
    "POST /api/matters/{pk}/milestones/{milestone_id}/complete": Route(
        UNIT_ON_MATTER, pk="matter", milestone_id="milestone"
    ),
    "POST /api/matters/{pk}/approve-dispatch": Route(LEADER_ON_MATTER, pk="matter"),
    "POST /api/matters/{pk}/comment": Route(LEADER_ON_MATTER, pk="matter"),
}


def sample(world: Any) -> None:
    """An accepted matter of the lead unit with a milestone, a report with a file, a
    pending extension, and the co-unit's pending dispute."""
    from luoshi.matters import services
    from luoshi.testing import accepted

    milestone = services.MilestoneSpec(title="完成方案", deadline=dt.date(2099, 3, 31))
    matter = accepted(world, deadline=dt.date(2099, 6, 30), milestones=[milestone])
    report = services.report_progress(
        matter,
        actor=world.lead_handler,
        version=matter.version,
        text="已完成前期调研",
        percent=20,
        attachments=[SimpleUploadedFile("调研报告.pdf", b"%PDF-1.4 sample")],
    )
    matter = report.matter
    world.extension = services.request_extension(
        matter, actor=world.lead_handler, version=None, new_deadline=dt.date(2099, 9, 30),
        reason="等待省级批复",
    )  # fmt: skip
    world.dispute = services.raise_dispute(
        world.extension.matter, actor=world.co_handler, version=None,
        reason_code="overlapping_duties", reason="不属我局职能",
    )  # fmt: skip
    world.matter = matter.__class__.objects.get(pk=matter.pk)
    world.milestone = world.matter.milestones.get()
    world.attachment = report.attachments.get()
