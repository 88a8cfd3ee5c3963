"""Demo data of the ratings (示例市): the villages' branch activities, two published years
of 五星支部 and one of 三零 (a ladder to read), this year's cycles under way, incident
records dropping standings, and a bottom line breached.

Called by `luoshi demo` after the hazard register's demo (which adds the villages).
Everything goes through the services at past dates (ctx.at).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from luoshi.hazards.demo import add_villages

from . import services
from .defaults import install
from .models import (
    Assessment,
    AssessmentTemplate,
    BottomLine,
    Criterion,
    CriterionFeed,
    Goal,
)

MEETINGS = ["members_meeting", "committee_meeting", "group_meeting", "party_lecture"]
TOPICS = {
    "members_meeting": "支部党员大会：学习贯彻上级会议精神",
    "committee_meeting": "支部委员会：研究村级重点工作",
    "group_meeting": "党小组会：党员联系户情况交流",
    "party_lecture": "书记讲党课：发扬斗争精神 抓好工作落实",
    "theme_day": "主题党日：重温入党誓词，开展志愿服务",
}
# How diligent each village's branch is, year after year (0 … 1); it drives how many
# activities it holds and how it scores; some slip (they lose a star), some rise.
DILIGENCE = {
    "北关社区": (0.95, 0.95, 1.0),
    "南街社区": (0.8, 0.85, 0.9),
    "十里铺村": (0.6, 0.75, 0.85),
    "东关社区": (0.9, 0.55, 0.7),
    "西关社区": (0.85, 0.9, 0.9),
    "杨庄村": (0.7, 0.7, 0.75),
    "和平社区": (0.95, 0.9, 0.95),
    "湖滨社区": (0.75, 0.8, 0.8),
    "李庄村": (0.5, 0.65, 0.8),
    "王营村": (0.65, 0.6, 0.6),
    "河口村": (0.7, 0.8, 0.85),
    "城关社区": (0.9, 0.95, 0.95),
    "前进村": (0.8, 0.8, 0.7),
    "青石村": (0.55, 0.7, 0.75),
    "石门村": (0.85, 0.85, 0.9),
    "柏树沟村": (0.45, 0.55, 0.65),
    "创业社区": (1.0, 0.95, 0.95),
}
# (village, kind, severity, title, year offset (-1: last year), month, day)
INCIDENTS = [
    ("石门村", "casualty_accident", "serious", "采石场发生坍塌事故，造成1人死亡", -1, 6, 12),
    ("杨庄村", "escalated_petition", "general", "村民因土地流转纠纷越级到省上访", -1, 9, 3),
    ("前进村", "casualty_accident", "serious", "在建厂房发生高处坠落事故，造成2人死亡", 0, 8, 21),
    ("和平社区", "escalated_petition", "general", "居民因物业纠纷集体到市信访局上访", 0, 7, 9),
    ("南街社区", "criminal_case", "general", "辖区发生一起入室盗窃案件", 0, 5, 16),
]


def build(ctx) -> None:
    install(AssessmentTemplate, Goal, Criterion, BottomLine)
    villages = add_villages(ctx)
    year = ctx.today.year
    templates = {t.code: t for t in AssessmentTemplate.objects.all()}
    _activities(ctx, villages, year)
    _incidents(ctx, year, years=(-1,))
    for offset, state in ((-2, "published"), (-1, "published"), (0, "open")):
        _cycle(ctx, templates["five_stars"], villages, year + offset, state)
    _cycle(ctx, templates["three_zeros"], villages, year - 1, "published")
    _cycle(ctx, templates["three_zeros"], villages, year, "open")
    _incidents(ctx, year, years=(0,))
    ctx.log(f"  {Assessment.objects.count()} assessments in {len(templates)} templates")


def _activities(ctx, villages, year: int) -> None:
    """Last year's and this year's 三会一课 and 主题党日, as each branch recorded them."""
    count = 0
    for unit in villages:
        for offset in (-1, 0):
            diligence = DILIGENCE[unit.name][offset + 2]
            days = _spread(ctx, year + offset, round(32 * diligence), round(12 * diligence))
            for day, kind in days:
                with ctx.at(day):
                    services.record_activity(
                        services.ActivitySpec(
                            unit=unit,
                            type=kind,
                            held_on=day,
                            topic=TOPICS[kind],
                            attended=ctx.rng.randint(18, 30),
                            expected=32,
                            minutes=f"{TOPICS[kind]}。会议由支部书记主持，参会党员交流发言。",
                        ),
                        actor=ctx.handlers[unit.name],
                    )
                count += 1
    ctx.log(f"  {count} branch activities recorded")


def _spread(ctx, year: int, meetings: int, theme_days: int) -> list[tuple[dt.date, str]]:
    """Activity days across the year (before today), meetings rotating through their kinds."""
    start = dt.date(year, 1, 5)
    found = []
    for n in range(meetings):
        day = ctx.calendar.add_workdays(start, n * 250 // max(meetings, 1))
        found.append((day, MEETINGS[n % len(MEETINGS)]))
    for month in range(1, theme_days + 1):
        found.append((ctx.calendar.last_workday_of_month(year, month), "theme_day"))
    return [(d, k) for d, k in found if d < ctx.today and d.year == year]


def _incidents(ctx, year: int, years: tuple[int, ...]) -> None:
    recorder = ctx.supervisors[0]
    for village, kind, severity, title, offset, month, day in INCIDENTS:
        if offset not in years:
            continue
        when = dt.date(year + offset, month, day)
        if when >= ctx.today:
            continue
        with ctx.at(ctx.workday(when)):
            services.record_incident(
                services.IncidentRecord(
                    kind=kind,
                    unit=ctx.units[village],
                    occurred_on=when,
                    title=village + title,
                    severity=severity,
                ),
                actor=recorder,
            )


def _cycle(ctx, template, villages, year: int, state: str) -> None:
    """Open the year's cycle in December (or in spring for this year's), assess, review,
    publish in January — or leave this year's under way."""
    supervisor = ctx.supervisors[0]
    opened = dt.date(year, 12, 1) if state == "published" else dt.date(year, 3, 2)
    with ctx.at(ctx.calendar.add_workdays(opened, 0) if opened < ctx.today else ctx.today):
        cycle = services.open_cycle(
            actor=supervisor,
            template=template,
            units=villages,
            name=f"{year}年度{template.name}评定",
            period_start=dt.date(year, 1, 1),
            period_end=dt.date(year, 12, 31),
            self_due=dt.date(year, 12, 20),
            review_due=dt.date(year + 1, 1, 10),
        )
    assessments = list(cycle.assessments.select_related("unit", "reviewing_unit"))
    for index, assessment in enumerate(assessments):
        if state == "open" and index % 5 == 4:
            continue  # still to assess itself
        day = _workday(ctx, dt.date(year, 12, 15) if state == "published" else None, index)
        if day is None:
            continue
        _self_assess(ctx, assessment, year, day, submit=state == "published" or index % 5 != 3)
        if state == "open" and index % 5 in (2, 3):
            continue  # submitted, awaiting review (or saved as a draft)
        review_day = ctx.calendar.add_workdays(day, 3)
        if review_day < ctx.today:
            _review(ctx, assessment, year, review_day, paper=year < ctx.today.year - 1)
    if state == "published":
        with ctx.at(ctx.workday(dt.date(year + 1, 1, 15))):
            cycle.refresh_from_db()
            services.publish_cycle(cycle, actor=supervisor, version=cycle.version)


def _workday(ctx, day: dt.date | None, index: int) -> dt.date | None:
    """The day a unit assesses itself: `day` for past cycles, a recent one for this year's."""
    day = day or ctx.today - dt.timedelta(days=20 - index)
    day = ctx.workday(day)
    return day if day < ctx.today else None


def _fresh(assessment: Assessment) -> Assessment:
    return Assessment.objects.select_related("cycle").get(pk=assessment.pk)


def _self_assess(ctx, assessment: Assessment, year: int, day: dt.date, submit: bool) -> None:
    diligence = DILIGENCE[assessment.unit.name][year - ctx.today.year + 2]
    entries = []
    for score in assessment.scores.select_related("criterion"):
        criterion = score.criterion
        if criterion.feed != CriterionFeed.MANUAL:
            entries.append(services.SelfEntry(criterion.pk, note="以平台记录为准"))
            continue
        share = min(Decimal("1.0"), Decimal(str(round(diligence + ctx.rng.uniform(-0.1, 0.1), 2))))
        value = (criterion.points * max(share, Decimal("0.3"))).quantize(Decimal("0.1"))
        entries.append(services.SelfEntry(criterion.pk, value, f"佐证材料：{criterion.evidence}"))
    with ctx.at(day):
        fresh = _fresh(assessment)
        services.self_assess(
            fresh,
            actor=ctx.handlers[fresh.unit.name],
            version=fresh.version,
            entries=entries,
            submit=submit,
        )


def _review(ctx, assessment: Assessment, year: int, day: dt.date, paper: bool) -> None:
    """The street reviews: it keeps most scores, lowers some; before the platform kept the
    branch's activities (`paper`), it scores those criteria from the paper records."""
    reviewer = ctx.handlers[assessment.reviewing_unit.name]
    diligence = DILIGENCE[assessment.unit.name][year - ctx.today.year + 2]
    entries = []
    for score in assessment.scores.select_related("criterion"):
        criterion = score.criterion
        if paper and criterion.feed == CriterionFeed.ACTIVITIES:
            value = (criterion.points * Decimal(str(diligence))).quantize(Decimal("0.1"))
            entries.append(services.ReviewEntry(criterion.pk, value, "按纸质会议记录核定"))
        elif criterion.feed == CriterionFeed.MANUAL and ctx.rng.random() < 0.2:
            lower = max((score.self_score or criterion.points) - 2, Decimal(0))
            entries.append(services.ReviewEntry(criterion.pk, lower, "佐证材料不充分，酌情扣分"))
    comment = (
        "经审核，该单位创建工作扎实，佐证材料齐全。"
        if diligence > 0.8
        else ("经审核，部分指标佐证不足，需进一步加强基层党建和治理工作。")
    )
    with ctx.at(day):
        fresh = _fresh(assessment)
        services.review_assessment(
            fresh, actor=reviewer, version=fresh.version, entries=entries, comment=comment
        )
