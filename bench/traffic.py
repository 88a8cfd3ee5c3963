"""What the HTTP load run asks for, role by role: plain data, no locust.

`bench/locustfile.py` turns these calls into locust tasks; `luoshi/tests/test_bench_traffic.py`
sends the same calls through Django's test client at a tiny size, so a URL the load run
uses cannot go stale (renamed, moved, refused for its role) without a failing test.
Kept apart from the locustfile because importing locust monkey-patches the process (gevent).

`plan()` reads, from whatever database Django is connected to, who the load run signs in
as and which objects their URLs name; `bench.http` writes it to a JSON file for locust.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter
from dataclasses import dataclass

# Every generated user has this password (bench.http hashes it once for all of them).
PASSWORD = "bench-password-4711"  # noqa: S105 (a benchmark database on loopback only)

# The orderings the matter list offers (matters.filters.ORDERINGS), each measured.
ORDERINGS = ["deadline", "-deadline", "serial", "-serial", "updated", "-updated", "progress"]
ORDERINGS += ["-progress"]


@dataclass(frozen=True)
class Call:
    """One request: its stats name, path (with {matter}, {unit}, {q}, {day}) and weight."""

    name: str
    path: str
    weight: int = 1
    expect: tuple[int, ...] = (200,)


def _lists(prefix: str, api: bool) -> list[Call]:
    """The matter list (page or API) page 1, each filter, text search, the deepest
    numbered page and a jump into the middle of the deadlines (keyset from there)."""
    base = "/api/matters/" if api else "/matters/"
    tag = f"{prefix} api" if api else f"{prefix} list"
    return [
        Call(f"{tag} page 1", base, 4),
        Call(f"{tag} overdue", base + "?warning=overdue", 2),
        Call(f"{tag} open", base + "?open=1", 2),
        Call(f"{tag} state=in_progress", base + "?state=in_progress", 1),
        Call(f"{tag} unit", base + "?unit={unit}", 1),
        Call(f"{tag} q=", base + "?q={q}", 1),
        Call(f"{tag} page=100", base + "?page=100", 1),
        Call(f"{tag} jump to a deadline", base + "?start={day}", 1),
    ]


SUPERVISOR = [
    Call("supervisor desk", "/", 4),
    *_lists("supervisor", api=False),
    *[Call(f"supervisor list sort {o}", f"/matters/?ordering={o}", 1) for o in ORDERINGS],
    *_lists("supervisor", api=True),
    Call("supervisor api sort -updated", "/api/matters/?ordering=-updated", 1),
    Call("supervisor matter page", "/matters/{matter}/", 3),
    Call("supervisor api matter", "/api/matters/{matter}", 2),
    Call("supervisor register form", "/matters/new/", 1),
    Call("supervisor cockpit", "/cockpit/", 1),
    # Past LUOSHI_LEDGER_INTERACTIVE_ROWS the ledger becomes a background export and the
    # page redirects to the exports list (302); at a test's tiny size it is written (200).
    # The busiest units (Zipf: tens of thousands of open matters at 1M) are past it too.
    Call("supervisor ledger filtered", "/documents/ledger.xlsx?unit={unit}&open=1", 1, (200, 302)),
    Call("supervisor ledger unfiltered", "/documents/ledger.xlsx", 1, (200, 302)),
]
HANDLER = [
    Call("handler desk", "/", 4),
    Call("handler list page 1", "/matters/", 3),
    Call("handler list open", "/matters/?open=1", 2),
    Call("handler list overdue", "/matters/?warning=overdue", 1),
    Call("handler list sort -updated", "/matters/?ordering=-updated", 1),
    Call("handler api open", "/api/matters/?open=1", 2),
    # The handler's own matter: the page carries the report form (报送进展).
    Call("handler matter page (report form)", "/matters/{matter}/", 3),
    Call("handler api matter", "/api/matters/{matter}", 1),
    Call("handler ledger own unit", "/documents/ledger.xlsx?open=1", 1, (200, 302)),
]
LEADER = [
    Call("leader cockpit", "/cockpit/", 3),
    Call("leader desk", "/", 2),
    Call("leader list overdue", "/matters/?warning=overdue", 1),
    Call("leader matter page", "/matters/{matter}/", 1),
]
UNIT_HEAD = [
    Call("unit head desk", "/", 2),
    Call("unit head list open", "/matters/?open=1", 1),
    Call("unit head matter page", "/matters/{matter}/", 1),
]
# The head of a unit with units below (a county over its towns and villages): sees every
# matter those units hold, so each of their pages reads the parts of hundreds of units.
AREA_HEAD = [
    Call("area head desk", "/", 2),
    Call("area head list open", "/matters/?open=1", 1),
    Call("area head list overdue", "/matters/?warning=overdue", 1),
    Call("area head matter page", "/matters/{matter}/", 1),
]
CALLS = {
    "supervisor": SUPERVISOR,
    "handler": HANDLER,
    "leader": LEADER,
    "unit_head": UNIT_HEAD,
    "area_head": AREA_HEAD,
}

# Intake: the office registering matters through the API (a draft each), as fast as it can.
INTAKE = Call("intake api register", "/api/matters/", 1, (201,))


def intake_body(unit: int, n: int) -> dict:
    return {
        "title": f"压测登记事项{n}：落实重点工作",
        "source": "meeting",
        "lead_unit": unit,
        "deadline_workdays": 20,
    }


def intake_units(plan: dict) -> list[int]:
    """The units the intake clients register for: the handlers' (the busiest units)."""
    units = [person["unit"] for person in plan["people"]["handler"] if person.get("unit")]
    return units or [plan["unit"]]


def path(call: Call, person: dict, plan: dict, rng: random.Random) -> str:
    """The call's URL for one signed-in person (their unit and matters, or the plan's)."""
    matters = person.get("matters") or plan["matters"]
    return call.path.format(
        matter=rng.choice(matters),
        unit=person.get("unit") or plan["unit"],
        q=plan["q"],
        day=plan["day"],
    )


def plan(people_per_role: int = 8, matters_per_person: int = 20, seed: int = 1) -> dict:
    """Who signs in (per role) and the objects their URLs name, read from the database.

    Handlers and unit heads are taken from the units holding the most active parts (the
    heaviest inboxes); supervisors and the leader see everything, so their matters are
    drawn across all ids.
    """
    from django.db.models import Count, Max

    from luoshi.matters.models import Matter, MatterUnit
    from luoshi.matters.queries import undispatched
    from luoshi.org.models import Membership

    rng = random.Random(seed)
    busiest = list(
        MatterUnit.objects.filter(active=True)
        .values("unit_id")
        .annotate(n=Count("id"))
        .order_by("-n", "unit_id")
        .values_list("unit_id", flat=True)[:people_per_role]
    )
    areas = _largest_areas(people_per_role)
    top = Matter.objects.aggregate(top=Max("id"))["top"] or 0
    sample = sorted({rng.randint(1, top) for _ in range(200)}) if top else []
    # Dispatched ones only: a reused database holds the intake runs' drafts, which a
    # leader and the units may not open (a 404 in the 02:06 run, docs/benchmarks.md).
    dispatched = Matter.objects.exclude(undispatched())
    existing = list(dispatched.filter(pk__in=sample).values_list("pk", flat=True))

    def people(role: str, units: list[int] | None = None) -> list[dict]:
        rows = Membership.objects.filter(role=role).order_by("user_id")
        if units is not None:
            rows = rows.filter(unit_id__in=units)
        out = []
        for username, unit in rows.values_list("user__username", "unit_id")[:people_per_role]:
            mine = list(
                MatterUnit.objects.filter(unit_id=unit, active=True)
                .exclude(undispatched("matter__"))
                .order_by("matter_id")
                .values_list("matter_id", flat=True)[:matters_per_person]
            )
            out.append({"username": username, "unit": unit, "matters": mine})
        return out

    sample_title = Matter.objects.filter(pk__in=existing[:1]).values_list("title", flat=True)
    # A jump lands in the middle of the sampled matters' deadlines: a deep keyset page.
    deadlines = sorted(
        Matter.objects.filter(pk__in=existing, deadline__isnull=False).values_list(
            "deadline", flat=True
        )
    )
    return {
        "password": PASSWORD,
        "matters": existing,
        "unit": busiest[0] if busiest else None,
        # A selective search: the serial-like part of one title (e.g. 第12345号).
        "q": _selective(next(iter(sample_title), "推进")),
        "day": (deadlines[len(deadlines) // 2] if deadlines else dt.date(2026, 6, 30)).isoformat(),
        "people": {
            "supervisor": [{**p, "unit": None, "matters": []} for p in people("supervisor")],
            "leader": [{**p, "unit": None, "matters": []} for p in people("leader")],
            "handler": people("handler", busiest),
            "unit_head": people("unit_head", busiest),
            "area_head": people("unit_head", areas),
        },
    }


def _largest_areas(count: int) -> list[int]:
    """The units with units below them whose whole area holds the most active parts
    (below the root, whose head would see the city as the office does)."""
    from django.db.models import Count

    from luoshi.matters.models import MatterUnit
    from luoshi.org.models import Unit

    paths = dict(Unit.objects.values_list("pk", "path"))
    held = MatterUnit.objects.filter(active=True).values("unit_id").annotate(n=Count("id"))
    area: Counter[int] = Counter()
    for row in held:
        ancestors = [int(pk) for pk in paths[row["unit_id"]].strip("/").split("/")]
        for pk in ancestors[1:-1]:  # not the root, not the unit itself
            area[pk] += row["n"]
    return [pk for pk, _n in area.most_common(count)]


def _selective(title: str) -> str:
    start, end = title.find("第"), title.find("号")
    return title[start : end + 1] if 0 <= start < end else title[:4]
