"""The HTTP load run's users (locust): `python -m bench.http` starts it; see bench/traffic.py.

Each locust user signs in once through the real login page (CSRF token from the form's
cookie), as a different person of its role from the plan (LUOSHI_BENCH_PLAN, a JSON file
written by bench.http), then calls its role's URLs by weight, each under its own stats name.
A status other than the call's expected one is a failure. The intake clients register
drafts through the API with the session's CSRF token and an Idempotency-Key each.

Run by hand against a server already up:
    LUOSHI_BENCH_PLAN=plan.json locust -f bench/locustfile.py --headless -u 8 -r 8 -t 60s \
        --host http://127.0.0.1:8765 SupervisorUser HandlerUser LeaderUser UnitHeadUser
"""

from __future__ import annotations

import itertools
import json
import os
import random
import uuid

import gevent
from locust import HttpUser, between, constant, task

from bench import traffic

PLAN = json.loads(open(os.environ["LUOSHI_BENCH_PLAN"], encoding="utf-8").read())  # noqa: SIM115
# Think time between a user's requests, "min,max" seconds (a person reads the page).
WAIT = [float(x) for x in os.environ.get("LUOSHI_BENCH_WAIT", "0.5,1.5").split(",")]
_signed = [0]  # users signed in so far (this process)
SIGN_IN_WAIT = 120  # seconds a signed-in user waits for the others
_turns: dict[str, itertools.count] = {}


class Person(HttpUser):
    abstract = True
    role = ""
    wait_time = between(*WAIT)

    def on_start(self) -> None:
        people = PLAN["people"][self.role]
        turn = next(_turns.setdefault(self.role, itertools.count()))
        self.person = people[turn % len(people)]
        self.rng = random.Random(turn)
        self.calls = traffic.CALLS.get(self.role, [])
        self.weights = [c.weight for c in self.calls]
        self.sign_in()
        _signed_in(self)

    def sign_in(self) -> None:
        self.client.get("/login/", name="login form")
        token = self.client.cookies.get("csrftoken", "")
        with self.client.post(
            "/login/",
            {
                "username": self.person["username"],
                "password": PLAN["password"],
                "csrfmiddlewaretoken": token,
            },
            headers={"Referer": self.host + "/login/"},
            name="login",
            allow_redirects=False,
            catch_response=True,
        ) as response:
            if response.status_code != 302:
                response.failure(f"sign-in as {self.person['username']}: {response.status_code}")

    def call(self, call: traffic.Call) -> None:
        url = traffic.path(call, self.person, PLAN, self.rng)
        with self.client.get(
            url, name=call.name, allow_redirects=False, catch_response=True
        ) as response:
            if response.status_code not in call.expect:
                response.failure(f"{response.status_code} for {url}")


class Browser(Person):
    """A person reading pages: one of the role's calls by weight, then a think time."""

    abstract = True

    @task
    def browse(self) -> None:
        self.call(self.rng.choices(self.calls, weights=self.weights)[0])


def _signed_in(user: Person) -> None:
    """Each user waits until every user has signed in; then the stats start over: the
    table is the steady state.

    A sign-in checks a PBKDF2 hash (about a second of CPU by design). Eight of them at
    the start would otherwise weigh on the first seconds of every endpoint's times, and
    a page asked for while the last ones ran finished after the reset with their wait
    in it (the 770–790 ms outliers of the 01:59 run in docs/benchmarks.md).
    """
    _turns.setdefault("signed in", itertools.count(1))
    _signed[0] = signed = next(_turns["signed in"])
    runner = user.environment.runner
    target = getattr(runner, "target_user_count", None) if runner is not None else None
    if target is None:
        return
    if signed == target:
        user.environment.stats.reset_all()
    # Not for ever: a user whose sign-in failed never arrives (its failure is in the table).
    for _tick in range(SIGN_IN_WAIT * 20):
        if _signed[0] >= target:
            break
        gevent.sleep(0.05)


class SupervisorUser(Browser):
    role = "supervisor"
    weight = 3


class HandlerUser(Browser):
    role = "handler"
    weight = 3


class LeaderUser(Browser):
    role = "leader"
    weight = 1


class UnitHeadUser(Browser):
    role = "unit_head"
    weight = 1


class AreaHeadUser(Browser):
    role = "area_head"
    weight = 1


class IntakeUser(Person):
    """A clerk of the office registering matters back to back (no think time)."""

    role = "supervisor"
    wait_time = constant(0)

    @task
    def register(self) -> None:
        # for the busiest units in turn, as an office registers for many units: all on one
        # piled tens of thousands of drafts on it over a few runs (its ?unit= list then
        # counted them: docs/benchmarks.md, 1 Dec.)
        unit = self.rng.choice(traffic.intake_units(PLAN))
        body = traffic.intake_body(unit, self.rng.randrange(10**9))
        headers = {
            "X-CSRFToken": self.client.cookies.get("csrftoken", ""),
            "Referer": self.host + "/",
            "Idempotency-Key": str(uuid.uuid4()),
        }
        call = traffic.INTAKE
        with self.client.post(
            call.path, json=body, headers=headers, name=call.name, catch_response=True
        ) as response:
            if response.status_code not in call.expect:
                response.failure(f"{response.status_code}: {response.text[:200]}")
