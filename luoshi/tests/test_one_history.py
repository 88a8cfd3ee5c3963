"""One history, four views: warnings, cockpit, ledger and bulletin tell the same numbers.

A year of 2026 is played through the services with the clock moved and the nightly
scan run every morning: a matter whose review waits for months, one sent back, one
extended, one disputed, one simply late, one on time, one ongoing. On each stocktake
day the stored warnings, the cockpit's tallies, the ledger's rows and the bulletin's
named matters must agree; at the year's end every past figure must open a list "as of"
its day whose length is the figure (issue 10 B).
"""

import datetime as dt
import io
from collections import Counter
from zoneinfo import ZoneInfo

import pytest
import time_machine
from openpyxl import load_workbook

from luoshi.cockpit import queries as cockpit
from luoshi.documents.queries import period_figures
from luoshi.matters import services
from luoshi.matters.models import OPEN_STATES, Matter, MatterWarning, ReturnReason
from luoshi.matters.warnings import scan
from luoshi.testing import assigned

D = dt.date
TZ = ZoneInfo("Asia/Shanghai")
LATE, AWAITING = MatterWarning.OVERDUE, MatterWarning.AWAITING_OFFICE
STOCKTAKES = [
    D(2026, 1, 31),
    D(2026, 2, 28),
    D(2026, 3, 31),
    D(2026, 4, 30),  # 甲 waits for its review: the office's time, not the unit's
    D(2026, 5, 25),  # 乙 waits for its review
    D(2026, 5, 31),
    D(2026, 6, 12),  # 丙's extension waits for its ruling
    D(2026, 6, 30),
    D(2026, 7, 21),  # 乙, sent back and late, asked again
    D(2026, 7, 31),
    D(2026, 8, 31),
    D(2026, 9, 30),
    D(2026, 10, 31),
    D(2026, 11, 15),
]
END = D(2026, 12, 1)


def at(day: dt.date, hour: int = 10):
    return time_machine.travel(
        dt.datetime(day.year, day.month, day.day, hour, tzinfo=TZ), tick=False
    )


def fresh(matter: Matter) -> Matter:
    return Matter.objects.get(pk=matter.pk)


class Year:
    """The year's plan: on which day whom does what (through the services)."""

    def __init__(self, city):
        self.city, self.m, self.plan = city, {}, {}

    def on(self, day: dt.date, action) -> None:
        self.plan.setdefault(day, []).append(action)

    def open_matter(self, key, title, deadline=None, lead=None, ongoing=False):
        city = self.city

        def act():
            spec = {"lead": lead or city.lead, "co": False, "report_cycle": "none"}
            self.m[key] = assigned(city, title=title, deadline=deadline, ongoing=ongoing, **spec)

        return act

    def call(self, key, service, **kwargs):
        def act():
            service(fresh(self.m[key]), version=None, **kwargs)

        return act

    def accept(self, key, user):
        return self.call(key, services.accept_matter, actor=user)

    def ask(self, key):
        return self.call(
            key, services.request_completion, actor=self.city.lead_handler, text="已完成"
        )

    def review(self, key, outcome):
        sup = self.city.supervisor
        return self.call(
            key, services.review_completion, actor=sup, outcome=outcome, comment="材料不全"
        )

    def rule(self, key, service, model_attr, **kwargs):
        def act():
            matter = fresh(self.m[key])
            pending = getattr(matter, model_attr).get(state="pending")
            service(matter, pending.pk, version=None, actor=self.city.supervisor, **kwargs)

        return act


def plan_year(city) -> Year:
    y, lead_handler = Year(city), city.lead_handler
    jan5, mar2 = D(2026, 1, 5), D(2026, 3, 2)
    y.on(jan5, y.open_matter("waiting", "甲：审核久拖", D(2026, 4, 24)))
    y.on(jan5, y.open_matter("late", "丁：逾期未办", D(2026, 3, 31)))
    y.on(jan5, y.open_matter("on_time", "戊：按期办结", D(2026, 6, 30)))
    y.on(jan5, y.open_matter("ongoing", "己：持续推进", ongoing=True))
    for key in ("waiting", "late", "on_time", "ongoing"):
        y.on(D(2026, 1, 6), y.accept(key, lead_handler))
    y.on(D(2026, 4, 21), y.ask("waiting"))  # three days before its deadline
    y.on(D(2026, 11, 10), y.review("waiting", "approve"))
    y.on(D(2026, 6, 15), y.ask("on_time"))
    y.on(D(2026, 6, 16), y.review("on_time", "approve"))
    # 乙: asks with 7 working days left, sent back 12 working days later, then late.
    y.on(D(2026, 2, 2), y.open_matter("sent_back", "乙：退回重办", D(2026, 5, 29)))
    y.on(D(2026, 2, 3), y.accept("sent_back", lead_handler))
    y.on(D(2026, 5, 20), y.ask("sent_back"))
    y.on(D(2026, 6, 5), y.review("sent_back", "rework"))
    y.on(D(2026, 7, 20), y.ask("sent_back"))
    y.on(D(2026, 7, 22), y.review("sent_back", "approve"))
    # 丙: an extension that waits a week for its ruling, then runs out in October.
    y.on(mar2, y.open_matter("extended", "丙：延期办理", D(2026, 6, 30)))
    y.on(D(2026, 3, 3), y.accept("extended", lead_handler))
    y.on(
        D(2026, 6, 10),
        y.call(
            "extended",
            services.request_extension,
            actor=city.lead_head,
            new_deadline=D(2026, 9, 30),
            reason="征地手续未完成",
        ),
    )
    y.on(
        D(2026, 6, 17),
        y.rule("extended", services.rule_extension, "extensions", approve=True),
    )
    y.on(D(2026, 11, 20), y.ask("extended"))
    y.on(D(2026, 11, 25), y.review("extended", "approve"))
    # 庚: disputed by its lead unit, reassigned a week later, never done.
    y.on(mar2, y.open_matter("disputed", "庚：退回改派", D(2026, 5, 15)))
    y.on(
        mar2,
        y.call(
            "disputed",
            services.raise_dispute,
            actor=lead_handler,
            reason_code=ReturnReason.UNCLEAR_OWNERSHIP,
            reason="权属不清",
        ),
    )
    y.on(
        D(2026, 3, 9),
        y.rule(
            "disputed",
            services.rule_dispute,
            "disputes",
            ruling="reassign",
            new_unit=city.other,
            comment="改由市商务局牵头",
        ),
    )
    y.on(D(2026, 3, 10), y.accept("disputed", city.other_handler))
    return y


def open_by_warning() -> Counter:
    rows = Matter.objects.filter(state__in=OPEN_STATES).values_list("warning", flat=True)
    return Counter(rows)


def ledger_rows(client, city, **params) -> list[dict]:
    client.force_login(city.supervisor)
    response = client.get("/documents/ledger.xlsx", params)
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    header = 3  # the title, the filter applied, then the header
    headings = [c.value for c in sheet[header]]
    return [
        dict(zip(headings, row, strict=True))
        for row in sheet.iter_rows(min_row=header + 1, values_only=True)
    ]


def api_count(client, city, **params) -> int:
    client.force_login(city.supervisor)
    response = client.get("/api/matters/", {"page_size": 100, **params})
    assert response.status_code == 200, response.content
    return response.json()["count"]


def stocktake(client, city, day: dt.date) -> dict:
    """The four views of `day`, taken that evening."""
    warnings = open_by_warning()
    figures = cockpit.summary()["figures"]
    overdue_rows = ledger_rows(client, city, open=1, warning=LATE)
    bulletin = period_figures(city.supervisor, day.replace(day=1), day)
    named = [m for matters in bulletin.named.values() for m in matters]
    return {
        "overdue": {
            "warnings": warnings[LATE],
            "cockpit": figures[LATE]["value"],
            "ledger": len(overdue_rows),
            "bulletin": len(named),
            "list": api_count(client, city, open=1, warning=LATE),
        },
        "awaiting": {
            "warnings": warnings[AWAITING],
            "cockpit": figures[AWAITING]["value"],
            "list": api_count(client, city, open=1, warning=AWAITING),
        },
        "open": {"warnings": sum(warnings.values()), "cockpit": figures["open"]["value"]},
        "overdue_titles": sorted(m.title for m in named),
        "ledger_texts": [row["预警"] for row in overdue_rows],
    }


@pytest.fixture
def year(client, city):
    y = plan_year(city)
    taken = {}
    day = D(2026, 1, 5)
    while day <= END:
        with at(day, 7):
            scan()  # the nightly job, run each morning
        for action in y.plan.get(day, []):
            with at(day):
                action()
        if day in STOCKTAKES:
            with at(day, 18):
                taken[day] = stocktake(client, city, day)
        day += dt.timedelta(days=1)
    return y, taken


def test_the_four_views_agree_and_the_office_s_time_is_never_the_unit_s(year):
    _y, taken = year
    for day, views in taken.items():
        for figure in ("overdue", "awaiting", "open"):
            assert len(set(views[figure].values())) == 1, (day, figure, views[figure])
        assert all(text.startswith("逾期") for text in views["ledger_texts"]), day
    assert taken[D(2026, 4, 30)]["overdue_titles"] == ["丁：逾期未办"]
    assert taken[D(2026, 4, 30)]["awaiting"]["warnings"] == 1  # 甲, asked before its deadline
    assert taken[D(2026, 5, 25)]["awaiting"]["warnings"] == 2  # 甲 and 乙
    assert taken[D(2026, 6, 12)]["awaiting"]["warnings"] == 2  # 甲 and 丙's extension
    # 乙 was sent back with its 7 working days (due Jun 16), and is late after that.
    assert taken[D(2026, 6, 30)]["overdue_titles"] == [
        "丁：逾期未办",
        "乙：退回重办",
        "庚：退回改派",
    ]
    assert "甲：审核久拖" not in taken[D(2026, 10, 31)]["overdue_titles"]
    assert taken[D(2026, 10, 31)]["overdue"]["warnings"] == 3  # 丁, 庚, 丙 after its extension


def test_past_figures_open_lists_as_they_stood(client, city, year):
    """Stock figures as of each stocktake day, monthly flows, and two stocktakes compared."""
    _y, taken = year
    with at(END, 12):
        for day, views in taken.items():
            then = cockpit.summary(day)["figures"]
            for figure, warning in (("overdue", LATE), ("awaiting", AWAITING)):
                expected = views[figure]["warnings"]
                assert then[warning]["value"] == expected, (day, figure)
                link = then[warning]["link"]
                assert f"as_of={day.isoformat()}" in link
                assert api_count(client, city, open=1, warning=warning, as_of=day) == expected
            rows = ledger_rows(client, city, open=1, warning=LATE, as_of=day.isoformat())
            assert len(rows) == views["overdue"]["warnings"], day
    check_trend(client, city)
    check_comparison(client, city)


def check_trend(client, city):
    client.force_login(city.leader)
    with at(END, 12):
        months = client.get("/api/cockpit/trend", {"year": 2026}).json()["months"]
        for row in months:
            for key in ("newly_overdue", "completed"):
                link = row[key]["link"].replace("/cockpit/matters/", "/api/cockpit/matters")
                listed = client.get(link + "&limit=500").json()["matters"]
                assert len(listed) == row[key]["value"], (row["month"], key)
            link = row["overdue_at_end"]["link"]
            assert "as_of=" in link
            params = dict(part.split("=") for part in link.split("?")[1].split("&"))
            assert api_count(client, city, **params) == row["overdue_at_end"]["value"]
    # 丁 in April, 庚 in May, 乙 in June (after it was sent back), 丙 in October.
    assert sum(row["newly_overdue"]["value"] for row in months) == 4


def check_comparison(client, city):
    client.force_login(city.leader)
    with at(END, 12):
        body = client.get(
            "/api/cockpit/changes", {"since": "2026-04-30", "until": "2026-06-30"}
        ).json()
        changed = api_count(client, city, since="2026-04-30", as_of="2026-06-30", changed=1)
        compared = ledger_rows(client, city, since="2026-04-30", as_of="2026-06-30", changed=1)
    assert (body["totals"]["overdue"]["then"], body["totals"]["overdue"]["now"]) == (1, 3)
    assert body["newly_overdue"]["value"] == 2  # 庚 in May, 乙 in June
    assert body["completed"]["value"] == 1  # 戊
    assert changed == 3  # 乙 and 庚 became overdue, 戊 completed; 丙 stays behind plan
    assert len(compared) == 3  # the ledger of the same comparison
    warned = {row["事项/重点任务"]: row["预警"] for row in compared}
    assert warned["乙：退回重办"].startswith("逾期") and "（对比日：" in warned["乙：退回重办"]
