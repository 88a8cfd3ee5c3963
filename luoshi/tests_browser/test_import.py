"""A table imported in a real browser: upload, unknown unit mapped (htmx), confirmed."""

import datetime as dt

import pytest
import time_machine

from luoshi.documents.models import ImportBatch
from luoshi.documents.tests.conftest import FIXTURES
from luoshi.matters.models import Matter
from luoshi.org.models import Unit, UnitKind
from luoshi.testing import build_city

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_table_with_an_unknown_unit_imported_through_the_pages(session):
    with time_machine.travel(dt.datetime(2026, 1, 15, 9, tzinfo=dt.UTC), tick=True):
        city = build_city()
        police = Unit.objects.create(name="市公安局", kind=UnitKind.DEPARTMENT, parent=city.city)
        for name in (
            "市住房和城乡建设局",
            "市应急管理局",
            "市城市管理局",
            "市大数据管理局",
            "市政务服务和数据管理局",
            "市农业农村局",
            "市财政局",
            "市自然资源和规划局",
            "市水利局",
            "市人力资源和社会保障局",
            "市教育局",
            "西城区",
            "南湖区",
        ):
            kind = UnitKind.DISTRICT if name.endswith("区") else UnitKind.DEPARTMENT
            Unit.objects.create(name=name, kind=kind, parent=city.city)
        page = session.page
        session.login("supervisor")
        session.go("/documents/import/")
        page.set_input_files("input[name=file]", str(FIXTURES / "key_tasks_2026.xlsx"))
        page.click("main form button.btn[type=submit]")
        page.wait_for_selector("#import-body")
        assert "市公安局交警支队" in page.inner_text(".unknown-units")
        url = page.url
        page.select_option("select[name=unit_0]", "new")
        page.select_option("select[name=parent_0]", str(police.pk))
        with page.expect_response(lambda r: "/units/" in r.url):
            page.click("#import-body form[hx-post$='/units/'] button[type=submit] >> nth=0")
        page.wait_for_selector("#import-body form[action$='/confirm/']")
        assert page.url == url  # swapped in place by htmx
        page.click("#import-body form[action$='/confirm/'] button")
        page.wait_for_selector(".messages")
        assert ImportBatch.objects.get().state == "imported"
        assert Matter.objects.count() == 10
        assert Unit.objects.get(name="市公安局交警支队").parent == police
