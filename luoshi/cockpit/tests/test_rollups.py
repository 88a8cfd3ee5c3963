"""The rollups equal direct counts of the matters after any sequence of operations."""

import datetime as dt
from collections import Counter

import time_machine
from django.core.management import call_command
from django.db.models import Count

from luoshi.cockpit.models import (
    ALL_UNITS,
    CITY_STRIPES,
    CITY_TOTAL,
    NO_UNIT,
    DailyFlow,
    FlowMetric,
    UnitCount,
)
from luoshi.cockpit.queries import counts_as_of
from luoshi.matters import history, services
from luoshi.matters.models import Matter, MatterStanding, ReturnReason, State
from luoshi.matters.warnings import scan
from luoshi.testing import accepted, assigned, register

START = dt.datetime(2026, 3, 2, 10, tzinfo=dt.UTC)


def direct_counts() -> Counter:
    counts = Counter()
    rows = Matter.objects.values_list("lead_unit_id", "state", "warning").annotate(n=Count("pk"))
    for unit, state, warning, n in rows.order_by():
        counts[(unit or NO_UNIT, state, warning)] += n
        counts[(ALL_UNITS, state, warning)] += n
    return counts


def rollup_counts() -> Counter:
    """The live counts, the stripes of the city total (CITY_TOTAL) added up as ALL_UNITS."""
    rows = UnitCount.objects.values_list("unit_id", "state", "warning", "n")
    counts = Counter()
    for u, s, w, n in rows:
        counts[(ALL_UNITS if u in CITY_TOTAL else u, s, w)] += n
    return Counter({key: n for key, n in counts.items() if n})  # a negative total shows


def city_flows(metric: str) -> dict[dt.date, int]:
    rows = DailyFlow.objects.filter(unit_id__in=CITY_TOTAL, metric=metric)
    days = Counter()
    for day, n in rows.values_list("day", "n"):
        days[day] += n
    return dict(+days)


def fresh(matter: Matter) -> Matter:
    return Matter.objects.get(pk=matter.pk)


def play_history(city) -> dict[str, Matter]:
    """A month of ordinary life: every kind of change the cockpit has to follow."""
    with time_machine.travel(START, tick=False):
        draft = register(city, title="草稿事项")
        late = accepted(city, title="逾期事项", deadline=dt.date(2026, 3, 10))
        done = accepted(city, title="办结事项", deadline=dt.date(2026, 3, 31))
        disputed = assigned(city, title="退回事项", deadline=dt.date(2026, 4, 30))
        withdrawn = assigned(city, title="撤回事项", deadline=dt.date(2026, 4, 30))
        dispute = services.raise_dispute(
            fresh(disputed),
            actor=city.lead_handler,
            version=None,
            reason_code=ReturnReason.OVERLAPPING_DUTIES,
            reason="职能交叉",
        )
        services.rule_dispute(
            fresh(disputed),
            dispute.pk,
            actor=city.supervisor,
            version=None,
            ruling="reassign",
            new_unit=city.other,
        )
    with time_machine.travel(START + dt.timedelta(days=3), tick=False):
        services.report_progress(
            done, actor=city.lead_handler, version=fresh(done).version, text="推进", percent=50
        )
        services.withdraw_matter(
            fresh(withdrawn), actor=city.supervisor, version=None, reason="重复"
        )
    with time_machine.travel(START + dt.timedelta(days=12), tick=False):
        scan()
        services.request_completion(
            fresh(done), actor=city.lead_handler, version=None, text="已完成"
        )
        services.review_completion(
            fresh(done), actor=city.supervisor, version=None, outcome="rework", comment="补充材料"
        )
        services.request_completion(
            fresh(done), actor=city.lead_handler, version=None, text="再次提交"
        )
        services.review_completion(
            fresh(done), actor=city.supervisor, version=None, outcome="approve"
        )
    return {"draft": draft, "late": late, "done": done, "disputed": disputed}


def test_rollups_equal_direct_counts_after_a_history(city):
    matters = play_history(city)
    assert rollup_counts() == +direct_counts()
    assert fresh(matters["late"]).warning == "overdue"
    assert fresh(matters["disputed"]).lead_unit_id == city.other.pk


def test_flows_count_completions_and_newly_overdue(city):
    play_history(city)
    day = (START + dt.timedelta(days=12)).date()
    flows = dict(DailyFlow.objects.filter(unit_id=city.lead.pk, day=day).values_list("metric", "n"))
    assert flows[FlowMetric.COMPLETED] == 1
    assert flows[FlowMetric.OVERDUE] == 1
    assert sum(city_flows(FlowMetric.ASSIGNED).values()) == 4


def test_counts_as_of_an_earlier_day_are_rebuilt_from_the_changes(city):
    play_history(city)
    with time_machine.travel(START + dt.timedelta(days=20), tick=False):
        before_scan = counts_as_of((START + dt.timedelta(days=5)).date())
        now = counts_as_of(None)
    assert before_scan[(city.lead.pk, State.ACCEPTED, "normal")] == 1  # not yet overdue
    assert now[(city.lead.pk, State.ACCEPTED, "overdue")] == 1


def test_rebuild_command_repairs_drift_and_keeps_totals(city):
    play_history(city)
    UnitCount.objects.filter(unit_id=city.lead.pk).update(n=99)  # drift
    Matter.objects.filter(state=State.DRAFT).update(warning="overdue")  # a write behind its back
    call_command("rebuild_rollups", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert rollup_counts() == +direct_counts()


def test_sync_is_idempotent(city):
    play_history(city)
    assert history.sync(Matter.objects.values_list("pk", flat=True)) == 0
    assert history.sync_scanned(Matter.objects.all()) == 0
    assert rollup_counts() == +direct_counts()


def test_rebuilt_flows_match_the_live_ones(city):
    play_history(city)

    live = {m: city_flows(m) for m in FlowMetric.values}
    with time_machine.travel(START + dt.timedelta(days=20), tick=False):
        call_command("rebuild_rollups", "--flows", stdout=open("/dev/null", "w"))  # noqa: SIM115
    # Rebuilt from the standings' moves: the same days and numbers as when they happened.
    assert {m: city_flows(m) for m in FlowMetric.values} == live


def test_rebuild_gives_matters_loaded_behind_the_services_a_standing(city):
    play_history(city)
    loaded = Matter.objects.filter(state=State.DRAFT)
    MatterStanding.objects.filter(matter__in=loaded).delete()  # as a bulk load leaves them
    UnitCount.objects.all().delete()
    call_command("rebuild_rollups", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert MatterStanding.objects.filter(valid_to__isnull=True).count() == Matter.objects.count()
    assert rollup_counts() == +direct_counts()


def test_city_totals_are_striped_and_summed_back(city):
    """Registrations add to different stripes of the city total (no row every writer
    waits for), and every reader sums them: the figures equal the direct counts."""
    with time_machine.travel(START, tick=False):
        made = [register(city, title=f"立项{i}") for i in range(CITY_STRIPES + 1)]
        services.assign_matter(fresh(made[0]), actor=city.supervisor, version=None)
    stripes = UnitCount.objects.filter(unit_id__in=CITY_TOTAL).exclude(n=0)
    assert stripes.values("unit_id").distinct().count() == CITY_STRIPES
    assert rollup_counts() == +direct_counts()
    with time_machine.travel(START + dt.timedelta(days=1), tick=False):
        now, then = counts_as_of(None, [ALL_UNITS]), counts_as_of(START.date(), [ALL_UNITS])
        before = counts_as_of((START - dt.timedelta(days=1)).date(), [ALL_UNITS])
    city_now = {k: n for k, n in (+direct_counts()).items() if k[0] == ALL_UNITS}
    assert now == then == city_now and not before
