"""The enterprise service policy is held to its bounds; a bad stored one still renders."""

from __future__ import annotations

import datetime as dt

import pytest

from luoshi.enterprises.models import EnterprisePolicy
from luoshi.testing import admin_change

from .helpers import enterprise, received, transfer, whitelisted

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("field", "value"),
    [("transfer_workdays", 40000), ("max_reopens", 101), ("whitelist_warning_days", 3651)],
)
def test_bad_input_refused_naming_the_field(admin_client, field, value):
    policy = EnterprisePolicy.current()
    response = admin_change(admin_client, policy, **{field: value})
    assert response.status_code == 200  # the form again, not a redirect
    assert field in response.context["adminform"].form.errors
    policy.refresh_from_db()
    assert (policy.transfer_workdays, policy.max_reopens, policy.whitelist_warning_days) == (
        1,
        1,
        30,
    )
    assert admin_change(admin_client, policy, max_reopens=2).status_code == 302


def test_bad_stored_values_still_render(client, city):
    ent = enterprise(city)
    whitelisted(city, ent, valid_to=dt.date(2026, 12, 31))
    problem = received(city, ent)
    policy = EnterprisePolicy.current()
    EnterprisePolicy.objects.filter(pk=policy.pk).update(
        transfer_workdays=30000, whitelist_warning_days=30000, rating_days=30000
    )
    transfer(city, problem)
    client.force_login(city.supervisor)
    for url in (
        "/enterprises/",
        f"/enterprises/{ent.pk}/",
        "/enterprises/problems/",
        f"/enterprises/problems/{problem.pk}/",
        "/enterprises/service-days/",
        "/enterprises/figures/",
    ):
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
