"""Targets through their doors: the API, the pages, and who may report."""

from luoshi.targets import services


def make(city):
    return services.create_target(
        actor=city.supervisor,
        unit=city.lead,
        year=2026,
        name="固定资产投资",
        yearly_value=120,
        measure="亿元",
    )


def test_the_unit_reports_through_the_api(client, city):
    target = make(city)
    client.force_login(city.lead_handler)
    body = client.post(
        f"/api/targets/{target.pk}/actuals",
        {"month": 2, "value": "17", "source": "市统计局"},
        content_type="application/json",
    ).json()
    assert body["months"][1]["status"] == "behind" and body["warning"] == "behind"
    assert body["projection"] == 102.0
    client.force_login(city.other_handler)
    denied = client.post(
        f"/api/targets/{target.pk}/actuals",
        {"month": 2, "value": "17", "source": "x"},
        content_type="application/json",
    )
    assert denied.status_code == 403
    assert client.get(f"/api/targets/{target.pk}").status_code == 403


def test_supervisor_sets_a_target_and_bad_input_names_the_field(client, city):
    client.force_login(city.supervisor)
    created = client.post(
        "/api/targets/",
        {
            "unit_id": city.lead.pk,
            "year": 2026,
            "name": "社零总额",
            "yearly_value": "600",
            "measure": "亿元",
            "trajectory": [str(50 * m) for m in range(1, 13)],
        },
        content_type="application/json",
    )
    assert created.status_code == 200 and created.json()["months"][0]["planned"] == 50
    bad = client.post(
        "/api/targets/",
        {
            "unit_id": city.lead.pk,
            "year": 2026,
            "name": "x",
            "yearly_value": "1",
            "measure": "亿元",
            "trajectory": ["1"],
        },
        content_type="application/json",
    )
    assert bad.status_code == 422 and bad.json()["field"] == "trajectory"


def test_pages_and_the_report_form(client, city, django_assert_max_num_queries):
    target = make(city)
    client.force_login(city.lead_handler)
    with django_assert_max_num_queries(10):
        assert "固定资产投资" in client.get("/targets/?year=2026").content.decode()
    response = client.post(
        f"/targets/{target.pk}/", {"month": 1, "value": "11", "source": "统计快报"}
    )
    assert response.status_code == 302
    assert target.actuals.get().value == 11
    bad = client.post(f"/targets/{target.pk}/", {"month": 14, "value": "11", "source": "x"})
    assert bad.status_code == 400 and target.actuals.count() == 1
    client.force_login(city.co_handler)
    assert client.get(f"/targets/{target.pk}/").status_code == 403
    assert "固定资产投资" not in client.get("/targets/?year=2026").content.decode()
