"""The one cleaner of text a user types, for schemas, forms and services alike.

Control characters have no place in a title or a note: a NUL cannot be stored by
PostgreSQL, and a vertical tab or a form feed cannot be written into an .xlsx or .docx,
so one such character stopped every export that showed the record. They are removed
where text comes in (tab, newline and carriage return stay: long text has lines). Text
made only of invisible characters (zero-width spaces, joiners, direction marks) is not
text: a title of nothing but U+200B is refused, as an empty one is.
"""

from __future__ import annotations

import re

# C0 controls except tab, newline and carriage return; DEL; C1 controls.
CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
# Characters that show nothing: zero-width space/joiners, word joiner and invisible
# operators, direction marks and embeddings, soft hyphen, BOM, Mongolian vowel separator.
INVISIBLE_RE = re.compile(
    "[\u00ad\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]"
)


def clean_text(value: str) -> str:
    """`value` without control characters (tab, newline and carriage return kept)."""
    return CONTROL_RE.sub("", value)


def is_invisible(value: str) -> bool:
    """True when `value` has characters but none a reader can see."""
    return bool(value) and not INVISIBLE_RE.sub("", value).strip()
