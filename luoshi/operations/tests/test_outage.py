"""The database fails under a request: a clean 503, nothing half-written, the retry succeeds.

PostgreSQL restarting is played by terminating the backends of the test database only
(pg_terminate_backend where datname = our database): other engineers and other test
runs use the same server, which is never stopped. On SQLite the connection cannot be
cut from outside, so the service's database raises OperationalError instead.
"""

from __future__ import annotations

import datetime as dt
import json
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from urllib.parse import urlencode

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.handlers.wsgi import WSGIHandler
from django.db import OperationalError, connection
from django.test import Client, RequestFactory

from luoshi.matters.models import EventKind, Matter, MatterEvent, ProgressReport
from luoshi.matters.tests.test_api_client import Api, ok
from luoshi.org.tokens import issue_token
from luoshi.testing import accepted

from .faults import backend_pid, cut_connections, files_under, on_change, on_postgres

pytestmark = pytest.mark.django_db(transaction=True)
NOW = dt.datetime(2026, 3, 2, 9, tzinfo=dt.UTC)


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return tmp_path / "media"


def fail_once_inside_the_service():
    """A listener that makes the database fail in the middle of the service's transaction:
    after the report, its files and the matter's new version are written, before the event."""
    fired: list[int] = []

    def listener(matter_id: int) -> None:
        if fired:
            return
        fired.append(matter_id)
        if connection.vendor == "postgresql":
            cut_connections([backend_pid()])  # our own backend
        else:
            raise OperationalError("disk I/O error")

    return listener


def written(matter: Matter) -> tuple:
    fresh = Matter.objects.get(pk=matter.pk)
    return (fresh.version, fresh.progress, fresh.events.count(), fresh.reports.count())


@time_machine.travel(NOW, tick=False)
def test_the_database_failing_mid_change_gives_503_json_and_writes_nothing(city, media):
    matter = accepted(city, deadline=dt.date(2026, 4, 30))
    before = written(matter)
    api = Api(city.lead_handler)
    version = api.version(matter.pk)
    data = {"version": version, "text": "已完成前期手续", "percent": 40}
    evidence = SimpleUploadedFile(
        "批复文件.pdf", b"%PDF-1.4 approval", content_type="application/pdf"
    )
    with on_change(fail_once_inside_the_service()):
        response = api.form(f"matters/{matter.pk}/report", {**data, "attachments": [evidence]})
    assert response.status_code == 503, response.content
    assert response["Retry-After"] == "5"
    body = response.json()
    assert body["code"] == "database_unavailable" and body["field"] is None
    assert "Nothing was saved" in body["message"]
    assert written(matter) == before
    assert files_under(media) == []  # the attachment stored before the rows is gone again
    evidence.seek(0)
    ok(api.form(f"matters/{matter.pk}/report", {**data, "attachments": [evidence]}))
    assert written(matter) == (before[0] + 1, 40, before[2] + 1, 1)
    assert len(files_under(media)) == 1


@time_machine.travel(NOW, tick=False)
def test_a_page_gets_a_plain_503_page_that_needs_no_database(city, media):
    matter = accepted(city, deadline=dt.date(2026, 4, 30))
    before = written(matter)
    client = Client(headers={"accept-language": "zh-hans"})
    client.force_login(city.lead_handler)
    form = {"report-version": matter.version, "report-text": "推进中", "report-percent": 30}
    with on_change(fail_once_inside_the_service()):
        response = client.post(f"/matters/{matter.pk}/act/report/", form)
    assert response.status_code == 503
    page = response.content.decode()
    assert "数据库暂时无法访问" in page and "返回" in page
    assert "<script" not in page
    assert written(matter) == before
    response = client.post(f"/matters/{matter.pk}/act/report/", form)
    assert response.status_code == 302
    assert written(matter)[3] == 1


@on_postgres
def test_a_kept_connection_cut_between_requests_is_replaced(city):
    """CONN_HEALTH_CHECKS: a persistent connection the server dropped is checked and
    replaced when the next request starts, instead of failing that request."""
    _token, key = issue_token(city.supervisor)
    request = RequestFactory().get("/api/matters/", headers={"authorization": f"Bearer {key}"})
    handler = WSGIHandler()
    results: list = []

    def call() -> None:
        chunks: list = []
        response = handler(dict(request.environ), lambda status, headers: chunks.append(status))
        b"".join(response)
        response.close()  # request_finished: Django keeps the connection (CONN_MAX_AGE)
        results.append((chunks[0], backend_pid()))

    def worker() -> None:
        try:
            call()
            assert cut_connections([results[0][1]]) == 1
            call()
        finally:
            connection.close()

    thread = threading.Thread(target=worker)
    thread.start()
    thread.join(30)
    (first, first_pid), (second, second_pid) = results
    assert first.startswith("200") and second.startswith("200")
    assert second_pid != first_pid


# -- a burst of requests while every connection is cut, several times ---------------------

WORKERS = 5
REPORTS_EACH = 12


class Caller:
    """One worker's HTTP client against the live server, retrying what gets 503."""

    def __init__(self, base: str, key: str, statuses: Counter, outage_seen: threading.Event):
        self.base, self.key = base, key
        self.statuses, self.outage_seen = statuses, outage_seen

    def send(self, method: str, path: str, form: dict | None = None) -> dict:
        for _attempt in range(200):
            status, body = self.once(method, path, form)
            self.statuses[status] += 1
            if status != 503:
                assert status == 200, (status, body)
                return json.loads(body)
            assert json.loads(body)["code"] == "database_unavailable"
            self.outage_seen.set()
            time.sleep(0.05)
        raise AssertionError(f"{method} {path} never succeeded")

    def once(self, method: str, path: str, form: dict | None) -> tuple[int, bytes]:
        data = urlencode(form).encode() if form is not None else None
        request = urllib.request.Request(self.base + path, data=data, method=method)
        request.add_header("Authorization", f"Bearer {self.key}")
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as error:
            return error.code, error.read()


def _report_many(caller: Caller, pk: int, errors: list) -> None:
    try:
        for n in range(1, REPORTS_EACH + 1):
            version = caller.send("GET", f"/api/matters/{pk}")["version"]
            form = {"version": version, "text": f"第{n}次进展", "percent": n * 5}
            caller.send("POST", f"/api/matters/{pk}/report", form)
            caller.send("GET", "/api/matters/?page_size=20")
    except BaseException as error:  # noqa: BLE001 - reported by the test
        errors.append(error)


def _keep_cutting(
    stop: threading.Event, outage_seen: threading.Event, cuts: list, spare: int
) -> None:
    """Cut every connection of the test database but the test's own, again and again,
    until a caller saw an outage and at least three cuts hit connections in use."""
    deadline = time.monotonic() + 60
    while not stop.is_set() and time.monotonic() < deadline:
        cut = cut_connections(spare=[spare])
        if cut:
            cuts.append(cut)
        if outage_seen.is_set() and len(cuts) >= 3:
            return
        time.sleep(0.02)


@on_postgres
def test_a_burst_of_requests_survives_the_database_cutting_every_connection(city, live_server):
    matters = [
        accepted(city, title=f"重点项目{n}号推进", deadline=dt.date(2026, 12, 31))
        for n in range(WORKERS)
    ]
    _token, key = issue_token(city.lead_handler)
    statuses: Counter = Counter()
    outage_seen, stop = threading.Event(), threading.Event()
    errors: list = []
    cuts: list = []
    callers = [Caller(live_server.url, key, statuses, outage_seen) for _ in matters]
    threads = [
        threading.Thread(target=_report_many, args=(caller, m.pk, errors))
        for caller, m in zip(callers, matters, strict=True)
    ]
    killer = threading.Thread(target=_keep_cutting, args=(stop, outage_seen, cuts, backend_pid()))
    for thread in [*threads, killer]:
        thread.start()
    for thread in threads:
        thread.join(120)
    stop.set()
    killer.join(10)

    assert errors == []
    assert set(statuses) <= {200, 503}, statuses  # never a 500
    assert statuses[503] >= 1 and len(cuts) >= 1, (statuses, cuts)
    for matter in matters:
        _assert_whole(matter)


def _assert_whole(matter: Matter) -> None:
    """Every report the burst wrote came with its event and moved the matter: no half."""
    fresh = Matter.objects.get(pk=matter.pk)
    reports = list(ProgressReport.objects.filter(matter=matter).order_by("created_at", "pk"))
    events = MatterEvent.objects.filter(matter=matter, kind=EventKind.REPORTED)
    assert sorted(e.data["report"] for e in events) == sorted(r.pk for r in reports)
    # a report whose answer was lost after the commit is sent again: never fewer
    assert len(reports) >= REPORTS_EACH
    assert sorted({r.percent for r in reports}) == [n * 5 for n in range(1, REPORTS_EACH + 1)]
    assert fresh.progress == reports[-1].percent == REPORTS_EACH * 5
    assert fresh.version == matter.version + len(reports)


def test_the_database_failing_after_the_view_still_gives_503(city, monkeypatch):
    """Signing in saves the session after the view, in SessionMiddleware: urls.handler500
    catches what the middleware of the view cannot."""
    from django.contrib.sessions.backends.db import SessionStore

    def unavailable(*args, **kwargs):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(SessionStore, "save", unavailable)
    client = Client(raise_request_exception=False)
    response = client.post("/login/", {"username": "lead_handler", "password": "pw"})
    assert response.status_code == 503
    assert "Please try again shortly" in response.content.decode()
