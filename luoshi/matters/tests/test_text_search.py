"""The list's text search (`q`): the same hits on SQLite's FTS5 trigram index as a plain
substring test, for titles and contents as offices type them; the index follows edits;
and on SQLite a fragment of three characters or more is looked up in the index."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.management.sql import emit_post_migrate_signal
from django.db import connection
from django.test.utils import CaptureQueriesContext

from luoshi.matters import textsearch
from luoshi.testing import assigned, register

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 4, 10, 10, tzinfo=dt.UTC)
sqlite_only = pytest.mark.skipif(
    connection.vendor != "sqlite", reason="the FTS5 index is SQLite's; PostgreSQL has pg_trgm"
)

TITLES = [
    "推进老旧小区改造工程（二期）",
    "关于“营商环境”专项整治的督办",
    "5G基站建设 ABC-二期 100%完成",
    "落实 project_x 年度目标",
    '回复"群众来信"第3件',
    "无",
    "持续推进",
]
CONTENTS = {"无": "详见附件：污水处理厂提标改造", "持续推进": ""}


def search(client, q: str) -> set[int]:
    body = client.get("/api/matters/", {"q": q, "page_size": 100}).json()
    return {item["id"] for item in body["items"]}


@time_machine.travel(NOW, tick=False)
def test_every_fragment_finds_what_a_substring_test_finds(client, city):
    matters = [assigned(city, title=t, content=CONTENTS.get(t, "")) for t in TITLES]
    client.force_login(city.supervisor)
    fragments = [
        "小区改造",  # a Chinese run of four
        "旧小",  # two characters: below a trigram, still found
        "abc-二",  # any case, punctuation inside
        "100%完",  # LIKE's wildcard is a plain character here
        "project_x",  # so is its underscore
        '"群众来信"',  # quotes typed by the user
        "“营商环境”",  # full-width quotes
        "提标改造",  # only in a content
        "二期",
        "不存在的事项",
        "无",
    ]
    for fragment in fragments:
        needle = fragment.casefold()
        expected = {
            m.pk
            for m in matters
            if needle in m.title.casefold() or needle in (m.content or "").casefold()
        }
        assert search(client, fragment) == expected, fragment


@time_machine.travel(NOW, tick=False)
def test_the_index_follows_a_title_edited_before_dispatch(client, city):
    draft = register(city, title="旧标题一号事项")
    client.force_login(city.supervisor)
    assert search(client, "旧标题") == {draft.pk}
    response = client.patch(
        f"/api/matters/{draft.pk}",
        {"version": draft.version, "title": "新标题二号事项"},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    assert search(client, "旧标题") == set()
    assert search(client, "新标题") == {draft.pk}


@sqlite_only
@time_machine.travel(NOW, tick=False)
def test_on_sqlite_a_long_fragment_is_read_from_the_index_a_short_one_by_like(client, city):
    assigned(city, title="推进老旧小区改造工程")
    client.force_login(city.supervisor)
    with CaptureQueriesContext(connection) as long:
        search(client, "小区改造")
    with CaptureQueriesContext(connection) as short:
        search(client, "改造")
    assert any(f"{textsearch.TABLE} MATCH" in q["sql"] for q in long.captured_queries)
    assert not any(textsearch.TABLE in q["sql"] for q in short.captured_queries)
    with connection.cursor() as cursor:  # the index is read, not every title
        cursor.execute(
            f"EXPLAIN QUERY PLAN SELECT rowid FROM {textsearch.TABLE} "
            f"WHERE {textsearch.TABLE} MATCH %s LIMIT 2001",
            ['"小区改造"'],
        )
        plan = " | ".join(str(row[-1]) for row in cursor.fetchall())
    assert "VIRTUAL TABLE INDEX" in plan, plan


@sqlite_only
@time_machine.travel(NOW, tick=False)
def test_on_sqlite_a_fragment_with_many_hits_keeps_like_and_finds_the_same(
    client, city, monkeypatch
):
    found = {assigned(city, title=f"重点工作第{n}项").pk for n in range(3)}
    assigned(city, title="其他事项")
    client.force_login(city.supervisor)
    monkeypatch.setattr(textsearch, "FEW_HITS", 2)
    with CaptureQueriesContext(connection) as queries:
        assert search(client, "重点工作") == found
    assert any("LIKE" in q["sql"] for q in queries.captured_queries)
    monkeypatch.setattr(textsearch, "FEW_HITS", 3)
    with CaptureQueriesContext(connection) as queries:
        assert search(client, "重点工作") == found
    assert not any("LIKE" in q["sql"] for q in queries.captured_queries)


@sqlite_only
@time_machine.travel(NOW, tick=False)
def test_after_migrate_lost_triggers_are_put_back_and_missed_rows_indexed(client, city):
    # Django's SQLite schema editor rebuilds a table to alter it, dropping its triggers.
    with connection.cursor() as cursor:
        for name in textsearch.TRIGGERS:
            cursor.execute(f"DROP TRIGGER {name}")
    written_meanwhile = assigned(city, title="迁移期间登记的排水管网事项")
    client.force_login(city.supervisor)
    assert search(client, "排水管网") == set()  # what a stale index would answer
    emit_post_migrate_signal(verbosity=0, interactive=False, db="default")
    assert search(client, "排水管网") == {written_meanwhile.pk}
    later = assigned(city, title="迁移之后登记的排水管网事项")
    assert search(client, "排水管网") == {written_meanwhile.pk, later.pk}
