"""A form sent twice, a client that retries: hasten, comment and register happen once.

The pages carry a request key in a hidden field, API clients an `Idempotency-Key`
header; repeats of one request find the event the first appended (luoshi.lib.requestkeys).
"""

from __future__ import annotations

import re
import threading

import pytest
import time_machine
from django.db import close_old_connections, connection
from django.test import Client
from django.urls import reverse

from luoshi.matters.models import EventKind, Hastening, Matter, MatterEvent
from luoshi.testing import accepted, the_city

from .test_api_client import Api, ok
from .test_pages_forms import TODAY, register_data

KEY = "3f1c2a9e-0d4b-4c55-9a51-7be0e1c2d3f4"


def key_in(html: str) -> str:
    found = re.search(r'name="request_key" value="([0-9a-f]{32})"', html)
    assert found, "the form carries no request key"
    return found.group(1)


def count(matter: Matter, kind: str) -> int:
    return MatterEvent.objects.filter(matter=matter, kind=kind).count()


@pytest.mark.django_db
def test_a_hasten_form_sent_twenty_times_hastens_once(client, city):
    matter = accepted(city)
    client.force_login(city.supervisor)
    page = client.get(reverse("matters:detail", args=[matter.pk])).content.decode()
    key = key_in(page)
    assert key_in(client.get(reverse("matters:detail", args=[matter.pk])).content.decode()) != key
    url = reverse("matters:action", args=[matter.pk, "hasten"])
    form = {"hasten-version": matter.version, "hasten-message": "请加快", "request_key": key}
    answers = [client.post(url, form) for _ in range(20)]
    assert {(a.status_code, a.headers.get("Location")) for a in answers} == {
        (answers[0].status_code, answers[0].headers.get("Location"))
    }
    assert count(matter, EventKind.HASTENED) == 1
    assert Hastening.objects.get(matter=matter).repeats == 0
    # a new form (a new key) is a new request: merged into today's notice, as before
    client.post(url, {**form, "request_key": "another-key-0001"})
    assert count(matter, EventKind.HASTENED) == 2


@pytest.mark.django_db
@time_machine.travel(TODAY, tick=False)  # register_data's deadline is 60 days after it
def test_a_register_form_sent_twice_registers_one_matter(client, city):
    client.force_login(city.supervisor)
    key = key_in(client.get(reverse("matters:register")).content.decode())
    first = client.post(reverse("matters:register"), {**register_data(city), "request_key": key})
    again = client.post(reverse("matters:register"), {**register_data(city), "request_key": key})
    assert first.status_code == again.status_code == 302
    assert first.headers["Location"] == again.headers["Location"]
    assert Matter.objects.filter(title="推进营商环境改革").count() == 1


@pytest.mark.django_db
def test_the_api_takes_an_idempotency_key_header(city):
    matter = accepted(city)
    leader = Api(city.leader)
    answers = [
        ok(
            leader.post(
                f"matters/{matter.pk}/comment", {"text": "抓紧"}, **{"Idempotency-Key": KEY}
            )
        )
        for _ in range(20)
    ]
    assert all(a == answers[0] for a in answers) and count(matter, EventKind.COMMENTED) == 1
    supervisor = Api(city.supervisor)
    hastened = [
        ok(supervisor.post(f"matters/{matter.pk}/hasten", {}, **{"Idempotency-Key": KEY}))
        for _ in range(3)
    ]
    assert hastened[0]["notices"] and all(h == hastened[0] for h in hastened)
    assert count(matter, EventKind.HASTENED) == 1  # the same key, but another actor's


@pytest.mark.django_db
def test_without_a_key_each_request_acts_and_a_malformed_key_is_refused(city):
    matter = accepted(city)
    leader = Api(city.leader)
    for _ in range(2):
        ok(leader.post(f"matters/{matter.pk}/comment", {"text": "抓紧"}))
    assert count(matter, EventKind.COMMENTED) == 2
    refused = leader.post(
        f"matters/{matter.pk}/comment", {"text": "x"}, **{"Idempotency-Key": "<>"}
    )
    assert refused.status_code == 422 and "request_key" in refused.content.decode()
    assert count(matter, EventKind.COMMENTED) == 2


@pytest.mark.skipif(connection.vendor == "sqlite", reason="parallel writers need PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_twenty_identical_requests_in_parallel_make_one_event():
    city = the_city()
    matter = accepted(city)
    barrier = threading.Barrier(20)
    statuses: list = []

    def send() -> None:
        try:
            client = Client()
            client.force_login(city.leader)
            barrier.wait(timeout=20)
            answer = client.post(
                f"/api/matters/{matter.pk}/comment",
                '{"text": "同一条批示"}',
                content_type="application/json",
                headers={"Idempotency-Key": KEY},
            )
            statuses.append(answer.status_code)
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=send) for _ in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert statuses == [200] * 20
    assert count(matter, EventKind.COMMENTED) == 1
