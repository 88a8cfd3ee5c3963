"""Project figures are held to what the columns hold; a bad stored one still renders."""

from decimal import Decimal

import pytest

from luoshi.projects.models import Project, ProjectMonth, ProjectPolicy

from .helpers import month, project


def _post_month(client, p, **fields):
    body = {"version": p.version, "year": 2026, "month": 5, "completed": "1", "funds_in_place": "1"}
    return client.post(
        f"/api/projects/{p.pk}/month", body | fields, content_type="application/json"
    )


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("completed", "1000000000000"),
        ("funds_in_place", "-1"),
        ("effect", "1e30"),
        ("year", 99999),
        ("month", 13),
    ],
)
def test_bad_input_refused_naming_the_field(client, city, field, value):
    p = project(city)
    month(city, p, 5, completed=3, funds=2)
    p.refresh_from_db()
    client.force_login(city.supervisor)
    response = _post_month(client, p, **{field: value})
    assert response.status_code == 422, response.content
    assert field in response.content.decode()
    row = ProjectMonth.objects.get(project=p, year=2026, month=5)
    assert (row.completed, row.funds_in_place, row.effect) == (3, 2, 0)
    assert Project.objects.get(pk=p.pk).version == p.version


def test_amount_over_the_column_refused_by_the_service(city):
    from luoshi.lib.errors import InvalidInput
    from luoshi.projects import services

    for value in ("999999999999.999", "1e40", "NaN"):
        with pytest.raises(InvalidInput) as refused:
            services.amount(value, "planned_investment")
        assert refused.value.field == "planned_investment"
    assert services.amount("999999999999.99", "x") == Decimal("999999999999.99")


def test_bad_stored_values_still_render(client, city):
    p = project(city, planned_investment=Decimal(100))
    month(city, p, 5, completed=3, funds=2)
    ProjectMonth.objects.filter(project=p).update(
        completed=Decimal("-5"), planned=Decimal("-7"), funds_in_place=Decimal("-1")
    )
    Project.objects.filter(pk=p.pk).update(
        planned_investment=Decimal("-100"), contracted_investment=Decimal("-3")
    )
    policy = ProjectPolicy.current()
    ProjectPolicy.objects.filter(pk=policy.pk).update(investment_tolerance_percent=30000)
    client.force_login(city.supervisor)
    for url in (
        "/projects/",
        f"/projects/{p.pk}/",
        "/api/projects/",
        f"/api/projects/{p.pk}",
        "/api/projects/figures",
        "/api/projects/figures?by=unit",
        "/projects/figures/",
        "/projects/ledger.xlsx",
    ):
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
    assert client.get("/api/projects/").status_code == 200


@pytest.mark.parametrize(
    ("field", "value"), [("completed", "1000000000000"), ("funds_in_place", "-1"), ("year", "3000")]
)
def test_page_form_refuses_a_bad_figure(client, city, field, value):
    p = project(city)
    client.force_login(city.supervisor)
    body = {"version": p.version, "year": 2026, "month": 5, "completed": "1", "funds_in_place": "1"}
    response = client.post(f"/projects/{p.pk}/month/", body | {field: value})
    assert response.status_code == 422, response.status_code
    assert not ProjectMonth.objects.filter(project=p).exists()
    assert Project.objects.get(pk=p.pk).version == p.version
    assert client.post(f"/projects/{p.pk}/month/", body).status_code == 302
