"""Template helpers of documents: Chinese ordinals, and the bulletins that mention a matter or unit.

Other apps' pages show a matter's or a unit's bulletins with
`{% load documents_tags %}{% bulletin_mentions matter=matter %}` (or `unit=unit`).
"""

from django import template

from luoshi.documents.queries import mentions_of_matter, mentions_of_unit

register = template.Library()

CN = "零一二三四五六七八九"


@register.filter
def cn_number(value: int) -> str:
    """1 → 一, 10 → 十, 12 → 十二, 23 → 二十三 (for headings such as （一）)."""
    n = int(value)
    if n < 10:
        return CN[n]
    tens, ones = divmod(n, 10)
    return f"{CN[tens] if tens > 1 else ''}十{CN[ones] if ones else ''}"


@register.inclusion_tag("documents/partials/bulletin_mentions.html")
def bulletin_mentions(matter=None, unit=None) -> dict:
    """The issued bulletins praising or naming this matter (or unit): one query."""
    if matter is not None:
        mentions = mentions_of_matter(matter)
    elif unit is not None:
        mentions = mentions_of_unit(unit.pk if hasattr(unit, "pk") else unit)
    else:
        mentions = []
    return {"mentions": mentions}
