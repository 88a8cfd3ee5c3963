"""The kept counts' writers at once, for real, on PostgreSQL (two transactions overlap):
a recount and a service do not deadlock, and a unit moved while a service counts its
matter leaves every area as a recount finds it (matters.areacounts' locks)."""

import datetime as dt
import threading
import time
from collections import Counter
from unittest import mock

import pytest
from django.db import connection, transaction

from luoshi.matters import areacounts, partcounts, services
from luoshi.matters.models import Matter, PartCount
from luoshi.org import services as org_services
from luoshi.org.models import Unit
from luoshi.testing import accepted, the_city

from .test_concurrency import race
from .test_part_counts import _district_matter, area_recount, kept, recount

pytestmark = [
    pytest.mark.skipif(
        connection.vendor == "sqlite",
        reason="SQLite in memory has no concurrent writers; run on PostgreSQL",
    ),
    pytest.mark.django_db(transaction=True),
]
FAR = dt.date(2099, 12, 31)  # a deadline no run of the suite passes (threads: no frozen clock)
HOLD = 1.5  # seconds a writer holds its place: longer than PostgreSQL's deadlock_timeout (1 s)


def report(city, matter: Matter, actor):
    return services.report_progress(
        Matter.objects.get(pk=matter.pk), actor=actor, version=None, text="推进", percent=40
    )


def test_a_recount_and_a_service_at_once_do_not_deadlock():
    """The service has added its areas' deltas and is about to add its part counts' when
    the recount starts: the recount waits for the service (the areas' table first, in
    both), and both end — before, each held what the other wanted next."""
    city = the_city()
    matter = accepted(city, deadline=FAR)
    counting = threading.Event()
    original = PartCount.objects.bulk_create

    def held_bulk_create(rows, *args, **kwargs):
        counting.set()
        time.sleep(HOLD)  # the recount starts meanwhile
        return original(rows, *args, **kwargs)

    def rebuild():
        assert counting.wait(10)
        with transaction.atomic():
            return partcounts.rebuild()

    with mock.patch.object(PartCount.objects, "bulk_create", held_bulk_create):
        results = race(lambda: report(city, matter, city.lead_handler), rebuild)
    assert not any(isinstance(r, Exception) for r in results), results
    assert Matter.objects.get(pk=matter.pk).progress == 40  # the report went through
    assert kept() == recount()
    assert Counter(areacounts.kept()) == area_recount()


def test_a_unit_moved_while_a_service_counts_its_matter():
    """The street moves from the district to the city while its handler reports: the
    service waits for the move's recount to commit before it reads the street's path,
    so its deltas land in the areas the street is in now, not the district's."""
    city = the_city()
    matter = _district_matter(city, city.street, deadline=FAR, accept=False)  # street alone
    street_part = matter.parts.get(unit=city.street)
    assert street_part.state == "assigned"
    recounted = threading.Event()
    original = areacounts.recount

    def held_recount(areas):
        original(areas)
        recounted.set()
        time.sleep(HOLD)  # the service starts meanwhile; the move has not committed

    def move():
        with transaction.atomic():
            street = Unit.objects.get(pk=city.street.pk)
            org_services.move_unit(street, city.city, actor=city.admin, version=None)

    def accept():
        assert recounted.wait(10)
        return services.accept_matter(
            Matter.objects.get(pk=matter.pk), actor=city.street_handler, version=None
        )

    with mock.patch.object(areacounts, "recount", held_recount):
        results = race(move, accept)
    assert not any(isinstance(r, Exception) for r in results), results
    assert Unit.objects.get(pk=city.street.pk).parent_id == city.city.pk
    assert Counter(areacounts.kept()) == area_recount()
