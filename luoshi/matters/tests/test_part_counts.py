"""Each unit's kept part counts (matters.partcounts) stay what a recount of the parts
finds, through every service of the loop and the nightly scan; a one-unit user's desk
and list read them and show what the parts join showed."""

import datetime as dt
import re
from collections import Counter
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db.models import Sum
from django.urls import reverse

from luoshi.matters import areacounts, partcounts, queries, services
from luoshi.matters.models import (
    OPEN_STATES,
    PRE_DISPATCH_STATES,
    AreaCount,
    Matter,
    MatterUnit,
    MatterWarning,
    PartCount,
    ReportCycle,
    ReturnReason,
    State,
)
from luoshi.matters.warnings import scan
from luoshi.org.access import access_for
from luoshi.org.models import Unit
from luoshi.testing import accepted, assigned, register

pytestmark = pytest.mark.django_db
D = dt.date


def at(day: dt.date, hour: int = 10):
    moment = dt.datetime(day.year, day.month, day.day, hour, tzinfo=ZoneInfo("Asia/Shanghai"))
    return time_machine.travel(moment, tick=False)


def fresh(matter: Matter) -> Matter:
    return Matter.objects.get(pk=matter.pk)


def recount() -> Counter:
    """The oracle: every active part of a dispatched matter, by unit, bucket and warning,
    counted in Python from the rows themselves."""
    counted: Counter = Counter()
    for part in MatterUnit.objects.filter(active=True).select_related("matter"):
        matter = part.matter
        if matter.state in PRE_DISPATCH_STATES or (
            matter.state == State.WITHDRAWN and matter.assigned_at is None
        ):
            continue
        bucket = f"{part.state}|{matter.state}|{matter.report_cycle}"
        counted[(part.unit_id, bucket, matter.warning)] += 1
    return counted


def area_recount() -> Counter:
    """The oracle of the areas: each dispatched matter once in every unit above (or at)
    any unit holding an active part of it, by its state and warning."""
    paths = dict(Unit.objects.values_list("pk", "path"))
    areas: dict[int, set[int]] = {}
    for part in MatterUnit.objects.filter(active=True).select_related("matter"):
        matter = part.matter
        if matter.state in PRE_DISPATCH_STATES or (
            matter.state == State.WITHDRAWN and matter.assigned_at is None
        ):
            continue
        above = {int(pk) for pk in paths[part.unit_id].strip("/").split("/")}
        areas.setdefault(matter.pk, set()).update(above)
    counted: Counter = Counter()
    for matter in Matter.objects.filter(pk__in=list(areas)):
        for area in areas[matter.pk]:
            counted[(area, matter.state, matter.warning)] += 1
    return counted


def kept() -> Counter:
    """Each key's rows summed (a kept count and the deltas added since)."""
    rows = PartCount.objects.values_list("unit_id", "bucket", "warning").annotate(t=Sum("n"))
    return Counter({(unit, bucket, warning): n for unit, bucket, warning, n in rows if n})


def test_every_service_of_the_loop_keeps_the_counts_a_recount_finds(city):
    steps = []

    def check(step: str) -> None:
        steps.append(step)
        assert kept() == recount(), step
        assert Counter(areacounts.kept()) == area_recount(), step

    with at(D(2026, 3, 2)):
        loop = register(city, deadline=D(2026, 4, 30), report_cycle=ReportCycle.WEEKLY)
        check("registered: a draft's planned parts are not counted")
        loop = services.assign_matter(loop, actor=city.supervisor, version=None)
        check("assigned")
        loop = services.accept_matter(loop, actor=city.lead_handler, version=None)
        loop = services.accept_matter(loop, actor=city.co_handler, version=None)
        check("accepted by both units")
        services.report_progress(loop, actor=city.co_handler, version=None, text="对接", percent=50)
        check("a co-unit's report: its part in progress")
        disputed = assigned(city, deadline=D(2026, 4, 30))
        dispute = services.raise_dispute(
            fresh(disputed),
            actor=city.lead_handler,
            version=None,
            reason_code=ReturnReason.WRONG_TERRITORY,
            reason="不属于本单位职责",
        )
        check("disputed")
        services.rule_dispute(
            fresh(disputed),
            dispute.pk,
            actor=city.supervisor,
            version=None,
            ruling="reassign",
            new_unit=city.other,
        )
        check("reassigned: the old part leaves its unit's counts, the new one joins")
        paused = accepted(city, deadline=D(2026, 3, 6))
        services.suspend_matter(fresh(paused), actor=city.supervisor, version=None, reason="待定")
        check("suspended")
        withdrawn = assigned(city, deadline=D(2026, 4, 30))
        services.withdraw_matter(fresh(withdrawn), actor=city.supervisor, version=None, reason="撤")
        check("withdrawn after dispatch: still the units' (visible), counted as withdrawn")
        unsent = register(city, deadline=D(2026, 4, 30))
        services.withdraw_matter(unsent, actor=city.supervisor, version=None, reason="撤回")
        check("withdrawn unsent: never counted")
    for day in (D(2026, 3, 9), D(2026, 3, 10), D(2026, 4, 1)):
        with at(day, 1):
            scan(day)  # warnings move: the parts' units follow
        check(f"scanned {day}")
    assert {w for _u, _b, w in kept()} >= {MatterWarning.STALLED, MatterWarning.NORMAL}
    with at(D(2026, 4, 1)):
        services.resume_matter(fresh(paused), actor=city.supervisor, version=None)
        check("resumed")
        loop = services.complete_part(fresh(loop), actor=city.co_handler, version=None, text="完")
        check("part done")
        loop = services.request_completion(loop, actor=city.lead_handler, version=None, text="完")
        check("completion requested")
        loop = services.review_completion(
            loop, actor=city.supervisor, version=None, outcome="rework", comment="补充材料"
        )
        check("sent back for rework")
        loop = services.request_completion(loop, actor=city.lead_handler, version=None, text="完")
        loop = services.review_completion(
            loop, actor=city.supervisor, version=None, outcome="approve"
        )
        loop = services.close_matter(loop, actor=city.supervisor, version=None)
        check("completed and closed")
    assert len(steps) == 17

    # each change added rows; the nightly scans folded them: one row a key, same sums
    def rows_and_keys() -> tuple[int, int]:
        keys = list(PartCount.objects.values_list("unit_id", "bucket", "warning"))
        return len(keys), len(set(keys))

    rows, keys = rows_and_keys()
    assert rows > keys
    counted = kept()
    partcounts.compact()
    rows, keys = rows_and_keys()  # one row a key; keys summing to 0 gone
    assert rows == keys == len(counted) and kept() == counted == recount()
    areas = list(AreaCount.objects.values_list("area_id", "state", "warning"))
    assert len(areas) == len(set(areas)) == len(areacounts.kept())  # the areas' folded too
    assert Counter(areacounts.kept()) == area_recount()
    assert partcounts.rebuild() == {
        "parts_rewritten": 0,
        "part_counts_corrected": 0,
        "area_counts_corrected": 0,
    }


@pytest.fixture
def busy(city):
    """The lead unit holds matters in every desk section; the co-unit some of them."""
    with at(D(2026, 3, 2)):
        for cycle in (ReportCycle.WEEKLY, ReportCycle.MONTHLY, ReportCycle.NONE):
            accepted(city, deadline=D(2026, 3, 10), report_cycle=cycle)
        assigned(city, deadline=D(2026, 3, 4))
        assigned(city, deadline=D(2026, 6, 30), co=False)
        done = accepted(city, deadline=D(2026, 3, 31))
        services.request_completion(done, actor=city.lead_handler, version=None, text="完")
        register(city, deadline=D(2026, 4, 30))  # a draft: no unit sees it
    with at(D(2026, 3, 9), 1):
        scan(D(2026, 3, 9))
    return city


def test_a_one_unit_desk_reads_the_kept_counts_and_finds_what_the_parts_join_finds(busy):
    for user in (busy.lead_handler, busy.co_handler, busy.other_handler):
        access = access_for(user)
        assert len(access.visible_units) == 1
        joined = queries._joined_desk_counts(user, access)  # the join, for a unit set
        assert queries.desk_counts(user) == joined, user
    counts = queries.desk_counts(busy.lead_handler)
    assert counts["to_accept"] == 2 and counts["to_report"] == 3
    assert counts["to_report_weekly"] == counts["to_report_monthly"] == 1
    assert counts["due_soon"] + counts["overdue"] + counts["stalled"] > 0


def test_the_desk_page_shows_the_counts_the_parts_join_finds(client, busy):
    client.force_login(busy.lead_handler)
    with at(D(2026, 3, 9)):
        html = client.get(reverse("matters:desk")).content.decode()
    joined = queries._joined_desk_counts(busy.lead_handler, access_for(busy.lead_handler))
    shown = dict(re.findall(r'id="count-([a-z_]+)">\s*<span class="n">(\d+)</span>', html))
    assert set(shown) == {"to_accept", "to_report", "overdue", "due_soon", "stalled"}
    assert {key: int(n) for key, n in shown.items()} == {key: joined[key] for key in shown}


def _district_matter(city, lead, co_units=(), deadline=None, accept=True) -> Matter:
    spec = services.MatterSpec(
        title="整治背街小巷环境",
        source="meeting",
        lead_unit=lead,
        co_units=[services.CoUnit(u, "配合") for u in co_units],
        deadline=deadline or D(2026, 3, 10),
    )
    matter = services.register_matter(spec, actor=city.supervisor)
    matter = services.assign_matter(matter, actor=city.supervisor, version=matter.version)
    if accept:
        handler = city.street_handler if lead == city.street else city.district_head
        matter = services.accept_matter(matter, actor=handler, version=matter.version)
    return matter


def test_a_head_with_a_unit_below_counts_each_matter_once(client, city):
    """The district's head sees the district and its street. A matter both hold (street
    leads, district co-operates) is one matter in each warning section; the sections to
    act on are the district's own parts; a matter of other units is not seen."""
    with at(D(2026, 3, 2)):
        both = _district_matter(city, city.street, [city.district])  # overdue by 3-12
        _district_matter(city, city.street, accept=False)  # overdue, the street's to accept
        _district_matter(city, city.district, deadline=D(2026, 3, 13))  # behind plan
        _district_matter(city, city.district, [city.street], deadline=D(2026, 9, 30))
        assigned(city, deadline=D(2026, 3, 10))  # the lead and co departments': not seen
    with at(D(2026, 3, 12), 1):
        scan(D(2026, 3, 12))
    head = city.district_head
    access = access_for(head)
    assert access.own_units == {city.district.pk} and len(access.visible_units) == 2
    with at(D(2026, 3, 12)):
        counts = queries.desk_counts(head)
        assert counts == queries._joined_desk_counts(head, access)
        assert counts["overdue"] == 2  # `both` once, though two of the units hold it
        # the district's own parts: its co-part of `both` is assigned, two it leads run
        assert counts["to_accept"] == 1 and counts["to_report"] == 2
        assert fresh(both).warning == MatterWarning.OVERDUE
        client.force_login(head)
        html = client.get(reverse("matters:desk")).content.decode()
    shown = dict(re.findall(r'id="count-([a-z_]+)">\s*<span class="n">(\d+)</span>', html))
    assert {key: int(n) for key, n in shown.items()} == {key: counts[key] for key in shown}
    assert int(shown["overdue"]) == 2


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"open": "1"},
        {"state": "assigned"},
        {"warning": "stalled"},
        {"state": "completion_requested"},
    ],
)
def test_a_one_unit_list_counts_from_the_kept_rows_as_the_rows_count(client, busy, params):
    client.force_login(busy.lead_handler)
    with at(D(2026, 3, 9)):
        response = client.get(reverse("matters:list"), params)
    count = response.context["count"]
    visible = Matter.objects.visible_to(busy.lead_handler)
    listed = visible.filter(pk__in=[m.pk for m in response.context["page_obj"]])
    assert count.exact
    rows = Counter(
        (state, warning)
        for state, warning in visible.values_list("state", "warning")
        if (not params.get("state") or state == params["state"])
        and (not params.get("warning") or warning == params["warning"])
        and (not params.get("open") or state in OPEN_STATES)
    )
    assert count.total == sum(rows.values()) == listed.count()
    by_state = Counter()
    for (state, _warning), n in rows.items():
        by_state[state] += n
    assert count.facets["state"] == dict(by_state)


@pytest.mark.parametrize("params", [{}, {"open": "1"}, {"state": "draft"}, {"warning": "normal"}])
def test_a_unit_filter_of_the_office_or_a_leader_counts_from_the_kept_rows(client, busy, params):
    """Every matter the unit holds a part of: the dispatched from its kept counts, the
    drafts and others not yet dispatched (planned parts) read beside them; a leader's
    list leaves drafts out."""
    with at(D(2026, 3, 9)):
        services.withdraw_matter(
            register(busy, deadline=D(2026, 4, 30)),
            actor=busy.supervisor,
            version=None,
            reason="撤",
        )
        for user in (busy.supervisor, busy.leader):
            client.force_login(user)
            for unit in (busy.lead, busy.co, busy.other):
                response = client.get(reverse("matters:list"), {"unit": unit.pk, **params})
                count = response.context["count"]
                held = MatterUnit.objects.filter(unit=unit, active=True).values("matter_id")
                rows = Matter.objects.visible_to(user).filter(pk__in=held)
                if params.get("state"):
                    rows = rows.filter(state=params["state"])
                if params.get("warning"):
                    rows = rows.filter(warning=params["warning"])
                if params.get("open"):
                    rows = rows.filter(state__in=OPEN_STATES)
                assert count.exact and count.total == rows.count(), (user, unit, params)
                assert count.total == len(list(response.context["page_obj"]))
    assert Matter.objects.filter(state=State.DRAFT).exists()
