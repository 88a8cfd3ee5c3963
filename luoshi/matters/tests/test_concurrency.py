"""Two people acting on one matter at once: the first wins, the second is refused cleanly.

Every service re-reads the matter under a row lock and compares the version the user
saw (services._base.lock). The first tests play the race out in turn; the threaded
ones run it for real on PostgreSQL, where two transactions truly overlap.
"""

import datetime as dt
import threading
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import close_old_connections, connection

from luoshi.lib.errors import StaleVersion
from luoshi.matters import services
from luoshi.matters.models import Hastening, Matter, State
from luoshi.testing import accepted, the_city

D = dt.date
NOW = dt.datetime(2026, 3, 2, 10, tzinfo=ZoneInfo("Asia/Shanghai"))


def state_of(m: Matter) -> tuple:
    m = Matter.objects.get(pk=m.pk)
    return (m.state, m.version, m.progress, m.events.count(), m.reports.count(), m.suspended_at)


@time_machine.travel(NOW, tick=False)
def test_second_edit_on_the_same_version_is_refused(city):
    m = accepted(city, deadline=D(2026, 4, 30))
    seen_by_handler = Matter.objects.get(pk=m.pk)
    seen_by_supervisor = Matter.objects.get(pk=m.pk)
    assert seen_by_handler.version == seen_by_supervisor.version

    services.suspend_matter(
        seen_by_supervisor,
        actor=city.supervisor,
        version=seen_by_supervisor.version,
        reason="待上级批复",
    )
    before = state_of(m)
    with pytest.raises(StaleVersion) as refused:
        services.report_progress(
            seen_by_handler,
            actor=city.lead_handler,
            version=seen_by_handler.version,
            text="进展",
            percent=30,
        )
    assert state_of(m) == before
    message = refused.value.message
    assert m.serial in message and "changed by someone else" in message
    assert f"now version {before[1]}" in message and f"you had {seen_by_handler.version}" in message
    assert (refused.value.status, refused.value.code) == (409, "stale_version")


@time_machine.travel(NOW, tick=False)
def test_stale_object_without_an_explicit_version_is_refused_too(city):
    m = accepted(city, deadline=D(2026, 4, 30))
    stale = Matter.objects.get(pk=m.pk)
    services.report_progress(m, actor=city.lead_handler, version=None, text="x", percent=10)
    before = state_of(m)
    with pytest.raises(StaleVersion):
        services.withdraw_matter(stale, actor=city.supervisor, version=None, reason="x")
    assert state_of(m) == before


@time_machine.travel(NOW, tick=False)
def test_two_reviews_of_one_request(city):
    m = accepted(city, deadline=D(2026, 4, 30))
    m = services.request_completion(m, actor=city.lead_handler, version=None, text="完成")
    version = m.version
    services.review_completion(m, actor=city.supervisor, version=version, outcome="approve")
    before = state_of(m)
    with pytest.raises(StaleVersion):
        services.review_completion(
            m, actor=city.supervisor, version=version, outcome="rework", comment="补充材料"
        )
    assert state_of(m) == before and before[0] == State.COMPLETED


# --- Real threads on PostgreSQL ---------------------------------------------------------

needs_row_locks = pytest.mark.skipif(
    connection.vendor == "sqlite",
    reason="SQLite in memory has no concurrent writers; run on PostgreSQL",
)


def race(*calls):
    """Run the calls in two threads released at the same moment; return what each did."""
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def run(index, call):
        try:
            barrier.wait(timeout=10)
            results[index] = call()
        except Exception as error:  # the test inspects what was raised
            results[index] = error
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return results


@needs_row_locks
@pytest.mark.django_db(transaction=True)
def test_two_threads_one_version_exactly_one_wins():
    city = the_city()
    m = accepted(city, deadline=D(2099, 12, 31))
    version = m.version
    results = race(
        lambda: services.report_progress(
            Matter.objects.get(pk=m.pk),
            actor=city.lead_handler,
            version=version,
            text="进展",
            percent=40,
        ),
        lambda: services.withdraw_matter(
            Matter.objects.get(pk=m.pk), actor=city.supervisor, version=version, reason="撤销"
        ),
    )
    stale = [r for r in results if isinstance(r, StaleVersion)]
    won = [r for r in results if not isinstance(r, Exception)]
    assert len(won) == 1 and len(stale) == 1, results
    m.refresh_from_db()
    assert m.version == version + 1
    assert m.state in (State.IN_PROGRESS, State.WITHDRAWN)
    assert (m.state == State.WITHDRAWN) is (m.reports.count() == 0)


@needs_row_locks
@pytest.mark.django_db(transaction=True)
def test_two_supervisors_hasten_at_once_one_notice():
    city = the_city()
    m = accepted(city, deadline=D(2099, 12, 31))
    results = race(
        lambda: services.hasten_matter(Matter.objects.get(pk=m.pk), actor=city.supervisor),
        lambda: services.hasten_matter(Matter.objects.get(pk=m.pk), actor=city.admin),
    )
    assert not [r for r in results if isinstance(r, Exception)], results
    notice = Hastening.objects.get(matter=m)
    assert notice.repeats == 1
