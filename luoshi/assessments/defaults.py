"""The ratings the speech names, shipped as editable data (migration 0002 installs them):
the 五星支部 and 三零 templates and the 五个不发生 bottom lines. The office edits them in
the admin; `install` creates only what is missing, so edits survive."""

from __future__ import annotations

from decimal import Decimal

BRANCH_MEETINGS = ["members_meeting", "committee_meeting", "group_meeting", "party_lecture"]

# (title, points, must reach, evidence, feed, incident kinds, activity types, per year)
FIVE_STARS = [
    (
        "strong_branch",
        "支部过硬",
        16,
        [
            (
                "按期规范召开“三会一课”",
                10,
                6,
                "会议记录、签到表（以平台活动记录为准）",
                "activities",
                [],
                BRANCH_MEETINGS,
                32,
            ),
            (
                "每月开展主题党日活动",
                6,
                4,
                "活动记录、照片（以平台活动记录为准）",
                "activities",
                [],
                ["theme_day"],
                12,
            ),
            (
                "班子团结有力，党员先锋作用明显",
                4,
                2,
                "支部班子述职材料、党员积分台账",
                "manual",
                [],
                [],
                0,
            ),
        ],
    ),
    (
        "thriving_industry",
        "产业兴旺",
        16,
        [
            (
                "村集体经济年收入达到10万元以上",
                10,
                6,
                "村集体经济收入台账、财务报表",
                "manual",
                [],
                [],
                0,
            ),
            (
                "有主导产业或合作社带动群众增收",
                10,
                6,
                "产业项目材料、合作社分红凭证",
                "manual",
                [],
                [],
                0,
            ),
        ],
    ),
    (
        "livable_ecology",
        "生态宜居",
        16,
        [
            (
                "人居环境整治达标，村容村貌整洁",
                10,
                6,
                "人居环境整治验收结果、照片",
                "manual",
                [],
                [],
                0,
            ),
            ("生活垃圾、污水得到有效治理", 10, 6, "垃圾清运、污水处理台账", "manual", [], [], 0),
        ],
    ),
    (
        "safety_rule_of_law",
        "平安法治",
        16,
        [
            (
                "无较大以上安全事故、无刑事案件、无重大隐患逾期未改",
                10,
                10,
                "",
                "incidents",
                ["casualty_accident", "criminal_case", "major_hazard_overdue"],
                [],
                0,
            ),
            (
                "矛盾纠纷就地化解，无越级上访和群体性事件",
                10,
                0,
                "",
                "incidents",
                ["escalated_petition", "mass_incident"],
                [],
                0,
            ),
        ],
    ),
    (
        "civilised_happiness",
        "文明幸福",
        16,
        [
            (
                "移风易俗、新时代文明实践活动常态开展",
                10,
                6,
                "文明实践活动记录、村规民约",
                "manual",
                [],
                [],
                0,
            ),
            ("民生服务和为民办事落实到位", 10, 6, "为民办实事台账", "manual", [], [], 0),
        ],
    ),
]
THREE_ZEROS = [
    (
        "no_petitions",
        "零上访",
        10,
        [
            ("无越级上访、无诉求升级", 10, 10, "", "incidents", ["escalated_petition"], [], 0),
        ],
    ),
    (
        "no_accidents",
        "零事故",
        10,
        [
            (
                "无伤亡生产安全事故，无重大隐患逾期未改",
                10,
                10,
                "",
                "incidents",
                ["casualty_accident", "major_hazard_overdue"],
                [],
                0,
            ),
        ],
    ),
    (
        "no_cases",
        "零案件",
        10,
        [
            ("无刑事案件", 10, 10, "", "incidents", ["criminal_case"], [], 0),
        ],
    ),
]
TEMPLATES = [
    (
        "five_stars",
        "五星支部创建",
        True,
        FIVE_STARS,
        "支部过硬、产业兴旺、生态宜居、平安法治、文明幸福，每项达标得一星。",
    ),
    (
        "three_zeros",
        "三零创建",
        False,
        THREE_ZEROS,
        "零上访、零事故、零案件：以平台事件记录为准，评审单位可确认或说明理由后撤销。",
    ),
]
# 五个不发生: (name, incident kinds, from severity)
BOTTOM_LINES = [
    ("不发生较大及以上生产安全事故", ["casualty_accident"], "serious"),
    ("不发生重大群体性事件", ["mass_incident", "escalated_petition"], "major"),
    ("不发生重大刑事案件", ["criminal_case"], "major"),
    ("不发生重大网络舆情事件", ["public_opinion"], "major"),
    ("不发生重大环境污染事件", ["environmental"], "major"),
]


def install(template_model, goal_model, criterion_model, bottom_line_model) -> None:
    """Create the default templates and bottom lines that are missing.

    The migration passes its historical models, tests and the demo the real ones.
    """
    for code, name, stars, goals, description in TEMPLATES:
        template, created = template_model.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "awards_stars": stars,
                "description": description,
                "unit_kinds": ["village"],
            },
        )
        if created:
            _goals(template, goals, goal_model, criterion_model)
    for order, (name, kinds, severity) in enumerate(BOTTOM_LINES):
        bottom_line_model.objects.get_or_create(
            name=name,
            defaults={"incident_kinds": kinds, "min_severity": severity, "order": order},
        )


def _goals(template, goals, goal_model, criterion_model) -> None:
    for order, (code, name, threshold, criteria) in enumerate(goals):
        goal = goal_model.objects.create(
            template=template, code=code, name=name, threshold=Decimal(threshold), order=order
        )
        criterion_model.objects.bulk_create(
            criterion_model(
                goal=goal,
                title=title,
                points=Decimal(points),
                threshold=Decimal(must),
                evidence=evidence,
                feed=feed,
                incident_kinds=kinds,
                activity_types=types,
                activity_target=target,
                order=index,
            )
            for index, (title, points, must, evidence, feed, kinds, types, target) in enumerate(
                criteria
            )
        )
