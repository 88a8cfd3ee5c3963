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
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, QueryDict

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


def visible_text(value: str | None) -> str:
    """`value` cleaned and stripped; empty when nothing in it can be seen — so a
    service's "required" check refuses a title of zero-width spaces like an empty one."""
    text = clean_text(value or "").strip()
    return "" if is_invisible(text) else text


def clean_post(data: QueryDict) -> QueryDict:
    """A copy of a page's form data with `clean_text` applied to every value."""
    if not any(CONTROL_RE.search(v) for values in data.lists() for v in values[1]):
        return data
    cleaned = data.copy()
    for key, values in data.lists():
        cleaned.setlist(key, [clean_text(v) for v in values])
    cleaned._mutable = False
    return cleaned


class CleanFormTextMiddleware:
    """Page forms get the same cleaning as the API's Input schemas: control characters
    are removed from every posted value before a view's form reads it (the API is left
    to its schemas; files are not touched)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view, args, kwargs) -> None:
        if request.method == "POST" and not request.path.startswith("/api/"):
            content_type = request.META.get("CONTENT_TYPE", "")
            if content_type.startswith(("application/x-www-form-urlencoded", "multipart/")):
                request.POST = clean_post(request.POST)  # type: ignore[assignment]  # stubs: POST is immutable
        return
