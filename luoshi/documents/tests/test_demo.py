"""The demo city issues its monthly 督查通报: a newcomer sees the history after `make run`."""

import datetime as dt
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone, translation

from luoshi.documents.models import Bulletin, BulletinMention

pytestmark = pytest.mark.django_db


@time_machine.travel(dt.datetime(2026, 6, 17, 10, tzinfo=dt.UTC), tick=False)
def test_the_demo_city_issues_a_bulletin_each_month(client, empty_database):
    with translation.override("en"):
        call_command("demo", "--matters", "40", "--seed", "7", stdout=StringIO())
    issued = list(Bulletin.objects.filter(state="issued").order_by("number"))
    assert [b.number_label for b in issued] == [f"〔2026〕{n}号" for n in range(1, 6)]
    assert [b.period_start for b in issued] == [dt.date(2026, m, 1) for m in range(1, 6)]
    # Each went out in the first week of the month after its period, as offices do.
    for bulletin in issued:
        sent = timezone.localdate(bulletin.issued_at)
        assert sent.month == bulletin.period_end.month + 1 and sent.day <= 12
        assert bulletin.file.name.endswith(".docx")
    draft = Bulletin.objects.get(state="draft")
    assert (draft.period_start, draft.period_end) == (dt.date(2026, 6, 1), dt.date(2026, 6, 16))
    assert BulletinMention.objects.exists()

    client.login(username="fgw.handler", password="luoshi-demo")
    page = client.get(reverse("documents:index"), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "暂无督查通报" not in page and "〔2026〕5号" in page
    assert "〔2026〕6号" not in page  # the draft is the office's until issued
