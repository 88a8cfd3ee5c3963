"""Replies to the citizen (答复): from templates bound to moments, sent as the matter moves.

The matter's state decides the moment (accepted by the hotline, being handled,
answered, closed). `matter_changed` follows every matter change (a listener of
matters.listeners, inside the change's transaction): when a citizen matter reaches a
new moment, the template of that moment and request type is filled in, appended as a
reply event (the tracking page shows it) and sent by SMS to every requester.

Templates are the office's to edit. Placeholders in braces, by their English key or
their Chinese name: {number} {工单号}, {type} {诉求类型}, {unit} {承办单位},
{deadline} {办理时限}, {answer} {办理结果}, {link} {查询链接}.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, override

from luoshi.lib.errors import InvalidInput, StaleVersion
from luoshi.matters.models import PartRole, State
from luoshi.notifications.services import text_citizen
from luoshi.org.access import access_for

from ..models import (
    CitizenEventKind,
    CitizenRequest,
    MergeState,
    ReplyState,
    ReplyTemplate,
    RequestType,
)
from ..permissions import require_office
from ._base import record, require_text

MOMENT_OF_STATE: dict[str, str] = {
    State.ASSIGNED: ReplyState.ACCEPTED,
    State.ACCEPTED: ReplyState.IN_HAND,
    State.IN_PROGRESS: ReplyState.IN_HAND,
    State.COMPLETION_REQUESTED: ReplyState.IN_HAND,
    State.COMPLETED: ReplyState.ANSWERED,
    State.CLOSED: ReplyState.CLOSED,
}
PLACEHOLDERS = {
    "number": "工单号",
    "type": "诉求类型",
    "unit": "承办单位",
    "deadline": "办理时限",
    "answer": "办理结果",
    "link": "查询链接",
}
PLACEHOLDER = re.compile(r"\{([^{}]{1,20})\}")
# The texts used until the office writes its own (translated like any message).
DEFAULT_TEXTS: dict[tuple[str, str], str] = {
    (ReplyState.ACCEPTED, ""): gettext_noop(
        "Your request (work order {number}) has been accepted and passed to {unit}; "
        "it will be handled by {deadline}."
    ),
    (ReplyState.IN_HAND, ""): gettext_noop(
        "Your request (work order {number}) is being handled by {unit}."
    ),
    (ReplyState.ANSWERED, ""): gettext_noop(
        "Your request (work order {number}) has been answered by {unit}: {answer} "
        "Please rate the answer: {link}"
    ),
    (ReplyState.ANSWERED, RequestType.INQUIRY): gettext_noop(
        "The answer to your inquiry (work order {number}) from {unit}: {answer} "
        "Please rate the answer: {link}"
    ),
    (ReplyState.CLOSED, ""): gettext_noop(
        "Your request (work order {number}) is closed. Thank you for your help."
    ),
}


def effective_template(moment: str, request_type: str) -> str:
    """The office's active template for the moment and type, else for any type, else ours."""
    rows = {
        t.request_type: t.text
        for t in ReplyTemplate.objects.filter(
            state=moment, request_type__in=[request_type, ""], is_active=True
        )
    }
    if request_type in rows:
        return rows[request_type]
    if "" in rows:
        return rows[""]
    default = DEFAULT_TEXTS.get((moment, request_type)) or DEFAULT_TEXTS[(moment, "")]
    with override(settings.LANGUAGE_CODE):
        return _(default)


def tracking_url(request: CitizenRequest) -> str:
    path = reverse("citizens:track", args=[request.tracking_token])
    return settings.LUOSHI.get("PUBLIC_BASE_URL", "").rstrip("/") + path


def _answer(request: CitizenRequest) -> str:
    report = (
        request.matter.reports.filter(part__role=PartRole.LEAD).order_by("-created_at").first()
        if request.matter is not None
        else None
    )
    return report.text if report else ""


def fill(text: str, request: CitizenRequest) -> str:
    matter = request.matter
    values = {
        "number": request.work_order_number,
        "type": str(request.get_request_type_display()),
        "unit": matter.lead_unit.name if matter and matter.lead_unit else "",
        "deadline": matter.deadline.isoformat() if matter and matter.deadline else "",
        "answer": _answer(request),
        "link": tracking_url(request),
    }
    aliases = {chinese: values[key] for key, chinese in PLACEHOLDERS.items()}

    def replace(match: re.Match) -> str:
        name = match.group(1).strip()
        return str(values.get(name, aliases.get(name, match.group(0))))

    return PLACEHOLDER.sub(replace, text)


def matter_changed(matter_id: int) -> None:
    """Listener: send the reply of the moment the citizen matter has just reached."""
    matters_changed([matter_id])


def matters_changed(matter_ids: Sequence[int]) -> None:
    """The same for many matters at once (an imported table): one query for all of them."""
    requests = CitizenRequest.objects.select_related("matter", "matter__lead_unit").filter(
        matter_id__in=matter_ids
    )
    for request in requests:
        _reply_to_moment(request)


def _reply_to_moment(request: CitizenRequest) -> None:
    if request.matter is None:
        return  # not dispatched yet: no moment to tell the citizen of
    moment = MOMENT_OF_STATE.get(request.matter.state)
    if moment is None or moment == request.replied_state:
        return
    text = fill(effective_template(moment, request.request_type), request)
    send_reply(request, text, moment=moment)


def send_reply(
    request: CitizenRequest, text: str, *, moment: str = "", actor: User | None = None
) -> None:
    """Append the reply (the tracking page shows it) and text it to every requester."""
    if moment:
        request.replied_state = moment
        CitizenRequest.objects.filter(pk=request.pk).update(replied_state=moment)
    record(
        request,
        CitizenEventKind.REPLIED,
        actor,
        comment=text,
        bump=False,
        data={"moment": moment},
    )
    for member in [request, *request.duplicates.filter(merge_state=MergeState.MERGED)]:
        if member.contact_phone and not member.anonymous:
            text_citizen(member.contact_phone, text, reference=f"citizen:{member.pk}:reply")


@transaction.atomic
def reply_to_citizen(request: CitizenRequest, *, actor: User, text: str) -> None:
    """A reply written by the office itself (e.g. the operator's answer to an inquiry)."""
    require_office(access_for(actor), _("reply to citizens"))
    send_reply(request, require_text(text, "text", _("The reply"), limit=1000), actor=actor)


def check_placeholders(text: str) -> None:
    known = set(PLACEHOLDERS) | set(PLACEHOLDERS.values())
    unknown = [m for m in PLACEHOLDER.findall(text) if m.strip() not in known]
    if unknown:
        raise InvalidInput(
            _("Unknown placeholder {%(name)s}; use %(known)s.")
            % {"name": unknown[0], "known": "、".join(f"{{{c}}}" for c in PLACEHOLDERS.values())},
            field="text",
        )


@transaction.atomic
def save_template(
    *, actor: User, state: str, request_type: str, text: str, version: int | None
) -> ReplyTemplate:
    """Write the office's text for a moment and type; the old one is kept, inactive.

    `version` is that of the active template the editor saw (None when there was none);
    a template changed meanwhile is refused.
    """
    require_office(access_for(actor), _("edit reply templates"))
    if state not in ReplyState.values:
        raise InvalidInput(_("Choose the moment."), field="state")
    if request_type and request_type not in RequestType.values:
        raise InvalidInput(_("Choose a request type from the list."), field="request_type")
    text = require_text(text, "text", _("The text"), limit=1000)
    check_placeholders(text)
    current = (
        ReplyTemplate.objects.select_for_update()
        .filter(state=state, request_type=request_type, is_active=True)
        .first()
    )
    if current is not None:
        if version != current.version:
            raise StaleVersion(
                _("This template was changed by someone else. Reload it and try again.")
            )
        current.is_active = False
        current.save(update_fields=["is_active"])
    return ReplyTemplate.objects.create(
        state=state,
        request_type=request_type,
        text=text,
        updated_by=actor,
        version=(current.version + 1) if current else 1,
    )
