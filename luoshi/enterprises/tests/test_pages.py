"""Enterprise pages, the tokened public page and the API, through the client."""

import pytest

from luoshi.enterprises import services
from luoshi.enterprises.models import EnterpriseProblem
from luoshi.matters.models import State

from .helpers import answered, complete, credit_code, enterprise, rate, received, transfer


@pytest.fixture
def ent(city):
    return enterprise(city)


def test_public_page_send_in_follow_and_rate_without_an_account(client, city, ent):
    url = f"/enterprises/e/{ent.token}/"
    page = client.get(url)
    assert page.status_code == 200 and page["Referrer-Policy"] == "no-referrer"
    response = client.post(url, {"title": "用电增容", "category": "utilities", "content": "急"})
    assert response.status_code == 302
    problem = EnterpriseProblem.objects.get(title="用电增容")
    assert problem.channel == "enterprise" and problem.received_by is None
    matter = transfer(city, problem, city.lead)
    complete(city, matter)
    assert "How satisfied" in client.get(url).content.decode()
    rate_url = f"/enterprises/e/{ent.token}/rate/{problem.pk}/"
    p = f"p{problem.pk}"
    unversioned = client.post(rate_url, {f"{p}-grade": "very_satisfied"})
    assert unversioned.status_code == 422 and "reload the page" in unversioned.content.decode()
    problem.refresh_from_db()
    assert problem.rating == ""
    response = client.post(
        rate_url, {f"{p}-grade": "very_satisfied", f"{p}-version": problem.version}
    )
    assert response.status_code == 302
    problem.refresh_from_db()
    assert problem.rating == "very_satisfied" and problem.matter.state == State.CLOSED
    stale = client.post(rate_url, {f"{p}-grade": "satisfied", f"{p}-version": problem.version - 1})
    assert stale.status_code == 409
    problem.refresh_from_db()
    assert problem.rating == "very_satisfied"


def test_bad_token_and_someone_elses_problem(client, city, ent):
    other = enterprise(city, 2)
    theirs = answered(city, other)
    assert client.get("/enterprises/e/not-a-token/").status_code == 404
    response = client.post(f"/enterprises/e/{ent.token}/rate/{theirs.pk}/", {"grade": "satisfied"})
    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.rating == ""


def test_reissued_token_cuts_off_the_old_link(client, city, ent):
    old = ent.token
    services.reissue_token(ent, actor=city.supervisor, version=ent.version)
    assert client.get(f"/enterprises/e/{old}/").status_code == 404


def test_public_form_names_the_bad_field(client, ent):
    page = client.post(f"/enterprises/e/{ent.token}/", {"title": " ", "category": "land"})
    assert page.status_code == 422
    assert "Problem: This field is required." in page.content.decode()
    assert not EnterpriseProblem.objects.exists()


def test_office_pages_and_budgets(client, city, ent, django_assert_max_num_queries):
    for i in range(5):
        answered(city, enterprise(city, 10 + i))
    received(city, ent)
    client.force_login(city.supervisor)
    for url in ("/enterprises/", "/enterprises/problems/", "/enterprises/figures/",
                "/enterprises/service-days/", f"/enterprises/{ent.pk}/"):  # fmt: skip
        with django_assert_max_num_queries(20):
            assert client.get(url).status_code == 200, url


def test_enterprise_list_register_with_a_bad_code(client, city):
    client.force_login(city.supervisor)
    page = client.post(
        "/enterprises/",
        {"name": "乙公司", "credit_code": "91110000802100433A", "district": city.district.pk},
    )
    assert "check character" in page.content.decode()
    client.post(
        "/enterprises/",
        {"name": "乙公司", "credit_code": credit_code(77), "district": city.district.pk},
    )
    assert client.get("/enterprises/?q=乙").content.decode().count("乙公司") >= 1


def test_visibility_of_enterprises_and_problems(client, city, ent):
    elsewhere = enterprise(city, 3, district=city.other)
    problem = received(city, elsewhere)
    client.force_login(city.district_head)
    assert client.get(f"/enterprises/{ent.pk}/").status_code == 200
    assert client.get(f"/enterprises/{elsewhere.pk}/").status_code == 404
    assert client.get(f"/enterprises/problems/{problem.pk}/").status_code == 404
    client.force_login(city.other_handler)  # the district unit 市商务局 holds `elsewhere`
    assert client.get(f"/enterprises/problems/{problem.pk}/").status_code == 200


def test_transfer_and_revisit_through_the_page(client, city, ent):
    problem = received(city, ent)
    client.force_login(city.lead_handler)
    url = f"/enterprises/problems/{problem.pk}/act/transfer/"
    assert client.post(url, {"lead_unit": city.lead.pk}).status_code == 404  # not visible yet
    client.force_login(city.supervisor)
    form = {"lead_unit": city.lead.pk, "category": "logistics", "tier": "major"}
    unversioned = client.post(url, form)
    assert unversioned.status_code == 422 and "reload the page" in unversioned.content.decode()
    problem.refresh_from_db()
    assert problem.matter is None
    assert client.post(url, {**form, "version": problem.version}).status_code == 302
    problem.refresh_from_db()
    assert problem.matter.lead_unit == city.lead and problem.tier == "major"
    complete(city, problem.matter)
    rate(problem, "unsatisfied")
    problem.matter.refresh_from_db()
    client.post(
        f"/enterprises/problems/{problem.pk}/act/reopen/",
        {"version": problem.matter.version, "comment": "回访核实"},
    )
    problem.matter.refresh_from_db()
    assert problem.matter.state == State.IN_PROGRESS


def test_liaison_sends_in_and_sees_the_enterprise(client, city, ent):
    services.assign_liaison(ent, city.co_handler, actor=city.supervisor, version=ent.version)
    client.force_login(city.co_handler)
    page = client.get(f"/enterprises/{ent.pk}/")
    assert ent.token in page.content.decode()
    client.post(
        f"/enterprises/{ent.pk}/act/problem/",
        {"title": "招工难", "category": "labour", "tier": "ordinary"},
    )
    assert EnterpriseProblem.objects.get(title="招工难").channel == "liaison"


def test_api(client, city, ent):
    problem = received(city, ent)
    client.force_login(city.supervisor)
    assert client.get("/api/enterprises/").json()[0]["credit_code"] == ent.credit_code
    unversioned = client.post(
        f"/api/enterprises/problems/{problem.pk}/transfer",
        {"lead_unit": city.lead.pk},
        content_type="application/json",
    )
    assert unversioned.status_code == 422 and unversioned.json()["field"] == "version"
    moved = client.post(
        f"/api/enterprises/problems/{problem.pk}/transfer",
        {"lead_unit": city.lead.pk, "version": problem.version},
        content_type="application/json",
    )
    assert moved.status_code == 200 and moved.json()["state"] == "assigned"
    again = client.post(
        f"/api/enterprises/problems/{problem.pk}/transfer",
        {"lead_unit": city.lead.pk, "version": problem.version},
        content_type="application/json",
    )
    assert again.status_code == 409
    figures = client.get("/api/enterprises/figures?start=2026-06-01&end=2026-06-30").json()
    assert figures == [
        {**figures[0], "key": str(city.lead.pk), "taken": 1, "transferred_on_time": 1}
    ]
    client.force_login(city.other_handler)
    assert client.get("/api/enterprises/problems").json() == []
