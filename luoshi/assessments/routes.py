"""Who may use the ratings pages and API operations (luoshi.lib.routes; the walker checks).

An assessment is read by its unit (and the heads above it), by its reviewing unit and
by leaders and the office; another unit gets 404 (queries.visible_assessments). The
unit assesses itself; its reviewing unit (the street above a village) or the office
reviews, returns and rules on incident records, never the unit itself; the office
opens and publishes cycles (assessments.permissions). The walker's world adds a
village below the street with its handler (`village_handler`), the unit assessed.
"""

from __future__ import annotations

from typing import Any

from luoshi.lib.routes import OFFICE, OVERSEER, SIGNED_IN, Policy, Route

# What hangs on the village's assessment: a unit not on it does not see it (404).
ITS_UNIT = Policy(
    "the assessed unit, or its reviewer", allowed="village_handler", refused={"other_handler": 404}
)
# The unit assesses itself: its reviewer sees the assessment but may not (403).
SELF = Policy(
    "the assessed unit",
    allowed="village_handler",
    refused={"street_handler": 403, "other_handler": 404},
)
# Reviewing, returning and ruling: the reviewing unit (the street), never the unit itself.
REVIEWER = Policy(
    "the reviewing unit",
    allowed="street_handler",
    refused={"village_handler": 403, "other_handler": 404},
)
# The assessment page's forms answer an invalid form (422) before the service asks who
# acts, so the roles are proved on the API; the page proves only who sees it.
ON_ASSESSMENT_PAGE = Policy(
    "the reviewing unit (page)", allowed="street_handler", refused={"other_handler": 404}
)
# A unit's ladder: its own people, the unit above it, leaders and the office; others 403.
LADDER = Policy("the unit's ladder", allowed="village_handler", refused={"other_handler": 403})
# Records of the village's territory: the village (or anyone above it, or the office).
TERRITORY = Policy("the unit's territory", allowed="village_handler", refused={"lead_handler": 403})
# Voiding an incident from its list: an invalid form is answered (302 with the message)
# before the office is asked for; an incident outside the user's territory is 404.
VOID_PAGE = Policy("the office, on an incident (page)", allowed="supervisor",
                   refused={"other_handler": 404})  # fmt: skip
ASSESSMENT = {"pk": "assessment"}
VILLAGE = {"unit": "village"}

ROUTES = {
    "assessments:index": Route(SIGNED_IN),
    "assessments:cycle": Route(SIGNED_IN, pk="cycle", note="each user the assessments they see"),
    "assessments:detail": Route(ITS_UNIT, **ASSESSMENT),
    "assessments:action": Route(ON_ASSESSMENT_PAGE, method="POST", **ASSESSMENT, verb="return"),
    "assessments:file": Route(ITS_UNIT, pk="evidence"),
    "assessments:ladder": Route(LADDER, pk="village"),
    "assessments:figures": Route(OVERSEER),
    "assessments:activities": Route(SIGNED_IN),
    "assessments:incidents": Route(SIGNED_IN),
    "assessments:void_incident": Route(VOID_PAGE, method="POST", pk="incident"),
    "GET /api/assessments/": Route(SIGNED_IN),
    "GET /api/assessments/{pk}": Route(ITS_UNIT, **ASSESSMENT),
    "GET /api/assessments/cycles": Route(SIGNED_IN),
    "POST /api/assessments/cycles": Route(
        OFFICE, body={"template": lambda world: world.cycle.template_id}
    ),
    "POST /api/assessments/cycles/{pk}/publish": Route(OFFICE, pk="cycle"),
    "POST /api/assessments/{pk}/self-assess": Route(SELF, **ASSESSMENT),
    "POST /api/assessments/{pk}/review": Route(REVIEWER, **ASSESSMENT),
    "POST /api/assessments/{pk}/return": Route(REVIEWER, **ASSESSMENT),
    "POST /api/assessments/{pk}/findings/{finding_id}/rule": Route(
        REVIEWER, **ASSESSMENT, finding_id="finding"
    ),
    "GET /api/assessments/units/{pk}/ladder": Route(LADDER, pk="village"),
    "GET /api/assessments/figures": Route(OVERSEER),
    "GET /api/assessments/incidents": Route(SIGNED_IN),
    "POST /api/assessments/incidents": Route(
        TERRITORY, body={**VILLAGE, "kind": "casualty_accident"}
    ),
    "POST /api/assessments/activities": Route(TERRITORY, body=VILLAGE),
}


def sample(world: Any) -> None:
    """A village below the street with its handler; the year's 五星支部 cycle over it, its
    assessment saved with an evidence file; an accident in the village, found against it."""
    import datetime as dt

    from django.contrib.auth.models import User
    from django.core.files.uploadedfile import SimpleUploadedFile

    from luoshi.assessments import services
    from luoshi.assessments.defaults import install
    from luoshi.assessments.models import (
        AssessmentTemplate,
        BottomLine,
        Criterion,
        EvidenceFile,
        Goal,
    )
    from luoshi.org import services as org_services
    from luoshi.org.models import Role, UnitKind

    install(AssessmentTemplate, Goal, Criterion, BottomLine)  # as the seed migration does
    [world.village] = org_services.create_units(
        [org_services.UnitSpec("东关村", UnitKind.VILLAGE, world.street.name, [])], actor=None
    )
    world.village_handler = User.objects.create_user("village_handler", password="pw")
    org_services.grant_roles([(world.village_handler, world.village, Role.HANDLER)], actor=None)
    world.cycle = services.open_cycle(
        actor=world.supervisor, template=AssessmentTemplate.objects.get(code="five_stars"),
        name="2026年度五星支部创建", period_start=dt.date(2026, 1, 1),
        period_end=dt.date(2026, 12, 31), units=[world.village],
    )  # fmt: skip
    assessment = world.cycle.assessments.get()
    manual = Criterion.objects.filter(goal__template=world.cycle.template, feed="manual").first()
    entry = services.SelfEntry(
        manual.pk, "1", "见会议记录", files=[SimpleUploadedFile("会议记录.pdf", b"%PDF-1.4")]
    )
    services.self_assess(
        assessment, actor=world.village_handler, version=assessment.version, entries=[entry]
    )
    world.evidence = EvidenceFile.objects.get(score__assessment=assessment)
    world.incident = services.record_incident(
        services.IncidentRecord(
            kind="casualty_accident", unit=world.village, occurred_on=dt.date(2026, 3, 20),
            title="过境车辆交通事故",
        ),
        actor=world.supervisor,
    )  # fmt: skip
    world.assessment = world.cycle.assessments.get()
    world.finding = world.assessment.findings.get()
