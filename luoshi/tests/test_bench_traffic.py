"""The HTTP load run's requests (bench/traffic.py), at a tiny size through the test client.

`make bench-http` signs in as each role and calls these URLs against gunicorn; a URL that
was renamed, moved or refused for its role would only show as failures in a long run.
Here the same generated data (bench.http's generator at 300 matters), the same plan and
the same calls: every one answers what the load run expects, for every role.
"""

import datetime as dt
import random
import uuid

import time_machine
from django.contrib.auth.hashers import make_password
from django.test import Client


def _signed_in(username: str, password: str) -> Client:
    client = Client()
    response = client.post("/login/", {"username": username, "password": password})
    assert response.status_code == 302, f"sign-in as {username}: {response.status_code}"
    return client


@time_machine.travel(dt.datetime(2026, 3, 10, 9, tzinfo=dt.UTC), tick=False)
def test_every_call_of_the_load_run_answers_for_its_role(empty_database):
    from bench import traffic
    from bench.http import HttpGenerator, first_scan

    HttpGenerator(300, 50, seed=1, password=make_password(traffic.PASSWORD)).run()
    first_scan()
    plan = traffic.plan(people_per_role=2)
    rng = random.Random(1)
    assert plan["matters"] and plan["unit"] and plan["q"].startswith("第")
    for role, calls in traffic.CALLS.items():
        assert plan["people"][role], f"no {role} to sign in as"
        for person in plan["people"][role]:
            client = _signed_in(person["username"], plan["password"])
            for call in calls:
                url = traffic.path(call, person, plan, rng)
                status = client.get(url).status_code
                assert status in call.expect, f"{role} {person['username']}: {url} → {status}"
    # "handler matter page (report form)": the handlers' own matters do offer the report.
    handler = plan["people"]["handler"][0]
    client = _signed_in(handler["username"], plan["password"])
    pages = [client.get(f"/matters/{pk}/").content.decode() for pk in handler["matters"]]
    assert any("/act/report/" in page for page in pages)


@time_machine.travel(dt.datetime(2026, 3, 10, 9, tzinfo=dt.UTC), tick=False)
def test_the_intake_clients_register_drafts(empty_database):
    from bench import traffic
    from bench.http import HttpGenerator
    from luoshi.matters.models import Matter

    HttpGenerator(300, 50, seed=1, password=make_password(traffic.PASSWORD)).run()
    plan = traffic.plan(people_per_role=8)
    assert len(plan["people"]["supervisor"]) == 8  # one per intake client
    client = _signed_in(plan["people"]["supervisor"][-1]["username"], plan["password"])
    units = traffic.intake_units(plan)
    assert len(set(units)) > 1 and plan["unit"] in units  # spread over the busiest units
    response = client.post(
        traffic.INTAKE.path,
        traffic.intake_body(units[-1], 1),
        content_type="application/json",
        headers={"Idempotency-Key": str(uuid.uuid4())},
    )
    assert response.status_code in traffic.INTAKE.expect, response.content
    registered = Matter.objects.get(title=traffic.intake_body(units[-1], 1)["title"])
    assert registered.lead_unit_id == units[-1]
