"""Finding a unit by the name a table gives it, and suggesting one when no name matches.

Offices write the same unit many ways: 市发展和改革委员会, 市发展改革委, 市发改委,
发改委; 省经济和信息化厅 and 省经信厅; 人力资源和社会保障局 and 人力社保局. A
name is compared in three forms:

1. as written (half-width, no spaces), with its parenthesised second name
   ("省发展改革委（省能源局）" is known by either) — an exact match;
2. its *short form*: the long official words replaced by the abbreviations offices
   use (ABBREVIATIONS) — a unique unit with the same short form is the same unit;
3. its short form without the administrative prefix (省/市/区/县, the city's own
   name) — such matches are only suggested, since 市发改委 and 区发改委 share it.

Suggestions are ranked by the best of these forms' similarity; candidates are first
narrowed by shared character pairs, so a province's 30,000 units cost milliseconds.
Generic: used by every import kind that names units.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from luoshi.org.models import Unit, UnitKind

from .parsing import bracket_parts, name_variants, similarity, unit_key

# Long official words → the abbreviation offices write (longest first when applied).
ABBREVIATIONS = {
    "发展和改革委员会": "发改委",
    "发展改革委员会": "发改委",
    "发展改革委": "发改委",
    "发展和改革局": "发改局",
    "发展改革局": "发改局",
    "经济和信息化": "经信",
    "经济信息化": "经信",
    "工业和信息化": "工信",
    "工业信息化": "工信",
    "人力资源和社会保障": "人社",
    "人力资源社会保障": "人社",
    "人力社保": "人社",
    "住房和城乡建设": "住建",
    "住房城乡建设": "住建",
    "自然资源和规划": "自然资源",
    "市场监督管理": "市场监管",
    "卫生健康委员会": "卫健委",
    "卫生和健康委员会": "卫健委",
    "卫生健康委": "卫健委",
    "文化广电和旅游": "文广旅",
    "文化广电旅游": "文广旅",
    "文化和旅游": "文旅",
    "交通运输": "交通",
    "科学技术": "科技",
    "医疗保障": "医保",
    "退役军人事务": "退役军人",
    "国有资产监督管理委员会": "国资委",
    "国有资产监督管理": "国资",
    "政务服务和数据管理": "政数",
    "政务服务数据管理": "政数",
    "大数据管理": "大数据",
    "机关事务管理": "机关事务",
    "地方金融监督管理": "金融监管",
    "地方金融监管": "金融监管",
    "民族宗教事务委员会": "民宗委",
    "民族宗教事务": "民宗",
    "金融工作办公室": "金融办",
    "人民防空办公室": "人防办",
    "外事办公室": "外办",
    "粮食和物资储备": "粮储",
    "粮食和储备": "粮储",
    "药品监督管理": "药监",
    "林业和草原": "林草",
    "广播电视": "广电",
    "网络安全和信息化委员会办公室": "网信办",
    "机构编制委员会办公室": "编办",
    "城市管理": "城管",
    "综合行政执法": "综合执法",
    "应急管理": "应急",
    "生态环境": "环境",
    "农业农村": "农业",
    "委员会": "委",
    "办公室": "办",
    "人民政府": "政府",
}
_ABBREVIATION = re.compile("|".join(sorted(map(re.escape, ABBREVIATIONS), key=len, reverse=True)))
# One-character administrative prefixes; 市场监管局 and 区域办 keep theirs.
PREFIX = re.compile(r"^(?:中共)?(省|市|区|县)(?!场|政(?!府)|容|民|属|域|级)")
# The level word at the end: 经信厅 and 经信委 name the same work at two levels.
LEVEL_SUFFIX = re.compile(r"(厅|局|委|办|部)$")
# Collective names: every unit of a kind.
COLLECTIVES = (
    (
        re.compile(
            r"^各(县|区|县区|区县|县市区|县\(市、?区\)|县（市、?区）|县市|市县)(政府|人民政府)?$"
        ),
        UnitKind.DISTRICT,
    ),
    (re.compile(r"^各(省辖市|地市|市|设区市)(政府|人民政府)?$"), UnitKind.CITY),
    (re.compile(r"^各(乡镇|街道|乡镇街道|乡镇（街道）|镇街|乡镇\(街道\))$"), UnitKind.STREET),
)
SUGGEST_CUTOFF = 0.5


def short_form(name: str) -> str:
    """The name with its long official words abbreviated: 市发展和改革委员会 → 市发改委."""
    return _ABBREVIATION.sub(lambda m: ABBREVIATIONS[m.group(0)], unit_key(name))


def bare_form(name: str, places: Iterable[str] = ()) -> str:
    """The short form without administrative prefix or the city's own name: 发改委."""
    short = short_form(name)
    for place in places:
        if place and short.startswith(place) and len(short) > len(place) + 1:
            short = short[len(place) :]
            break
    bare = PREFIX.sub("", short) or short
    # 省人民政府外事办公室 is 省外办: the government's own name is no part of it.
    government = re.match(r"^政府(.{2,})$", bare)
    return government.group(1) if government else bare


@dataclass(frozen=True)
class Suggestion:
    unit: Unit
    score: float


class UnitDirectory:
    """Active units by every name they go by, read in one query."""

    def __init__(self) -> None:
        self.units = list(
            Unit.objects.filter(is_active=True).only(
                "id", "name", "aliases", "kind", "parent_id", "path", "order"
            )
        )
        self.by_key: dict[str, Unit] = {}
        self.by_short: dict[str, list[Unit]] = defaultdict(list)
        self.places = self._places()
        self.bare: dict[int, set[str]] = defaultdict(set)
        self.pairs: dict[str, set[int]] = defaultdict(set)
        self.by_id = {u.pk: u for u in self.units}
        for unit in self.units:
            self._index(unit)

    def _places(self) -> list[str]:
        """The city's (or province's) own name, as prefixes to drop: 示例市 and 示例."""
        roots = [u.name for u in self.units if u.kind == UnitKind.CITY or u.parent_id is None]
        places = {unit_key(r) for r in roots} | {unit_key(r)[:-1] for r in roots if len(r) > 2}
        return sorted((p for p in places if len(p) >= 2), key=len, reverse=True)

    def _index(self, unit: Unit) -> None:
        for name in unit.names():
            for variant in name_variants(name):
                self.by_key.setdefault(variant, unit)
                short = short_form(variant)
                if unit not in self.by_short[short]:
                    self.by_short[short].append(unit)
                bare = bare_form(variant, self.places)
                self.bare[unit.pk].add(bare)
                for pair in _pairs(bare):
                    self.pairs[pair].add(unit.pk)

    def find(self, name: str) -> Unit | None:
        """The unit this name (or its parenthesised second name) is, exactly or by short form."""
        for variant in name_variants(name):
            if variant in self.by_key:
                return self.by_key[variant]
        for variant in name_variants(name):
            found = self.by_short.get(short_form(variant), [])
            if len(found) == 1:
                return found[0]
        return None

    def collective(self, name: str) -> list[Unit] | None:
        """The units a collective name covers ("各县（市、区）" → the districts), or None."""
        key = unit_key(name)
        for pattern, kind in COLLECTIVES:
            if pattern.match(key):
                return [u for u in self.units if u.kind == kind and u.parent_id is not None]
        return None

    def suggest(self, name: str, limit: int = 5) -> list[Suggestion]:
        """The units this unknown name most likely means, best first."""
        bare = bare_form(bracket_parts(name)[0] or name, self.places)
        wanted = _pairs(bare)
        hits: dict[int, int] = defaultdict(int)
        for pair in wanted:
            for pk in self.pairs.get(pair, ()):
                hits[pk] += 1
        candidates = sorted(hits, key=lambda pk: -hits[pk])[:60]
        ranked = [Suggestion(self.by_id[pk], self._score(name, bare, pk)) for pk in candidates]
        ranked = [s for s in ranked if s.score >= SUGGEST_CUTOFF]
        ranked.sort(key=lambda s: (-s.score, s.unit.order, s.unit.pk))
        return ranked[:limit]

    def _score(self, name: str, bare: str, pk: int) -> float:
        unit = self.by_id[pk]
        same_level = LEVEL_SUFFIX.sub("", bare)
        best = 0.0
        for other in self.bare[pk]:
            if other == bare:
                score = 0.95
            elif LEVEL_SUFFIX.sub("", other) == same_level and same_level:
                score = 0.85
            else:
                score = 0.9 * similarity(bare, other)
            best = max(best, score)
        written = max(similarity(unit_key(name), unit_key(n)) for n in unit.names())
        return round(max(best, written), 2)


def _pairs(text: str) -> set[str]:
    return {text[i : i + 2] for i in range(len(text) - 1)} or {text}
