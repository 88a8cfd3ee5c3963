"""The record cannot be rewritten (issue 14 B): the database refuses, the chain tells.

Through the doors users and operators use: the services append events, the database
refuses UPDATE and DELETE, `luoshi verify-log` walks the chains, the system check names
an event model without triggers or with a deleting admin.
"""

from __future__ import annotations

import threading
from io import StringIO

import pytest
from django.contrib import admin
from django.core.checks import Error
from django.core.management import CommandError, call_command
from django.db import IntegrityError, connection, transaction

from luoshi.lib import eventchain, eventtriggers
from luoshi.lib.bulkinsert import insert_rows
from luoshi.lib.eventlog import ImmutableError
from luoshi.lib.web import ReadOnlyAdmin
from luoshi.matters import services
from luoshi.matters.models import EventKind, Matter, MatterEvent
from luoshi.org.models import OrgEvent
from luoshi.projects.models import ProjectEvent
from luoshi.testing import assigned

TABLE = MatterEvent._meta.db_table


def verify_log() -> tuple[int, str, str]:
    out, err = StringIO(), StringIO()
    try:
        call_command("verify-log", stdout=out, stderr=err)
    except CommandError as error:
        return 1, out.getvalue(), err.getvalue() + str(error)
    return 0, out.getvalue(), err.getvalue()


def hasten_three_times(city) -> Matter:
    matter = assigned(city)
    for text in ("first", "second", "third"):
        services.comment_on_matter(matter, actor=city.leader, text=text)
    return matter


def raw(sql: str, params: list) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


@pytest.mark.parametrize("verb", ["update", "delete"])
def test_the_database_refuses_to_change_or_remove_an_event(city, verb):
    matter = assigned(city)
    events = MatterEvent.objects.filter(matter=matter)
    with pytest.raises(IntegrityError, match="append-only"), transaction.atomic():
        if verb == "update":
            events.update(comment="rewritten")
        else:
            events.delete()
    with pytest.raises(IntegrityError, match="append-only"), transaction.atomic():
        raw(f'UPDATE "{TABLE}" SET kind = %s WHERE matter_id = %s', ["x", matter.pk])
    assert events.filter(comment="rewritten").count() == 0 and events.count() == 2


def test_the_model_refuses_before_the_database_is_asked(city):
    event = assigned(city).events.first()
    with pytest.raises(ImmutableError):
        event.delete()
    with pytest.raises(ImmutableError):
        event.save()


def test_every_event_model_has_its_triggers_in_the_test_database(db):
    models = eventtriggers.append_only_models()
    assert {m.__name__ for m in models} >= {"MatterEvent", "ProjectEvent", "OrgEvent"}
    assert len(models) == 20
    assert all(eventtriggers.installed(connection, m._meta.db_table) for m in models)


def test_lifted_drops_the_triggers_and_puts_them_back(city):
    matter = assigned(city)
    with eventtriggers.lifted(connection, [TABLE]):
        assert not eventtriggers.installed(connection, TABLE)
        MatterEvent.objects.filter(matter=matter).update(comment="edited on purpose")
    assert eventtriggers.installed(connection, TABLE)
    with pytest.raises(IntegrityError), transaction.atomic():
        MatterEvent.objects.filter(matter=matter).update(comment="again")


def test_each_event_links_to_the_previous_one_of_its_matter(city):
    matter = hasten_three_times(city)
    events = list(matter.events.order_by("pk"))
    assert len(events) == 5 and all(len(e.chain_hash) == 64 for e in events)
    spec = eventchain.spec(MatterEvent)
    previous = ""
    for event in events:
        assert event.chain_hash == eventchain.digest(
            spec, eventchain.instance_values(event), previous
        )
        previous = event.chain_hash
    other = assigned(city, title="另一件事项")
    first = other.events.order_by("pk").first()
    assert first.chain_hash == eventchain.digest(spec, eventchain.instance_values(first), "")


def test_verify_log_passes_an_intact_record(city):
    hasten_three_times(city)
    status, out, err = verify_log()
    assert status == 0, err
    assert "intact" in out and "20 tables" in out and err == ""


def test_verify_log_names_an_event_edited_behind_the_services_back(city):
    matter = hasten_three_times(city)
    second = matter.events.order_by("pk")[3]
    with eventtriggers.lifted(connection, [TABLE]):
        raw(f'UPDATE "{TABLE}" SET comment = %s WHERE id = %s', ["我没说过", second.pk])
    status, _out, err = verify_log()
    assert status == 1
    line = next(line for line in err.splitlines() if f"event {second.pk} " in line)
    assert TABLE in line and f"chain {matter.pk}:" in line
    assert f"found {second.chain_hash}" in line
    assert err.count(TABLE) == 1  # one broken chain, named once; later links not repeated


def test_verify_log_sees_the_gap_a_removed_event_leaves(city):
    matter = hasten_three_times(city)
    events = list(matter.events.order_by("pk"))
    with eventtriggers.lifted(connection, [TABLE]):
        raw(f'DELETE FROM "{TABLE}" WHERE id = %s', [events[2].pk])
    status, _out, err = verify_log()
    assert status == 1 and f"event {events[3].pk} does not follow" in err


def test_an_edited_time_to_the_microsecond_is_seen(city):
    matter = hasten_three_times(city)
    event = matter.events.order_by("pk").last()
    later = event.at.replace(microsecond=(event.at.microsecond + 1) % 1_000_000)
    with eventtriggers.lifted(connection, [TABLE]):
        MatterEvent.objects.filter(pk=event.pk).update(at=later)
    status, _out, err = verify_log()
    assert status == 1 and f"event {event.pk} " in err


def test_a_bulk_insert_chains_its_rows_to_each_other_and_to_the_stored_ones(city):
    matter = hasten_three_times(city)
    rows = [
        {"matter": matter.pk, "kind": EventKind.COMMENTED, "actor": city.leader.pk, "data": {}}
        for _ in range(3)
    ]
    with transaction.atomic():
        insert_rows(MatterEvent, rows)
        ProjectEvent.objects.bulk_create([])  # an empty batch is fine
    assert matter.events.count() == 8
    assert verify_log()[0] == 0


def test_rehash_fills_the_hashes_of_rows_stored_before_the_chain(city):
    """What the data migration does for the rows of an existing instance."""
    hasten_three_times(city)
    with eventtriggers.lifted(connection, [TABLE]):
        MatterEvent.objects.update(chain_hash="")
        assert verify_log()[0] == 1
        assert eventchain.rehash(MatterEvent) == MatterEvent.objects.count()
    assert verify_log()[0] == 0


def test_the_system_check_names_an_event_model_without_triggers(db, monkeypatch, settings):
    settings.MIGRATION_MODULES = {}  # the migration files, as `manage.py check` reads them
    assert eventtriggers.check_declared() == []
    monkeypatch.setattr(
        eventtriggers,
        "declared_in",
        lambda loader, model: None if model is MatterEvent else ("x", "y"),
    )
    errors = eventtriggers.check_declared()
    assert [(e.id, e.obj) for e in errors] == [("luoshi.E001", MatterEvent)]


def test_the_system_check_names_an_admin_that_could_delete_events(db):
    site = admin.AdminSite(name="probe")
    site.register(OrgEvent, admin.ModelAdmin)
    site.register(ProjectEvent, ReadOnlyAdmin)
    errors = eventtriggers._admin_errors(site, ReadOnlyAdmin, Error)
    assert [e.id for e in errors] == ["luoshi.E002"] and "org.OrgEvent" in errors[0].msg


def test_the_admin_offers_no_delete_for_project_events(admin_client):
    page = admin_client.get("/admin/projects/projectevent/")
    assert page.status_code == 200
    assert b"delete_selected" not in page.content


@pytest.mark.django_db(transaction=True)
def test_concurrent_appends_to_one_matter_keep_one_chain(city):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite has one writer; the race needs PostgreSQL")
    matter = assigned(city)
    barrier = threading.Barrier(8)

    def comment(n: int) -> None:
        try:
            barrier.wait()
            # No row lock taken here on purpose: the chain's own lock must hold.
            MatterEvent.objects.create(matter_id=matter.pk, kind=EventKind.COMMENTED, data={"n": n})
        finally:
            connection.close()

    threads = [threading.Thread(target=comment, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert matter.events.count() == 10
    assert verify_log()[0] == 0
