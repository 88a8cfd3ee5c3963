"""A hazard's whole life through the pages, each role at its own door: found by 市工信局,
assigned by the office, rectified by 市发改委, refused at verification by 市商务局,
rectified again, verified and closed, followed up after closing; the leader reads."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse

from luoshi.hazards.models import Hazard, HazardEventKind, HazardStatus, HazardWarning
from luoshi.matters.models import State
from luoshi.matters.tests.pagetools import act as act_on_matter
from luoshi.notifications.models import Notification
from luoshi.org.models import Membership, Role, Unit, UnitKind

from .helpers import MONDAY, category, fresh

pytestmark = pytest.mark.django_db
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def photo(name: str = "现场.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PNG, content_type="image/png")


def act(client, hazard: Hazard, verb: str, **fields):
    """POST the `verb` form of the hazard page (field names carry the verb as prefix)."""
    data = {f"{verb}-version": hazard.version}
    data.update({f"{verb}-{name}": value for name, value in fields.items()})
    return client.post(reverse("hazards:action", args=[hazard.pk, verb]), data)


def login(client, user: User):
    client.force_login(user)
    return client


@pytest.fixture
def unrelated(city) -> User:
    unit = Unit.objects.create(name="市教育局", kind=UnitKind.DEPARTMENT, parent=city.city)
    user = User.objects.create_user("edu_handler", password="pw")
    Membership.objects.create(user=user, unit=unit, role=Role.HANDLER)
    return user


def register_through_page(client, city) -> Hazard:
    response = client.post(
        reverse("hazards:register"),
        {
            "title": "消防通道被杂物堵塞",
            "category": category("fire").pk,
            "level": "general",
            "discovery": "check",
            "unit": city.street.pk,
            "address": "城关街道幸福路12号",
            "found_by_unit": city.co.pk,
            "finder": "张伟",
            "found_on": "2026-05-29",
            "responsible_unit": city.lead.pk,
            "measures": "清理杂物，设置禁止堆放标识",
            "photos": [photo()],
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    return Hazard.objects.get(title="消防通道被杂物堵塞")


def test_found_assigned_refused_rectified_verified_followed_up(
    client, city, unrelated, django_capture_on_commit_callbacks
):
    with time_machine.travel(MONDAY, tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            hazard = register_through_page(login(client, city.co_handler), city)
        assert hazard.status == HazardStatus.REGISTERED and hazard.photos.count() == 1
        assert Notification.objects.filter(user=city.supervisor).exists()
        assert login(client, unrelated).get(f"/hazards/{hazard.pk}/").status_code == 404

        response = act(
            login(client, city.supervisor), hazard, "assign", verifying_unit=city.other.pk
        )
        assert response.status_code == 302, response.content.decode()[:2000]
        hazard = fresh(hazard)
        assert hazard.matter.state == State.ASSIGNED
        assert hazard.matter.deadline == dt.date(2026, 6, 15)  # 10 working days (端午 on 19 June)
        assert hazard.verifying_unit == city.other

        rectifier = login(client, city.lead_handler)
        page = rectifier.get(f"/hazards/{hazard.pk}/").content.decode()
        assert 'id="act-verify"' not in page and hazard.matter.serial in page
        act_on_matter(rectifier, hazard.matter, "accept")
        matter = fresh(hazard).matter
        act_on_matter(rectifier, matter, "request_completion", text="杂物已清理")
        hazard = fresh(hazard)
        assert hazard.status == HazardStatus.AWAITING_VERIFICATION
        # No self-certified closing: the rectifying unit cannot verify, the office
        # cannot close the matter by the ordinary review.
        assert act(rectifier, hazard, "verify", passed="1", record="自查合格").status_code == 403
        office = login(client, city.supervisor)
        assert act_on_matter(office, hazard.matter, "review", outcome="approve").status_code == 409

    with time_machine.travel(MONDAY + dt.timedelta(days=2), tick=False):
        verifier = login(client, city.other_handler)
        response = act(verifier, hazard, "verify", passed="0", record="现场仍有杂物堆放")
        assert response.status_code == 302
        hazard = fresh(hazard)
        assert hazard.status == HazardStatus.RECTIFYING
        assert hazard.matter.state == State.IN_PROGRESS
        assert hazard.verifications.get().passed is False
        rework = hazard.matter.events.order_by("-at", "-id").first()
        assert rework.kind == "review.rework" and rework.comment == "现场仍有杂物堆放"

        rectifier = login(client, city.lead_handler)
        act_on_matter(rectifier, hazard.matter, "request_completion", text="再次清理并设置标识")
        hazard = fresh(hazard)
        response = act(
            login(client, city.other_handler),
            hazard,
            "verify",
            passed="1",
            record="复验：杂物已清理，标识到位",
            photos=[photo("复验.png")],
        )
        assert response.status_code == 302
        hazard = fresh(hazard)
        assert hazard.status == HazardStatus.CLOSED and hazard.matter.state == State.CLOSED
        assert hazard.reinspection_due == dt.date(2026, 7, 3)  # follow-up after 30 days
        assert hazard.photos.filter(verification__isnull=False).count() == 1

        leader_page = login(client, city.leader).get(f"/hazards/{hazard.pk}/").content.decode()
        assert "复验：杂物已清理" in leader_page and 'id="act-' not in leader_page

    with time_machine.travel(dt.datetime(2026, 7, 6, 2, tzinfo=dt.UTC), tick=False):
        call_command("scan", stdout=open("/dev/null", "w"))  # noqa: SIM115
        assert fresh(hazard).warning == HazardWarning.REINSPECTION_MISSED
        finder = login(client, city.co_handler)
        response = act(finder, fresh(hazard), "reinspect", record="回头看：未反弹")
        assert response.status_code == 302
        hazard = fresh(hazard)
        assert hazard.reinspection_due is None and hazard.warning == HazardWarning.NORMAL
        assert hazard.reinspections.get().late is True
    kinds = list(hazard.events.values_list("kind", flat=True))
    assert kinds == [
        HazardEventKind.REGISTERED,
        HazardEventKind.ASSIGNED,
        HazardEventKind.VERIFICATION_FAILED,
        HazardEventKind.VERIFIED,
        HazardEventKind.FOLLOWED_UP,
    ]


def test_site_photos_are_served_only_to_who_may_see_the_hazard(client, city, unrelated):
    with time_machine.travel(MONDAY, tick=False):
        hazard = register_through_page(login(client, city.co_handler), city)
    shot = hazard.photos.get()
    url = reverse("hazards:photo", args=[shot.pk])
    assert login(client, unrelated).get(url).status_code == 404
    assert login(client, city.leader).get(url).status_code == 200
    client.logout()
    assert client.get(url).status_code == 302  # to the login page


def test_register_form_names_the_bad_field_and_keeps_what_was_typed(client, city):
    with time_machine.travel(MONDAY, tick=False):
        response = login(client, city.co_handler).post(
            reverse("hazards:register"),
            {
                "title": "高空坠物隐患",
                "category": category().pk,
                "level": "general",
                "discovery": "check",
                "unit": city.street.pk,
                "found_by_unit": city.co.pk,
                "found_on": "2026-06-09",  # tomorrow
                "responsible_unit": city.lead.pk,
                "photos": [SimpleUploadedFile("记录.exe", b"MZ")],
            },
        )
    page = response.content.decode()
    assert response.status_code == 422
    assert "高空坠物隐患" in page and "2026-06-09 is in the future" in page
    assert not Hazard.objects.exists()
