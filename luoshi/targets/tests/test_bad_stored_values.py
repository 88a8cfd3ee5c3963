"""A bad figure already in the database breaks no reader (issue 14 A).

Rows written before the bounds existed, or by hand, may hold figures the services now
refuse. Each is put in place with queryset.update() (or raw SQL where only SQLite can
hold it) and every reader of targets is loaded: the lists, the pages, the cockpit's
charts and the month closing that freezes the gaps.
"""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.db import connection

from luoshi.lib.eventtriggers import lifted
from luoshi.targets import services
from luoshi.targets.models import ActualReport, ClosedMonth, PlannedMonth, Target


@pytest.fixture(autouse=True)
def november():
    with time_machine.travel(dt.datetime(2026, 11, 16, 10, tzinfo=dt.UTC), tick=False):
        yield


def reported(city, name="固定资产投资"):
    target = services.create_target(
        actor=city.supervisor,
        unit=city.lead,
        year=2026,
        name=name,
        yearly_value=120,
        measure="亿元",
    )
    services.report_actual(
        target, actor=city.lead_handler, version=1, month=3, value="30", source="市统计局"
    )
    return Target.objects.get(pk=target.pk)


def every_reader(client, target):
    client.raise_request_exception = False
    client.force_login(city_supervisor(target))
    pages = [
        "/targets/",
        f"/targets/{target.pk}/",
        "/api/targets/",
        f"/api/targets/{target.pk}",
        f"/api/targets/{target.pk}/history",
        "/api/cockpit/targets?year=2026",
        "/cockpit/",
    ]
    answers = {url: client.get(url).status_code for url in pages}
    assert answers == dict.fromkeys(pages, 200)
    closing = client.post(
        "/api/targets/months/close", {"year": 2026, "month": 3}, content_type="application/json"
    )
    assert closing.status_code == 200, closing.content
    assert ClosedMonth.objects.filter(target=target, month=3).exists()
    return client.get(f"/api/targets/{target.pk}").json()


def city_supervisor(target):
    from django.contrib.auth.models import User

    return User.objects.get(username="supervisor")


def test_figures_the_columns_hold_but_the_services_refuse(client, city):
    target = reported(city)
    reported(city, name="社零总额")  # a sound neighbour on the same lists
    Target.objects.filter(pk=target.pk).update(
        margin=Decimal("999.99"), yearly_value=Decimal("-999999999999.9999")
    )
    with lifted(connection, ["targets_plannedmonth", "targets_actualreport"]):
        # written behind the services, as a bad row from an old version would be
        PlannedMonth.objects.filter(target=target).update(planned=Decimal("0.0001"))
        ActualReport.objects.filter(target=target).update(value=Decimal("999999999999.9999"))
    data = every_reader(client, target)
    march = data["months"][2]
    assert march["gap"] == 9999999999.99 and march["status"] == "ahead"
    assert data["projection"] is not None


@pytest.mark.skipif(connection.vendor != "sqlite", reason="PostgreSQL refuses such a row")
def test_figures_past_their_columns_in_sqlite(client, city):
    target = reported(city)
    with connection.cursor() as cursor, lifted(connection, ["targets_actualreport"]):
        cursor.execute(
            "UPDATE targets_target SET margin = 1000, yearly_value = 1e20 WHERE id = %s",
            [target.pk],
        )
        cursor.execute(
            "UPDATE targets_actualreport SET value = 123456789012345678.123456"
            " WHERE target_id = %s",
            [target.pk],
        )
    data = every_reader(client, target)
    assert data["yearly_value"] == 1e20


def test_a_margin_past_a_hundred_percent_is_refused(client, city):
    client.force_login(city.supervisor)
    body = {"unit_id": city.lead.pk, "year": 2026, "measure": "亿元", "name": "x"}
    for extra, field in [
        ({"yearly_value": "5", "margin": "1000"}, "margin"),
        ({"yearly_value": "1000000000000"}, "yearly_value"),
        ({"yearly_value": "5", "trajectory": ["1e13"] * 12}, "trajectory[0]"),
    ]:
        answer = client.post("/api/targets/", {**body, **extra}, content_type="application/json")
        assert answer.status_code == 422 and answer.json()["field"] == field, answer.content
    assert not Target.objects.filter(name="x").exists()
