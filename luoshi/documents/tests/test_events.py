"""Imports and bulletins keep an event log: who previewed, imported, cancelled, drafted,
edited and issued — through the pages and the API; the rows never change."""

import pytest
from django.urls import reverse

from luoshi.documents.models import (
    Bulletin,
    BulletinEvent,
    BulletinEventKind,
    ImportBatch,
    ImportEventKind,
    ImportState,
)
from luoshi.lib.eventlog import ImmutableError
from luoshi.matters.models import Matter

from .test_bulletin import draft, issue, march  # noqa: F401  (the March city fixture)
from .test_import import confirm, upload


def kinds(events) -> list[str]:
    return list(events.order_by("at", "id").values_list("kind", flat=True))


def test_an_import_logs_its_preview_and_its_confirmation(client, docs_city):
    body = upload(client, docs_city.supervisor).json()
    batch = ImportBatch.objects.get(pk=body["id"])
    preview = batch.events.get()
    assert preview.kind == ImportEventKind.PREVIEWED and preview.actor == docs_city.supervisor
    planned = preview.data["counts"]["matters"]
    assert planned == body["preview"]["counts"]["matters"] > 10

    assert confirm(client, batch.pk).status_code == 200
    assert kinds(batch.events) == [ImportEventKind.PREVIEWED, ImportEventKind.CONFIRMED]
    confirmed = batch.events.get(kind=ImportEventKind.CONFIRMED).data
    assert confirmed == {"step": "confirmed", "created": planned, "updated": 0}
    with pytest.raises(ImmutableError):
        preview.delete()


def test_a_cancelled_import_cannot_be_confirmed(client, docs_city):
    batch_id = upload(client, docs_city.supervisor).json()["id"]
    response = client.post(reverse("documents:import_cancel", args=[batch_id]))
    assert response.status_code == 302
    batch = ImportBatch.objects.get(pk=batch_id)
    assert batch.state == ImportState.CANCELLED
    assert kinds(batch.events) == [ImportEventKind.PREVIEWED, ImportEventKind.CANCELLED]

    refused = confirm(client, batch_id)
    assert refused.status_code == 409 and refused.json()["code"] == "illegal_transition"
    again = client.post(f"/api/documents/imports/{batch_id}/cancel", {}, "application/json")
    assert again.status_code == 409
    assert Matter.objects.count() == 0 and batch.events.count() == 2


def test_only_the_office_cancels_an_import(client, docs_city):
    batch_id = upload(client, docs_city.supervisor).json()["id"]
    client.force_login(docs_city.lead_handler)
    response = client.post(f"/api/documents/imports/{batch_id}/cancel", {}, "application/json")
    assert response.status_code == 404  # imports are the office's: not even visible
    assert ImportBatch.objects.get(pk=batch_id).state == ImportState.PREVIEWED


def test_a_bulletin_logs_drafted_edited_issued(client, march):  # noqa: F811
    bulletin = draft(client, march)
    url = reverse("documents:bulletin_detail", args=[bulletin.pk])
    fields = {"title": "关于三月份重点工作推进情况的通报", "overall": "总体平稳。"}
    response = client.post(url, {"version": bulletin.version, **fields})
    assert response.status_code == 302
    bulletin.refresh_from_db()
    issue(client, bulletin)

    events = BulletinEvent.objects.filter(bulletin=bulletin).order_by("id")
    assert [e.kind for e in events] == [
        BulletinEventKind.DRAFTED,
        BulletinEventKind.EDITED,
        BulletinEventKind.ISSUED,
    ]
    assert {e.actor for e in events} == {march.supervisor}
    assert "title" in events[1].data["fields"]
    assert events[2].data == {"number": "〔2026〕1号"}


def test_issuing_without_the_version_is_refused_not_defaulted(client, march):  # noqa: F811
    bulletin = draft(client, march)
    response = client.post(reverse("documents:bulletin_issue", args=[bulletin.pk]))
    assert response.status_code == 302  # back to the page, with the refusal as a message
    bulletin = Bulletin.objects.get(pk=bulletin.pk)
    assert not bulletin.is_issued
    assert not bulletin.events.filter(kind=BulletinEventKind.ISSUED).exists()


def test_a_stale_edit_changes_nothing_and_logs_nothing(client, march):  # noqa: F811
    bulletin = draft(client, march)
    url = reverse("documents:bulletin_detail", args=[bulletin.pk])
    response = client.post(url, {"version": bulletin.version + 5, "title": "过期的修改"})
    assert response.status_code == 409
    assert Bulletin.objects.get(pk=bulletin.pk).title != "过期的修改"
    assert kinds(bulletin.events) == [BulletinEventKind.DRAFTED]
