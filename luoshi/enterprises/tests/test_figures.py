"""problem_figures on a hand-computed example.

Four problems received Monday 2026-06-01 (transfer by 06-02, first answer by 06-04,
solve by 06-10):

| problem | category  | unit   | transferred  | answered / completed | rating      |
|---------|-----------|--------|--------------|----------------------|-------------|
| A       | logistics | lead   | 06-01 ✓      | 06-01 ✓ / 06-01 ✓    | satisfied   |
| B       | land      | co     | 06-03 late   | —                    | —           |
| C       | logistics | lead   | 06-01 ✓      | 06-12 late / 06-12   | unsatisfied |
| D       | land      | —      | not yet      | —                    | —           |

Total: taken 4, transferred on time 2, first answer on time 1, solved 2 (50.0 %),
solved on time 1 (50.0 % of solved), rated 2, satisfied 1 (50.0 %).
"""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine

from luoshi.enterprises.queries import problem_figures, total_of

from .helpers import complete, enterprise, rate, received, transfer

MONDAY = dt.datetime(2026, 6, 1, 2, tzinfo=dt.UTC)
D = dt.date


@pytest.fixture
def example(city):
    with time_machine.travel(MONDAY, tick=False) as clock:
        ent = enterprise(city)
        a = received(city, ent, title="A")
        b = received(city, ent, title="B", category="land")
        c = received(city, ent, title="C")
        received(city, ent, title="D", category="land")
        complete(city, transfer(city, a, city.lead))
        rate(a, "satisfied")
        matter_c = transfer(city, c, city.lead)
        clock.move_to(MONDAY + dt.timedelta(days=2))
        transfer(city, b, city.co)
        clock.move_to(MONDAY + dt.timedelta(days=11))
        complete(city, matter_c)
        c.refresh_from_db()
        rate(c, "unsatisfied")
    return ent


def test_totals(example, django_assert_max_num_queries):
    with django_assert_max_num_queries(1):
        rows = problem_figures(start=D(2026, 6, 1), end=D(2026, 6, 30), by="category")
    total = total_of(rows)
    assert (total.taken, total.transferred_on_time, total.first_answer_on_time) == (4, 2, 1)
    assert (total.solved, total.solved_on_time, total.rated, total.satisfied) == (2, 1, 2, 1)
    assert total.solved_rate == total.on_time_rate == total.satisfaction_rate == Decimal("50.0")


def test_by_unit_and_category(city, example):
    by_unit = {r.key: r for r in problem_figures(start=D(2026, 6, 1), end=D(2026, 6, 1))}
    assert by_unit[city.lead.pk].taken == 2 and by_unit[city.lead.pk].solved_on_time == 1
    assert by_unit[city.co.pk].taken == 1 and by_unit[city.co.pk].solved == 0
    assert by_unit[None].taken == 1
    by_category = {
        r.key: r for r in problem_figures(start=D(2026, 6, 1), end=D(2026, 6, 1), by="category")
    }
    assert by_category["logistics"].satisfaction_rate == Decimal("50.0")
    assert by_category["land"].solved_rate == Decimal("0.0")


def test_period_and_visibility(city, example):
    assert problem_figures(start=D(2026, 6, 2), end=D(2026, 6, 30)) == []
    seen = problem_figures(start=D(2026, 6, 1), end=D(2026, 6, 1), user=city.co_handler)
    assert [(r.key, r.taken) for r in seen] == [(city.co.pk, 1)]
