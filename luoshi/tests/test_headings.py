"""Page headings say each thing once: a Chinese page never follows a heading with its own
translation ("考核 考核", "台账 台账"). English pages keep the Chinese term beside the
English one (`{% gloss %}`), for readers who must find the office's word."""

import re

import pytest

from luoshi.evaluation import services as evaluation
from luoshi.targets import services as targets

PAGES = [
    "/",
    "/matters/",
    "/cockpit/",
    "/documents/",
    "/documents/bulletins/",
    "/evaluation/",
    "/evaluation/schemes/",
    "/targets/",
    "/projects/",
    "/enterprises/",
    "/enterprises/problems/",
    "/enterprises/service-days/",
    "/units/",
]
HEADING = re.compile(
    r"<(h1|h2|h3|title|dt)\b[^>]*>(.*?)</\1>|<span class=\"label\">(.*?)</span></a>", re.S
)


def repeated_terms(text: str) -> list[str]:
    """Chinese words (two characters or more) said twice in one heading, or opening a longer
    word beside them (在办 · 在办事项); 任务 → 子任务 is a phrase, not a repetition."""
    runs = [r for r in re.findall(r"[\u4e00-\u9fff]+", text) if len(r) > 1]
    return [a for i, a in enumerate(runs) for j, b in enumerate(runs) if i != j and b.startswith(a)]


def headings(html: str) -> list[str]:
    found = [m.group(2) or m.group(3) or "" for m in HEADING.finditer(html)]
    return [re.sub(r"<[^>]+>", " ", h) for h in found]


def test_the_check_catches_a_repeated_term():
    assert repeated_terms("考核 <small>考核</small>") == ["考核", "考核"]
    assert repeated_terms("在办 · 在办事项") == ["在办"]
    assert repeated_terms("重点项目 项目为王") == []
    assert repeated_terms("蓝图 目标 → 任务 → 子任务") == []


@pytest.fixture
def some_of_everything(city):
    evaluation.publish_scheme(actor=city.supervisor, name="考核办法")
    evaluation.open_period(actor=city.supervisor, kind="month", year=2026, number=3)
    targets.create_target(
        actor=city.supervisor,
        unit=city.lead,
        year=2026,
        name="固定资产投资",
        yearly_value=120,
        measure="亿元",
    )


def test_chinese_pages_say_each_heading_once(client, city, settings, some_of_everything):
    settings.LANGUAGE_CODE = "zh-hans"
    client.force_login(city.supervisor)
    doubled = {}
    for url in PAGES:
        response = client.get(url)
        assert response.status_code == 200, url
        for heading in headings(response.content.decode()):
            if repeated_terms(heading):
                doubled.setdefault(url, []).append(" ".join(heading.split()))
    assert doubled == {}


def test_english_pages_keep_the_chinese_term(client, city):
    client.force_login(city.supervisor)
    html = client.get("/documents/bulletins/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Bulletins" in html and 'lang="zh">督查通报' in html
