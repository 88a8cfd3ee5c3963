"""A notice's text kept as a message id and its parameters, rendered in each reader's language.

Senders write `N_("%(serial)s assigned to your unit, due %(day)s") % {...}` where they
used to write `_(...) % {...}`: the result is a Message, not a string, so the inbox
and every channel render it in the recipient's language, not the sender's. A
parameter that is itself a translatable label (a choice's `.label`, a gettext_lazy
string) is stored by its message id and translated with the rest.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext, pgettext


class Message:
    """A translatable text with its parameters; str() renders it in the active language."""

    def __init__(self, msgid: str, params: dict[str, Any] | None = None):
        self.msgid = msgid
        self.params = {key: encode(value) for key, value in (params or {}).items()}

    def render(self, language: str | None = None) -> str:
        if language:
            with translation.override(language):
                return self.render()
        text = gettext(self.msgid)
        if not self.params:
            return text
        try:
            return text % {key: decode(value) for key, value in self.params.items()}
        except (KeyError, TypeError, ValueError):  # a translation that lost a placeholder
            return self.msgid % {key: decode(value) for key, value in self.params.items()}

    def __str__(self) -> str:
        return self.render()

    def __repr__(self) -> str:
        return f"Message({self.msgid!r}, {self.params!r})"

    def __add__(self, other: object) -> Message:
        """`N_("…") % {...} + suffix` keeps both parts translatable."""
        return Message("%(first)s%(second)s", {"first": self, "second": other})


class MessageId(str):
    """What N_() returns: a message id waiting for its parameters (`%`)."""

    def __mod__(self, params: Any) -> Message:  # type: ignore[override]
        return Message(str(self), params if isinstance(params, dict) else {})


def N_(msgid: str) -> MessageId:  # noqa: N802 (the GNU name for a deferred gettext)
    """Mark a message to translate per reader (its msgid is in the .po like any other)."""
    return MessageId(msgid)


def encode(value: Any) -> Any:
    """A JSON-safe parameter; translatable labels keep their message id."""
    if isinstance(value, Message):
        return {"msgid": value.msgid, "params": value.params}
    if isinstance(value, Promise):
        args: tuple[object, ...] = getattr(value, "_args", ())
        if len(args) == 1 and isinstance(args[0], str):
            return {"msgid": args[0]}
        if len(args) == 2 and all(isinstance(a, str) for a in args):
            return {"msgid": args[1], "context": args[0]}
        return str(value)
    if isinstance(value, bool | int | float) or value is None:
        return value
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def decode(value: Any) -> Any:
    if isinstance(value, dict) and "msgid" in value:
        if "params" in value:
            return stored(value["msgid"], value["params"]).render()
        if "context" in value:
            return pgettext(value["context"], value["msgid"])
        return gettext(value["msgid"])
    return value


def stored(msgid: str, params: dict[str, Any] | None) -> Message:
    """The Message of a stored notification (its params already encoded)."""
    message = Message(msgid)
    message.params = params or {}
    return message


def event_notice(serial: str, event: object, comment: str = "") -> Message:
    """“督办〔2026〕7号 Completion approved: comment”, translated per reader."""
    if comment:
        return N_("%(serial)s %(event)s: %(comment)s") % {
            "serial": serial,
            "event": event,
            "comment": comment,
        }
    return N_("%(serial)s %(event)s") % {"serial": serial, "event": event}


def join_messages(parts: list[Message], separator: str = "; ") -> Message:
    """Several messages as one, each still translated per reader."""
    joined = parts[0]
    for part in parts[1:]:
        joined = joined + separator + part
    return joined
