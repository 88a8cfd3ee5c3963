"""The disk fills up during an attachment upload: a clear refusal, no orphan row, no orphan file.

A storage that runs out of room mid-file plays the full disk everywhere; as root, a
64 KB tmpfs mounted for the test is a real one.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client

from luoshi.matters import services
from luoshi.matters.models import Attachment, Matter, ProgressReport
from luoshi.matters.services import handling
from luoshi.matters.tests.test_api_client import Api, ok
from luoshi.testing import accepted

from .faults import files_under

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 3, 2, 9, tzinfo=dt.UTC)
FULL_DISK = "luoshi.operations.tests.faults.DiskFullStorage"


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return tmp_path / "media"


@pytest.fixture
def full_disk(settings, media):
    settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": FULL_DISK}}
    return media


def uploads() -> list[SimpleUploadedFile]:
    """A small file that fits, then a scan that fills the disk half-way through."""
    return [
        SimpleUploadedFile("签收单.pdf", b"%PDF-", content_type="application/pdf"),
        SimpleUploadedFile(
            "现场照片（1）.jpg", b"\xff\xd8" + b"x" * 5000, content_type="image/jpeg"
        ),
    ]


def state(matter: Matter) -> tuple:
    fresh = Matter.objects.get(pk=matter.pk)
    return (fresh.version, fresh.state, fresh.events.count(), ProgressReport.objects.count())


def test_api_upload_on_a_full_disk_is_refused_with_507_and_leaves_nothing(city, full_disk):
    matter = accepted(city, deadline=dt.date(2026, 4, 30))
    before = state(matter)
    api = Api(city.lead_handler)
    data = {"version": matter.version, "text": "现场已整改", "percent": 80}
    response = api.form(f"matters/{matter.pk}/report", {**data, "attachments": uploads()})
    assert response.status_code == 507, response.content
    body = response.json()
    assert (body["code"], body["field"]) == ("storage_full", "attachments")
    assert body["message"].startswith("现场照片（1）.jpg could not be saved: the server's storage")
    assert state(matter) == before and not Attachment.objects.exists()
    assert files_under(full_disk) == []  # the first file and the partial second are gone


def test_the_same_upload_succeeds_once_there_is_room(city, settings, full_disk):
    matter = accepted(city, deadline=dt.date(2026, 4, 30))
    api = Api(city.lead_handler)
    data = {"version": matter.version, "text": "现场已整改", "percent": 80}
    api.form(f"matters/{matter.pk}/report", {**data, "attachments": uploads()})
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    }
    ok(api.form(f"matters/{matter.pk}/report", {**data, "attachments": uploads()}))
    stored = sorted(a.file.name for a in Attachment.objects.all())
    assert stored == files_under(full_disk) and len(stored) == 2
    assert all(a.file.size == a.size for a in Attachment.objects.all())


def test_page_upload_on_a_full_disk_keeps_the_form_with_the_message(city, full_disk):
    matter = accepted(city, deadline=dt.date(2026, 4, 30))
    before = state(matter)
    client = Client(headers={"accept-language": "zh-hans"})
    client.force_login(city.lead_handler)
    form = {
        "request_completion-version": matter.version,
        "request_completion-text": "已全部完成，请审核",
        "request_completion-attachments": uploads(),
    }
    response = client.post(f"/matters/{matter.pk}/act/request_completion/", form)
    assert response.status_code == 422
    html = response.content.decode()
    assert "服务器存储空间已满" in html and "已全部完成，请审核" in html
    assert state(matter) == before
    assert files_under(full_disk) == []


@pytest.mark.django_db(transaction=True)
def test_files_of_a_committed_report_stay_when_a_step_after_the_commit_fails(
    city, media, monkeypatch
):
    """A notification that fails after the commit must not take the report's files along."""
    matter = accepted(city, deadline=dt.date(2026, 4, 30))

    def failing_notify(*args, **kwargs):
        def fail():
            raise RuntimeError("the notice could not be written")

        transaction.on_commit(fail)

    monkeypatch.setattr(handling, "notify", failing_notify)
    with pytest.raises(RuntimeError):
        services.request_completion(
            matter,
            actor=city.lead_handler,
            version=matter.version,
            text="完成",
            attachments=uploads(),
        )
    assert Matter.objects.get(pk=matter.pk).state == "completion_requested"
    stored = sorted(a.file.name for a in Attachment.objects.all())
    assert len(stored) == 2 and files_under(media) == stored


@pytest.fixture
def tiny_disk(tmp_path, settings):
    """A real 64 KB tmpfs as MEDIA_ROOT (root only; skipped elsewhere)."""
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root")
    root = tmp_path / "tiny"
    root.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(root)], capture_output=True
    )
    if mounted.returncode != 0:
        pytest.skip(f"tmpfs not available: {mounted.stderr.decode().strip()}")
    settings.MEDIA_ROOT = str(root)
    try:
        yield root
    finally:
        subprocess.run(["umount", str(root)], check=True)


def test_a_real_full_disk_refuses_the_upload_cleanly(city, tiny_disk):
    matter = accepted(city, deadline=dt.date(2026, 4, 30))
    before = state(matter)
    big = SimpleUploadedFile("整改报告.pdf", b"%PDF-" + os.urandom(200_000), "application/pdf")
    data = {"version": matter.version, "text": "整改完成", "percent": 100, "attachments": [big]}
    response = Api(city.lead_handler).form(f"matters/{matter.pk}/report", data)
    assert response.status_code == 507, response.content
    assert response.json()["code"] == "storage_full"
    assert state(matter) == before and not Attachment.objects.exists()
    assert files_under(tiny_disk) == []
