"""Scorecards and rankings on a hand-built event history with known answers, and a
period's life (open, compute, review, close) through the services."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine

from luoshi.evaluation import services
from luoshi.evaluation.models import (
    AdjustmentKind,
    EvaluationEventKind,
    Period,
    PeriodKind,
    PeriodState,
)
from luoshi.lib.errors import IllegalTransition, InvalidInput, NotAllowed, StaleVersion
from luoshi.matters import services as matters
from luoshi.matters.models import Matter, ReturnReason
from luoshi.testing import accepted, assigned


def at(day: int, month: int = 3):
    return time_machine.travel(dt.datetime(2026, month, day, 10, tzinfo=dt.UTC), tick=False)


def fresh(matter):
    return Matter.objects.get(pk=matter.pk)


def fresh_period(period):
    return Period.objects.select_related("scheme").get(pk=period.pk)


def complete(city, matter, *, rework: bool = False):
    matters.request_completion(fresh(matter), actor=city.lead_handler, version=None, text="完成")
    outcome = "rework" if rework else "approve"
    matters.review_completion(
        fresh(matter), actor=city.supervisor, version=None, outcome=outcome, comment="补充"
    )


def close(city, period, reason: str = ""):
    """The office's three steps: compute, review, close."""
    services.compute_period(fresh_period(period), actor=city.supervisor, version=None)
    services.review_period(fresh_period(period), actor=city.supervisor, version=None)
    return services.close_period(
        fresh_period(period), actor=city.supervisor, version=None, reason=reason
    )


@pytest.fixture
def history(city):
    """February: nothing happens. March, 市发改委 (lead): A on time, B overdue from the 13th
    and never done, C reworked once and done late; 市工信局 (co) disputes a
    matter and is refused; 市商务局 (other) is commended."""
    with at(1, 2):
        scheme = services.publish_scheme(actor=city.supervisor, name="2026年度督查考核办法")
        feb = services.open_period(
            actor=city.supervisor, kind=PeriodKind.MONTH, year=2026, number=2
        )
        march = services.open_period(
            actor=city.supervisor, kind=PeriodKind.MONTH, year=2026, number=3
        )
    with at(2):
        a = accepted(city, title="A", deadline=dt.date(2026, 3, 10), co=False)
        b = accepted(city, title="B", deadline=dt.date(2026, 3, 12), co=False)
        c = accepted(city, title="C", deadline=dt.date(2026, 3, 20), co=False)
        d = assigned(city, title="D", deadline=dt.date(2026, 4, 30), lead=city.other)
        dispute = matters.raise_dispute(
            fresh(d),
            actor=city.co_handler,
            version=None,
            reason_code=ReturnReason.OVERLAPPING_DUTIES,
            reason="不是我们的职责",
        )
    with at(1, 3):  # February closes with everybody at 100: all share rank 1
        close(city, feb)
    with at(3):
        matters.rule_dispute(
            fresh(d),
            dispute.pk,
            actor=city.supervisor,
            version=None,
            ruling="reject",
            comment="职责明确",
        )
    with at(9):
        complete(city, a)
    with at(16):
        matters.hasten_matter(fresh(b), actor=city.supervisor, message="请加快")
    with at(18):
        complete(city, c, rework=True)
    with at(25):
        complete(city, c)
        services.add_adjustment(
            fresh_period(march),
            actor=city.supervisor,
            version=None,
            unit=city.other,
            kind=AdjustmentKind.COMMENDATION,
            reason="市长批示表扬",
        )
    return {"scheme": scheme, "feb": feb, "march": march, "a": a, "b": b, "c": c, "d": d}


def cards_by_unit(cards):
    return {card.unit_id: card for card in cards}


def compute(city, period):
    return cards_by_unit(
        services.compute_period(fresh_period(period), actor=city.supervisor, version=None)
    )


def test_march_figures_scores_and_ranks(city, history):
    with at(1, 4):
        cards = compute(city, history["march"])
    lead = cards[city.lead.pk]
    assert lead.figures["due_matters"] == 3
    assert lead.figures["completed_on_time"] == 1
    assert lead.figures["on_time_rate"] == 33.3
    assert lead.figures["overdue_matters"] == 2
    # B: 13–31 March. C, sent back on the 18th with two working days left, got the
    # minimum three (due Mon 23rd) and asked again on the 25th: late the 24th and 25th.
    assert lead.figures["overdue_days"] == 19 + 2
    assert lead.figures["rework"] == 1
    assert lead.figures["hastenings"] == 1
    assert lead.figures["satisfaction"] is None  # nothing rated
    assert lead.score == Decimal("96.00")  # 100 − 2 overdue − 2 rework
    assert sorted(lead.matter_ids["overdue_matters"]) == sorted([history["b"].pk, history["c"].pk])
    assert cards[city.co.pk].figures["disputes_upheld_against"] == 1
    assert cards[city.co.pk].score == Decimal("99.00")
    assert cards[city.other.pk].score == Decimal("101.00")
    assert [cards[u.pk].rank for u in (city.other, city.co, city.lead)] == [1, 2, 3]
    assert [cards[u.pk].rank_change for u in (city.other, city.co, city.lead)] == [0, -1, -2]
    assert cards[city.district.pk].rank == 1  # districts are ranked apart
    assert city.office.pk not in cards and city.street.pk not in cards


def test_a_period_goes_open_computed_reviewed_closed(city, history):
    march = history["march"]
    with at(28):
        with pytest.raises(IllegalTransition):  # nothing reviewed yet
            services.close_period(fresh_period(march), actor=city.supervisor, version=None)
        with pytest.raises(IllegalTransition):  # nothing computed yet
            services.review_period(fresh_period(march), actor=city.supervisor, version=None)
        with pytest.raises(NotAllowed):
            services.compute_period(fresh_period(march), actor=city.lead_head, version=None)
        seen = fresh_period(march).version
        compute(city, march)
        with pytest.raises(StaleVersion):  # reviewing what was recomputed since it was read
            services.review_period(fresh_period(march), actor=city.supervisor, version=seen)
        services.review_period(
            fresh_period(march), actor=city.supervisor, version=None, comment="核对无误"
        )
        with pytest.raises(InvalidInput) as error:  # March ends on the 31st
            services.close_period(fresh_period(march), actor=city.supervisor, version=None)
        assert error.value.field == "reason"
        services.close_period(
            fresh_period(march),
            actor=city.supervisor,
            version=None,
            reason="市委常委会提前听取考核情况",
        )
    period = fresh_period(march)
    assert period.state == PeriodState.CLOSED and period.closed_by == city.supervisor
    closing = period.events.get(kind=EvaluationEventKind.PERIOD_CLOSED)
    assert closing.comment == "市委常委会提前听取考核情况" and closing.data["early"] is True
    kinds = list(period.events.values_list("kind", flat=True))
    assert kinds == [
        EvaluationEventKind.PERIOD_OPENED,
        EvaluationEventKind.ADJUSTMENT_ADDED,
        EvaluationEventKind.PERIOD_COMPUTED,
        EvaluationEventKind.PERIOD_REVIEWED,
        EvaluationEventKind.PERIOD_CLOSED,
    ]


def test_a_change_after_review_sends_the_period_back(city, history):
    march = history["march"]
    with at(1, 4):
        compute(city, march)
        services.review_period(fresh_period(march), actor=city.supervisor, version=None)
        services.add_adjustment(
            fresh_period(march),
            actor=city.supervisor,
            version=None,
            unit=city.lead,
            kind=AdjustmentKind.BONUS,
            points=1,
            reason="承办全省现场会",
        )
        assert fresh_period(march).state == PeriodState.OPEN
        with pytest.raises(IllegalTransition):
            services.close_period(fresh_period(march), actor=city.supervisor, version=None)
    assert services.compute_scorecards(fresh_period(march))  # the nightly refresh may run


def test_a_closed_period_is_frozen_against_later_events(city, history):
    with at(1, 4):
        close(city, history["march"])
    frozen = {c.unit_id: (c.score, c.figures) for c in history["march"].scorecards.all()}
    with at(6, 4):  # later events: B is finished, another hastening, a new matter overdue
        matters.hasten_matter(fresh(history["b"]), actor=city.supervisor, message="再催")
        complete(city, history["b"])
        again = cards_by_unit(services.compute_scorecards(fresh_period(history["march"])))
        with pytest.raises(IllegalTransition):
            compute(city, history["march"])
    assert {u: (c.score, c.figures) for u, c in again.items()} == frozen
    with pytest.raises(IllegalTransition):
        services.add_adjustment(
            fresh_period(history["march"]),
            actor=city.supervisor,
            version=None,
            unit=city.lead,
            kind=AdjustmentKind.BONUS,
            points=2,
            reason="迟到的加分",
        )


def test_a_weighted_rate_scheme(city, history):
    with at(1, 4):
        scheme = services.publish_scheme(
            actor=city.supervisor,
            name="2026年度督查考核办法",
            version=1,
            base=80,
            rules=[{"indicator": "on_time_rate", "weight": 20}],
        )
        march = fresh_period(history["march"])
        march.scheme = scheme
        march.save()
        cards = compute(city, march)
    assert scheme.version == 2 and history["scheme"].version == 1
    assert cards[city.lead.pk].score == Decimal("86.66")  # 80 + 20 × 33.3 %
    assert cards[city.co.pk].score == Decimal("80.00")  # nothing due: no rate, no points


def test_manual_items_need_a_reason_and_the_right_sign_and_show_at_once(city, history):
    period = history["march"]
    kwargs = {"actor": city.supervisor, "version": None, "unit": city.lead}
    with pytest.raises(InvalidInput) as error:
        services.add_adjustment(
            fresh_period(period), kind="penalty", points=-3, reason=" ", **kwargs
        )
    assert error.value.field == "reason"
    with pytest.raises(InvalidInput):
        services.add_adjustment(
            fresh_period(period), kind="penalty", points=3, reason="x", **kwargs
        )
    with pytest.raises(InvalidInput) as error:
        services.add_adjustment(
            fresh_period(period), kind="bonus", points="1e9", reason="x", **kwargs
        )
    assert error.value.field == "points"
    with pytest.raises(NotAllowed):
        services.add_adjustment(
            fresh_period(period),
            actor=city.lead_head,
            version=None,
            unit=city.lead,
            kind="bonus",
            points=3,
            reason="x",
        )
    with at(1, 4):
        compute(city, period)
    item = services.add_adjustment(
        fresh_period(period), kind="penalty", points=-3, reason="材料造假", **kwargs
    )
    card = period.scorecards.get(unit=city.lead)
    assert card.score == Decimal("93.00") and card.points["manual"] == -3  # no recompute needed
    services.withdraw_adjustment(item, actor=city.supervisor, version=None, reason="核实有误")
    card = period.scorecards.get(unit=city.lead)
    assert card.score == Decimal("96.00") and "manual" not in card.points
    item.refresh_from_db()
    assert item.is_withdrawn and item.withdrawal_reason == "核实有误"
    services.add_adjustment(  # 市工信局 99 + 5 overtakes 市商务局 101: the group re-ranks
        fresh_period(period),
        actor=city.supervisor,
        version=None,
        unit=city.co,
        kind="bonus",
        points=5,
        reason="牵头完成省级试点",
    )
    ranks = dict(period.scorecards.filter(group="department").values_list("unit_id", "rank"))
    assert ranks == {city.co.pk: 1, city.other.pk: 2, city.lead.pk: 3}
    with pytest.raises(IllegalTransition):
        services.withdraw_adjustment(item, actor=city.supervisor, version=None, reason="再撤")


def test_scheme_rules_are_validated_and_versions_edited_from_what_was_read(city):
    publish = services.publish_scheme
    with pytest.raises(InvalidInput) as error:
        publish(actor=city.supervisor, name="x", rules=[{"indicator": "clicks", "points": 1}])
    assert "clicks" in error.value.message
    bad_rules = [
        [{"indicator": "rework", "weight": "a"}],
        [{"indicator": "rework", "points": float("nan")}],
        [{"indicator": "rework", "points": 1}, {"indicator": "rework", "points": 2}],
        [{"indicator": "rework", "points": 1, "weight": 2}],
        "rework: -2",
    ]
    for rules in bad_rules:
        with pytest.raises(InvalidInput):
            publish(actor=city.supervisor, name="x", rules=rules)
    first = publish(actor=city.supervisor, name="考核办法")
    with pytest.raises(InvalidInput) as error:
        publish(actor=city.supervisor, name="考核办法")  # editing without the version read
    assert error.value.field == "version"
    second = publish(actor=city.supervisor, name="考核办法", version=first.version, base=90)
    with pytest.raises(StaleVersion):
        publish(actor=city.supervisor, name="考核办法", version=first.version, base=95)
    assert (second.version, second.base) == (2, 90)
    assert second.events.get().kind == EvaluationEventKind.SCHEME_PUBLISHED


def test_ties_share_a_rank():
    ranks = services.competition_ranks([(1, Decimal(90)), (2, Decimal(95)), (3, Decimal(90))])
    assert ranks == {2: 1, 1: 2, 3: 2}


def test_period_bounds():
    assert services.period_bounds("quarter", 2026, 4) == (
        dt.date(2026, 10, 1),
        dt.date(2026, 12, 31),
    )
    assert services.period_bounds("month", 2026, 2) == (dt.date(2026, 2, 1), dt.date(2026, 2, 28))
    assert services.period_bounds("year", 2026) == (dt.date(2026, 1, 1), dt.date(2026, 12, 31))
    refused = [
        (("month", 2026, 13), "number"),
        (("month", 0, 1), "year"),
        (("month", "二〇二六", 1), "year"),
        (("week", 2026, 1), "kind"),
    ]
    for args, field in refused:
        with pytest.raises(InvalidInput) as error:
            services.period_bounds(*args)
        assert error.value.field == field


def test_the_evaluate_command_refreshes_open_periods_only(city, history):
    from io import StringIO

    from django.core.management import call_command

    from luoshi.evaluation.models import Scorecard

    feb_before = list(Scorecard.objects.filter(period=history["feb"]).values_list("pk", "score"))
    with at(1, 4):
        out = StringIO()
        call_command("evaluate", stdout=out)
    assert "2026年3月: 4 scorecard(s)" in out.getvalue()
    assert "2026年2月" not in out.getvalue()
    assert list(Scorecard.objects.filter(period=history["feb"]).values_list("pk", "score")) == (
        feb_before
    )
    computed = history["march"].events.get(kind=EvaluationEventKind.PERIOD_COMPUTED)
    assert computed.actor is None  # the system's refresh, on record


SATISFIED = {"very_satisfied", "satisfied", "basically_satisfied"}


def test_satisfaction_reads_the_ratings_given_through_the_services(city):
    """Satisfaction = satisfied ratings ÷ ratings × 100, computed here by hand."""
    with at(1, 3):
        services.publish_scheme(
            actor=city.supervisor,
            name="满意度考核",
            rules=[{"indicator": "satisfaction", "weight": 10}],
        )
        march = services.open_period(actor=city.supervisor, kind="month", year=2026, number=3)
        done = [accepted(city, title=f"诉求{n}", deadline=dt.date(2026, 3, 31)) for n in range(5)]
        for matter in done:
            complete(city, matter)
    given = {"very_satisfied": done[0], "unsatisfied": done[1], "basically_satisfied": done[2]}
    with at(20):
        for grade, matter in given.items():
            matters.rate_matter(fresh(matter), grade=grade, comment="回访")
    with at(2, 4):  # April: outside the March window
        matters.rate_matter(fresh(done[3]), grade="very_unsatisfied")
    by_hand = round(100 * sum(g in SATISFIED for g in given) / len(given), 1)
    with at(1, 4):
        card = compute(city, march)[city.lead.pk]
    assert by_hand == 66.7 and card.figures["satisfaction"] == by_hand
    assert sorted(card.matter_ids["satisfaction"]) == sorted(m.pk for m in given.values())
    assert card.score == Decimal("100") + Decimal("6.67")  # weight 10 × 66.7 %
