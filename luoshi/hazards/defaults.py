"""The hazard categories shipped as editable data (migration 0002 installs them).

The list of the speech's hazard campaigns, with the words offices write for each in
their tables (hazards.intake matches on both). The office edits them in the admin.
"""

from __future__ import annotations

CATEGORIES = [
    (
        "production_safety",
        "生产安全",
        ["安全生产", "危险化学品", "危化品", "工贸", "非煤矿山", "特种设备"],
    ),
    ("fire", "消防", ["消防安全", "火灾隐患"]),
    ("traffic", "交通", ["交通安全", "道路交通", "道路运输"]),
    ("natural_disaster", "自然灾害/防汛", ["防汛", "自然灾害", "地质灾害", "防汛防台", "森林防火"]),
    ("building_gas", "建筑/燃气", ["建筑施工", "城镇燃气", "燃气", "自建房", "房屋安全"]),
    ("food_drug", "食品药品", ["食品安全", "药品安全", "食品", "药品"]),
    ("financial", "金融/非法集资", ["非法集资", "金融风险", "金融"]),
    ("social_stability", "社会稳定", ["信访稳定", "维稳", "矛盾纠纷", "社会治安"]),
]


def install_categories(category_model) -> None:
    """Create the default categories that are missing (the migration passes its model)."""
    for order, (code, name, aliases) in enumerate(CATEGORIES):
        category_model.objects.get_or_create(
            code=code, defaults={"name": name, "aliases": aliases, "order": order}
        )
