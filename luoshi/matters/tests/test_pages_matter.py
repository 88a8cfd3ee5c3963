"""The matter page and its actions, per role: what is offered, what is refused, stale forms."""

import datetime as dt

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from luoshi.matters import services
from luoshi.matters.models import EventKind, MatterEvent, PartState, State
from luoshi.notifications.models import Notification
from luoshi.testing import accepted, assigned, register

from .pagetools import act, fresh

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 3, 2, 10, 0, tzinfo=dt.UTC)


def page(client, matter):
    return client.get(reverse("matters:detail", args=[matter.pk]))


def offered(response) -> set[str]:
    html = response.content.decode()
    return {v for v in services_verbs() if f'id="act-{v}"' in html}


def services_verbs():
    from luoshi.matters.forms import ACTION_FORMS

    return ACTION_FORMS.keys()


def test_anonymous_is_sent_to_login(client, city):
    matter = assigned(city)
    response = page(client, matter)
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


def test_each_role_is_offered_only_its_actions(client, city):
    matter = assigned(city)
    expected = {
        city.supervisor: {"hasten", "suspend", "withdraw"},
        city.lead_handler: {"accept", "dispute", "request_extension"},
        city.co_handler: {"accept", "dispute"},
        city.leader: {"comment"},
    }
    for user, verbs in expected.items():
        client.force_login(user)
        response = page(client, matter)
        assert response.status_code == 200
        assert offered(response) == verbs, user
        assert f'name="accept-version" value="{matter.version}"' in response.content.decode() or (
            "accept" not in verbs
        )


def test_a_unit_that_does_not_hold_the_matter_gets_404(client, city):
    matter = assigned(city)
    client.force_login(city.other_handler)
    assert page(client, matter).status_code == 404
    assert act(client, matter, "accept").status_code == 404
    assert fresh(matter).state == State.ASSIGNED


def test_a_role_refusal_is_403_and_changes_nothing(client, city):
    matter = accepted(city)
    client.force_login(city.co_handler)
    response = act(client, matter, "review", outcome="approve")
    assert response.status_code == 403
    assert fresh(matter).version == matter.version


def test_unknown_verb_is_404(client, city):
    matter = assigned(city)
    client.force_login(city.supervisor)
    assert client.post(f"/matters/{matter.pk}/act/delete/").status_code == 404


def test_get_on_an_action_is_refused(client, city):
    matter = assigned(city)
    client.force_login(city.lead_handler)
    assert client.get(reverse("matters:action", args=[matter.pk, "accept"])).status_code == 405


def test_accept_by_plain_post_redirects_to_the_page_with_a_message(client, city):
    matter = assigned(city)
    client.force_login(city.lead_handler)
    response = act(client, matter, "accept")
    assert response.status_code == 302
    assert response["Location"] == reverse("matters:detail", args=[matter.pk])
    assert fresh(matter).state == State.ACCEPTED
    follow = client.get(response["Location"])
    assert "Done: accept." in follow.content.decode()


def test_accept_by_htmx_returns_the_partial_with_out_of_band_counter(client, city):
    matter = assigned(city)
    client.force_login(city.lead_handler)
    response = act(client, matter, "accept", htmx=True)
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html
    assert 'id="matter"' in html
    assert 'id="unread-count"' in html and 'hx-swap-oob="true"' in html
    assert "Done: accept." in html
    assert 'id="act-report"' in html  # the fresh state offers the next step


def test_a_stale_form_is_refused_with_the_fresh_state(client, city):
    matter = accepted(city)
    seen = matter.version
    services.report_progress(matter, actor=city.lead_head, version=seen, text="先报", percent=10)
    client.force_login(city.lead_handler)
    response = act(client, matter, "report", version=seen, text="后报", percent=20)
    html = response.content.decode()
    assert response.status_code == 409
    assert "changed by someone else" in html
    assert f'data-version="{fresh(matter).version}"' in html
    assert fresh(matter).progress == 10  # not overwritten
    assert f'name="report-version" value="{fresh(matter).version}"' in html


def test_a_stale_form_by_htmx_is_swapped_in_with_its_message(client, city):
    matter = assigned(city)
    seen = matter.version
    services.accept_matter(matter, actor=city.lead_head, version=seen)
    client.force_login(city.lead_handler)
    response = act(client, matter, "accept", version=seen, htmx=True)
    assert response.status_code == 409
    assert "changed by someone else" in response.content.decode()


def test_form_errors_stay_on_the_form_with_the_field_named(client, city):
    matter = accepted(city)
    client.force_login(city.lead_handler)
    response = act(client, matter, "report", text="", percent=150)
    html = response.content.decode()
    assert response.status_code == 422
    assert "Progress %:" in html and "What was done:" in html
    assert '<details id="act-report" open' in html
    assert fresh(matter).version == matter.version


def test_a_service_refusal_of_a_field_is_shown_on_that_field(client, city):
    matter = assigned(city)
    client.force_login(city.lead_handler)
    response = act(client, matter, "dispute", reason_code="other", reason="  ")
    html = response.content.decode()
    assert response.status_code == 422
    assert "Explanation:" in html and "The explanation is required." in html
    assert fresh(matter).parts.filter(state=PartState.DISPUTED).count() == 0


def test_an_illegal_step_is_409_with_a_message(client, city):
    matter = accepted(city)
    client.force_login(city.lead_handler)
    response = act(client, matter, "accept")
    assert response.status_code == 409
    assert "not waiting to be accepted" in response.content.decode()


def test_report_with_attachment_and_private_download(client, city):
    matter = accepted(city)
    client.force_login(city.lead_handler)
    upload = SimpleUploadedFile("方案.pdf", b"%PDF-1.4 test", content_type="application/pdf")
    response = client.post(
        reverse("matters:action", args=[matter.pk, "report"]),
        {"report-version": matter.version, "report-text": "完成调研", "report-percent": 30,
         "report-attachments": [upload]},
    )  # fmt: skip
    assert response.status_code == 302
    html = page(client, matter).content.decode()
    assert "方案.pdf" in html and "完成调研" in html
    attachment = fresh(matter).reports.get().attachments.get()
    url = reverse("matters:attachment", args=[attachment.pk])
    download = client.get(url)
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == b"%PDF-1.4 test"
    client.force_login(city.co_handler)  # a co-unit sees the matter and its files
    assert client.get(url).status_code == 200
    client.force_login(city.other_handler)
    assert client.get(url).status_code == 404
    client.logout()
    assert client.get(url).status_code == 302


def test_a_bad_attachment_type_is_named(client, city):
    matter = accepted(city)
    client.force_login(city.lead_handler)
    upload = SimpleUploadedFile("virus.exe", b"MZ", content_type="application/octet-stream")
    response = client.post(
        reverse("matters:action", args=[matter.pk, "report"]),
        {"report-version": matter.version, "report-text": "x", "report-percent": 30,
         "report-attachments": [upload]},
    )  # fmt: skip
    assert response.status_code == 422
    assert "virus.exe" in response.content.decode()
    assert not fresh(matter).reports.exists()


def test_the_whole_loop_through_pages(client, city):
    matter = register(city)
    client.force_login(city.supervisor)
    assert act(client, matter, "assign").status_code == 302
    client.force_login(city.lead_handler)
    assert act(client, fresh(matter), "accept").status_code == 302
    assert act(client, fresh(matter), "report", text="进展", percent=60).status_code == 302
    assert act(client, fresh(matter), "request_completion", text="已完成").status_code == 302
    client.force_login(city.supervisor)
    response = act(client, fresh(matter), "review", outcome="rework", comment="")
    assert response.status_code == 422  # sending back needs a reason
    assert (
        act(client, fresh(matter), "review", outcome="rework", comment="补充材料").status_code
        == 302
    )
    assert fresh(matter).state == State.IN_PROGRESS
    client.force_login(city.lead_handler)
    assert act(client, fresh(matter), "request_completion", text="已补充").status_code == 302
    client.force_login(city.supervisor)
    assert act(client, fresh(matter), "review", outcome="approve").status_code == 302
    assert act(client, fresh(matter), "close").status_code == 302
    assert fresh(matter).state == State.CLOSED
    kinds = list(MatterEvent.objects.filter(matter=matter).values_list("kind", flat=True))
    assert kinds.count(EventKind.REVIEW_REWORK) == 1 and kinds[-1] == EventKind.CLOSED
    html = page(client, matter).content.decode()
    assert "Sent back for rework" in html and "补充材料" in html


def test_a_dispute_ruled_by_reassignment(client, city):
    matter = assigned(city)
    client.force_login(city.co_handler)
    response = act(
        client, matter, "dispute", reason_code="overlapping_duties", reason="属商务局职责",
        suggested_unit=city.other.pk,
    )  # fmt: skip
    assert response.status_code == 302
    client.force_login(city.supervisor)
    html = page(client, matter).content.decode()
    assert 'id="act-rule_dispute"' in html and "属商务局职责" in html
    dispute = matter.disputes.get()
    response = act(
        client, fresh(matter), "rule_dispute", dispute=dispute.pk, ruling="reassign", comment="",
    )  # fmt: skip
    assert response.status_code == 422
    assert "Name the unit that takes the matter instead." in response.content.decode()
    response = act(
        client, fresh(matter), "rule_dispute", dispute=dispute.pk, ruling="reassign",
        new_unit=city.other.pk, comment="改由商务局配合",
    )  # fmt: skip
    assert response.status_code == 302
    client.force_login(city.other_handler)
    assert 'id="act-accept"' in page(client, matter).content.decode()


@time_machine.travel(NOW, tick=False)
def test_an_extension_asked_and_approved(client, city):
    matter = accepted(city, deadline=dt.date(2026, 4, 30))
    client.force_login(city.lead_handler)
    response = act(client, matter, "request_extension", new_deadline="2026-04-01", reason="等待")
    assert response.status_code == 422
    assert "The new deadline must be later than 2026-04-30." in response.content.decode()
    response = act(
        client, matter, "request_extension", new_deadline="2026-05-29", reason="等待上级批复"
    )
    assert response.status_code == 302
    client.force_login(city.supervisor)
    extension = matter.extensions.get()
    response = act(client, fresh(matter), "rule_extension", extension=extension.pk, approve="1")
    assert response.status_code == 302
    assert fresh(matter).deadline == dt.date(2026, 5, 29)
    html = page(client, matter).content.decode()
    assert "2026-05-29" in html and "was 2026-04-30" in html


def test_leader_comment_is_in_the_timeline_and_notified(
    client, city, django_capture_on_commit_callbacks
):
    matter = accepted(city)
    client.force_login(city.leader)
    with django_capture_on_commit_callbacks(execute=True):
        assert act(client, matter, "comment", text="务必月底前完成").status_code == 302
    html = page(client, matter).content.decode()
    assert "务必月底前完成" in html and "kind-comment" in html
    assert Notification.objects.filter(user=city.lead_handler, kind="comment").exists()
    client.force_login(city.other_leader)
    assert act(client, matter, "comment", text="我也说两句").status_code == 403


def test_hasten_from_the_page_is_counted(client, city):
    matter = accepted(city)
    client.force_login(city.supervisor)
    assert act(client, matter, "hasten", message="请加快").status_code == 302
    html = page(client, matter).content.decode()
    assert "<dt>Hastened</dt><dd>1</dd>" in html


@time_machine.travel(NOW, tick=False)
def test_milestone_reached_from_the_page(client, city):
    matter = accepted(
        city,
        milestones=[services.MilestoneSpec("方案", deadline=NOW.date() + dt.timedelta(5))],
    )
    milestone = matter.milestones.get()
    client.force_login(city.lead_handler)
    response = act(client, matter, "milestone", milestone=milestone.pk, comment="")
    assert response.status_code == 302
    assert fresh(matter).milestones.get().done_at is not None
    assert 'id="act-milestone"' not in page(client, matter).content.decode()


def test_a_draft_counted_in_working_days_says_so_without_a_dash(client, city):
    """A draft with no date yet, only working days from dispatch: the deadline reads as
    those days (was "—3 working days after assignment", a dash glued to the text)."""
    with time_machine.travel(NOW, tick=False):
        draft = register(city, deadline_workdays=3)
    client.force_login(city.supervisor)
    html = page(client, draft).content.decode()
    assert "<dd>3 working days after assignment</dd>" in html
