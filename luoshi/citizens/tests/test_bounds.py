"""Coordinates and the hotline policy are held to their bounds; a bad stored one renders."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from luoshi.citizens.models import CitizenPolicy, CitizenRequest
from luoshi.org.tokens import issue_token
from luoshi.testing import admin_change

from .conftest import at

pytestmark = pytest.mark.django_db
API = "/api/citizens"


def _body(**changes):
    return {"request_type": "complaint", "text": "幸福路烧烤店油烟扰民",
            "contact_phone": "13800003333"} | changes  # fmt: skip


@pytest.mark.parametrize(
    ("field", "value"), [("latitude", "91"), ("longitude", "-180.5"), ("latitude", "1e400")]
)
def test_bad_coordinates_refused_naming_the_field(client, hotline, field, value):
    auth = {"HTTP_AUTHORIZATION": f"Bearer {issue_token(hotline.supervisor)[1]}"}
    with at(dt.date(2026, 3, 2), 9):
        response = client.post(
            f"{API}/requests",
            _body(street_id=hotline.street.pk, **{field: value}),
            content_type="application/json",
            **auth,
        )
    assert response.status_code == 422, response.content
    assert response.json()["field"] == field
    assert not CitizenRequest.objects.exists()


@pytest.mark.parametrize(
    ("field", "value"),
    [("normal_workdays", 40000), ("duplicate_similarity", 101), ("hotspot_weeks", 0)],
)
def test_bad_policy_refused_naming_the_field(admin_client, field, value):
    policy = CitizenPolicy.current()
    response = admin_change(admin_client, policy, **{field: value})
    assert response.status_code == 200  # the form again, not a redirect
    assert field in response.context["adminform"].form.errors
    policy.refresh_from_db()
    stored = (policy.normal_workdays, policy.duplicate_similarity, policy.hotspot_weeks)
    assert stored == (15, 40, 8)
    assert admin_change(admin_client, policy, hotspot_weeks=9).status_code == 302


def test_bad_stored_values_still_render(client, hotline):
    auth = {"HTTP_AUTHORIZATION": f"Bearer {issue_token(hotline.supervisor)[1]}"}
    with at(dt.date(2026, 3, 2), 9):
        created = client.post(
            f"{API}/requests",
            _body(street_id=hotline.street.pk, latitude="30.5", longitude="114.3"),
            content_type="application/json",
            **auth,
        )
    assert created.status_code == 201, created.content
    CitizenRequest.objects.update(latitude=Decimal("-999.5"), longitude=Decimal("999.5"))
    policy = CitizenPolicy.current()
    CitizenPolicy.objects.filter(pk=policy.pk).update(
        hotspot_weeks=0, hotspot_rise_percent=30000, duplicate_similarity=30000
    )
    pk = created.json()["id"]
    client.force_login(hotline.supervisor)
    with at(dt.date(2026, 3, 3), 9):
        for url in (
            "/citizens/",
            f"/citizens/{pk}/",
            "/citizens/hotspots/",
            "/citizens/hotspots/panel/",
            f"{API}/requests",
            f"{API}/requests/{pk}",
        ):
            response = client.get(url)
            assert response.status_code == 200, (url, response.status_code)
