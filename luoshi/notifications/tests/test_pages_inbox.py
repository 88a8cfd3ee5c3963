"""The inbox with its unread count; marking read."""

import pytest
from django.urls import reverse

from luoshi.notifications.models import Notification

pytestmark = pytest.mark.django_db


def notes(user, n, **extra):
    Notification.objects.bulk_create(
        Notification(user=user, kind="assigned", text=f"通知{i}", **extra) for i in range(n)
    )


def test_inbox_lists_own_notifications_and_counts_unread(client, city):
    notes(city.lead_handler, 3)
    notes(city.co_handler, 2)
    client.force_login(city.lead_handler)
    response = client.get(reverse("notifications:inbox"))
    html = response.content.decode()
    assert response.status_code == 200
    assert html.count('class="notif unread"') == 3
    assert '<span id="unread-count" class="badge-count"' in html and ">3</span>" in html


def test_mark_one_and_all_read(client, city):
    notes(city.lead_handler, 3)
    other = Notification.objects.create(user=city.co_handler, kind="assigned", text="别人的")
    client.force_login(city.lead_handler)
    first = Notification.objects.filter(user=city.lead_handler).first()
    response = client.post(reverse("notifications:read"), {"id": [first.pk, other.pk]})
    assert response.status_code == 302
    assert Notification.objects.filter(read_at__isnull=True, user=city.lead_handler).count() == 2
    assert Notification.objects.get(pk=other.pk).read_at is None  # not theirs to mark
    response = client.post(reverse("notifications:read"), HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="inbox"') and 'hx-swap-oob="true"' in html
    assert not Notification.objects.filter(read_at__isnull=True, user=city.lead_handler).exists()


def test_inbox_needs_login_and_post_to_mark(client, city):
    assert client.get(reverse("notifications:inbox")).status_code == 302
    client.force_login(city.lead_handler)
    assert client.get(reverse("notifications:read")).status_code == 405


def test_inbox_query_budget(client, city, django_assert_max_num_queries):
    client.force_login(city.lead_handler)
    for n in (2, 80):
        notes(city.lead_handler, n)
        with django_assert_max_num_queries(15):
            assert client.get(reverse("notifications:inbox")).status_code == 200
