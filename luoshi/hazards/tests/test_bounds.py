"""The hazard policy is held to its bounds in the admin; a bad stored one still renders."""

from __future__ import annotations

import pytest

from luoshi.hazards.models import HazardPolicy
from luoshi.testing import admin_change

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("field", "value"),
    [("general_workdays", 40000), ("serious_workdays", 2501), ("reinspection_days", 0)],
)
def test_bad_input_refused_naming_the_field(admin_client, field, value):
    policy = HazardPolicy.current()
    before = {f: getattr(policy, f) for f in ("general_workdays", "serious_workdays")}
    response = admin_change(admin_client, policy, **{field: value})
    assert response.status_code == 200  # the form again, not a redirect
    assert field in response.context["adminform"].form.errors
    policy.refresh_from_db()
    assert {f: getattr(policy, f) for f in before} == before
    assert policy.reinspection_days == 15


def test_a_good_value_saved(admin_client):
    policy = HazardPolicy.current()
    assert admin_change(admin_client, policy, general_workdays=12).status_code == 302
    policy.refresh_from_db()
    assert policy.general_workdays == 12


def test_bad_stored_values_still_render(client, city):
    policy = HazardPolicy.current()
    HazardPolicy.objects.filter(pk=policy.pk).update(
        general_workdays=30000, reinspection_days=0, reminder_days=30000
    )
    client.force_login(city.supervisor)
    for url in ("/hazards/", "/hazards/ledger/", "/hazards/figures/", "/hazards/new/"):
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
