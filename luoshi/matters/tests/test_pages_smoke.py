"""Every page answers for its users (quick smoke; the detailed tests are beside it)."""

import pytest
from django.urls import reverse

from luoshi.testing import accepted


@pytest.mark.django_db
def test_pages_render(client, city):
    matter = accepted(city)
    for user in (city.supervisor, city.lead_handler, city.leader, city.co_handler):
        client.force_login(user)
        for url in (
            "/",
            "/matters/",
            f"/matters/{matter.pk}/",
            "/notifications/",
            f"/units/{city.lead.pk}/",
            "/units/",
        ):
            response = client.get(url)
            assert response.status_code == 200, (user, url, response.content[:3000])
    client.force_login(city.supervisor)
    assert client.get(reverse("matters:register")).status_code == 200
    assert client.get(reverse("matters:decompose", args=[matter.pk])).status_code == 200
