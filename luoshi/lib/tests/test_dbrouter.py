"""Read replicas (lib/dbrouter.py) with two real databases: `default` and `replica_1`.

`replica_1` is a separate test database (settings_test.py), not a mirror: a row changed
only there shows whether a page read from it. Replication is played by `replicate()`,
which copies every row of the primary into it, as a caught-up standby would hold them.
"""

import datetime as dt
import io

import pytest
import time_machine
from django.apps import apps
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.models import QuerySet
from django.http import HttpResponse
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from luoshi.lib import dbrouter
from luoshi.matters.models import Matter
from luoshi.org.models import Unit
from luoshi.testing import assigned, replica_settings

REPLICA = "replica_1"
pytestmark = pytest.mark.django_db(databases=[DEFAULT_DB_ALIAS, REPLICA])
NOW = dt.datetime(2026, 4, 10, 10, tzinfo=dt.UTC)
FUTURE = dt.date(2026, 6, 9)


@pytest.fixture
def replicas():
    """The settings LUOSHI_DATABASE_REPLICA_URLS makes, pointed at the test replica."""
    with replica_settings([REPLICA], READ_YOUR_WRITES_SECONDS=10):
        yield


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def replicate() -> None:
    """Every row of the primary into the replica, as the standby holds them once caught up.

    Values go through each field's own conversion for the target (JSON, dates), never
    through save()/bulk_create(), which would stamp auto_now fields or relink hash chains.
    """
    target = connections[REPLICA]
    quote = target.ops.quote_name
    with target.cursor() as cursor:
        for model in apps.get_models(include_auto_created=True):
            opts = model._meta
            if opts.proxy or not opts.managed:
                continue
            table = quote(opts.db_table)
            # What the replica's own migrate wrote (content types, permissions) goes first.
            cursor.execute(f"DELETE FROM {table}")
            fields = opts.local_concrete_fields
            rows = [
                [f.get_db_prep_save(getattr(obj, f.attname), connection=target) for f in fields]
                for obj in QuerySet(model).using(DEFAULT_DB_ALIAS).order_by()
            ]
            if rows:
                columns = ", ".join(quote(f.column) for f in fields)
                marks = ", ".join(["%s"] * len(fields))
                cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({marks})", rows)


def on_replica_only(matter: Matter, title: str) -> None:
    Matter.objects.using(REPLICA).filter(pk=matter.pk).update(title=title)


def listed(client: Client) -> list[str]:
    response = client.get(reverse("matters:list"))
    assert response.status_code == 200
    return [m.title for m in response.context["page_obj"]]


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def register_data(city, title: str) -> dict:
    return {
        "title": title,
        "source": "meeting",
        "kind": "task",
        "priority": "normal",
        "report_cycle": "monthly",
        "lead_unit": city.lead.pk,
        "co_units": [city.co.pk],
        "responsible_leader": city.leader.pk,
        "deadline": FUTURE.isoformat(),
    }


def test_lists_read_the_replica_and_the_writer_reads_the_primary_for_the_window(
    city, replicas, clock
):
    matter = assigned(city, title="发改委的")
    supervisor, handler = signed_in(city.supervisor), signed_in(city.lead_handler)
    replicate()
    on_replica_only(matter, "副本里的")

    # A plain GET reads from the replica (the only database where the title is "副本里的"):
    # no matter row is read from the primary, and the browser is not pinned.
    with (
        CaptureQueriesContext(connections[DEFAULT_DB_ALIAS]) as primary,
        CaptureQueriesContext(connections[REPLICA]) as replica,
    ):
        response = supervisor.get(reverse("matters:list"))
    assert [m.title for m in response.context["page_obj"]] == ["副本里的"]
    assert any("matters_matter" in q["sql"] for q in replica.captured_queries)
    assert not any("matters_matter" in q["sql"] for q in primary.captured_queries)
    assert dbrouter.COOKIE not in response.cookies

    # Registering writes to the primary only (the replica has not replayed it yet) …
    response = supervisor.post(reverse("matters:register"), register_data(city, "新立项"))
    assert response.status_code == 302
    assert Matter.objects.using(DEFAULT_DB_ALIAS).filter(title="新立项").exists()
    assert not Matter.objects.using(REPLICA).filter(title="新立项").exists()
    assert dbrouter.COOKIE in response.cookies

    # … and for the window the supervisor reads the primary: the new matter is there, and
    # the first matter has its primary title. The handler, who did nothing, still reads
    # the replica.
    clock.shift(dt.timedelta(seconds=9))
    assert sorted(listed(supervisor)) == ["发改委的", "新立项"]
    assert listed(handler) == ["副本里的"]

    # After the window the supervisor is back on the replica, which has not caught up.
    clock.shift(dt.timedelta(seconds=2))
    assert listed(supervisor) == ["副本里的"]


def test_the_api_reads_the_replica_and_its_client_reads_its_own_write(city, replicas, clock):
    matter = assigned(city, title="发改委的")
    client = signed_in(city.supervisor)
    replicate()
    on_replica_only(matter, "副本里的")
    listed_titles = [m["title"] for m in client.get("/api/matters/").json()["items"]]
    assert listed_titles == ["副本里的"]
    body = {"title": "接口立项", "source": "work_report", "lead_unit": city.lead.pk}
    created = client.post("/api/matters/", body, content_type="application/json")
    assert created.status_code in (200, 201), created.content
    pk = created.json()["matter"]["id"]
    # Within the window the client (it keeps cookies) finds what it just made …
    assert client.get(f"/api/matters/{pk}").json()["title"] == "接口立项"
    # … after it, it reads the replica again, which has not replayed the registration.
    clock.shift(dt.timedelta(seconds=11))
    assert client.get(f"/api/matters/{pk}").status_code == 404


def test_streamed_export_reads_the_replica_while_it_streams(city, replicas, clock):
    matter = assigned(city, title="发改委的")
    supervisor = signed_in(city.supervisor)
    replicate()
    on_replica_only(matter, "副本里的")
    response = supervisor.get(reverse("matters:list"))
    export = supervisor.get(response.context["export_url"])
    body = b"".join(export.streaming_content).decode("utf-8-sig")
    assert "副本里的" in body and "发改委的" not in body


def test_the_excel_ledger_is_built_from_the_replica(city, replicas, clock):
    matter = assigned(city, title="发改委的")
    supervisor = signed_in(city.supervisor)
    replicate()
    on_replica_only(matter, "副本里的")
    response = supervisor.get(reverse("documents:ledger"))
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    cells = {cell.value for row in sheet.iter_rows() for cell in row}
    assert "副本里的" in cells and "发改委的" not in cells


def test_a_get_that_writes_pins_the_browser_and_reads_the_primary_after_its_write(
    city, replicas, clock
):
    replicate()
    Unit.objects.using(REPLICA).filter(pk=city.lead.pk).update(name="副本的单位名")
    seen: dict[str, str] = {}

    def view(request):
        seen["before"] = Unit.objects.get(pk=city.lead.pk).name
        Unit.objects.filter(pk=city.other.pk).update(name="写过的单位")
        seen["after"] = Unit.objects.get(pk=city.lead.pk).name
        return HttpResponse("ok")

    response = dbrouter.ReadYourWritesMiddleware(view)(RequestFactory().get("/"))
    assert seen == {"before": "副本的单位名", "after": city.lead.name}
    assert dbrouter.COOKIE in response.cookies


def test_a_get_that_only_reads_sets_no_cookie(city, replicas, clock):
    replicate()
    response = dbrouter.ReadYourWritesMiddleware(lambda request: HttpResponse("ok"))(
        RequestFactory().get("/")
    )
    assert dbrouter.COOKIE not in response.cookies


def test_transactions_locks_commands_and_opt_in(city, replicas):
    # Outside a request (commands, the task worker) reads go to the primary …
    assert Matter.objects.all().db == DEFAULT_DB_ALIAS
    with dbrouter.reading_from_replica():
        # … unless the code opts in; then plain reads go to the replica,
        assert Matter.objects.all().db == REPLICA
        # a row to be locked is read where it will be written,
        assert Matter.objects.select_for_update().db == DEFAULT_DB_ALIAS
        # inside a service's transaction every read stays on the primary,
        with transaction.atomic():
            assert Matter.objects.all().db == DEFAULT_DB_ALIAS
        # the session and API tokens are always read from the primary,
        assert apps.get_model("sessions", "Session").objects.all().db == DEFAULT_DB_ALIAS
        assert apps.get_model("org", "ApiToken").objects.all().db == DEFAULT_DB_ALIAS
        # and every write goes to the primary.
        assert dbrouter.ReplicaRouter().db_for_write(Matter) == DEFAULT_DB_ALIAS
    router = dbrouter.ReplicaRouter()
    assert router.db_for_write(Matter) == DEFAULT_DB_ALIAS
    assert router.allow_migrate(DEFAULT_DB_ALIAS, "matters")
    assert not router.allow_migrate(REPLICA, "matters")
    replicate()
    unit = Unit.objects.using(REPLICA).get(pk=city.lead.pk)
    matter = Matter(lead_unit=unit)  # a replica's row may be related to a new primary row
    assert matter.lead_unit_id == unit.pk
