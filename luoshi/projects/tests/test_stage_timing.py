"""A stage reached after its planned date shows as late: page, list, ledger, API, figures.

Hand-computed example, the clock pinned at 2026-06-30:

| project | stage    | planned | reached | timing on 06-30           |
|---------|----------|---------|---------|---------------------------|
| A       | signed   | 01-10   | 01-10   | on time                   |
| A       | started  | 03-01   | 03-20   | reached late, 19 days     |
| A       | building | 05-01   | —       | overdue, 60 days          |
| B       | signed   | 02-01   | 01-25   | on time (early)           |
| B       | started  | 04-01   | 04-01   | on time                   |
| B       | built    | 09-01   | —       | not due                   |
| C       | signed   | 01-01   | 01-05   | (terminated: not counted) |
| D       | signed   | 06-01   | 06-10   | reached late, 9 days      |
| D       | started  | 07-01   | —       | not due                   |

Stage punctuality of the live projects A, B, D as of 06-30: due 3 + 2 + 1 = 6;
on time A signed, B signed, B started = 3; reached late A started, D signed = 2;
overdue A building = 1; rate 3 / 6 = 50.0 %.
As of 03-15: due A signed, A started, B signed = 3; on time A signed, B signed = 2;
A started was reached only on 03-20, so on 03-15 it is overdue: late 0, overdue 1;
rate 2 / 3 = 66.7 %.
"""

import datetime as dt
import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from luoshi.projects import services
from luoshi.projects.models import Project, ProjectStatus, StageTiming
from luoshi.projects.queries import figures

from .helpers import project, reach

D = dt.date


@pytest.fixture
def example(city):
    a = project(
        city,
        code="A",
        plans={"signed": D(2026, 1, 10), "started": D(2026, 3, 1), "building": D(2026, 5, 1)},
    )
    reach(city, a, ("signed", D(2026, 1, 10)), ("started", D(2026, 3, 20)))
    b = project(
        city,
        code="B",
        plans={"signed": D(2026, 2, 1), "started": D(2026, 4, 1), "built": D(2026, 9, 1)},
    )
    reach(city, b, ("signed", D(2026, 1, 25)), ("started", D(2026, 4, 1)))
    c = project(city, code="C", plans={"signed": D(2026, 1, 1)})
    c = reach(city, c, ("signed", D(2026, 1, 5)))
    services.set_status(
        c, ProjectStatus.TERMINATED, actor=city.supervisor, version=c.version, reason="企业撤资"
    )
    d = project(city, code="D", plans={"signed": D(2026, 6, 1), "started": D(2026, 7, 1)})
    reach(city, d, ("signed", D(2026, 6, 10)))
    return {p.code: p for p in Project.objects.all()}


def _timings(p: Project, today: dt.date) -> dict[str, tuple[str, int]]:
    return {s.stage: (s.timing(today), s.days_late(today)) for s in p.stages.all()}


def test_each_stage_timing(example):
    a = _timings(example["A"], D(2026, 6, 30))
    assert a["signed"] == (StageTiming.ON_TIME, 0)
    assert a["started"] == (StageTiming.REACHED_LATE, 19)
    assert a["building"] == (StageTiming.OVERDUE, 60)
    assert a["built"] == (StageTiming.UNPLANNED, 0)
    b = _timings(example["B"], D(2026, 6, 30))
    assert b["signed"][0] == b["started"][0] == StageTiming.ON_TIME
    assert b["built"][0] == StageTiming.PENDING
    # Seen on 03-15, A's start (reached 03-20) was not reached yet: overdue 14 days.
    assert _timings(example["A"], D(2026, 3, 15))["started"] == (StageTiming.OVERDUE, 14)


def test_stage_punctuality_figures(example, django_assert_max_num_queries):
    with django_assert_max_num_queries(2):
        june = figures(Project.objects.all(), as_of=D(2026, 6, 30), count_in_approvals=True)
    assert (june.stages_due, june.stages_on_time) == (6, 3)
    assert (june.stages_reached_late, june.stages_overdue) == (2, 1)
    assert june.stage_on_time_rate == Decimal("50.0")
    march = figures(Project.objects.all(), as_of=D(2026, 3, 15))
    assert (march.stages_due, march.stages_on_time) == (3, 2)
    assert (march.stages_reached_late, march.stages_overdue) == (0, 1)
    assert march.stage_on_time_rate == Decimal("66.7")


def test_the_page_shows_stages_reached_late(client, city, example):
    client.force_login(city.lead_handler)
    body = client.get(f"/projects/{example['A'].pk}/").content.decode()
    assert "Reached 19 days late" in body and "Overdue 60 days" in body
    body = client.get(f"/projects/{example['B'].pk}/").content.decode()
    assert "days late" not in body and "Overdue" not in body


def test_the_list_and_the_api_show_stages_reached_late(client, city, example):
    client.force_login(city.supervisor)
    rows = {p.code: p for p in client.get("/projects/").context["page_obj"]}
    labels = {code: [b["label"] for b in p.badges] for code, p in rows.items()}
    assert labels["A"] == ["Stage late", "Stage reached late"]
    assert labels["B"] == [] and labels["C"] == []  # C is terminated
    assert labels["D"] == ["Stage reached late"]
    listed = {p["code"]: p["warnings"] for p in client.get("/api/projects/").json()}
    assert listed["A"] == ["stage_late", "stage_reached_late"]
    assert listed["D"] == ["stage_reached_late"] and listed["B"] == []
    stages = client.get(f"/api/projects/{example['A'].pk}").json()["stages"]
    started = next(s for s in stages if s["stage"] == "started")
    assert started == {**started, "timing": "reached_late", "late": True, "days_late": 19}
    figures = client.get("/api/projects/figures").json()[0]
    assert figures["stage_on_time_rate"] == "50.0" and figures["stages_reached_late"] == 2


def test_the_ledger_shows_stages_reached_late(client, city, example):
    client.force_login(city.supervisor)
    sheet = load_workbook(io.BytesIO(client.get("/projects/ledger.xlsx").content)).active
    heads = [c.value for c in sheet[1]]
    rows = {row[0].value: row for row in sheet.iter_rows(min_row=2)}
    late = heads.index("阶段逾期")
    assert rows["A"][late].value == "开工逾期完成19天、在建逾期未完成60天"
    assert rows["B"][late].value in (None, "")
    started_actual = rows["A"][heads.index("开工实际")]
    assert started_actual.fill.fgColor.rgb.endswith("FFF3CD")  # yellow: reached late
    building_planned = rows["A"][heads.index("在建计划")]
    assert building_planned.fill.fgColor.rgb.endswith("F8D7DA")  # red: overdue
