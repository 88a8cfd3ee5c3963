"""Sign in, sign out, change password, switch language."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_login_page_and_a_clear_failure_message(client, city):
    response = client.get("/login/")
    assert response.status_code == 200
    assert 'for="id_username"' in response.content.decode()
    response = client.post("/login/", {"username": "lead_handler", "password": "wrong"})
    assert response.status_code == 200
    assert 'role="alert"' in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_login_goes_to_the_desk_or_next(client, city):
    response = client.post("/login/", {"username": "lead_handler", "password": "pw"})
    assert response.status_code == 302 and response["Location"] == "/"
    client.logout()
    response = client.post(
        "/login/", {"username": "lead_handler", "password": "pw", "next": "/matters/"}
    )
    assert response["Location"] == "/matters/"


def test_logout_is_a_post_and_returns_to_login(client, city):
    client.force_login(city.lead_handler)
    response = client.post(reverse("matters:logout"))
    assert response.status_code == 302 and response["Location"] == "/login/"
    assert client.get("/").status_code == 302


def test_change_password(client, city):
    client.force_login(city.lead_handler)
    url = reverse("matters:password_change")
    assert client.get(url).status_code == 200
    bad = client.post(url, {"old_password": "nope", "new_password1": "x", "new_password2": "y"})
    html = bad.content.decode()
    assert bad.status_code == 200 and 'class="errorlist"' in html
    good = client.post(
        url,
        {"old_password": "pw", "new_password1": "Luoshi-2026!", "new_password2": "Luoshi-2026!"},
    )
    assert good.status_code == 302 and good["Location"] == reverse("matters:password_change_done")
    client.logout()
    assert client.login(username="lead_handler", password="Luoshi-2026!")


def test_chinese_by_default_and_english_on_request(client, city, settings):
    settings.LANGUAGE_CODE = "zh-hans"  # the product default (tests otherwise read English)
    client.force_login(city.lead_handler)
    html = client.get("/").content.decode()
    assert '<html lang="zh-hans">' in html and "我的工作台" in html
    response = client.post(reverse("matters:set_language"), {"language": "en", "next": "/"})
    assert response.status_code == 302
    assert '<html lang="en">' in client.get("/").content.decode()


def test_the_layout_has_navigation_and_the_unread_count(client, city):
    client.force_login(city.lead_handler)
    html = client.get("/").content.decode()
    for link in ("/matters/", "/notifications/", "/documents/", "/evaluation/",
                 "/projects/", "/enterprises/", "/units/"):  # fmt: skip
        assert f'href="{link}"' in html
    assert 'href="/cockpit/"' not in html  # leaders and the office only (cockpit's tests)
    assert 'id="unread-count"' in html
    assert "htmx-2.0.11.min.js" in html and "//" not in html.split("htmx-2.0.11")[0][-60:]
