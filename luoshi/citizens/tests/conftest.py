"""The hotline's test city: the test city's personas, the hotline's categories, a few calls."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest
import time_machine
from django.utils import timezone

from luoshi.citizens import services
from luoshi.citizens.dispatch import store
from luoshi.citizens.models import Category, Channel, RequestType
from luoshi.testing import the_city


def at(day: dt.date, hour: int = 10, minute: int = 0):
    """Travel to a working moment of `day` (Asia/Shanghai)."""
    moment = timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))
    return time_machine.travel(moment, tick=False)


def categories(city: SimpleNamespace) -> dict[str, Category]:
    rows = [
        ("urban", "城乡建设", city.street, "物业,小区,路灯,井盖"),
        ("environment", "环境保护", city.other, "噪音,排污,异味"),
        ("transport", "交通运输", city.lead, "公交,出租车,红绿灯"),
        ("labour", "劳动和社会保障", city.co, "工资,社保,欠薪"),
    ]
    return {
        name: Category.objects.create(
            code=code, name=name, default_unit=unit, keywords=words, order=i
        )
        for i, (code, name, unit, words) in enumerate(rows)
    }


def call(city, **changes) -> services.Intake:
    """A hotline call as an operator types it."""
    values = {
        "request_type": RequestType.COMPLAINT,
        "text": "幸福小区3号楼电梯经常坏，关人好几次了，物业说不归他们管，麻烦尽快处理",
        "channel": Channel.WEB,
        "address": "幸福小区3号楼",
        "district": city.district,
        "street": city.street,
        "contact_name": "王女士",
        "contact_phone": "13800001234",
    }
    values.update(changes)
    return services.Intake(**values)


@pytest.fixture
def hotline(db):
    store.forget()
    city = the_city()
    city.categories = categories(city)
    yield city
    store.forget()
