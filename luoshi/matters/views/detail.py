"""The matter page, its actions and its attachments.

The page offers only the actions `permissions.available_actions` gives this user
now; each action posts to `matter_action`, which calls the one service of that verb.
"""

from __future__ import annotations

from functools import cached_property
from typing import NamedTuple

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import F
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from luoshi.lib import requestkeys
from luoshi.lib.errors import IllegalTransition, InvalidInput, StaleVersion
from luoshi.lib.storage import open_stored
from luoshi.org.access import access_for
from luoshi.org.models import Unit

from .. import services
from ..events import EXTENSION_RULINGS, read_extension_step
from ..forms import ACTION_FORMS, FORM_NEEDS
from ..models import Attachment, Dispute, EventKind, Matter, ProgressReport, RequestState
from ..permissions import ACTION_LABELS, available_actions, check
from ..queries import get_matter_for_user, timeline
from ._common import domain_errors, is_htmx, render_page
from .desk import desk_context


class PendingExtension(NamedTuple):
    pk: int
    unit: Unit | None
    current_deadline: str
    requested_deadline: str
    reason: str


class FileLink(NamedTuple):
    pk: int
    name: str
    size: int


# Events whose presence means the page must load the rows they refer to (saves queries).
REPORT_EVENTS = {EventKind.REPORTED, EventKind.PART_DONE, EventKind.COMPLETION_REQUESTED}


class MatterPage:
    """What the matter page shows to one user, each part read once and only if needed."""

    def __init__(self, request: HttpRequest, matter: Matter):
        self.request, self.matter = request, matter
        self.access = access_for(request.user)
        self.ctx = services.permission_context(matter)
        self.allowed = available_actions(self.access, self.ctx)
        self.actions = [v for v in self.allowed if v in ACTION_FORMS]
        self.can_decompose = "decompose" in self.allowed
        self.events = list(timeline(matter))
        self.kinds = {e.kind for e in self.events}

    @cached_property
    def disputes(self) -> list[Dispute]:
        if EventKind.DISPUTE_RAISED not in self.kinds:
            return []
        pending = self.matter.disputes.filter(state=RequestState.PENDING)
        return list(pending.select_related("unit", "suggested_unit"))

    @cached_property
    def extensions(self) -> list[PendingExtension]:
        """Pending extension requests, read from the timeline already loaded.

        request_extension records the request's id, dates and reason on its event, and
        rule_extension names the id it ruled on, so no extra query is needed.
        """
        ruled = {
            read_extension_step(e)["extension"] for e in self.events if e.kind in EXTENSION_RULINGS
        }
        asked = [
            (read_extension_step(e), e)
            for e in self.events
            if e.kind == EventKind.EXTENSION_REQUESTED
        ]
        return [
            PendingExtension(step["extension"], e.unit, step["from"], step["to"], e.comment)
            for step, e in asked
            if step["extension"] not in ruled
        ]

    @cached_property
    def milestones(self):
        return list(self.matter.milestones.all())

    @cached_property
    def children(self) -> list[Matter]:
        if EventKind.DECOMPOSED not in self.kinds:
            return []
        return list(self.matter.children.select_related("lead_unit").order_by("serial_no"))

    @cached_property
    def reports(self) -> list[ProgressReport]:
        """Reports with their files in one query (a LEFT JOIN row per attachment)."""
        if not self.kinds & REPORT_EVENTS:
            return []
        rows = (
            self.matter.reports.select_related("unit", "author")
            .annotate(file_id=F("attachments__id"), file_name=F("attachments__name"))
            .annotate(file_size=F("attachments__size"))
            .order_by("-created_at", "-id", "file_id")
        )
        reports: dict[int, ProgressReport] = {}
        for row in rows:
            report = reports.setdefault(row.pk, row)
            if not hasattr(report, "files"):
                report.files = []
            if row.file_id:
                report.files.append(FileLink(row.file_id, row.file_name, row.file_size))
        return list(reports.values())

    @property
    def co_parts(self) -> list:
        return [p for p in self.ctx.parts if not p.is_lead]

    @property
    def office_wait(self) -> int | None:
        """Working days the matter has waited for the office (None if it does not)."""
        since = self.matter.awaiting_office_since
        if since is None:
            return None
        return max(self.ctx.calendar.workdays_between(timezone.localdate(since), self.ctx.today), 0)

    @property
    def hastenings(self) -> int:
        return sum(1 for e in self.events if e.kind == EventKind.HASTENED)

    def form(self, verb: str, data=None, files=None):
        needs = {name: getattr(self, name) for name in FORM_NEEDS.get(verb, ())}
        initial = {"version": self.matter.version}
        form = ACTION_FORMS[verb](data, files, initial=initial, prefix=verb, **needs)
        form.verb, form.label = verb, ACTION_LABELS[verb]
        return form

    def forms(self, bound=None) -> list:
        """A form per action allowed now, less rulings with nothing pending to rule on."""
        bound = bound or {}
        nothing_to_pick = {
            "rule_dispute": lambda: not self.disputes,
            "rule_extension": lambda: not self.extensions,
            "milestone": lambda: all(m.done_at for m in self.milestones),
        }
        shown = [v for v in self.actions if not nothing_to_pick.get(v, lambda: False)()]
        return [bound.get(verb) or self.form(verb) for verb in shown]

    def render(self, bound=None, status: int = 200) -> HttpResponse:
        context = {
            "matter": self.matter,
            "page": self,
            "parts": self.ctx.parts,
            "action_forms": self.forms(bound),
            "open_action": next(iter(bound), None) if bound else None,
        }
        return render_page(
            self.request,
            "matters/matter_detail.html",
            "matters/partials/matter_body.html",
            context,
            status,
        )


@login_required
@domain_errors
def matter_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return MatterPage(request, get_matter_for_user(request.user, pk)).render()


def _run(verb: str, matter: Matter, user, d: dict, key: str = ""):
    """Call the service of `verb` with the form's cleaned data (and the form's request
    key, for the actions a resent form must not repeat)."""
    v = {"actor": user, "version": d.get("version")}
    calls = {
        "submit": lambda: services.submit_for_approval(matter, **v),
        "approve_dispatch": lambda: services.approve_dispatch(
            matter, **v, approve=d["approve"], comment=d["comment"]
        ),
        "assign": lambda: services.assign_matter(matter, **v, deadline=d["deadline"]),
        "accept": lambda: services.accept_matter(matter, **v),
        "dispute": lambda: services.raise_dispute(
            matter,
            **v,
            reason_code=d["reason_code"],
            reason=d["reason"],
            suggested_unit=d["suggested_unit"],
        ),
        "rule_dispute": lambda: services.rule_dispute(
            matter,
            d["dispute"],
            **v,
            ruling=d["ruling"],
            comment=d["comment"],
            new_unit=d["new_unit"],
        ),  # fmt: skip
        "report": lambda: services.report_progress(
            matter,
            **v,
            text=d["text"],
            percent=d["percent"],
            problems=d["problems"],
            attachments=d["attachments"],
        ),  # fmt: skip
        "complete_part": lambda: services.complete_part(matter, **v, text=d["text"]),
        "milestone": lambda: services.complete_milestone(
            matter, d["milestone"], **v, comment=d["comment"]
        ),
        "request_extension": lambda: services.request_extension(
            matter, **v, new_deadline=d["new_deadline"], reason=d["reason"]
        ),
        "rule_extension": lambda: services.rule_extension(
            matter, d["extension"], **v, approve=d["approve"], comment=d["comment"]
        ),
        "suspend": lambda: services.suspend_matter(matter, **v, reason=d["reason"]),
        "resume": lambda: services.resume_matter(matter, **v, comment=d["comment"]),
        "request_completion": lambda: services.request_completion(
            matter, **v, text=d["text"], attachments=d["attachments"]
        ),
        "review": lambda: services.review_completion(
            matter, **v, outcome=d["outcome"], comment=d["comment"]
        ),
        "close": lambda: services.close_matter(matter, **v, comment=d["comment"]),
        "hasten": lambda: services.hasten_matter(
            matter, actor=user, message=d["message"], request_key=key
        ),
        "comment": lambda: services.comment_on_matter(
            matter, actor=user, text=d["text"], request_key=key
        ),
        "withdraw": lambda: services.withdraw_matter(matter, **v, reason=d["reason"]),
    }
    return calls[verb]()


@require_POST
@login_required
@domain_errors
def matter_action(request: HttpRequest, pk: int, verb: str) -> HttpResponse:
    """One action from the matter page (or the desk): validate, call the service, show."""
    if verb not in ACTION_FORMS:
        raise Http404(verb)
    matter = get_matter_for_user(request.user, pk)
    page = MatterPage(request, matter)
    _require_role(verb, page)
    form = page.form(verb, request.POST, request.FILES)
    if not form.is_valid():
        return page.render({verb: form}, status=422)
    try:
        _run(verb, matter, request.user, form.cleaned_data, requestkeys.from_request(request))
    except (StaleVersion, IllegalTransition) as error:
        # Someone acted first: show the fresh state and say so; nothing was written.
        messages.error(request, error.message)
        fresh = MatterPage(request, get_matter_for_user(request.user, pk))
        return fresh.render(status=409)
    except InvalidInput as error:
        form.add_error(error.field if error.field in form.fields else None, error.message)
        return page.render({verb: form}, status=422)
    messages.success(request, _("Done: %(action)s.") % {"action": ACTION_LABELS[verb]})
    return _after_action(request, pk)


def _require_role(verb: str, page: MatterPage) -> None:
    """A user whose role never allows `verb` is refused (403) before the form is read.

    A refusal of state (409) is left to the service: it compares the version first, so
    the user learns that someone else acted.
    """
    if verb in page.allowed:
        return
    try:
        check(verb, page.access, page.ctx)
    except IllegalTransition:
        return


def _after_action(request: HttpRequest, pk: int) -> HttpResponse:
    from_desk = request.POST.get("from") == "desk"
    if not is_htmx(request):
        return redirect("matters:desk" if from_desk else reverse("matters:detail", args=[pk]))
    if from_desk:
        context = desk_context(request.user)
        return render_page(request, "", "matters/partials/desk_body.html", context)
    return MatterPage(request, get_matter_for_user(request.user, pk)).render()


@login_required
def attachment_download(request: HttpRequest, pk: int) -> FileResponse:
    """Serve a private attachment to a user who may see its matter; 404 to anyone else."""
    attachment = get_object_or_404(Attachment.objects.select_related("report"), pk=pk)
    visible = Matter.objects.visible_to(request.user).filter(pk=attachment.report.matter_id)
    if not visible.exists():
        raise Http404(_("No such attachment."))
    return FileResponse(open_stored(attachment.file), as_attachment=True, filename=attachment.name)


__all__ = ["attachment_download", "matter_action", "matter_detail"]
