"""Attachments through the API: type and size refused, downloads only for those who see."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile

from luoshi.matters.models import Attachment, Matter
from luoshi.testing import accepted

from .test_api_client import NOW, Api, ok, refused

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def _report(api: Api, matter: Matter, *files, path: str = "report"):
    data = {"version": api.version(matter.pk), "text": "已完成", "percent": 50}
    if path != "report":
        data.pop("percent")
    return api.form(f"matters/{matter.pk}/{path}", {**data, "attachments": list(files)})


def test_a_file_type_not_allowed_is_refused_and_nothing_is_written(city):
    matter = accepted(city, deadline=dt.date(2026, 4, 30))
    lead = Api(city.lead_handler)
    bad = SimpleUploadedFile("tool.exe", b"MZ", content_type="application/octet-stream")
    body = refused(_report(lead, matter, bad), 422, "invalid_input", "attachments")
    assert body["message"].startswith("tool.exe: files of type .exe are not accepted")
    good = SimpleUploadedFile("a.pdf", b"%PDF")
    refused(_report(lead, matter, good, bad, path="request-completion"), 422, "invalid_input")
    assert not Attachment.objects.exists()
    fresh = Matter.objects.get(pk=matter.pk)
    assert (fresh.version, fresh.state) == (matter.version, "accepted")


def test_a_file_over_the_size_limit_is_refused(city, settings):
    settings.LUOSHI = {**settings.LUOSHI, "ATTACHMENT_MAX_BYTES": 2 * 2**20}
    matter = accepted(city, deadline=dt.date(2026, 4, 30))
    big = SimpleUploadedFile("scan.pdf", b"x" * (2 * 2**20 + 1))
    body = refused(_report(Api(city.lead_handler), matter, big), 422, "invalid_input")
    assert body["field"] == "attachments"
    assert body["message"] == "scan.pdf is 2.0 MB; the limit is 2 MB."
    assert not Attachment.objects.exists()


def test_download_only_for_users_who_see_the_matter(city):
    matter = accepted(city, deadline=dt.date(2026, 4, 30))
    upload = SimpleUploadedFile("验收报告.pdf", b"%PDF-1.4 evidence", content_type="text/html")
    ok(_report(Api(city.lead_handler), matter, upload))
    attachment = Attachment.objects.get()
    report = ok(Api(city.co_handler).get(f"matters/{matter.pk}/reports"))[0]
    url = report["attachments"][0]["url"]
    assert url == f"/api/matters/{matter.pk}/attachments/{attachment.pk}"
    for user in (city.lead_handler, city.co_handler, city.supervisor, city.leader):
        response = Api(user).get(url)
        assert response.status_code == 200
        assert b"".join(response.streaming_content) == b"%PDF-1.4 evidence"
        assert response["Content-Type"] == "application/pdf"  # never the uploader's text/html
        assert response["Content-Disposition"].startswith("attachment;")
    refused(Api(city.other_handler).get(url), 404, "not_found")
    refused(Api().get(url), 401, "not_authenticated")
    other = accepted(city, title="另一事项", deadline=dt.date(2026, 4, 30))
    wrong = f"/api/matters/{other.pk}/attachments/{attachment.pk}"
    refused(Api(city.supervisor).get(wrong), 404, "not_found")  # not this matter's file
    media = f"/media/{attachment.file.name}"
    assert Api(city.supervisor).get(media).status_code == 404  # no public URL for files


def test_a_file_missing_from_storage_is_a_clean_404_and_a_warning(city, caplog):
    matter = accepted(city, deadline=dt.date(2026, 4, 30))
    ok(_report(Api(city.lead_handler), matter, SimpleUploadedFile("a.pdf", b"%PDF")))
    attachment = Attachment.objects.get()
    attachment.file.storage.delete(attachment.file.name)  # a restore without the media
    api_url = f"matters/{matter.pk}/attachments/{attachment.pk}"
    with caplog.at_level("WARNING", logger="luoshi.storage"):
        body = refused(Api(city.supervisor).get(api_url), 404, "not_found")
    assert body["message"]
    assert (
        f"matters.Attachment {attachment.pk}" in caplog.text and attachment.file.name in caplog.text
    )
    from django.test import Client

    page = Client(raise_request_exception=False)
    page.force_login(city.supervisor)
    assert page.get(f"/attachments/{attachment.pk}/").status_code == 404
