"""A refused or missing page says why, in the site's frame, with the way back."""

import pytest
from django.urls import reverse

from luoshi.testing import register

pytestmark = pytest.mark.django_db


def test_a_page_someone_may_not_use_says_why(client, city):
    client.force_login(city.leader)  # the import of key projects is the office's
    response = client.get(reverse("projects:import"))
    assert response.status_code == 403
    html = response.content.decode()
    assert "<nav" in html or 'id="main"' in html  # the site's frame, not a bare line
    assert 'href="/"' in html and "403 Forbidden" not in html


def test_a_matter_not_visible_says_so(client, city):
    matter = register(city)  # a draft: no unit sees it
    client.force_login(city.co_handler)
    response = client.get(reverse("matters:detail", args=[matter.pk]))
    assert response.status_code == 404
    html = response.content.decode()
    assert str(matter.pk) in html and 'href="/"' in html


def test_an_address_nothing_answers_says_so_without_the_resolver(client, city):
    client.force_login(city.supervisor)
    response = client.get("/no/such/page/")
    assert response.status_code == 404
    assert "Resolver404" not in response.content.decode()
