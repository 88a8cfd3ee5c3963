"""Intake at office speed (issue 15): a registration through the API costs a fixed,
small number of queries, and serials stay gapless when many register at once.

Throughput itself is proved by `python -m bench.intake` (docs/benchmarks.md), never
by a timing here.
"""

import datetime as dt
import threading

import pytest
from django.db import close_old_connections, connection
from django.test import Client

from luoshi.lib import eventchain
from luoshi.lib.errors import InvalidInput
from luoshi.matters import services
from luoshi.matters.models import Matter, MatterEvent, MatterStanding
from luoshi.matters.services._base import today
from luoshi.org.tokens import issue_token
from luoshi.testing import the_city

# token, units, permission, serial, matter, parts, standing, two rollup upserts, event,
# and the transaction's BEGIN and COMMIT (lookups of the standing, the event chain's
# head and the answer's re-read are gone: services._base.record(created=True)).
REGISTRATION_QUERIES = 12


def body(city, n: int = 1) -> dict:
    return {
        "title": f"推进{n}号重点项目签约落地",
        "source": "meeting",
        "content": "按照市委市政府部署，明确责任分工。",
        "lead_unit": city.lead.pk,
        "co_units": [{"unit": city.co.pk, "description": "配合"}],
        "deadline": (today() + dt.timedelta(days=90)).isoformat(),
        "report_cycle": "monthly",
    }


def office_client(city) -> Client:
    return Client(headers={"authorization": f"Bearer {issue_token(city.supervisor)[1]}"})


def test_a_registration_keeps_its_query_budget(city, django_assert_max_num_queries):
    client = office_client(city)
    client.post("/api/matters/", body(city, 0), content_type="application/json")  # warm
    with django_assert_max_num_queries(REGISTRATION_QUERIES):
        answer = client.post("/api/matters/", body(city), content_type="application/json")
    assert answer.status_code == 201, answer.content
    matter = Matter.objects.get(pk=answer.json()["matter"]["id"])
    assert MatterStanding.objects.filter(matter=matter, valid_to__isnull=True).count() == 1
    assert list(matter.parts.values_list("unit_id", flat=True)) == [city.lead.pk, city.co.pk]


def test_the_answer_is_the_matter_as_read_back(city):
    """The answer is built from the row the service wrote: the same as a read of it."""
    client = office_client(city)
    answer = client.post("/api/matters/", body(city), content_type="application/json").json()
    pk = answer["matter"]["id"]
    detail = client.get(f"/api/matters/{pk}").json()
    for field in ("serial", "state", "version", "deadline", "progress", "warning"):
        assert answer["matter"][field] == detail[field], field
    assert answer["matter"]["is_suspended"] is False


def test_a_new_matters_event_starts_its_chain(city):
    """The first event is not chained to a head read from the table, yet the chain
    verifies (luoshi verify-log) and the next event links to it."""
    client = office_client(city)
    pk = client.post("/api/matters/", body(city), content_type="application/json").json()
    matter = Matter.objects.get(pk=pk["matter"]["id"])
    services.update_matter(matter, actor=city.supervisor, version=None, title="改个标题")
    assert matter.events.count() == 2
    assert eventchain.verify_model(MatterEvent).breaks == []


def test_an_unknown_co_unit_is_named_and_nothing_is_written(city):
    client = office_client(city)
    before = Matter.objects.count()
    data = body(city) | {"co_units": [{"unit": 999999, "description": "配合"}]}
    answer = client.post("/api/matters/", data, content_type="application/json")
    assert answer.status_code == 422
    assert answer.json()["field"] == "co_units" and "999999" in answer.json()["message"]
    data = body(city) | {"lead_unit": 999998}
    answer = client.post("/api/matters/", data, content_type="application/json")
    assert answer.json()["field"] == "lead_unit" and "999998" in answer.json()["message"]
    assert Matter.objects.count() == before


# --- Real threads on PostgreSQL ---------------------------------------------------------


@pytest.mark.skipif(
    connection.vendor == "sqlite",
    reason="SQLite in memory has no concurrent writers; run on PostgreSQL",
)
@pytest.mark.django_db(transaction=True)
def test_serials_stay_gapless_when_many_register_at_once():
    """8 threads register 5 matters each at the same moment, and every other one's
    last registration fails after taking its number (a milestone past the deadline):
    the numbers are 1 … 40 less the failed ones' — no gap, no duplicate."""
    city = the_city()
    year = today().year
    first = Matter.objects.filter(serial_year=year).count()
    barrier = threading.Barrier(8)
    failures: list[Exception] = []

    def spec(n: int, fail: bool) -> services.MatterSpec:
        deadline = today() + dt.timedelta(days=60)
        late = [services.MilestoneSpec("晚于期限", deadline=deadline + dt.timedelta(1))]
        return services.MatterSpec(
            title=f"并发立项{n}",
            source="meeting",
            lead_unit=city.lead,
            co_units=[services.CoUnit(city.co)],
            deadline=deadline,
            milestones=late if fail else [],
        )

    def run(index: int) -> None:
        try:
            barrier.wait(timeout=10)
            for n in range(5):
                fail = index % 2 == 1 and n == 4
                try:
                    services.register_matter(spec(index * 10 + n, fail), actor=city.supervisor)
                except InvalidInput:
                    assert fail
        except Exception as error:  # the test inspects what was raised
            failures.append(error)
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not failures, failures
    numbers = sorted(Matter.objects.filter(serial_year=year).values_list("serial_no", flat=True))
    assert numbers == list(range(1, first + 36 + 1))
