"""Standings fed by the platform's records: an accident recorded drops the village's 零事故
at once, with the record linked; the reviewer may overrule it with a reason; a bottom
line breached alerts the leaders; an overdue major hazard feeds the same seam."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from luoshi.assessments import queries, services
from luoshi.assessments.models import (
    Assessment,
    BottomLineBreach,
    Finding,
    FindingRuling,
    Incident,
)
from luoshi.lib.errors import InvalidInput, NotAllowed
from luoshi.matters.tests.test_api_client import Api, ok, refused
from luoshi.notifications.models import Notification

from .helpers import MONDAY, add_village, open_cycle

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(MONDAY, tick=False) as traveller:
        yield traveller


@pytest.fixture
def zeros(city):
    add_village(city)
    return Assessment.objects.get(cycle=open_cycle(city))


def standing(assessment: Assessment) -> dict[str, bool]:
    return {g.goal.code: g.met for g in queries.result_of(assessment).goals}


def accident(city, unit=None, **changes) -> dict:
    return {
        "kind": "casualty_accident",
        "severity": "serious",
        "unit": (unit or city.village).pk,
        "occurred_on": "2026-05-20",
        "title": "东关村在建厂房发生高处坠落事故，造成1人死亡",
        **changes,
    }


def test_an_accident_record_drops_zero_accidents_with_the_record_linked(
    client, city, zeros, django_capture_on_commit_callbacks
):
    assert standing(zeros) == {"no_petitions": True, "no_accidents": True, "no_cases": True}
    client.force_login(city.supervisor)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("assessments:incidents"), accident(city))
    assert response.status_code == 302
    incident = Incident.objects.get()
    assert standing(zeros) == {"no_petitions": True, "no_accidents": False, "no_cases": True}
    finding = Finding.objects.get()
    assert finding.assessment == zeros and finding.incident == incident
    assert finding.criterion.goal.code == "no_accidents"
    client.force_login(city.village_handler)
    page = client.get(reverse("assessments:detail", args=[zeros.pk])).content.decode()
    assert "东关村在建厂房发生高处坠落事故" in page and "Counts until the reviewer rules" in page
    # 五个不发生: a serious casualty accident breaches the first bottom line, at once.
    breach = BottomLineBreach.objects.get()
    assert breach.bottom_line.name == "不发生较大及以上生产安全事故"
    for user in (city.leader, city.other_leader, city.supervisor):
        assert Notification.objects.filter(user=user, text__contains="不发生较大及以上").exists()


def test_the_reviewer_overrules_with_a_reason_or_confirms(client, city, zeros):
    services.record_incident(
        services.IncidentRecord(
            kind="casualty_accident",
            unit=city.village,
            occurred_on=dt.date(2026, 5, 20),
            title="过境车辆交通事故",
        ),
        actor=city.supervisor,
    )
    services.self_assess(
        zeros, actor=city.village_handler, version=zeros.version, entries=[], submit=True
    )
    zeros = Assessment.objects.get(pk=zeros.pk)
    finding = Finding.objects.get()
    url = reverse("assessments:action", args=[zeros.pk, "rule_finding"])
    # Only the reviewer rules, and overruling needs a reason.
    client.force_login(city.village_handler)
    assert (
        client.post(
            url,
            {
                "version": zeros.version,
                "finding": finding.pk,
                "ruling": "overruled",
                "reason": "不是我们的",
            },
        ).status_code
        == 403
    )
    client.force_login(city.street_handler)
    client.post(url, {"version": zeros.version, "finding": finding.pk, "ruling": "overruled"})
    assert Finding.objects.get().ruling == FindingRuling.PENDING
    client.post(
        url,
        {
            "version": zeros.version,
            "finding": finding.pk,
            "ruling": "overruled",
            "reason": "事故发生在过境国道上，不属本村安全生产责任",
        },
    )
    finding = Finding.objects.get()
    assert finding.ruling == FindingRuling.OVERRULED and finding.ruled_by == city.street_handler
    assert standing(zeros)["no_accidents"] is True
    page = client.get(reverse("assessments:detail", args=[zeros.pk])).content.decode()
    assert "事故发生在过境国道上" in page


def test_records_outside_the_territory_or_the_period_do_not_count(city, zeros):
    add_village(city, "西关村", "west")
    for unit, day in ((city.west, dt.date(2026, 5, 1)), (city.village, dt.date(2025, 12, 30))):
        services.record_incident(
            services.IncidentRecord(
                kind="criminal_case", unit=unit, occurred_on=day, title="盗窃案件"
            ),
            actor=city.supervisor,
        )
    assert not Finding.objects.exists() and standing(zeros)["no_cases"] is True


def test_an_incident_recorded_before_the_cycle_opens_is_attached_when_it_opens(city):
    add_village(city)
    services.record_incident(
        services.IncidentRecord(
            kind="escalated_petition",
            unit=city.village,
            occurred_on=dt.date(2026, 2, 3),
            title="村民越级上访",
        ),
        actor=city.supervisor,
    )
    assessment = Assessment.objects.get(cycle=open_cycle(city))
    assert standing(assessment)["no_petitions"] is False


def test_a_voided_record_stops_counting(client, city, zeros):
    services.record_incident(
        services.IncidentRecord(
            kind="criminal_case",
            unit=city.village,
            occurred_on=dt.date(2026, 5, 2),
            title="误录案件",
        ),
        actor=city.supervisor,
    )
    assert standing(zeros)["no_cases"] is False
    incident = Incident.objects.get()
    client.force_login(city.village_handler)
    client.post(reverse("assessments:void_incident", args=[incident.pk]), {"reason": "误录"})
    assert Incident.objects.get().voided_at is None  # only the office voids
    client.force_login(city.supervisor)
    client.post(reverse("assessments:void_incident", args=[incident.pk]), {"reason": "误录"})
    assert Incident.objects.get().void_reason == "误录"
    assert standing(zeros)["no_cases"] is True


def test_who_records_incidents(city, zeros):
    record = services.IncidentRecord(
        kind="casualty_accident", unit=city.village, occurred_on=dt.date(2026, 5, 20), title="事故"
    )
    with pytest.raises(NotAllowed):
        services.record_incident(record, actor=city.lead_handler)  # not its territory
    with pytest.raises(InvalidInput) as error:
        services.record_incident(
            services.IncidentRecord(
                kind="casualty_accident",
                unit=city.village,
                occurred_on=dt.date(2026, 6, 2),
                title="明天的事故",
            ),
            actor=city.village_head,
        )
    assert error.value.field == "occurred_on"
    services.record_incident(record, actor=city.village_head)  # its own village
    assert Incident.objects.get().recorded_by == city.village_head


def test_the_seam_is_idempotent_by_source(city, zeros):
    """A feeding app may send the same record twice (two scans): it is recorded once."""
    item = services.IncidentRecord(
        kind="escalated_petition",
        unit=city.village,
        occurred_on=dt.date(2026, 5, 5),
        title="诉求升级：楼道堆物",
        source="citizens.request:77",
        url="/citizens/77/",
    )
    assert len(services.record_incidents([item])) == 1
    assert services.record_incidents([item]) == []
    finding = Finding.objects.get()
    assert finding.incident.url == "/citizens/77/" and finding.criterion.goal.code == "no_petitions"


def test_an_overdue_major_hazard_in_the_village_drops_zero_accidents(city, zeros):
    from io import StringIO

    from django.core.management import call_command

    from luoshi.hazards.tests.helpers import assigned

    hazard = assigned(city, level="major", unit=city.village, title="村道边坡垮塌隐患")
    day = hazard.matter.deadline + dt.timedelta(days=1)
    with time_machine.travel(dt.datetime.combine(day, dt.time(1)), tick=False):
        call_command("scan", stdout=StringIO())
    finding = Finding.objects.get(assessment=zeros)
    assert finding.incident.url == f"/hazards/{hazard.pk}/"
    assert standing(Assessment.objects.get(pk=zeros.pk))["no_accidents"] is False


def test_the_api_records_and_lists_incidents(city, zeros):
    office = Api(city.supervisor)
    made = ok(office.post("assessments/incidents", accident(city)), 201)
    assert made["findings"] == 1 and made["source"] == ""
    refused(
        office.post("assessments/incidents", accident(city, kind="flood")),
        422,
        "invalid_input",
        "kind",
    )
    refused(
        Api(city.lead_handler).post("assessments/incidents", accident(city)), 403, "not_allowed"
    )
    listed = ok(Api(city.village_handler).get("assessments/incidents"))
    assert [i["title"] for i in listed] == ["东关村在建厂房发生高处坠落事故，造成1人死亡"]
    # A year no calendar holds is refused by name, not a server error (found by the fuzz).
    refused(office.get("assessments/incidents", year=50000), 422, "invalid_input", "year")
    detail = ok(Api(city.street_handler).get(f"assessments/{zeros.pk}"))
    zero_accidents = next(g for g in detail["goals"] if g["code"] == "no_accidents")
    assert zero_accidents["met"] is False
    assert zero_accidents["criteria"][0]["findings"][0]["counts"] is True
    assert detail["stars_now"] == 2
