"""Scorecards and rankings on a hand-built event history with known answers."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine

from luoshi.evaluation import services
from luoshi.evaluation.models import AdjustmentKind, PeriodKind
from luoshi.lib.errors import IllegalTransition, InvalidInput, NotAllowed
from luoshi.matters import services as matters
from luoshi.matters.models import Matter, ReturnReason
from luoshi.testing import accepted, assigned


def at(day: int, month: int = 3):
    return time_machine.travel(dt.datetime(2026, month, day, 10, tzinfo=dt.UTC), tick=False)


def fresh(matter):
    return Matter.objects.get(pk=matter.pk)


def complete(city, matter, *, rework: bool = False):
    matters.request_completion(fresh(matter), actor=city.lead_handler, version=None, text="完成")
    outcome = "rework" if rework else "approve"
    matters.review_completion(
        fresh(matter), actor=city.supervisor, version=None, outcome=outcome, comment="补充"
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
        services.close_period(feb, actor=city.supervisor)
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
            march,
            actor=city.supervisor,
            unit=city.other,
            kind=AdjustmentKind.COMMENDATION,
            reason="市长批示表扬",
        )
    return {"scheme": scheme, "feb": feb, "march": march, "a": a, "b": b, "c": c, "d": d}


def cards_by_unit(cards):
    return {card.unit_id: card for card in cards}


def test_march_figures_scores_and_ranks(city, history):
    with at(1, 4):
        cards = cards_by_unit(services.compute_scorecards(history["march"]))
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
    assert lead.score == Decimal("96.00")  # 100 − 2 overdue − 2 rework
    assert sorted(lead.matter_ids["overdue_matters"]) == sorted([history["b"].pk, history["c"].pk])
    assert cards[city.co.pk].figures["disputes_upheld_against"] == 1
    assert cards[city.co.pk].score == Decimal("99.00")
    assert cards[city.other.pk].score == Decimal("101.00")
    assert [cards[u.pk].rank for u in (city.other, city.co, city.lead)] == [1, 2, 3]
    assert [cards[u.pk].rank_change for u in (city.other, city.co, city.lead)] == [0, -1, -2]
    assert cards[city.district.pk].rank == 1  # districts are ranked apart
    assert city.office.pk not in cards and city.street.pk not in cards


def test_a_closed_period_is_frozen_against_later_events(city, history):
    with at(1, 4):
        services.close_period(history["march"], actor=city.supervisor)
    frozen = {c.unit_id: (c.score, c.figures) for c in history["march"].scorecards.all()}
    with at(6, 4):  # later events: B is finished, another hastening, a new matter overdue
        matters.hasten_matter(fresh(history["b"]), actor=city.supervisor, message="再催")
        complete(city, history["b"])
        again = cards_by_unit(services.compute_scorecards(fresh_period(history["march"])))
    assert {u: (c.score, c.figures) for u, c in again.items()} == frozen
    with pytest.raises(IllegalTransition):
        services.add_adjustment(
            fresh_period(history["march"]),
            actor=city.supervisor,
            unit=city.lead,
            kind=AdjustmentKind.BONUS,
            points=2,
            reason="迟到的加分",
        )


def fresh_period(period):
    return type(period).objects.get(pk=period.pk)


def test_a_weighted_rate_scheme(city, history):
    with at(1, 4):
        scheme = services.publish_scheme(
            actor=city.supervisor,
            name="2026年度督查考核办法",
            base=80,
            rules=[{"indicator": "on_time_rate", "weight": 20}],
        )
        history["march"].scheme = scheme
        history["march"].save()
        cards = cards_by_unit(services.compute_scorecards(history["march"]))
    assert scheme.version == 2 and history["scheme"].version == 1
    assert cards[city.lead.pk].score == Decimal("86.66")  # 80 + 20 × 33.3 %
    assert cards[city.co.pk].score == Decimal("80.00")  # nothing due: no rate, no points


def test_manual_items_need_a_reason_and_the_right_sign(city, history):
    period = history["march"]
    with pytest.raises(InvalidInput) as error:
        services.add_adjustment(
            period, actor=city.supervisor, unit=city.lead, kind="penalty", points=-3, reason=" "
        )
    assert error.value.field == "reason"
    with pytest.raises(InvalidInput):
        services.add_adjustment(
            period, actor=city.supervisor, unit=city.lead, kind="penalty", points=3, reason="x"
        )
    with pytest.raises(NotAllowed):
        services.add_adjustment(
            period, actor=city.lead_head, unit=city.lead, kind="bonus", points=3, reason="x"
        )
    services.add_adjustment(
        period, actor=city.supervisor, unit=city.lead, kind="penalty", points=-3, reason="材料造假"
    )
    with at(1, 4):
        cards = cards_by_unit(services.compute_scorecards(period))
    assert cards[city.lead.pk].score == Decimal("93.00")
    assert cards[city.lead.pk].points["manual"] == -3


def test_scheme_rules_are_validated(city):
    with pytest.raises(InvalidInput) as error:
        services.publish_scheme(
            actor=city.supervisor, name="x", rules=[{"indicator": "clicks", "points": 1}]
        )
    assert "clicks" in error.value.message
    with pytest.raises(InvalidInput):
        services.publish_scheme(
            actor=city.supervisor, name="x", rules=[{"indicator": "rework", "weight": "a"}]
        )


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
